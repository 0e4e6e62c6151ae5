"""The Celery worker's app: ``celery -A service.celery_worker worker`` (``make worker``).

Each worker process builds its job context once when it starts (models loaded once, a runner
row with a heartbeat) and runs one analysis at a time with the job function of the embedded
mode. Settings come from the same ``CAA_*`` variables as the API: the broker, the database and
the job settings must match on every machine (README, "Running on many machines").
"""

from __future__ import annotations

import logging

from celery.signals import worker_process_init, worker_process_shutdown

from jobs.celery_queue import make_celery
from jobs.runner import JobContext, run_job
from service.settings import Settings
from service.wiring import build_job_context

log = logging.getLogger(__name__)
settings = Settings()
_context: JobContext | None = None


def _run(job_id: str) -> None:
    if _context is None:
        raise RuntimeError("this worker process has no job context")
    run_job(job_id, _context)


app = make_celery(settings.broker_url, run=_run)


@worker_process_init.connect
def _start(**_kwargs) -> None:
    global _context
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _context = build_job_context(settings)
    log.info("worker process ready: runner %s", _context.runner_id)


@worker_process_shutdown.connect
def _stop(**_kwargs) -> None:
    global _context
    if _context is not None:
        _context.close()
        _context = None
