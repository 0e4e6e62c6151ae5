"""``Idempotency-Key`` on POST /api/v1/jobs (IETF draft-ietf-httpapi-idempotency-key-header),
through the Flask test client against the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from store import IDEMPOTENCY_KEY_TTL, utcnow
from tests.conftest import make_pdf
from tests.jobs_factory import close_service, make_service
from tests.test_api import assert_problem

SCOPE = "|POST /api/v1/jobs"  # the tenant ("" without API keys), then the operation


@pytest.fixture()
def service(tmp_path, database_url):
    app, ctx = make_service(tmp_path, database_url)
    yield app.test_client(), ctx
    close_service(ctx)


PDF = make_pdf()  # once: a PDF carries its creation time, a second one may differ


def submit(client, key=None, pdf=PDF, **fields):
    data = {"resume": (io.BytesIO(pdf), "cv.pdf"), **fields}
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        "/api/v1/jobs", data=data, headers=headers, content_type="multipart/form-data"
    )


def job_count(ctx) -> int:
    rows, _ = ctx.store.list_jobs(status=None, candidate_id=None, limit=100, cursor=None)
    return len(rows)


def test_the_same_key_and_payload_answer_the_same_job(service):
    client, ctx = service
    first = submit(client, '"3f7c1e9a-5b2d-4c1e-9a77-0d2f6b1e8c44"', candidate_id="cand-1")
    assert first.status_code == 202 and "Idempotent-Replayed" not in first.headers
    again = submit(client, '"3f7c1e9a-5b2d-4c1e-9a77-0d2f6b1e8c44"', candidate_id="cand-1")
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["job_id"] == first.get_json()["job_id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert job_count(ctx) == 1 and len(ctx.queue.pending_job_ids()) == 1
    # a bare (unquoted) key is the same key; without a key every POST is a new job
    assert submit(client, "3f7c1e9a-5b2d-4c1e-9a77-0d2f6b1e8c44", candidate_id="cand-1").headers[
        "Idempotent-Replayed"
    ]
    assert submit(client, candidate_id="cand-1").get_json()["job_id"] != first.get_json()["job_id"]
    assert job_count(ctx) == 2


def test_the_same_key_with_another_payload_is_refused(service):
    client, ctx = service
    assert submit(client, '"k-1"', candidate_id="cand-1").status_code == 202
    assert_problem(submit(client, '"k-1"', candidate_id="cand-2"), 422)  # another field
    other_file = make_pdf("Jane Roe\nSkills: Welding, Forklift operation.")
    body = assert_problem(submit(client, '"k-1"', pdf=other_file, candidate_id="cand-1"), 422)
    assert body["type"].endswith("idempotency-key-reused")
    assert job_count(ctx) == 1


def test_a_key_still_being_answered_is_a_conflict(service):
    client, ctx = service
    now = utcnow()
    taken = ctx.store.begin_idempotent(
        SCOPE, "busy", "0" * 64, expired_before=now - timedelta(days=1), abandoned_before=now
    )
    assert taken.outcome == "new"
    body = assert_problem(submit(client, '"busy"'), 409)
    assert body["type"].endswith("idempotency-key-in-use")
    assert job_count(ctx) == 0


def test_an_abandoned_or_expired_key_is_taken_over(service):
    client, ctx = service
    now = utcnow()
    first = ctx.store.begin_idempotent(
        SCOPE,
        "dead",
        "0" * 64,
        expired_before=now - IDEMPOTENCY_KEY_TTL,
        abandoned_before=now,
    )
    # unanswered since before "abandoned_before": the retry owns the key now
    later = now + timedelta(minutes=10)
    found = ctx.store.begin_idempotent(
        SCOPE,
        "dead",
        "1" * 64,
        expired_before=later - IDEMPOTENCY_KEY_TTL,
        abandoned_before=later - timedelta(minutes=5),
    )
    assert found.outcome == "new" and found.token != first.token
    # the first request, still running, cannot overwrite the answer of the one that took over
    assert not ctx.store.finish_idempotent(first.token, 202, {}, '{"first": true}')
    assert ctx.store.finish_idempotent(found.token, 202, {}, "{}")
    assert ctx.store.expire_idempotency_keys(before=now) == 0
    assert ctx.store.expire_idempotency_keys(before=later + timedelta(seconds=1)) == 1


def test_a_refused_request_frees_its_key(service):
    client, ctx = service
    bad = client.post(
        "/api/v1/jobs",
        data={"resume": (io.BytesIO(b"not a document"), "cv.pdf")},
        headers={"Idempotency-Key": '"k-2"'},
        content_type="multipart/form-data",
    )
    assert_problem(bad, 415)
    # the same key with a good payload runs: the refused request created nothing
    assert submit(client, '"k-2"').status_code == 202


@pytest.mark.parametrize("key", ['""', '"' + "x" * 256 + '"', '"caf\u00e9"', 'a"b'])
def test_malformed_keys_are_refused(service, key):
    client, ctx = service
    body = assert_problem(submit(client, key), 400)
    assert "Idempotency-Key" in body["detail"]
    assert job_count(ctx) == 0


def test_two_requests_with_a_new_key_at_once_take_it_once(service):
    from concurrent.futures import ThreadPoolExecutor

    _, ctx = service
    now = utcnow()

    def take(_):
        return ctx.store.begin_idempotent(
            SCOPE,
            "race",
            "f" * 64,
            expired_before=now - IDEMPOTENCY_KEY_TTL,
            abandoned_before=now - timedelta(minutes=5),
        ).outcome

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(take, range(16)))
    assert outcomes.count("new") == 1 and set(outcomes) == {"new", "in_progress"}


def test_a_form_part_without_a_name_is_fingerprinted(service):
    """Schemathesis found it: a part whose Content-Disposition has no name parses with the
    name None, which did not sort beside the others (500)."""
    client, ctx = service
    boundary = "b0undary"
    body = (
        (
            f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="question"\r\n\r\nWhy?\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="resume"; filename="cv.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    for _ in range(2):
        r = client.post(
            "/api/v1/jobs",
            data=body,
            headers={
                "Idempotency-Key": '"nameless"',
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        assert r.status_code == 202, r.get_data(as_text=True)
    assert job_count(ctx) == 1


def test_nul_characters_and_bad_urls_are_422_not_500(service):
    client, ctx = service
    for fields in (
        {"candidate_name": "Ada\x00Lovelace"},
        {"callback_url": "http://[::1/hook"},
    ):
        assert_problem(submit(client, **fields), 422)
    assert_problem(client.delete("/api/v1/candidates/a%00b"), 404)
    assert job_count(ctx) == 0
    # in the analysis texts a NUL passes: they are kept inside JSON, escaped (both stores)
    assert submit(client, expected_answer="I led\x00the team").status_code == 202


def test_a_job_made_before_its_answer_failed_is_the_retrys_answer(service, monkeypatch):
    """The job is committed with its key; the answer fails after it (here: the store errs
    while the job's view is built). The retry gets that job, replayed, not a second one."""
    import api.job_routes as job_routes

    client, ctx = service
    real = job_routes.job_resource
    calls = []

    def fails_once(*args, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the store went away")
        return real(*args, **kw)

    monkeypatch.setattr(job_routes, "job_resource", fails_once)
    key = '"9b1e4c7a-2d3f-4e5a-8b6c-7d8e9f0a1b2c"'
    failed = submit(client, key, candidate_id="cand-9")
    assert failed.status_code == 500 and job_count(ctx) == 1
    retry = submit(client, key, candidate_id="cand-9")
    assert retry.status_code == 202 and retry.headers["Idempotent-Replayed"] == "true"
    (job,), _ = ctx.store.list_jobs(limit=10)
    assert retry.get_json()["job_id"] == job[0].job_id and job_count(ctx) == 1
    assert retry.headers["Location"] == f"/api/v1/jobs/{job[0].job_id}"
    # the key stays taken, past the time an unanswered key is taken over
    later = utcnow() + timedelta(minutes=10)
    found = ctx.store.begin_idempotent(
        SCOPE,
        key.strip('"'),
        "0" * 64,
        expired_before=later - IDEMPOTENCY_KEY_TTL,
        abandoned_before=later - timedelta(minutes=5),
    )
    assert found.outcome == "mismatch"  # another payload; the same payload: the job again
    assert submit(client, key, candidate_id="other").status_code == 422
