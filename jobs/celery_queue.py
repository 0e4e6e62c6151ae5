"""The distributed job queue: Celery with a Redis broker (``CAA_QUEUE=celery``), for any number
of machines running workers against one Redis and one PostgreSQL (docs/decisions/0021).

The queue carries job ids only; the store stays the source of truth for status, progress,
attempts and results, and the job function is the embedded mode's (jobs.runner.run_job).
Delivery that loses nothing:

- late acknowledgement (``task_acks_late``) with one message prefetched per worker process: a
  message is removed from Redis only after its job ran; a worker process that dies
  (``task_reject_on_worker_lost``) gives its message back;
- a worker machine killed outright leaves its message unacknowledged in Redis (redelivered
  after ``visibility_timeout``) and its job ``running`` with a silent heartbeat: the sweeper
  (jobs.sweeper, in the API's supervisor) puts the job back and enqueues it at once, up to
  CAA_JOB_MAX_ATTEMPTS; duplicate messages are harmless (one claim succeeds);
- a broker restart loses Redis's messages: every sweep enqueues the queued jobs the broker
  does not hold (:meth:`CeleryQueue.pending_job_ids` reads Redis's list and unacked set).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable

from celery import Celery

log = logging.getLogger(__name__)

TASK_NAME = "caa.run_job"
QUEUE_NAME = "celery"  # the store's name of this engine (jobs.queue and runners rows)
BROKER_QUEUE = "caa-jobs"  # the Redis list the messages wait in
UNACKED_KEY = "unacked"  # kombu's Redis transport: delivered, not yet acknowledged
VISIBILITY_TIMEOUT_S = 3600


def make_celery(broker_url: str, run: Callable[[str], None] | None = None) -> Celery:
    """A Celery app on ``broker_url`` with the delivery settings above; ``run(job_id)`` is the
    task body (workers pass one; the API only sends)."""
    app = Celery("caa", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=BROKER_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        worker_hijack_root_logger=False,
        # a pool process loads every model before it reports ready (seconds, longer on a busy
        # machine): Celery's default 4 s would kill and respawn it for ever
        worker_proc_alive_timeout=300,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )

    @app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
    def run_job(job_id: str) -> None:
        if run is None:
            raise RuntimeError("this process only enqueues")
        run(job_id)

    return app


def _job_id(raw: bytes | str) -> str | None:
    """The job id in a kombu Redis message (JSON envelope, base64 JSON body [args, kwargs,
    embed]); None for anything else."""
    try:
        envelope = json.loads(raw)
        if isinstance(envelope, list):  # the unacked set holds [message, exchange, key]
            envelope = envelope[0]
        body = envelope["body"]
        if envelope.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return str(args[0]) if args else None
    except (ValueError, KeyError, IndexError, TypeError):
        return None


class CeleryQueue:
    """Sends job ids to Celery workers through Redis.

    Args:
        broker_url: ``redis://host:6379/N``.
    """

    name = QUEUE_NAME

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self.app = make_celery(broker_url)

    def enqueue(self, job_id: str) -> None:
        self.app.send_task(TASK_NAME, args=[job_id], queue=BROKER_QUEUE)

    def _redis(self):
        import redis

        return redis.Redis.from_url(self.broker_url, socket_timeout=10)

    def pending_job_ids(self) -> set[str]:
        """Job ids of the messages waiting in Redis or delivered and not yet acknowledged."""
        client = self._redis()
        try:
            raw = client.lrange(BROKER_QUEUE, 0, -1) + list(client.hvals(UNACKED_KEY))
        finally:
            client.close()
        return {j for j in map(_job_id, raw) if j is not None}

    def flush(self) -> None:
        """Drop the waiting messages (the store re-enqueues what it holds)."""
        client = self._redis()
        try:
            client.delete(BROKER_QUEUE)
        finally:
            client.close()

    def close(self) -> None:
        self.app.close()
