"""Analyses on decoded data (numpy arrays, text) with injected models.

Nothing in this package imports Flask or reads configuration; the pipeline module is the one
place that opens the uploaded files, and only through :mod:`analyzers.media`.
"""
