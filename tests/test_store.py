"""The results store against real databases: SQLite and PostgreSQL (skipped without a server,
failing on CI where CAA_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from jobs.views import QueueSnapshot
from store import (
    CANCELLED,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    ReportFilters,
    Store,
    StoredReport,
    decode_cursor,
    encode_cursor,
    utcnow,
)


def _report(report_id=None, *, score=50.0, skills=("Python",), warnings=(), days_ago=0):
    report_id = report_id or str(uuid.uuid4())
    summary = {
        "report_id": report_id,
        "talent_score": score,
        "skills": list(skills),
        "warnings": list(warnings),
        "quality_flags": [],
    }
    return StoredReport(
        report_id=report_id,
        body=json.dumps({"report_id": report_id}),
        created_at=utcnow() - timedelta(days=days_ago),
        schema_version="1.3.0",
        scoring_version="1.0.0",
        talent_score=score,
        summary=summary,
        measures={"delivery": None},
        tags=(
            *(("skill", s.lower()) for s in skills),
            *(("warning", w) for w in warnings),
        ),
    )


@pytest.fixture()
def store(database_url):
    s = Store(database_url)
    yield s
    s.close()


def _job(store, candidate=None, **kw):
    job_id = str(uuid.uuid4())
    store.create_job(
        job_id=job_id,
        report_id=str(uuid.uuid4()),
        request={"media": None},
        max_attempts=kw.pop("max_attempts", 3),
        queue="embedded",
        candidate_id=candidate,
        **kw,
    )
    return job_id


def test_migrations_create_exactly_the_models_schema(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.db import make_engine
    from store.schema import Base

    Store(database_url).close()
    Store(database_url).close()  # a second start is a no-op
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_a_job_is_claimed_once_and_its_report_written_with_its_final_status(store):
    job_id = _job(store, candidate="cand-1")
    claim = store.claim_job(job_id, "runner-a")
    assert claim is not None and claim.attempt == 1 and claim.candidate_id == "cand-1"
    assert store.claim_job(job_id, "runner-b") is None  # a duplicate message changes nothing
    assert store.update_progress(job_id, 1, 0.5, [{"name": "video"}])
    assert store.get_job(job_id).progress == 0.5
    report = _report(store.get_job(job_id).report_id)
    assert store.finish_succeeded(job_id, 1, report, stages=[], run_s=3.0)
    job = store.get_job(job_id)
    assert job.status == SUCCEEDED and job.finished_at is not None and job.run_s == 3.0
    assert store.get_report(report.report_id).body == report.body
    rows, _ = store.list_reports(ReportFilters(candidate_id="cand-1"))
    assert [(r.report_id, cand, jid) for r, cand, jid in rows] == [
        (report.report_id, "cand-1", job_id)
    ]


def test_a_superseded_attempt_writes_nothing(store):
    job_id = _job(store)
    store.claim_job(job_id, "runner-a")
    # runner-a is taken as dead (no runner row): the job goes back and runner-b takes it
    requeued, failed = store.requeue_orphans(stale_before=None)
    assert requeued == [job_id] and failed == []
    assert store.claim_job(job_id, "runner-b").attempt == 2
    report = _report(store.get_job(job_id).report_id)
    assert not store.update_progress(job_id, 1, 0.9, [])
    assert not store.finish_succeeded(job_id, 1, report, stages=[], run_s=1.0)
    assert store.get_report(report.report_id) is None
    assert store.get_job(job_id).status == RUNNING


def test_a_job_fails_after_its_last_attempt(store):
    job_id = _job(store, max_attempts=2)
    store.register_runner("r1", "host", 1, "embedded")
    for attempt in (1, 2):
        assert store.claim_job(job_id, "r1").attempt == attempt
        store.forget_runners(host="host", queue="embedded")  # the runner died
        requeued, failed = store.requeue_orphans(stale_before=None)
        store.register_runner("r1", "host", 1, "embedded")
    assert failed == [job_id]
    job = store.get_job(job_id)
    assert job.status == FAILED and job.error["type"].endswith("/runner-lost")
    assert "2 times" in job.error["detail"]


def test_a_live_runner_keeps_its_job_and_a_silent_one_loses_it(store):
    job_id = _job(store)
    store.register_runner("r1", "host", 1, "embedded")
    store.claim_job(job_id, "r1")
    store.runner_heartbeat("r1", job_id, 1)
    assert store.requeue_orphans(stale_before=utcnow() - timedelta(seconds=30)) == ([], [])
    assert store.runners_alive(since=utcnow() - timedelta(seconds=30)) == 1
    later = utcnow() + timedelta(seconds=1)
    assert store.requeue_orphans(stale_before=later) == ([job_id], [])
    assert store.get_job(job_id).status == QUEUED


def test_release_gives_the_attempt_back(store):
    job_id = _job(store)
    store.claim_job(job_id, "r")
    assert store.release_job(job_id, 1)
    job = store.get_job(job_id)
    assert job.status == QUEUED and job.attempts == 0


def test_cancel(store):
    queued, running, done = _job(store), _job(store), _job(store)
    store.claim_job(running, "r")
    store.claim_job(done, "r")
    store.finish_failed(done, 1, {"status": 422}, stages=[])
    assert store.cancel_job(queued)[1] and store.get_job(queued).status == CANCELLED
    assert store.cancel_job(running)[1]
    assert not store.update_progress(running, 1, 0.3, [])  # the runner stops
    row, cancelled = store.cancel_job(done)
    assert not cancelled and row.status == FAILED
    assert store.cancel_job("nope") == (None, False)
    assert store.queued_job_ids() == []


def test_reports_filter_and_paginate(store):
    for i in range(5):
        store.save_report(
            _report(score=20.0 * i, skills=("Python", "SQL") if i % 2 else ("Excel",)),
            source="analyze",
            candidate_id="c-even" if i % 2 == 0 else None,
        )
    store.save_report(
        _report(score=None, skills=(), warnings=("no_face_detected",)), source="resumes"
    )
    rows, cursor = store.list_reports(ReportFilters(), limit=4)
    assert len(rows) == 4 and cursor is not None
    rest, end = store.list_reports(ReportFilters(), limit=4, cursor=cursor)
    assert len(rest) == 2 and end is None
    assert len({r.report_id for r, *_ in rows + rest}) == 6
    scores = [r.talent_score for r, *_ in rows + rest]
    assert scores[0] is None and scores[1:] == [80.0, 60.0, 40.0, 20.0, 0.0]  # newest first
    by = lambda **f: [r.talent_score for r, *_ in store.list_reports(ReportFilters(**f))[0]]  # noqa: E731
    assert by(skill="python") == [60.0, 20.0]
    assert by(min_talent_score=40, max_talent_score=60) == [60.0, 40.0]
    assert by(candidate_id="c-even") == [80.0, 40.0, 0.0]
    assert by(warning="no_face_detected") == [None]
    assert by(since=utcnow() + timedelta(minutes=1)) == []
    assert decode_cursor(encode_cursor(123)) == 123
    with pytest.raises(ValueError):
        decode_cursor("%%%")
    with pytest.raises(ValueError):
        decode_cursor("١٢٣")  # digits, but not ASCII ones


def test_erasure_leaves_no_row_of_the_candidate(store, database_url):
    import sqlalchemy as sa

    job_id = _job(store, candidate="erase-me", candidate_name="Ann", candidate_email="a@b.c")
    store.claim_job(job_id, "r")
    store.finish_succeeded(
        job_id, 1, _report(store.get_job(job_id).report_id), stages=[], run_s=1.0
    )
    store.save_report(_report(), source="analyze", candidate_id="erase-me")
    keep = _job(store, candidate="keep-me")
    assert store.erase_candidate("erase-me") == [job_id]
    assert store.erase_candidate("erase-me") is None
    engine = sa.create_engine(database_url)
    with engine.connect() as c:
        for table in ("candidates", "jobs", "reports", "report_tags"):
            text = " ".join(str(row) for row in c.execute(sa.text(f"SELECT * FROM {table}")))
            assert "erase-me" not in text and "Ann" not in text and job_id not in text
        assert c.execute(sa.text("SELECT count(*) FROM reports")).scalar() == 0
    engine.dispose()
    assert store.get_job(keep) is not None


def test_deleting_a_report_deletes_its_job_and_retention_expires_old_ones(store):
    job_id = _job(store)
    store.claim_job(job_id, "r")
    report = _report(store.get_job(job_id).report_id)
    store.finish_succeeded(job_id, 1, report, stages=[], run_s=1.0)
    assert store.kept_job_ids([job_id]) == {job_id}
    assert store.delete_report(report.report_id) == [job_id]
    assert store.get_job(job_id) is None and store.delete_report(report.report_id) is None
    old, new = _report(days_ago=10), _report(days_ago=1)
    store.save_report(old, source="analyze")
    store.save_report(new, source="analyze")
    store.expire_reports(before=utcnow() - timedelta(days=5))
    assert store.get_report(old.report_id) is None and store.get_report(new.report_id)


def test_speed_queue_position_and_eta(store):
    assert store.recent_speed() is None
    first, second = _job(store, media_duration_s=60.0), _job(store, media_duration_s=30.0)
    queue = QueueSnapshot.read(store)
    assert [j.job_id for j in queue.active] == [first, second]
    assert queue.queue_position(store.get_job(second)) == 2
    # default speed 0.2 s per media second + 2 s each: 14 s ahead, 8 s its own, 1 worker
    assert queue.eta_s(store.get_job(second), workers=1) == pytest.approx(22.0)
    assert queue.eta_s(store.get_job(second), workers=2) == pytest.approx(15.0)
    store.claim_job(first, "r")
    store.update_progress(first, 1, 0.5, stages=[])
    queue = QueueSnapshot.read(store)
    assert queue.queue_position(store.get_job(first)) is None
    assert queue.eta_s(store.get_job(first), workers=1) == pytest.approx(7.0)
    assert queue.eta_s(store.get_job(second), workers=1) == pytest.approx(15.0)
    store.finish_succeeded(first, 1, _report(store.get_job(first).report_id), stages=[], run_s=12.0)
    assert store.recent_speed() == pytest.approx(0.2)
    queue = QueueSnapshot.read(store)
    assert queue.queue_position(store.get_job(second)) == 1
    assert queue.eta_s(store.get_job(first), workers=1) is None
    assert store.job_counts() == {"queued": 1, "running": 0}


def test_a_forgotten_runner_registers_again_with_its_next_heartbeat(store):
    store.register_runner("r1", "host", 7, "embedded")
    store.forget_runners(stale_before=utcnow() + timedelta(seconds=1))  # e.g. a suspended laptop
    assert store.runners_alive(since=utcnow() - timedelta(seconds=30)) == 0
    store.runner_heartbeat("r1", host="host", pid=7, queue="embedded")
    assert store.runners_of("host") == [("r1", 7)]


def test_a_new_candidate_submitted_twice_is_one_candidate(store):
    a = _job(store, candidate="same")
    b = _job(store, candidate="same")
    assert store.get_job(a).candidate_pk == store.get_job(b).candidate_pk is not None


def test_cursor_bounds():
    for bad in (encode_cursor(10**47), encode_cursor(0), "AAAA", "-5", "07"):
        with pytest.raises(ValueError):
            decode_cursor(bad)


def test_browse_latest_per_candidate_within_filters_tenants_and_ratings(store):
    from store.browse import ReportFilters as F

    # ann: an old Python report and a newer Excel one; bob (another tenant): one report
    old = _report(score=30.0, skills=("Python",), days_ago=10)
    new = _report(score=70.0, skills=("Excel",))
    store.save_report(old, source="analyze", candidate_id="ann", tenant="t1")
    store.save_report(new, source="analyze", candidate_id="ann", tenant="t1")
    store.save_report(_report(score=90.0), source="analyze", candidate_id="bob", tenant="t2")

    def ids(filters=None, **kw):
        rows, total = store.browse_reports(filters or F(), tenant="t1", **kw)
        assert total == len(rows) or "limit" in kw
        return [b.row.report_id for b in rows]

    assert ids(latest_per_candidate=True) == [new.report_id]
    assert ids() == [new.report_id, old.report_id]
    # the candidate's newest report among those the filters keep, not "newest, then filter"
    assert ids(F(skill="python"), latest_per_candidate=True) == [old.report_id]
    past = F(until=utcnow() - timedelta(days=5))
    assert ids(past, latest_per_candidate=True) == [old.report_id]
    assert ids(sort="score_asc") == [old.report_id, new.report_id]
    assert ids(sort="score_desc", offset=1, limit=1) == [old.report_id]
    assert store.browse_reports(F(), tenant="t1", offset=1, limit=1)[1] == 2  # the total
    assert store.reports_by_id([new.report_id], tenant="t2") == []
    # ratings: set, set again (an upsert), cleared; never across tenants
    assert store.set_ratings(new.report_id, {"communication": 4}, tenant="t1")
    assert store.set_ratings(new.report_id, {"communication": 2, "engagement": 5}, tenant="t1")
    pk = store.get_report(new.report_id).id
    assert store.ratings_of([pk]) == {pk: {"communication": 2, "engagement": 5}}
    assert store.set_ratings(new.report_id, {"communication": None}, tenant="t1")
    assert store.ratings_of([pk]) == {pk: {"engagement": 5}}
    assert not store.set_ratings(new.report_id, {"communication": 1}, tenant="t2")
    assert store.delete_report(new.report_id) is not None and store.ratings_of([pk]) == {}


def test_reports_by_the_question_their_job_asked(store):
    from store.browse import ReportFilters as F

    for question, candidate in (("Why us?", "a"), ("Why us?", "b"), ("A mistake?", "a")):
        job_id = _job(store, candidate=candidate)
        row = store.get_job(job_id)
        with store._write() as session:  # the job asks the question
            session.get(type(row), row.id).request = {"media": None, "question": question}
        store.claim_job(job_id, "r")
        store.finish_succeeded(job_id, 1, _report(row.report_id), stages=[], run_s=1.0)
    store.save_report(_report(), source="analyze", candidate_id="c")  # no job, no question
    assert store.questions_asked() == [("Why us?", 2), ("A mistake?", 1)]
    rows, total = store.browse_reports(F(question="Why us?"))
    assert total == 2 and {b.candidate_id for b in rows} == {"a", "b"}
    rows, _ = store.browse_reports(F(question="Why us?"), latest_per_candidate=True)
    assert {b.candidate_id for b in rows} == {"a", "b"}  # a's newest is another question
    assert store.browse_reports(F(question="Nothing?"))[1] == 0
