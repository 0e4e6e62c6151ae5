"""The job runner process: Huey's consumer with ``CAA_JOB_WORKERS`` worker processes, each
loading the models once and running one analysis at a time. Started by service.serve
(``make serve``); ``python -m service.runner`` runs it alone."""

from __future__ import annotations

import logging
import signal

from service.process import die_with_parent, supervised
from service.settings import Settings
from service.wiring import build_queue

# Huey's workers poll its SQLite queue; after an empty poll they wait longer each time, up to
# this: a submitted job starts within a second on an idle runner.
MAX_POLL_DELAY_S = 1.0


def main() -> None:
    parent = supervised()
    if parent is not None:
        die_with_parent(signal.SIGTERM, expected_parent=parent)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    queue = build_queue(settings, runner=True)
    consumer = queue.huey.create_consumer(
        workers=settings.job_workers,
        worker_type="process",
        periodic=False,
        initial_delay=0.1,
        max_delay=MAX_POLL_DELAY_S,
        check_worker_health=True,
        health_check_interval=1,
        # SIGINT (Ctrl-C, or the supervisor stopping) interrupts a running analysis, which puts
        # its job back in the queue uncounted; SIGTERM would wait for the analysis to end.
        graceful_signal="TERM",
    )
    consumer.run()


if __name__ == "__main__":
    main()
