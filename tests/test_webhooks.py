"""Signed webhooks from the outbox: SSRF refusals, a receiver on loopback verifying every
signature (Standard Webhooks, with the standardwebhooks library) and the retry after a 500,
the events of failed jobs and deleted reports; against the real store (SQLite and PostgreSQL)
and a real job run by the real job function."""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app import create_app
from jobs import webhooks
from jobs.runner import run_job
from jobs.webhooks import CallbackRefused, check_callback_url, deliver_due
from models.registry import get_registry
from service.settings import Settings
from store import Store
from tests.conftest import make_pdf
from tests.jobs_factory import close_service, make_service, queued_job, runner_context
from tests.test_api import assert_problem

SECRET = "whsec_" + base64.b64encode(b"a 32-byte test secret, not real!").decode()
PDF = make_pdf()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00:ec2::254]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://host.invalid/hook",  # does not resolve
    ],
)
def test_private_and_unresolvable_callbacks_are_refused(url):
    with pytest.raises(CallbackRefused):
        check_callback_url(url, allow_private=False)


def test_public_and_allowed_private_callbacks_pass():
    check_callback_url("https://93.184.216.34/hook", allow_private=False)  # a public address
    check_callback_url("http://127.0.0.1:8080/hook", allow_private=True)


class Receiver:
    """An HTTP receiver on loopback that answers the queued statuses (then 200) and keeps
    every request it got."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.got: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((dict(self.headers), body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/caa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verified(self) -> list[dict]:
        """Every request's payload, each checked against its signature headers."""
        return [Webhook(SECRET).verify(body, headers) for headers, body in self.got]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver():
    r = Receiver(statuses=[500])
    yield r
    r.close()


@pytest.fixture()
def service(tmp_path, database_url, monkeypatch):
    monkeypatch.setattr(webhooks, "BACKOFF_S", (0,))  # retry at once in tests
    app, ctx = make_service(
        tmp_path, database_url, webhook_secret=SECRET, allow_private_callbacks=True
    )
    yield app.test_client(), ctx, runner_context(ctx)
    close_service(ctx)


def deliver(ctx) -> int:
    return deliver_due(ctx.store, secret=SECRET, default_url=None, allow_private=True)


@pytest.mark.slow
def test_a_signed_event_is_retried_after_a_500_and_deletion_is_announced(service, receiver):
    client, ctx, runner = service
    job = client.post(
        "/api/v1/jobs",
        data={
            "resume": (io.BytesIO(PDF), "cv.pdf"),
            "candidate_id": "cand-7",
            "callback_url": receiver.url,
        },
        content_type="multipart/form-data",
    ).get_json()
    assert job["links"]["webhooks"] == f"/api/v1/jobs/{job['job_id']}/webhooks"
    assert deliver(ctx) == 0  # nothing to say while it is queued
    run_job(job["job_id"], runner)
    assert deliver(ctx) == 1  # the receiver answers 500
    pending = client.get(job["links"]["webhooks"]).get_json()["deliveries"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in pending] == [
        ("pending", 1, 500)
    ]
    assert deliver(ctx) == 1  # the retry gets 200
    assert deliver(ctx) == 0
    (done,) = client.get(job["links"]["webhooks"]).get_json()["deliveries"]
    assert done["status"] == "delivered" and done["attempts"] == 2 and done["to"] == "callback_url"
    first, second = receiver.verified()  # both signatures verify
    assert first == second and first["type"] == "job.succeeded"
    data = first["data"]
    assert data["job_id"] == job["job_id"] and data["candidate_id"] == "cand-7"
    assert data["status"] == "succeeded" and data["links"]["report"].endswith(data["report_id"])
    assert "resume" not in json.dumps(first)  # an event, not the report
    ids = {headers["webhook-id"] for headers, _ in receiver.got}
    assert ids == {data["event_id"]}  # the same id on the retry: receivers drop duplicates
    # a tampered body fails verification
    headers, body = receiver.got[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"succeeded", b"failed"), headers)
    # deleting the report announces it, to the same callback
    assert client.delete(data["links"]["report"]).status_code == 204
    assert deliver(ctx) == 1
    deleted = receiver.verified()[-1]
    assert deleted["type"] == "report.deleted" and deleted["data"]["report_id"] == data["report_id"]


def _claimed_job(store: Store, **kw) -> str:
    job_id = queued_job(store, **kw)
    store.register_runner("r1", "h", 1, "embedded")
    assert store.claim_job(job_id, "r1") is not None
    return job_id


def test_failed_jobs_are_events_written_with_their_status(database_url):
    store = Store(database_url)
    try:
        quiet = _claimed_job(store)  # no callback, no operator URL: no event
        store.finish_failed(quiet, 1, {"title": "x"}, stages=[])
        assert store.deliveries_of_job(quiet) == []
        job_id = _claimed_job(store, callback_url="https://93.184.216.34/hook")
        assert not store.finish_failed(job_id, 2, {"title": "x"}, stages=[])  # stale attempt
        assert store.deliveries_of_job(job_id) == []  # nothing written for it
        assert store.finish_failed(job_id, 1, {"title": "bad media"}, stages=[])
        (event,) = store.deliveries_of_job(job_id)
        assert (
            event.event_type == "job.failed"
            and json.loads(event.payload)["data"]["status"] == "failed"
        )
        # a job whose runner died on its last attempt fails in the sweeper: an event too
        lost = _claimed_job(store, callback_url="https://93.184.216.34/hook", max_attempts=1)
        store.unregister_runner("r1")
        assert store.requeue_orphans(stale_before=None)[1] == [lost]
        assert [e.event_type for e in store.deliveries_of_job(lost)] == ["job.failed"]
    finally:
        store.close()


