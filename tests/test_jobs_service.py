"""The real service (`make serve`'s supervisor, gunicorn and the job runner as processes) loses
no job: a runner killed mid-job is replaced and the job runs again; the whole service killed
with `kill -9` and started again finishes every queued and running job."""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from store import Store
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.slow


@pytest.fixture()
def service(tmp_path):
    services = []

    def start(**env) -> ServiceProcess:
        svc = ServiceProcess(tmp_path / "var", tmp_path / "service.log", **env).start()
        services.append(svc)
        return svc

    yield start
    for svc in services:
        svc.stop()


def _runner_pid(store_url: str, job_id: str) -> int:
    store = Store(store_url, migrate=False)
    try:
        return int(store.get_job(job_id).runner_id.split(":")[1])
    finally:
        store.close()


def _wait_running(svc, job_id, min_progress=0.15, timeout_s=60.0) -> list[dict]:
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = svc.job(job_id)
        seen.append(job)
        if job["status"] == "running" and job["progress"] >= min_progress:
            return seen
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.1)
    raise TimeoutError(svc.log())


def test_progress_rises_and_a_runner_killed_mid_job_is_replaced(
    service, tmp_path, long_answer_video, answer_video
):
    svc = service()
    long_job = svc.submit({"video": long_answer_video}, candidate_id="kill-one")
    short_job = svc.submit({"video": answer_video}, expected_answer="database indexes")
    queued = svc.job(short_job["job_id"])
    assert queued["status"] == "queued" and queued["queue_position"] >= 1 and queued["eta_s"] > 0
    seen = _wait_running(svc, long_job["job_id"], min_progress=0.3)
    running = [j for j in seen if j["status"] == "running"]
    progress = [j["progress"] for j in running]
    assert progress == sorted(progress)
    assert {s["name"] for s in running[-1]["stages"]} >= {"ingest", "speech_to_text", "video"}
    assert any(s["status"] == "succeeded" for s in running[-1]["stages"])
    assert running[-1]["eta_s"] is not None

    url = f"sqlite:///{tmp_path / 'var' / 'caa.sqlite3'}"
    os.kill(_runner_pid(url, long_job["job_id"]), signal.SIGKILL)
    jobs = svc.wait([long_job["job_id"], short_job["job_id"]])
    redone, short = jobs[long_job["job_id"]], jobs[short_job["job_id"]]
    assert redone["status"] == "succeeded" and redone["attempts"] == 2, svc.log()
    assert short["status"] == "succeeded" and short["attempts"] == 1
    report = requests.get(f"http://127.0.0.1:{svc.port}{redone['links']['report']}").json()
    assert report["job_id"] == long_job["job_id"] and report["transcript"]["text"]
    assert not any((tmp_path / "var" / "jobs").iterdir())  # media deleted after the job


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_killing_the_whole_service_loses_no_job(
    service, request, tmp_path, database, long_answer_video, answer_video
):
    env = {}
    if database == "postgresql":
        env["CAA_DATABASE_URL"] = request.getfixturevalue("database_url_postgresql")
    svc = service(**env)
    first = svc.submit({"video": long_answer_video})
    second = svc.submit({"video": answer_video})
    third = svc.submit({"audio": answer_video}, candidate_id="c-3")
    _wait_running(svc, first["job_id"])
    svc.kill_all()
    assert svc.group_pids() == []  # nothing of the service lives on

    again = service(**env)  # `make serve` again, same state folder and database
    ids = [first["job_id"], second["job_id"], third["job_id"]]
    jobs = again.wait(ids)
    assert [jobs[i]["status"] for i in ids] == ["succeeded"] * 3, jobs
    attempts = [jobs[i]["attempts"] for i in ids]
    assert attempts == [2, 1, 1], again.log()  # the attempt that was killed counts
    for job in jobs.values():
        resp = requests.get(f"http://127.0.0.1:{again.port}{job['links']['report']}")
        assert resp.status_code == 200 and resp.json()["report_id"] == job["report_id"]
    listed = requests.get(f"{again.base}/reports?candidate_id=c-3").json()["reports"]
    assert [r["job_id"] for r in listed] == [third["job_id"]]


def test_ctrl_c_puts_the_running_job_back_uncounted(service, tmp_path, long_answer_video):
    svc = service()
    job = svc.submit({"video": long_answer_video})
    _wait_running(svc, job["job_id"])
    os.killpg(svc.proc.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole group
    svc.proc.wait(40)
    # the runner's worker unwinds the interrupted analysis (its frame threads finish the
    # frames in flight): seconds on a loaded machine (a CI run beside a training job took
    # more than 10)
    deadline = time.monotonic() + 30
    while svc.group_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert svc.group_pids() == []
    store = Store(f"sqlite:///{tmp_path / 'var' / 'caa.sqlite3'}", migrate=False)
    stopped = store.get_job(job["job_id"])
    store.close()
    assert stopped.status == "queued" and stopped.attempts == 0
    again = service()
    done = again.wait([job["job_id"]])[job["job_id"]]
    assert done["status"] == "succeeded" and done["attempts"] == 1
