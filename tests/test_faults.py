"""Faults while a job ends: the database restarted, the disk full. Each ends with a clear
status and nothing lost."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from jobs.files import job_dir
from jobs.runner import JobContext, run_job
from pipeline import PipelineOptions
from store import QUEUED, RUNNING, SUCCEEDED, Store, utcnow
from tests.jobs_factory import stored_job
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


def test_a_database_restart_while_a_job_ends_loses_nothing(
    tmp_path, registry, face_video, database_url_postgresql
):
    proxy = TcpProxy("127.0.0.1", 5432)
    url = database_url_postgresql.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    store = Store(url)
    job_id = stored_job(store, tmp_path / "jobs", face_video)
    real = store.finish_succeeded

    def restart_first(*args, **kwargs):
        if not restarted.is_set():
            restarted.set()
            proxy.cut()  # the database goes down just as the report is written ...
            threading.Timer(2.0, proxy.restore).start()  # ... and is back 2 s later
        return real(*args, **kwargs)

    restarted = threading.Event()
    store.finish_succeeded = restart_first
    ctx = JobContext(store, registry, PipelineOptions(), tmp_path / "jobs", "r", store_retry_s=30)
    try:
        assert run_job(job_id, ctx) == "succeeded" and restarted.is_set()
        job = store.get_job(job_id)
        assert job.status == SUCCEEDED and store.get_report(job.report_id) is not None
        assert not job_dir(tmp_path / "jobs", job_id).exists()
    finally:
        store.close()
        proxy.close()


def test_a_full_disk_while_a_job_ends_keeps_the_job_and_its_media(tmp_path, registry, face_video):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = Store(url)
    job_id = stored_job(store, tmp_path / "jobs", face_video)
    store.register_runner("r", "host", 1, "embedded")

    def full(dbapi_connection, _record):  # no page beyond the ones in use: SQLITE_FULL
        used = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={used}")

    engine = store._write_engine
    event.listen(engine, "connect", full)
    engine.dispose()
    ctx = JobContext(store, registry, PipelineOptions(), tmp_path / "jobs", "r", store_retry_s=1)
    assert run_job(job_id, ctx) == "store-unavailable"
    event.remove(engine, "connect", full)  # space freed
    engine.dispose()
    job = store.get_job(job_id)
    assert job.status == RUNNING and job.attempts == 1  # nothing written, nothing lost
    assert (job_dir(tmp_path / "jobs", job_id) / "video.media").exists()
    # its runner goes silent; the sweeper puts the job back and it runs again
    assert store.requeue_orphans(stale_before=utcnow() + timedelta(seconds=1)) == ([job_id], [])
    assert store.get_job(job_id).status == QUEUED
    assert run_job(job_id, ctx) == "succeeded"
    assert store.get_job(job_id).attempts == 2
    store.close()
