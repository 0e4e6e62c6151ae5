"""Jobs and stored reports through the Flask test client, against a real store (SQLite and
PostgreSQL) and the real embedded queue, the job run in-process by the real job function with
the real models."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from jobs.runner import run_job
from tests.conftest import make_pdf
from tests.jobs_factory import close_service, make_service, runner_context
from tests.test_api import assert_problem

EXPECTED = "I designed the database schema and added indexes to speed up slow queries."


@pytest.fixture()
def service(tmp_path, database_url):
    app, ctx = make_service(tmp_path, database_url)
    yield app.test_client(), ctx, runner_context(ctx)
    close_service(ctx)


def submit(client, **fields):
    data = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in fields.items()}
    return client.post("/api/v1/jobs", data=data, content_type="multipart/form-data")


def run_queued(ctx, runner) -> list[str]:
    """Run every queued job the way a runner process does (queue order)."""
    pending = ctx.queue.pending_job_ids()
    outcomes = [run_job(job_id, runner) for job_id in ctx.store.queued_job_ids()]
    ctx.queue.flush()
    assert pending  # they were enqueued
    return outcomes


@pytest.mark.slow
def test_submit_poll_fetch_rescore_delete(service, answer_video):
    client, ctx, runner = service
    resp = submit(
        client,
        video=(answer_video.read_bytes(), "answer.mp4"),
        resume=(make_pdf(), "cv.pdf"),
        expected_answer=EXPECTED,
        job_description="Backend engineer: Python, SQL, Kubernetes, Ansible.",
        candidate_id="cand-1",
    )
    assert resp.status_code == 202, resp.get_data(as_text=True)
    job = resp.get_json()
    assert resp.headers["Location"] == f"/api/v1/jobs/{job['job_id']}" == job["links"]["self"]
    assert int(resp.headers["Retry-After"]) >= 1
    assert job["status"] == "queued" and job["queue_position"] == 1 and job["eta_s"] > 0
    assert job["candidate_id"] == "cand-1" and job["media_duration_s"] == pytest.approx(24, abs=0.2)
    assert job["job_id"] in ctx.queue.pending_job_ids()
    folder = ctx.settings.jobs_dir / job["job_id"]
    assert sorted(p.name for p in folder.iterdir()) == ["resume.bin", "video.media"]

    assert run_queued(ctx, runner) == ["succeeded"]
    done = client.get(job["links"]["self"]).get_json()
    assert done["status"] == "succeeded" and done["progress"] == 1.0 and done["attempts"] == 1
    assert done["eta_s"] is None and done["queue_position"] is None and done["error"] is None
    assert {s["name"] for s in done["stages"]} >= {"ingest", "resume", "speech_to_text", "video"}
    assert all(s["status"] in ("succeeded", "skipped") for s in done["stages"])
    assert not folder.exists()  # media kept only while the job runs

    report = client.get(done["links"]["report"]).get_json()
    assert report["report_id"] == done["report_id"]
    assert report["job_id"] == job["job_id"] and report["candidate_id"] == "cand-1"
    assert report["scores"]["talent_score"] is not None and report["resume"]["skills"]
    html = client.get(done["links"]["report"] + "?format=html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert client.get(done["links"]["report"], headers={"Accept": "text/html"}).mimetype == (
        "text/html"
    )

    listed = client.get("/api/v1/reports?candidate_id=cand-1").get_json()["reports"]
    assert [r["report_id"] for r in listed] == [report["report_id"]]
    summary = listed[0]
    assert summary["talent_score"] == report["scores"]["talent_score"]
    assert summary["subscores"]["communication"] == report["scores"]["communication"]["score"]
    assert "Python" in summary["skills"] and summary["job_id"] == job["job_id"]
    assert (
        summary["job_skills_missing"] == ["Ansible"] and "Python" in summary["job_skills_matched"]
    )
    assert summary["source"] == "job" and summary["quality_flags"] == []
    for query, hits in [
        ("skill=python", 1),
        ("skill=cobol", 0),
        (f"min_talent_score={report['scores']['talent_score'] + 0.1}", 0),
        ("max_talent_score=100", 1),
        ("quality_flag=short_answer", 0),
        ("since=2000-01-01", 1),
        ("until=2000-01-01", 0),
    ]:
        got = client.get(f"/api/v1/reports?{query}").get_json()["reports"]
        assert len(got) == hits, query

    rescored = client.post(f"/api/v1/reports/{report['report_id']}/rescore").get_json()
    assert rescored["scores"]["previous_scoring_version"] == report["scores"]["scoring_version"]
    assert rescored["scores"]["rescored_at"].endswith("Z")
    assert rescored["scores"]["talent_score"] == report["scores"]["talent_score"]
    stored = client.get(done["links"]["report"]).get_json()
    assert stored["scores"]["rescored_at"] == rescored["scores"]["rescored_at"]

    assert client.delete(f"/api/v1/reports/{report['report_id']}").status_code == 204
    assert_problem(client.get(done["links"]["report"]), 404, "not-found")
    assert_problem(client.get(job["links"]["self"]), 404, "not-found")


def test_rescore_changes_stale_scores_back_to_the_current_formula(service):
    client, ctx, _ = service
    resp = client.post(
        "/api/v1/resumes",
        data={"resume": (io.BytesIO(make_pdf()), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.headers["X-Report-Stored"] == "true"
    report_id = resp.get_json()["report_id"]
    assert resp.headers["Content-Location"] == f"/api/v1/reports/{report_id}"
    assert client.get(f"/api/v1/reports/{report_id}").get_json() == resp.get_json()
    # a report without a recording has nothing to score
    assert_problem(client.post(f"/api/v1/reports/{report_id}/rescore"), 422, "invalid-input")
    assert_problem(client.post("/api/v1/reports/nope/rescore"), 404, "not-found")


@pytest.mark.slow
def test_a_stale_score_is_recomputed_from_the_stored_measures(service, answer_video):
    client, ctx, _ = service
    video = answer_video.read_bytes()
    resp = client.post(
        "/api/v1/analyze",
        data={"video": (io.BytesIO(video), "v.mp4"), "expected_answer": EXPECTED},
        content_type="multipart/form-data",
    )
    original = resp.get_json()
    report_id = original["report_id"]
    # as if scored by an older formula: other version, other figures
    from contracts.report import Report
    from jobs.records import stored_report

    old = Report.model_validate(original)
    old.scores.scoring_version = "0.9.0"
    old.scores.talent_score = 1.0
    ctx.store.replace_report(stored_report(old))
    rescored = client.post(f"/api/v1/reports/{report_id}/rescore").get_json()
    assert rescored["scores"]["previous_scoring_version"] == "0.9.0"
    assert rescored["scores"]["scoring_version"] == original["scores"]["scoring_version"]
    assert rescored["scores"]["talent_score"] == original["scores"]["talent_score"] is not None
    summary = client.get("/api/v1/reports").get_json()["reports"][0]
    assert summary["talent_score"] == original["scores"]["talent_score"]


@pytest.mark.slow
def test_bad_media_fails_the_job_with_the_synchronous_problem(service, face_video):
    client, ctx, runner = service
    truncated = face_video.read_bytes()[:3000]
    sync = client.post(
        "/api/v1/analyze",
        data={"video": (io.BytesIO(truncated), "v.mp4")},
        content_type="multipart/form-data",
    )
    assert sync.status_code == 422
    job = submit(client, video=(truncated, "v.mp4")).get_json()
    ok = submit(client, video=(face_video.read_bytes(), "v.mp4")).get_json()
    assert run_queued(ctx, runner) == ["failed", "succeeded"]  # the runner carries on
    failed = client.get(job["links"]["self"]).get_json()
    expected = sync.get_json()
    assert failed["status"] == "failed" and failed["report_id"] is None
    assert {k: failed["error"][k] for k in ("type", "title", "status", "detail")} == {
        k: expected[k] for k in ("type", "title", "status", "detail")
    }
    assert client.get(ok["links"]["self"]).get_json()["status"] == "succeeded"
    assert not any(ctx.settings.jobs_dir.iterdir())


def test_submission_errors(service, face_rgb):
    from tests.conftest import png_bytes

    client, ctx, _ = service
    assert_problem(submit(client), 400, "missing-field")
    assert_problem(submit(client, video=(png_bytes(face_rgb), "v.mp4")), 415)
    assert_problem(submit(client, resume=(make_pdf(), "cv.pdf"), candidate_id="a/b"), 422)
    assert_problem(submit(client, resume=(make_pdf(), "cv.pdf"), callback_url="ftp://x"), 422)
    assert not any(ctx.settings.jobs_dir.iterdir())  # nothing left of refused submissions
    assert ctx.store.queued_job_ids() == []
    assert_problem(client.get("/api/v1/jobs?status=done"), 400, "invalid-parameter")
    assert_problem(client.get("/api/v1/jobs?limit=0"), 400, "invalid-parameter")
    assert_problem(client.get("/api/v1/jobs?cursor=%25%25"), 400, "invalid-parameter")
    assert_problem(client.get("/api/v1/reports?since=yesterday"), 400, "invalid-parameter")
    assert_problem(client.get("/api/v1/reports?colour=red"), 400, "invalid-parameter")
    far = "9999-12-31T23:59:59-01:00"  # valid RFC 3339, beyond datetime's range in UTC
    assert client.get(f"/api/v1/reports?since={far}").get_json()["reports"] == []
    assert client.get("/api/v1/reports?until=0000-01-01T00:00:00Z").status_code == 200
    for impossible in ("2026-02-30", "2026-13-01T00:00:00Z", "2026-01-01T25:00:00", "0000-13-01"):
        assert_problem(client.get(f"/api/v1/reports?since={impossible}"), 400, "invalid-parameter")
    from store import encode_cursor

    huge = encode_cursor(10**47)
    assert_problem(client.get(f"/api/v1/reports?cursor={huge}"), 400, "invalid-parameter")
    assert_problem(client.get("/api/v1/jobs/nope"), 404, "not-found")
    assert_problem(client.delete("/api/v1/jobs/nope"), 404, "not-found")
    assert_problem(client.delete("/api/v1/candidates/nope"), 404, "not-found")


def test_cancel_and_list_jobs(service):
    client, ctx, runner = service
    ids = [
        submit(client, resume=(make_pdf(), "cv.pdf"), candidate_id=f"c{i % 2}").get_json()["job_id"]
        for i in range(5)
    ]
    page = client.get("/api/v1/jobs?limit=2").get_json()
    assert [j["job_id"] for j in page["jobs"]] == ids[::-1][:2] and page["next_cursor"]
    rest = client.get(f"/api/v1/jobs?limit=10&cursor={page['next_cursor']}").get_json()
    assert [j["job_id"] for j in rest["jobs"]] == ids[::-1][2:] and rest["next_cursor"] is None
    assert [j["queue_position"] for j in rest["jobs"]] == [3, 2, 1]
    by_candidate = client.get("/api/v1/jobs?candidate_id=c1").get_json()["jobs"]
    assert [j["job_id"] for j in by_candidate] == [ids[3], ids[1]]

    cancelled = client.delete(f"/api/v1/jobs/{ids[0]}")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert not (ctx.settings.jobs_dir / ids[0]).exists()
    assert run_queued(ctx, runner) == ["succeeded"] * 4  # the cancelled one is not run
    assert_problem(client.delete(f"/api/v1/jobs/{ids[1]}"), 409, "conflict")
    statuses = client.get("/api/v1/jobs?status=cancelled").get_json()["jobs"]
    assert [j["job_id"] for j in statuses] == [ids[0]]
    health = client.get("/api/v1/health").get_json()["jobs"]
    assert health["queue"] == "embedded" and health["jobs_queued"] == 0
    assert health["store"] == ctx.store.dialect and health["runners_alive"] == 1


@pytest.mark.slow
def test_a_running_job_cancelled_stops_and_writes_nothing(service, face_video):
    client, ctx, runner = service
    job = submit(client, video=(face_video.read_bytes(), "v.mp4")).get_json()
    seen = []

    def cancel_midway(job_id, attempt, progress, stages):
        if progress > 0 and not seen:  # the first progress: the recruiter cancels
            seen.append(progress)
            assert client.delete(f"/api/v1/jobs/{job_id}").status_code == 200
        return original(job_id, attempt, progress, stages)

    original = ctx.store.update_progress
    ctx.store.update_progress = cancel_midway
    try:
        assert run_queued(ctx, runner) == ["stopped"]
    finally:
        ctx.store.update_progress = original
    after = client.get(job["links"]["self"]).get_json()
    assert seen[0] < 0.5 and after["status"] == "cancelled" and after["report_id"] is None
    assert ctx.store.get_report(ctx.store.get_job(job["job_id"]).report_id) is None
    assert not (ctx.settings.jobs_dir / job["job_id"]).exists()


@pytest.mark.slow
def test_erasure_leaves_nothing_of_the_candidate(service, face_video, database_url):
    import sqlalchemy as sa

    client, ctx, runner = service
    mine = submit(
        client,
        video=(face_video.read_bytes(), "v.mp4"),
        candidate_id="erase-me",
        candidate_name="Ada Example",
        candidate_email="ada@example.org",
    ).get_json()
    run_queued(ctx, runner)
    queued = submit(client, resume=(make_pdf(), "cv.pdf"), candidate_id="erase-me").get_json()
    client.post(
        "/api/v1/resumes",
        data={"resume": (io.BytesIO(make_pdf()), "cv.pdf"), "candidate_id": "erase-me"},
        content_type="multipart/form-data",
    )
    other = submit(client, resume=(make_pdf(), "cv.pdf"), candidate_id="keep-me").get_json()
    assert client.delete("/api/v1/candidates/erase-me").status_code == 204
    engine = sa.create_engine(database_url)
    with engine.connect() as c:
        dump = json.dumps(
            [
                [str(v) for v in row]
                for table in ("candidates", "jobs", "reports", "report_tags", "runners")
                for row in c.execute(sa.text(f"SELECT * FROM {table}"))
            ]
        )
    engine.dispose()
    for secret in ("erase-me", "Ada Example", "ada@example.org", mine["job_id"], queued["job_id"]):
        assert secret not in dump
    assert other["job_id"] in dump
    assert sorted(p.name for p in ctx.settings.jobs_dir.iterdir()) == [other["job_id"]]
    if ctx.store.dialect == "sqlite":  # not even in the database's files
        db = database_url.removeprefix("sqlite:///")
        paths = [*ctx.settings.var_dir.glob("*.sqlite3*"), *Path(db).parent.glob("*.sqlite3*")]
        assert any(str(p).startswith(db) for p in paths)
        files = b"".join(p.read_bytes() for p in paths)
        for secret in ("erase-me", "Ada Example", "ada@example.org"):
            assert secret.encode() not in files, secret
    assert client.get("/api/v1/reports?candidate_id=erase-me").get_json()["reports"] == []
    assert run_queued(ctx, runner) == ["succeeded"]  # the erased queued job is not run


@pytest.mark.slow
def test_a_job_run_twice_gives_the_same_report(service, answer_video):
    """The runner dies just before its final write; the job runs again from the store."""
    client, ctx, runner = service
    job = submit(
        client, video=(answer_video.read_bytes(), "v.mp4"), expected_answer=EXPECTED
    ).get_json()
    first = {}
    real_finish = ctx.store.finish_succeeded

    def dies_before_writing(job_id, attempt, report, **kw):
        first["body"] = report.body
        ctx.store.unregister_runner(runner.runner_id)  # as the sweeper would find it
        return False

    ctx.store.finish_succeeded = dies_before_writing
    try:
        assert run_queued(ctx, runner) == ["stopped"]
    finally:
        ctx.store.finish_succeeded = real_finish
    assert ctx.store.requeue_orphans(stale_before=None) == ([job["job_id"]], [])
    ctx.queue.enqueue(job["job_id"])
    assert run_queued(ctx, runner) == ["succeeded"]
    done = client.get(job["links"]["self"]).get_json()
    assert done["attempts"] == 2
    second = client.get(done["links"]["report"]).get_json()
    again = json.loads(first["body"])
    for report in (again, second):
        report.pop("created_at")
        report.pop("timings_ms")
    assert again == second