def test_the_operator_url_receives_jobs_without_a_callback(database_url, receiver):
    store = Store(database_url, default_webhook=True)
    try:
        job_id = _claimed_job(store)
        store.finish_failed(job_id, 1, {"title": "x"}, stages=[])
        (event,) = store.deliveries_of_job(job_id)
        assert event.url is None
        receiver.statuses.clear()
        deliver_due(store, secret=SECRET, default_url=receiver.url, allow_private=True)
        assert receiver.verified()[0]["data"]["job_id"] == job_id
        assert store.deliveries_of_job(job_id)[0].status == "delivered"
    finally:
        store.close()


def test_a_receiver_that_never_answers_2xx_fails_after_the_last_attempt(database_url, receiver):
    store = Store(database_url)
    try:
        receiver.statuses[:] = [503] * 5
        job_id = _claimed_job(store, callback_url=receiver.url)
        store.finish_failed(job_id, 1, {"title": "x"}, stages=[])
        for _ in range(3):
            deliver_due(store, secret=SECRET, default_url=None, allow_private=True, max_attempts=3)
            with store._write() as s:  # make the next attempt due now
                from sqlalchemy import update

                from store.schema import WebhookDeliveryRow

                s.execute(
                    update(WebhookDeliveryRow).values(next_attempt_at=WebhookDeliveryRow.created_at)
                )
        (event,) = store.deliveries_of_job(job_id)
        assert event.status == "failed" and event.attempts == 3 and event.last_status_code == 503
        assert len(receiver.got) == 3
    finally:
        store.close()


def test_submissions_refuse_private_callbacks_and_servers_without_a_secret(tmp_path):
    def client(**settings):
        s = Settings(
            upload_dir=tmp_path / "u", var_dir=tmp_path / "v", preload_models=False, **settings
        )
        return create_app(s, models=get_registry()).test_client()

    def submit(c, url):
        return c.post(
            "/api/v1/jobs",
            data={"resume": (io.BytesIO(PDF), "cv.pdf"), "callback_url": url},
            content_type="multipart/form-data",
        )

    body = assert_problem(submit(client(), "https://93.184.216.34/hook"), 422)
    assert "CAA_WEBHOOK_SECRET" in body["detail"]
    signed = client(webhook_secret=SECRET)
    body = assert_problem(submit(signed, "http://169.254.169.254/latest/meta-data/"), 422)
    assert body["type"].endswith("callback-url-refused")
    assert submit(signed, "https://93.184.216.34/hook").status_code == 202
    with pytest.raises(ValueError):
        Settings(webhook_secret="not-a-secret")


def test_the_sender_thread_delivers_until_stopped(tmp_path, receiver):
    import time

    from service.wiring import build_webhook_sender

    settings = Settings(
        var_dir=tmp_path / "var",
        webhook_secret=SECRET,
        webhook_url=receiver.url,
        allow_private_callbacks=True,
    )
    assert build_webhook_sender(Settings(var_dir=tmp_path / "var"), None) is None  # no secret
    store = Store(settings.store_url, default_webhook=True)
    sender = build_webhook_sender(settings, store)
    sender._interval_s = 0.05
    receiver.statuses.clear()
    try:
        job_id = _claimed_job(store)
        store.finish_failed(job_id, 1, {"title": "x"}, stages=[])
        sender.start()
        deadline = time.monotonic() + 10
        while store.deliveries_of_job(job_id)[0].status != "delivered":
            assert time.monotonic() < deadline, "not delivered within 10 s"
            time.sleep(0.05)
        assert receiver.verified()[0]["type"] == "job.failed"
    finally:
        sender.stop()
        sender.join(5)
        store.close()
    assert not sender.is_alive()


@pytest.mark.parametrize(
    "address",
    ["64:ff9b::a00:5", "2002:7f00:1::", "::7f00:1", "::ffff:169.254.169.254"],
)
def test_ipv6_forms_of_private_ipv4_are_refused(address):
    with pytest.raises(CallbackRefused):
        check_callback_url(f"http://[{address}]/hook", allow_private=False)


def test_malformed_callback_urls_are_refused_not_500():
    with pytest.raises(CallbackRefused):
        check_callback_url("http://[::1/hook", allow_private=False)


def test_two_senders_post_each_attempt_once(database_url, receiver):
    """Two API machines' senders against one store: the claim lets one of them send."""
    store = Store(database_url)
    try:
        receiver.statuses.clear()
        job_id = _claimed_job(store, callback_url=receiver.url)
        store.finish_failed(job_id, 1, {"title": "x"}, stages=[])
        due = store.due_deliveries(now=webhooks.utcnow())
        assert store.claim_delivery(due[0], 30) and not store.claim_delivery(due[0], 30)
        assert deliver_due(store, secret=SECRET, default_url=None, allow_private=True) == 0
    finally:
        store.close()


def test_erasure_removes_sent_events_and_old_ones_expire(database_url, receiver):
    from datetime import timedelta

    from store import utcnow

    store = Store(database_url)
    try:
        receiver.statuses.clear()
        job_id = _claimed_job(store, callback_url=receiver.url, candidate_id="cand-9")
        store.finish_failed(job_id, 1, {"title": "x"}, stages=[])
        deliver_due(store, secret=SECRET, default_url=None, allow_private=True)
        assert store.deliveries_of_job(job_id)[0].status == "delivered"
        assert store.expire_deliveries(before=utcnow() - timedelta(days=7)) == 0
        assert store.erase_candidate("cand-9") == [job_id]
        assert store.deliveries_of_job(job_id) == []  # what was sent about them is gone
        assert store.expire_deliveries(before=utcnow() + timedelta(seconds=1)) == 0
    finally:
        store.close()
