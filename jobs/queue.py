"""The embedded job queue: Huey (huey 3, MIT) with its SQLite storage in ``var/``.

The queue only carries job ids; the store is the source of truth. The API process enqueues;
the runner process (service.runner) runs Huey's consumer with process workers, each of which
builds its :class:`jobs.runner.JobContext` (models loaded once) when it starts. Huey removes a
message when a worker takes it, so a worker killed mid-job loses the message: the sweeper puts
the job back from the store (jobs.sweeper). docs/decisions/0011 says why Huey.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from huey import SqliteHuey

from jobs.runner import JobContext, run_job

log = logging.getLogger(__name__)

TASK_NAME = "caa.run_job"
QUEUE_NAME = "embedded"


class EmbeddedQueue:
    """Huey on an SQLite file.

    Args:
        path: The queue's SQLite file (e.g. ``var/queue.sqlite3``); created when missing.
        context_factory: Builds the runner context in each worker process when it starts
            (only the runner process passes one; the API only enqueues).
    """

    name = QUEUE_NAME

    def __init__(self, path: Path, context_factory: Callable[[], JobContext] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.huey = SqliteHuey(name="caa", filename=str(path), results=False, utc=True, timeout=30)
        self._context_factory = context_factory
        self._context: JobContext | None = None
        self._task = self.huey.task(name=TASK_NAME)(self._run)
        self.huey.on_startup()(self._start_worker)
        self.huey.on_shutdown()(self._stop_worker)

    def _start_worker(self) -> None:
        if self._context_factory is None:
            return
        try:
            self._context = self._context_factory()
        except BaseException:
            # Huey would log a failing start-up hook and run on without a context, consuming
            # every message: end the worker instead; the consumer starts another one. The jobs
            # stay queued in the store meanwhile and /health shows no runner alive.
            log.exception("the job runner could not start (models or store); exiting")
            os._exit(1)

    def _stop_worker(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None

    def _run(self, job_id: str) -> None:
        if self._context is None:
            raise RuntimeError("this process has no runner context (it only enqueues)")
        run_job(job_id, self._context)

    def enqueue(self, job_id: str) -> None:
        self._task(job_id)

    def pending_job_ids(self) -> set[str]:
        """Job ids of the messages waiting in the queue."""
        return {task.args[0] for task in self.huey.pending() if task.args}

    def flush(self) -> None:
        """Drop every message (the store re-enqueues what it holds)."""
        self.huey.flush()

    def close(self) -> None:
        self.huey.storage.close()
