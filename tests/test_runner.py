"""The job runner's safety nets: a watchdog for hung analyses, a worker that cannot start,
progress that cannot be stored, and settings that would take live runners as dead."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from jobs.queue import EmbeddedQueue
from jobs.runner import JobContext, RunnerHeartbeat, run_job
from service.settings import Settings
from store import Store


def test_the_watchdog_ends_a_runner_whose_analysis_stalls(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    stalled = threading.Event()
    beat = RunnerHeartbeat(store, "r", 0.05, stall_s=0.3, on_stall=stalled.set)
    beat.start()
    beat.watch("job-1", 1)
    assert stalled.wait(5)
    beat.stop()
    idle = threading.Event()
    quiet = RunnerHeartbeat(store, "r2", 0.05, stall_s=0.3, on_stall=idle.set)
    quiet.start()  # no job: nothing to stall
    assert not idle.wait(0.6)
    quiet.stop()
    store.close()


def test_a_worker_that_cannot_start_ends_instead_of_eating_messages(tmp_path, monkeypatch):
    import jobs.queue

    def broken():
        raise RuntimeError("model file missing")

    exits = []
    monkeypatch.setattr(jobs.queue.os, "_exit", lambda code: exits.append(code))
    queue = EmbeddedQueue(tmp_path / "q.sqlite3", context_factory=broken)
    queue._start_worker()
    assert exits == [1]
    queue.close()


def test_settings_refuse_a_stale_time_shorter_than_three_heartbeats():
    with pytest.raises(ValidationError, match="3 x"):
        Settings(job_heartbeat_s=10, job_stale_after_s=20)
    assert Settings(job_heartbeat_s=10, job_stale_after_s=30).job_stale_after_s == 30


@pytest.mark.slow
def test_progress_the_store_cannot_take_does_not_fail_the_job(tmp_path, registry, answer_video):
    from pipeline import PipelineOptions
    from tests.jobs_factory import stored_job

    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    job_id = stored_job(store, tmp_path / "jobs", answer_video)
    calls = []
    real = store.update_progress

    def flaky(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("database is locked")
        return real(*args)

    store.update_progress = flaky
    ctx = JobContext(store, registry, PipelineOptions(), tmp_path / "jobs", "r")
    assert run_job(job_id, ctx) == "succeeded" and len(calls) > 2
    store.close()
