"""Housekeeping that keeps the promise "nothing lost": run on start and every few seconds by
the service's supervisor (service.serve).

- runners silent for ``stale_after_s`` are forgotten; the running jobs of runners that are gone
  go back to the queue (or fail after their last attempt);
- queued jobs the queue does not hold (a crash between storing and enqueueing) are enqueued;
- reports past their retention are deleted; media folders of finished jobs are removed;
- idempotency keys older than 24 h are forgotten, webhook events sent (or failed) more than
  7 days ago are deleted.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from jobs.files import job_dirs, remove_job_files
from store import IDEMPOTENCY_KEY_TTL, WEBHOOK_EVENT_TTL, Store, utcnow

log = logging.getLogger(__name__)

ORPHAN_DIR_GRACE_S = 300.0  # a folder being filled by a submission has no job row yet


class Queue(Protocol):
    def enqueue(self, job_id: str) -> None: ...

    def pending_job_ids(self) -> set[str]: ...


@dataclass
class SweepResult:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    enqueued_lost: list[str] = field(default_factory=list)
    expired_jobs: list[str] = field(default_factory=list)
    removed_dirs: list[str] = field(default_factory=list)
    expired_idempotency_keys: int = 0
    expired_webhook_events: int = 0


def recover_on_start(store: Store, queue, *, host: str, queue_name: str) -> SweepResult:
    """The embedded service on ``host`` is starting, so every runner it had is dead: their
    running jobs go back to the queue (counting the attempt) and every queued job is enqueued
    again, oldest first (a duplicate message is harmless: only one claim succeeds)."""
    out = SweepResult()
    store.forget_runners(host=host, queue=queue_name)
    out.requeued, out.failed = store.requeue_orphans(stale_before=None)
    for job_id in store.queued_job_ids():
        queue.enqueue(job_id)
    if out.requeued or out.failed:
        log.info(
            "recovered %d running jobs, %d failed after their last attempt",
            len(out.requeued),
            len(out.failed),
        )
    return out


def _pid_alive(pid: int) -> bool:
    """Whether a process of this host runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: trust kill(0)
    return state != "Z"


def sweep(
    store: Store,
    queue: Queue,
    jobs_dir: Path,
    *,
    stale_after_s: float,
    retention_days: float | None = None,
    keep_media: bool = False,
    host: str | None = None,
) -> SweepResult:
    """One round of housekeeping (see the module docstring). With ``host`` (this machine's
    name), a runner of this host whose process is gone is forgotten at once, without waiting
    ``stale_after_s`` for its heartbeat to go stale."""
    out = SweepResult()
    now = utcnow()
    stale_before = now - timedelta(seconds=stale_after_s)
    store.forget_runners(stale_before=stale_before)
    if host is not None:
        store.unregister_runners(r for r, pid in store.runners_of(host) if not _pid_alive(pid))
    out.requeued, out.failed = store.requeue_orphans(stale_before=stale_before)
    for job_id in out.requeued:
        queue.enqueue(job_id)
    queued = store.queued_job_ids()
    if queued:
        pending = queue.pending_job_ids()
        out.enqueued_lost = [j for j in queued if j not in pending]
        for job_id in out.enqueued_lost:
            queue.enqueue(job_id)
    if retention_days is not None:
        out.expired_jobs = store.expire_reports(before=now - timedelta(days=retention_days))
        remove_job_files(jobs_dir, out.expired_jobs)
    out.expired_idempotency_keys = store.expire_idempotency_keys(before=now - IDEMPOTENCY_KEY_TTL)
    out.expired_webhook_events = store.expire_deliveries(before=now - WEBHOOK_EVENT_TTL)
    folders = job_dirs(jobs_dir, older_than_s=ORPHAN_DIR_GRACE_S)
    if folders:
        finished = store.finished_job_ids(folders)
        kept = store.kept_job_ids(finished) if keep_media else set()
        out.removed_dirs = sorted(finished - kept)
        remove_job_files(jobs_dir, out.removed_dirs)
    remove_job_files(jobs_dir, out.failed)
    if out.requeued or out.failed or out.enqueued_lost:
        log.info(
            "sweep: %d jobs of dead runners requeued, %d failed, %d lost messages enqueued",
            len(out.requeued),
            len(out.failed),
            len(out.enqueued_lost),
        )
    return out
