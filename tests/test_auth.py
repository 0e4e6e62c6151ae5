"""API keys, tenants and rate limits (CAA_AUTH=api_key, CAA_RATE_LIMIT_*), through the Flask
test client and the real CLI, against the real store (SQLite and PostgreSQL) and Redis."""

from __future__ import annotations

import io
import time

import pytest

from tests.conftest import make_pdf
from tests.jobs_factory import make_service
from tests.test_api import assert_problem

PDF = make_pdf()


@pytest.fixture()
def keyed(tmp_path, database_url):
    app, ctx = make_service(tmp_path, database_url, auth="api_key")
    yield app, ctx
    ctx.queue.close()
    ctx.store.close()


def create_key(app, name: str) -> str:
    result = app.test_cli_runner().invoke(args=["keys", "create", "--name", name])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def submit(client, key, **fields):
    data = {"resume": (io.BytesIO(PDF), "cv.pdf"), **fields}
    return client.post(
        "/api/v1/jobs", data=data, headers=bearer(key), content_type="multipart/form-data"
    )


def test_keys_are_needed_made_listed_and_revoked(keyed):
    app, ctx = keyed
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 200  # open
    assert client.get("/api/v1/openapi.json").status_code == 200  # open
    missing = client.get("/api/v1/jobs")
    assert_problem(missing, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.get("/api/v1/jobs", headers=bearer("caa_kdeadbeef0000_nope")), 401)
    key = create_key(app, "platform A")
    assert key.startswith("caa_") and len(key) > 40
    assert client.get("/api/v1/jobs", headers=bearer(key)).status_code == 200
    assert client.get("/api/v1/jobs", headers={"X-API-Key": key}).status_code == 200
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["keys", "list"]).output
    key_id = key.split("_")[1]
    assert key_id in listed and "platform A" in listed and "live" in listed
    assert key not in listed  # the key itself is never shown again
    stored = [row.secret_sha256 for row in ctx.store.list_api_keys()]
    assert key not in stored and len(stored[0]) == 64
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert_problem(client.get("/api/v1/jobs", headers=bearer(key)), 401)
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code != 0  # already revoked


def test_one_key_cannot_read_list_or_delete_anothers(keyed):
    app, ctx = keyed
    client = app.test_client()
    a, b = create_key(app, "A"), create_key(app, "B")
    job = submit(client, a, candidate_id="cand-1").get_json()
    report = client.post(
        "/api/v1/resumes",
        data={"resume": (io.BytesIO(PDF), "cv.pdf"), "candidate_id": "cand-1"},
        headers=bearer(a),
        content_type="multipart/form-data",
    )
    assert report.status_code == 200
    report_id = report.get_json()["report_id"]
    # B sees none of it: every id of A's answers 404, every list is empty
    assert_problem(client.get(f"/api/v1/jobs/{job['job_id']}", headers=bearer(b)), 404)
    assert_problem(client.get(f"/api/v1/reports/{report_id}", headers=bearer(b)), 404)
    assert client.get("/api/v1/jobs", headers=bearer(b)).get_json()["jobs"] == []
    assert client.get("/api/v1/reports", headers=bearer(b)).get_json()["reports"] == []
    assert_problem(client.delete(f"/api/v1/jobs/{job['job_id']}", headers=bearer(b)), 404)
    assert_problem(client.delete(f"/api/v1/reports/{report_id}", headers=bearer(b)), 404)
    assert_problem(client.post(f"/api/v1/reports/{report_id}/rescore", headers=bearer(b)), 404)
    assert_problem(client.delete("/api/v1/candidates/cand-1", headers=bearer(b)), 404)
    # B's own candidate of the same id is another person
    assert submit(client, b, candidate_id="cand-1").status_code == 202
    assert len(client.get("/api/v1/jobs", headers=bearer(b)).get_json()["jobs"]) == 1
    # A's data is untouched and A's own erasure leaves B's candidate alone
    assert client.get(f"/api/v1/reports/{report_id}", headers=bearer(a)).status_code == 200
    assert len(client.get("/api/v1/jobs", headers=bearer(a)).get_json()["jobs"]) == 1
    assert client.delete("/api/v1/candidates/cand-1", headers=bearer(a)).status_code == 204
    assert client.get("/api/v1/jobs", headers=bearer(a)).get_json()["jobs"] == []
    assert len(client.get("/api/v1/jobs", headers=bearer(b)).get_json()["jobs"]) == 1


