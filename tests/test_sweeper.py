"""The sweeper keeps the promise "nothing lost" (and nothing kept too long), against a real
store and the real embedded queue."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import pytest

from jobs.files import job_dir
from jobs.queue import EmbeddedQueue
from jobs.sweeper import ORPHAN_DIR_GRACE_S, recover_on_start, sweep
from store import QUEUED, Store, StoredReport, utcnow


@pytest.fixture()
def parts(tmp_path, database_url):
    store = Store(database_url)
    queue = EmbeddedQueue(tmp_path / "queue.sqlite3")
    jobs_dir = tmp_path / "jobs"
    yield store, queue, jobs_dir
    queue.close()
    store.close()


def _job(store, jobs_dir, **kw) -> str:
    job_id = str(uuid.uuid4())
    job_dir(jobs_dir, job_id).mkdir(parents=True)
    store.create_job(
        job_id=job_id,
        report_id=str(uuid.uuid4()),
        request={},
        max_attempts=2,
        queue="embedded",
        **kw,
    )
    return job_id


def _age(path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_a_dead_runner_s_job_is_run_again_and_a_lost_message_enqueued(parts):
    store, queue, jobs_dir = parts
    running, lost = _job(store, jobs_dir), _job(store, jobs_dir)
    store.register_runner("host-a:999999999:x", "host-a", 999_999_999, "embedded")  # no such pid
    store.claim_job(running, "host-a:999999999:x")
    out = sweep(store, queue, jobs_dir, stale_after_s=30, host="host-a")
    assert out.requeued == [running] and out.enqueued_lost == [lost]
    assert queue.pending_job_ids() == {running, lost}
    assert store.get_job(running).status == QUEUED
    assert sweep(store, queue, jobs_dir, stale_after_s=30, host="host-a").enqueued_lost == []


def test_a_live_runner_keeps_its_job(parts):
    store, queue, jobs_dir = parts
    job_id = _job(store, jobs_dir)
    runner = f"host-a:{os.getpid()}:x"
    store.register_runner(runner, "host-a", os.getpid(), "embedded")
    store.claim_job(job_id, runner)
    queue.flush()
    out = sweep(store, queue, jobs_dir, stale_after_s=30, host="host-a")
    assert out.requeued == [] and store.get_job(job_id).status == "running"


def test_recovery_on_start_requeues_every_job_of_this_host(parts):
    store, queue, jobs_dir = parts
    job_ids = [_job(store, jobs_dir) for _ in range(3)]
    store.register_runner(f"host-a:{os.getpid()}:x", "host-a", os.getpid(), "embedded")
    store.claim_job(job_ids[0], f"host-a:{os.getpid()}:x")
    queue.flush()  # the queue's file was lost, or the supervisor starts afresh
    out = recover_on_start(store, queue, host="host-a", queue_name="embedded")
    assert out.requeued == [job_ids[0]]
    assert queue.pending_job_ids() == set(job_ids)
    assert store.get_job(job_ids[0]).attempts == 1  # the killed attempt counted


def test_retention_and_leftover_folders(parts):
    store, queue, jobs_dir = parts
    old = StoredReport(
        report_id=str(uuid.uuid4()),
        body="{}",
        created_at=utcnow() - timedelta(days=40),
        schema_version="1.3.0",
        scoring_version=None,
        talent_score=None,
        summary={},
        measures={},
        tags=(),
    )
    store.save_report(old, source="analyze")
    cancelled = _job(store, jobs_dir)
    store.cancel_job(cancelled)
    queued = _job(store, jobs_dir)
    stray = job_dir(jobs_dir, "no-such-job")
    stray.mkdir()
    fresh_stray = job_dir(jobs_dir, "being-submitted")
    fresh_stray.mkdir()
    for folder in (job_dir(jobs_dir, cancelled), job_dir(jobs_dir, queued), stray):
        _age(folder, ORPHAN_DIR_GRACE_S + 10)
    sweep(store, queue, jobs_dir, stale_after_s=30, retention_days=30)
    assert store.get_report(old.report_id) is None
    left = sorted(p.name for p in jobs_dir.iterdir())
    assert left == sorted([queued, "being-submitted"])
