"""What the routes need from the app: settings, models, pipeline options, the results store and
the job queue, set once by ``create_app`` and read through :func:`context`. The store and the
queue open on first use (a worker that serves only synchronous requests with
CAA_STORE_REPORTS=false never opens them)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from api.admission import AnalysisGate
from pipeline import PipelineOptions
from service.settings import Settings
from service.wiring import build_queue, build_store


@dataclass
class ServiceContext:
    settings: Settings
    models: Any  # models.registry.ModelRegistry or a test double with get/status/warm_up
    options: PipelineOptions
    gate: AnalysisGate = field(default_factory=AnalysisGate)
    _store: Any = None
    _queue: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def store(self):
        """store.Store at CAA_DATABASE_URL (migrated on first use)."""
        with self._lock:
            if self._store is None:
                self._store = build_store(self.settings)
            return self._store

    @property
    def queue(self):
        """The job queue (the API only enqueues)."""
        with self._lock:
            if self._queue is None:
                self._queue = build_queue(self.settings)
            return self._queue


def context() -> ServiceContext:
    """The current app's :class:`ServiceContext`."""
    return current_app.extensions["caa"]
