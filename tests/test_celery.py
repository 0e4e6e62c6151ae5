"""Scale-out on Celery + Redis + PostgreSQL with real processes: the API (service.serve with
CAA_QUEUE=celery: API, sweeper, no runner), two Celery workers (``make worker``'s command),
a Redis server of this test's own (so that it can be restarted) and this run's PostgreSQL
database. Jobs go through both workers; one worker is killed with ``kill -9`` mid-job and its
job finishes on the other; Redis is restarted with a job queued and the job is not lost."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.celery_cluster import RedisServer, Worker
from tests.conftest import require_or_skip
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.slow


@pytest.fixture()
def cluster(tmp_path, database_url_postgresql):
    if shutil.which("redis-server") is None:
        require_or_skip("redis-server is not installed (the Redis restart needs its own server)")
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    env = {
        **os.environ,
        "CAA_QUEUE": "celery",
        "CAA_BROKER_URL": redis_server.url,
        "CAA_DATABASE_URL": database_url_postgresql,
        "CAA_JOBS_DIR": str(tmp_path / "shared-media"),  # what machines would mount
        "CAA_JOB_HEARTBEAT_S": "0.5",
        "CAA_JOB_STALE_AFTER_S": "5",
        "CAA_LANGUAGE_CHECK": "false",
    }
    workers = [Worker(f"w{i}", env, tmp_path / f"worker{i}.log").start() for i in (1, 2)]
    api_env = {k: v for k, v in env.items() if k.startswith("CAA_")}
    api = ServiceProcess(
        tmp_path / "var", tmp_path / "api.log", CAA_PRELOAD_MODELS="false", **api_env
    )
    try:
        # the API loads no model (it only enqueues): ready once both workers' runners live
        api.start(timeout_s=300, until=lambda h: h["jobs"].get("runners_alive", 0) >= 2)
        yield api, workers, redis_server, database_url_postgresql, tmp_path
    finally:
        api.stop()
        for w in workers:
            w.stop()
        redis_server.stop()


def _runner_of(db_url: str, job_id: str) -> str | None:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as c:
            return c.execute(
                sa.text("SELECT runner_id FROM jobs WHERE job_id = :j"), {"j": job_id}
            ).scalar()
    finally:
        engine.dispose()


def _worker_running(workers, db_url, job_id) -> Worker:
    """The worker whose pool process runs the job (runner ids hold the process id)."""
    pid = int(_runner_of(db_url, job_id).split(":")[1])
    parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return next(w for w in workers if w.proc.pid == parent)


def test_two_workers_a_killed_worker_and_a_broker_restart(cluster, long_answer_video):
    api, workers, redis_server, db_url, tmp_path = cluster
    jobs = [api.submit({"video": long_answer_video}, candidate_id=f"c{i}") for i in range(3)]
    ids = [j["job_id"] for j in jobs]
    # queue position and ETA read the store, as in the embedded mode (two workers alive)
    assert jobs[-1]["queue_position"] >= 1 and jobs[-1]["eta_s"] > 0
    # kill -9 the worker that runs a job, while it runs
    deadline = time.monotonic() + 120
    while True:
        running = [j for j in ids if api.job(j)["status"] == "running"]
        if running and 0 < api.job(running[0])["progress"] < 0.9:
            break
        assert time.monotonic() < deadline, "no job started"
        time.sleep(0.2)
    victim_job = running[0]
    first_runner = _runner_of(db_url, victim_job)
    victim = _worker_running(workers, db_url, victim_job)
    victim.kill9()
    survivor = next(w for w in workers if w is not victim)
    done = api.wait(ids, timeout_s=400)
    assert all(j["status"] == "succeeded" for j in done.values()), done
    assert done[victim_job]["attempts"] == 2  # run again after its worker died
    # the jobs went through both workers: the victim's job ended on the survivor
    assert _runner_of(db_url, victim_job) not in (None, first_runner)
    assert any(
        "succeeded" in line
        for line in (tmp_path / "worker1.log").read_text().splitlines()
        + (tmp_path / "worker2.log").read_text().splitlines()
    )

    # a broker restart with a job queued behind a running one: none is lost
    more = [api.submit({"video": long_answer_video})["job_id"] for _ in range(2)]
    cancelled = api.submit({"video": long_answer_video})["job_id"]
    assert requests.delete(f"{api.base}/jobs/{cancelled}", timeout=10).json()["status"] == (
        "cancelled"
    )
    deadline = time.monotonic() + 120
    while not any(api.job(j)["status"] == "running" for j in more):
        assert time.monotonic() < deadline, "the survivor took no job"
        time.sleep(0.2)
    assert any(api.job(j)["status"] == "queued" for j in more)
    redis_server.stop()  # every message in Redis is gone
    redis_server.start()
    done.update(api.wait(more, timeout_s=400))
    assert all(j["status"] == "succeeded" for j in done.values()), (done, api.log())
    for j in ids + more:  # every job's report is stored
        assert api.report(done[j]["report_id"])["report_id"] == done[j]["report_id"]
    assert survivor.proc.poll() is None  # the survivor lived through the broker restart
    assert api.job(cancelled)["status"] == "cancelled" and api.job(cancelled)["attempts"] == 0