def test_the_same_idempotency_key_of_two_tenants_is_two_jobs(keyed):
    app, _ = keyed
    client = app.test_client()
    a, b = create_key(app, "A"), create_key(app, "B")
    headers = {"Idempotency-Key": '"shared-key"'}

    def post(key):
        return client.post(
            "/api/v1/jobs",
            data={"resume": (io.BytesIO(PDF), "cv.pdf")},
            headers={**bearer(key), **headers},
            content_type="multipart/form-data",
        )

    assert post(a).get_json()["job_id"] != post(b).get_json()["job_id"]


def _over_the_limit(app, key_a, key_b):
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/jobs", headers=bearer(key_a)).status_code == 200
    over = client.get("/api/v1/jobs", headers=bearer(key_a))
    body = assert_problem(over, 429)
    assert 1 <= int(over.headers["Retry-After"]) <= 60 and "3 per 1 minute" in body["detail"]
    assert client.get("/api/v1/jobs", headers=bearer(key_b)).status_code == 200  # per key
    assert client.get("/api/v1/health").status_code == 200  # never limited


def test_reads_over_the_limit_get_429_per_key(tmp_path, database_url):
    app, ctx = make_service(tmp_path, database_url, auth="api_key", rate_limit_reads="3/minute")
    try:
        _over_the_limit(app, create_key(app, "A"), create_key(app, "B"))
    finally:
        ctx.queue.close()
        ctx.store.close()


def test_limits_shared_in_redis_by_two_workers(tmp_path, redis_url):
    """Two apps (two worker processes' worth) count in the same Redis."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    common = dict(
        auth="api_key",
        rate_limit_analyses="2/minute",
        rate_limit_storage_url=redis_url,
    )
    first, ctx1 = make_service(tmp_path, url, **common)
    second, ctx2 = make_service(tmp_path, url, **common)
    try:
        key = create_key(first, "A")
        t0 = time.time()
        assert submit(first.test_client(), key).status_code == 202
        assert submit(second.test_client(), key).status_code == 202
        assert_problem(submit(first.test_client(), key), 429)
        assert_problem(submit(second.test_client(), key), 429)
        assert time.time() - t0 < 60  # all within one window
    finally:
        for ctx in (ctx1, ctx2):
            ctx.queue.close()
            ctx.store.close()


def test_without_keys_everything_is_open_and_one_tenant(tmp_path, database_url):
    app, ctx = make_service(tmp_path, database_url)
    try:
        client = app.test_client()
        r = client.post(
            "/api/v1/jobs",
            data={"resume": (io.BytesIO(PDF), "cv.pdf")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 202
        assert ctx.store.get_job(r.get_json()["job_id"]).tenant == ""
    finally:
        ctx.queue.close()
        ctx.store.close()


def test_the_tenant_migration_keeps_every_row(database_url):
    """A store at revision 0002 with a candidate, a job and its report: after the upgrade to
    tenants (SQLite rebuilds the candidates table) all three are there, in tenant ''."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from store import Store
    from store.db import MIGRATIONS, make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    with engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO candidates (id, external_id, created_at) "
                "VALUES (1, 'cand-1', '2026-12-01 10:00:00')"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO jobs (id, job_id, candidate_pk, status, created_at, attempts, "
                "max_attempts, progress, stages, request, report_id, queue) VALUES (1, 'j-1', 1, "
                "'succeeded', '2026-12-01 10:00:00', 1, 3, 1.0, '[]', '{}', 'r-1', 'embedded')"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO reports (id, report_id, job_pk, candidate_pk, source, created_at, "
                "schema_version, summary, measures, body) VALUES (1, 'r-1', 1, 1, 'job', "
                "'2026-12-01 10:00:00', '1.7.0', '{}', '{}', '{}')"
            )
        )
    engine.dispose()
    store = Store(database_url)  # upgrades to head
    try:
        job = store.get_job("j-1", tenant="")
        assert job is not None and job.candidate_pk == 1 and store.candidate_of(job) == "cand-1"
        assert store.get_report("r-1", tenant="").job_pk == 1
        assert store.get_job("j-1", tenant="kother") is None
        assert store.erase_candidate("cand-1", tenant="") == ["j-1"]  # the keys still hold
        assert store.get_report("r-1") is None
    finally:
        store.close()
