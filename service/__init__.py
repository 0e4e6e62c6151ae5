"""The service's composition layer: settings, the wiring that builds models, store and queue
from them, and the processes `make serve` runs (service.serve: the API beside the job runner).

Everything below this package takes plain values; only this package and the API read
configuration.
"""
