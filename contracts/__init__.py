"""The shared contract of the service: the report format, domain errors, emotion labels, the
audio sample rate and the catalogue of warning codes.

Every other package of the project may import this one; this one imports nothing of the
project's (a test enforces it), so the contract can be read, versioned and exported alone.
"""
