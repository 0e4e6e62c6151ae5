"""The web app (``/app/``) through the Flask test client, on a real store with real jobs run by
the real job function and models: upload -> progress -> report, the list's filters, sort and
pages, ratings and their agreement, comparison, practice with a retake, history, CSV, erasure,
consent, CSRF and sign-in with API keys."""

from __future__ import annotations

import csv
import io
import re

import pytest

from jobs.runner import run_job
from tests.conftest import make_pdf
from tests.jobs_factory import close_service, make_service, runner_context

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
JOB = re.compile(r"/app/jobs/([0-9a-f-]{36})")
JD = "Backend engineer: Python, SQL, Kubernetes and Ansible required. Terraform is a plus."
QUESTION_ID = "debug-production-incident"
EXPECTED = "- I designed the database schema\n- I added indexes\n- I used Kubernetes"


def token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return CSRF.search(page.get_data(as_text=True)).group(1)


def upload(client, video, *, candidate: str, **fields):
    data = {
        "csrf_token": token(client, "/app/upload"),
        "candidate_id": candidate,
        "video": (io.BytesIO(video.read_bytes()), "answer.mp4"),
        "resume": (io.BytesIO(make_pdf()), "cv.pdf"),
        "question": "Tell me about a database you designed.",
        "expected_answer": EXPECTED,
        "job_description": JD,
        "consent": "true",
        **fields,
    }
    return client.post("/app/upload", data=data, content_type="multipart/form-data")


def run_all(ctx) -> None:
    runner = runner_context(ctx)
    for job_id in ctx.store.queued_job_ids():
        assert run_job(job_id, runner) == "succeeded"
    ctx.queue.flush()


@pytest.fixture(scope="module")
def web(tmp_path_factory, answer_video, long_answer_video):
    """A service with three analysed uploads (two candidates) and a practice retake."""
    tmp = tmp_path_factory.mktemp("web")
    app, ctx = make_service(tmp, f"sqlite:///{tmp / 'web.sqlite3'}", keep_media=True)
    client = app.test_client()
    first = upload(client, answer_video, candidate="ada", candidate_name="Ada L.")
    assert first.status_code == 303, first.get_data(as_text=True)[:800]
    job_id = JOB.search(first.headers["Location"]).group(1)
    queued = client.get(f"/app/jobs/{job_id}").get_data(as_text=True)
    assert "Waiting in the queue" in queued and 'http-equiv="refresh"' in queued
    assert upload(client, long_answer_video, candidate="bob").status_code == 303
    assert upload(client, answer_video, candidate="ada").status_code == 303
    run_all(ctx)
    yield client, ctx, job_id
    close_service(ctx)


def reports_page(client, **query) -> str:
    resp = client.get("/app/reports", query_string=query)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def report_ids(page: str) -> list[str]:
    return re.findall(r'name="report" value="([0-9a-f-]{36})"', page)


@pytest.mark.slow
def test_upload_progress_and_report(web):
    client, ctx, job_id = web
    progress = client.get(f"/app/jobs/{job_id}/progress", headers={"HX-Request": "true"})
    job = ctx.store.get_job(job_id)
    assert job.status == "succeeded" and job.consent_at is not None
    assert progress.headers["HX-Redirect"] == f"/app/reports/{job.report_id}"
    page = client.get(f"/app/reports/{job.report_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ada L." in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Tell me about a database you designed." in html and "consent given" in html
    # the rubric, the follow-ups (Kubernetes is a key point the synthetic answer never makes)
    assert 'name="rating_communication"' in html and "Follow-up questions" in html
    assert "I used Kubernetes" in html
    # the kept recording plays from the moment a key point was made
    assert f'src="/app/reports/{job.report_id}/media"' in html and "data-seek=" in html
    media = client.get(f"/app/reports/{job.report_id}/media", headers={"Range": "bytes=0-99"})
    assert media.status_code == 206 and len(media.data) == 100


@pytest.mark.slow
def test_list_latest_per_candidate_filters_sort_and_pages(web):
    client, ctx, _ = web
    latest = report_ids(reports_page(client))
    everything = report_ids(reports_page(client, show="all"))
    assert len(latest) == 2 and len(everything) == 3 and set(latest) < set(everything)
    assert len(report_ids(reports_page(client, candidate="bob", show="all"))) == 1
    assert report_ids(reports_page(client, skill="no-such-skill")) == []
    skill = ctx.store.get_report(latest[0]).summary["skills"][0]
    assert latest[0] in report_ids(reports_page(client, skill=skill))
    scores = {r: ctx.store.get_report(r).talent_score for r in everything}
    ordered = report_ids(reports_page(client, show="all", sort="score_desc"))
    assert [scores[r] for r in ordered] == sorted(scores.values(), reverse=True)
    top = max(scores.values())
    # the same answer uploaded twice scores the same: every report at the top score
    at_top = {r for r in ordered if scores[r] >= top}
    assert set(report_ids(reports_page(client, show="all", min_score=top))) == at_top
    # the candidates' answers to one question (the list's link from a report's page)
    asked = "Tell me about a database you designed."
    assert set(report_ids(reports_page(client, question=asked))) == set(latest)
    assert f'<option value="{asked}" selected>' in reports_page(client, question=asked)
    assert report_ids(reports_page(client, question="Why us?")) == []
    page = reports_page(client, show="all", min_score="not a number", sort="sideways")
    assert "are ignored" in page and len(report_ids(page)) == 3
    # pages: 20 a page, so one page here, and a page past the end is empty
    assert "page 1 of 1" in reports_page(client, show="all")
    assert report_ids(reports_page(client, show="all", page=2)) == []


@pytest.mark.slow
def test_ratings_are_stored_and_agreement_shown(web):
    client, ctx, _ = web
    report_id = report_ids(reports_page(client, candidate="bob"))[0]
    url = f"/app/reports/{report_id}"
    refused = client.post(f"{url}/ratings", data={"rating_communication": "4"})
    assert refused.status_code == 400  # no CSRF token
    bad = client.post(
        f"{url}/ratings", data={"csrf_token": token(client, url), "rating_communication": "9"}
    )
    pk = ctx.store.get_report(report_id).id
    assert bad.status_code == 303 and ctx.store.ratings_of([pk]) == {}
    subscores = ctx.store.get_report(report_id).summary["subscores"]
    near = round(1 + 4 * subscores["communication"] / 100)
    resp = client.post(
        f"{url}/ratings",
        data={
            "csrf_token": token(client, url),
            "rating_communication": str(near),
            "rating_engagement": "1" if subscores["engagement"] > 60 else "5",
        },
    )
    assert resp.status_code == 303
    assert ctx.store.ratings_of([pk])[pk]["communication"] == near
    assert "1 of 2 within 1 point" in reports_page(client, candidate="bob")
    page = client.get(url).get_data(as_text=True)
    assert f'<option value="{near}" selected>' in page


@pytest.mark.slow
def test_compare(web):
    client, _, _ = web
    ids = report_ids(reports_page(client))
    page = client.get("/app/compare", query_string=[("report", i) for i in ids])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ada" in html and "bob" in html
    assert "Pace" in html and "Job skills on the resume" in html
    one = client.get("/app/compare", query_string={"report": ids[0]}).get_data(as_text=True)
    assert "Choose two to four reports" in one


@pytest.mark.slow
def test_practice_retake_history_csv_and_erasure(web, answer_video, long_answer_video):
    client, ctx, _ = web
    url = f"/app/practice/record?q={QUESTION_ID}"
    for video in (answer_video, long_answer_video):
        resp = client.post(
            url,
            data={
                "csrf_token": token(client, url),
                "candidate_id": "cleo",
                # the bank's key points are the expected answer, whatever the browser sends
                "expected_answer": "- anything at all",
                "video": (io.BytesIO(video.read_bytes()), "answer.webm"),
                "consent": "true",
            },
            content_type="multipart/form-data",
        )
        assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
        assert "then=/app/candidates/cleo" in resp.headers["Location"]
        run_all(ctx)
    request = ctx.store.candidate_history("cleo")[0].request
    assert request["question"].startswith("Walk me through how you would debug")
    assert (
        "- roll back the most recent deployment if it caused the outage"
        in (request["expected_answer"])
    )
    html = client.get("/app/candidates/cleo").get_data(as_text=True)
    assert "2 sessions" in html and "Retaken questions" in html and "attempt 1 → 2" in html
    assert "split-half differences of 2 session(s)" in html
    assert html.count("<svg") >= 5 and "baseline" in html
    assert "What to work on next" in html and "You did not cover this point" in html
    rows = list(csv.reader(io.StringIO(client.get("/app/candidates/cleo/history.csv").text)))
    assert rows[0][:4] == ["session", "created_at", "report_id", "question"] and len(rows) == 3
    assert float(rows[1][rows[0].index("wpm")]) > 0
    # erasure needs the box ticked, then everything goes
    url = "/app/candidates/cleo"
    kept = client.post(f"{url}/erase", data={"csrf_token": token(client, url)})
    assert kept.status_code == 303 and ctx.store.candidate_history("cleo")
    gone = client.post(f"{url}/erase", data={"csrf_token": token(client, url), "confirm": "yes"})
    assert gone.status_code == 303 and ctx.store.candidate_history("cleo") == []
    assert client.get(url).status_code == 404


def test_consent_required_and_stored(tmp_path, answer_video):
    app, ctx = make_service(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite3'}", require_consent=True)
    try:
        client = app.test_client()
        refused = upload(client, answer_video, candidate="dan", consent="")
        assert refused.status_code == 422 and "consent" in refused.get_data(as_text=True)
        assert ctx.store.queued_job_ids() == []
        api = client.post(
            "/api/v1/jobs",
            data={"video": (io.BytesIO(answer_video.read_bytes()), "a.mp4"), "consent": "maybe"},
            content_type="multipart/form-data",
        )
        assert api.status_code == 422
        api = client.post(
            "/api/v1/jobs",
            data={"video": (io.BytesIO(answer_video.read_bytes()), "a.mp4"), "consent": "true"},
            content_type="multipart/form-data",
        )
        assert api.status_code == 202 and api.get_json()["consent_at"].endswith("Z")
    finally:
        close_service(ctx)


@pytest.mark.slow
def test_sign_in_with_an_api_key_and_tenants(tmp_path, answer_video):
    app, ctx = make_service(
        tmp_path, f"sqlite:///{tmp_path / 'a.sqlite3'}", auth="api_key", keep_media=True
    )
    try:
        key_a = ctx.store.create_api_key("a")[1]
        key_b = ctx.store.create_api_key("b")[1]
        client = app.test_client()
        resp = client.get("/app/reports")
        assert resp.status_code == 302 and "/app/sign-in" in resp.headers["Location"]
        url = "/app/sign-in?next=/app/upload"
        wrong = client.post(url, data={"csrf_token": token(client, url), "api_key": "caa_x_y"})
        assert wrong.status_code == 401
        ok = client.post(
            url, data={"csrf_token": token(client, url), "api_key": key_a, "next": "/app/upload"}
        )
        assert ok.status_code == 302 and ok.headers["Location"] == "/app/upload"
        cookie = ok.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        sent = upload(client, answer_video, candidate="eve")
        job_id = JOB.search(sent.headers["Location"]).group(1)
        run_all(ctx)
        report_id = ctx.store.get_job(job_id).report_id
        mine = [
            f"/app/reports/{report_id}",
            f"/app/reports/{report_id}/media",
            f"/app/reports/{report_id}/report.json",
            f"/app/reports/{report_id}/page",
            f"/app/jobs/{job_id}",
            "/app/candidates/eve",
            "/app/candidates/eve/history.csv",
        ]
        assert all(client.get(u).status_code == 200 for u in mine)
        assert "eve" in client.get("/app/candidates").get_data(as_text=True)
        other = app.test_client()
        url = "/app/sign-in"
        other.post(url, data={"csrf_token": token(other, url), "api_key": key_b})
        assert "eve" not in other.get("/app/candidates").get_data(as_text=True)
        assert report_id not in other.get("/app/reports?show=all").get_data(as_text=True)
        for u in mine + [f"/app/reports/{report_id}/report.pdf"]:
            page = other.get(u)
            assert page.status_code == 404 and page.mimetype == "text/html", u
        csrf = token(other, "/app/upload")
        for u, data in (
            (f"/app/reports/{report_id}/ratings", {"rating_communication": "5"}),
            (f"/app/jobs/{job_id}/cancel", {}),
            ("/app/candidates/eve/erase", {"confirm": "yes"}),
        ):
            assert other.post(u, data={"csrf_token": csrf, **data}).status_code == 404, u
        compare = other.get(f"/app/compare?report={report_id}&report={report_id}")
        assert "eve" not in compare.get_data(as_text=True)
        pk = ctx.store.get_report(report_id).id
        assert ctx.store.ratings_of([pk]) == {} and ctx.store.candidate_history("eve")
        # a revoked key's session ends at its next page
        ctx.store.revoke_api_key(key_a.split("_")[1])
        assert client.get("/app/reports").status_code == 302
        # an outside address is never the place to go after signing in
        for target in ("https://evil.example/", "//evil.example/app/", "/app/../x"):
            evil = f"/app/sign-in?next={target}"
            resp = other.post(evil, data={"csrf_token": token(other, evil), "api_key": key_b})
            assert resp.headers["Location"] == "/app/reports", target
    finally:
        close_service(ctx)


# --- the pieces the pages are built from -------------------------------------------------------


def _report(ctx, candidate: str):
    from contracts.report import Report

    return Report.model_validate_json(ctx.store.candidate_history(candidate)[-1].row.body)


@pytest.mark.slow
def test_follow_ups_cite_their_evidence(web):
    from pipeline.practice import follow_ups

    _, ctx, _ = web
    report = _report(ctx, "ada")
    found = follow_ups(report)
    missing = [f for f in found if f.rule == "key_point_missing"]
    covered = {k.point for k in report.delivery.language.key_points if k.covered}
    assert missing and all(p not in f.text for f in missing for p in covered)
    assert any("I used Kubernetes" in f.text for f in missing)
    assert all("closest part of the answer" in f.evidence for f in missing)
    for f in found:
        if f.rule == "resume_skill_not_evidenced":
            assert "on the resume" in f.evidence and "not in the answer" in f.evidence
        if f.rule == "job_skill_missing":
            assert f.text.split("asks for ")[1].split(",")[0] in report.skills_match.missing


@pytest.mark.slow
def test_split_halves_agree_with_the_whole_answer(web):
    from pipeline.practice import retake_deltas, retake_noise, session_measures, split_halves

    _, ctx, _ = web
    report = _report(ctx, "bob")
    halves = split_halves(report)
    whole = session_measures(report)
    assert set(halves) >= {"wpm", "fillers_per_min", "long_pauses_per_min"}
    # the synthetic answer repeats one sentence: each half runs at about the whole's pace
    for half in halves["wpm"]:
        assert half == pytest.approx(whole["wpm"], rel=0.25)
    # the per-minute variance is (a - b)^2 T / 4 (at least one word per half), T in minutes
    minutes = (report.delivery.audio.answer_end_s - report.delivery.audio.answer_start_s) / 60
    a, b = halves["wpm"]
    expected = max((a - b) ** 2, (2 / minutes) ** 2) * minutes / 4
    noise = retake_noise([report, report])
    assert noise["wpm"].sessions == 2
    assert noise["wpm"].sigma2_per_min == pytest.approx(expected)
    other = _report(ctx, "ada")
    deltas = {d.measure.name: d for d in retake_deltas(other, report, noise)}
    other_min = (other.delivery.audio.answer_end_s - other.delivery.audio.answer_start_s) / 60
    sd = (expected * (1 / minutes + 1 / other_min)) ** 0.5
    wpm = deltas["wpm"]
    assert wpm.noise.sd == pytest.approx(sd)
    assert wpm.beyond_noise == (abs(wpm.delta) > 1.96 * sd)
    assert deltas["talent_score"].noise is None and deltas["talent_score"].beyond_noise is None
    # a count never seen in any half still has the noise of one event per half
    assert noise["long_pauses_per_min"].sigma2_per_min > 0


def test_growth_chart_and_baseline():
    from webapp.charts import baseline, growth_chart

    assert baseline([None, 2.0, 4.0, 10.0]) == 3.0 and baseline([None]) is None
    svg = growth_chart([0.5, None, 0.75], label="Eye contact", y_max=1, unit="share")
    assert svg.count("<circle") == 2 and "75%" in svg and 'stroke-dasharray="5 4"' in svg
    assert 'aria-label="Eye contact across 3 sessions"' in svg


def test_question_bank_is_valid_and_each_point_is_checked_alone(tmp_path):
    from analyzers.language import split_key_points
    from service.settings import Settings
    from webapp.questions import load

    bank = load(Settings().question_bank)
    assert len(bank.question) >= 10 and len(bank.categories()) >= 5
    for q in bank.question:
        assert split_key_points(q.expected_answer) == list(q.key_points), q.id
    assert bank.by_text("  " + bank.question[0].text.upper()) == bank.question[0]
    twice = tmp_path / "twice.toml"
    entry = '[[question]]\nid = "a"\ncategory = "c"\ntext = "Why this?"\nkey_points = ["x y"]\n'
    twice.write_text(entry * 2)
    with pytest.raises(ValueError, match="share an id"):
        load(twice)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[question]]\nid = "a"\ntext = "Why this?"\n')
    with pytest.raises(ValueError, match="category"):
        load(bad)


class _StubLlm:
    """A local OpenAI-compatible chat-completions server: answers ``reply`` (or ``status``)
    and keeps the request bodies it got."""

    def __init__(self, status: int = 200, reply: str = "- Name the rollback first.\n- Slow down."):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.bodies: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.bodies.append({"path": self.path, **body})
                out = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": reply}}]}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("status", [200, 500])
def test_llm_suggestions_send_only_the_documented_facts(web, tmp_path, status):
    from jobs.records import stored_report

    _, web_ctx, _ = web
    report = _report(web_ctx, "ada")
    stub = _StubLlm(status=status)
    app, ctx = make_service(
        tmp_path, f"sqlite:///{tmp_path / 'l.sqlite3'}", llm_url=stub.url, llm_model="coach-1"
    )
    try:
        ctx.store.save_report(stored_report(report), source="analyze", candidate_id="ada-secret")
        client = app.test_client()
        page = client.get(f"/app/reports/{report.report_id}").get_data(as_text=True)
        assert "Ask the AI for suggestions" in page
        box = client.get(
            f"/app/reports/{report.report_id}/suggestions", headers={"HX-Request": "true"}
        ).get_data(as_text=True)
        sent = stub.bodies[0]
        assert sent["path"] == "/v1/chat/completions" and sent["model"] == "coach-1"
        facts = sent["messages"][1]["content"]
        assert report.transcript.text[:40] in facts and "MISSING: I used Kubernetes" in facts
        assert "ada-secret" not in json_dump(sent) and "Python" not in facts  # no resume
        if status == 200:
            assert "Name the rollback first." in box and "coach-1" in box
        else:
            assert "unavailable: the LLM endpoint answered HTTP 500" in box
    finally:
        stub.close()
        close_service(ctx)


def json_dump(value) -> str:
    import json

    return json.dumps(value)


def test_no_llm_no_suggestions(tmp_path):
    app, ctx = make_service(tmp_path, f"sqlite:///{tmp_path / 'n.sqlite3'}")
    try:
        import uuid

        assert app.test_client().get(f"/app/reports/{uuid.uuid4()}/suggestions").status_code == 404
    finally:
        close_service(ctx)


@pytest.mark.slow
def test_report_exports_pdf_json_and_page(web):
    client, ctx, _ = web
    report_id = report_ids(reports_page(client, candidate="bob"))[0]
    pdf = client.get(f"/app/reports/{report_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert "report-bob-" in pdf.headers["Content-Disposition"] and len(pdf.data) > 5000
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Candidate analysis report" in text and "Talent Score" in text
    assert client.get(f"/app/reports/{report_id}/report.json").get_json()["report_id"] == report_id
    page = client.get(f"/app/reports/{report_id}/page")
    assert page.mimetype == "text/html" and "<svg" in page.get_data(as_text=True)


def test_pages_without_reports_and_cancelling_a_queued_job(tmp_path, answer_video):
    app, ctx = make_service(tmp_path, f"sqlite:///{tmp_path / 'p.sqlite3'}")
    try:
        client = app.test_client()
        for url in ("/app/", "/app/reports", "/app/candidates", "/app/practice", "/app/upload"):
            page = client.get(url)
            assert page.status_code == 200 and "Skip to the content" in page.get_data(as_text=True)
        assert "No report matches" in client.get("/app/reports").get_data(as_text=True)
        assert client.get("/app/practice/record").status_code == 302  # no question chosen
        record = client.get(f"/app/practice/record?q={QUESTION_ID}&q=failure&q=no-such")
        html = record.get_data(as_text=True)
        assert "Question 1 of 2" in html and "debug a production outage" in html
        resp = upload(client, answer_video, candidate="fay")
        job_id = JOB.search(resp.headers["Location"]).group(1)
        active = client.get("/app/jobs/active").get_data(as_text=True)
        assert job_id[:8] in active and 'hx-trigger="every 3s"' in active
        url = f"/app/jobs/{job_id}"
        cancel = client.post(f"{url}/cancel", data={"csrf_token": token(client, url)})
        assert cancel.status_code == 303 and ctx.store.get_job(job_id).status == "cancelled"
        page = client.get(url).get_data(as_text=True)
        assert "Cancelled" in page and "http-equiv" not in page
        idle = client.get("/app/jobs/active").get_data(as_text=True)
        assert "In progress" not in idle and 'hx-trigger="every 15s"' in idle
        assert not (ctx.settings.jobs_dir / job_id).exists()
        again = client.post(f"{url}/cancel", data={"csrf_token": token(client, "/app/upload")})
        assert again.status_code == 303
        assert "already finished" in client.get(url).get_data(as_text=True)
        assert client.get("/app/jobs/00000000-0000-0000-0000-000000000000").status_code == 404
        assert client.get("/app/candidates/bad%20id").status_code == 404
    finally:
        close_service(ctx)


@pytest.mark.slow
def test_every_moment_link_lands_in_the_transcript(web):
    from api.render import moment_links

    assert str(moment_links("pause at 1:05 <i>")) == (
        'pause at <a href="#at-65" data-seek="65">1:05</a> &lt;i&gt;'
    )
    client, ctx, _ = web
    for report_id in report_ids(reports_page(client, show="all")):
        html = client.get(f"/app/reports/{report_id}").get_data(as_text=True)
        targets = set(re.findall(r'href="#(at-\d+)"', html))
        assert targets, "no moment is linked"
        anchors = set(re.findall(r'id="(at-\d+)"', html))
        assert targets <= anchors, targets - anchors


def test_secure_cookies_behind_https(tmp_path):
    app, ctx = make_service(tmp_path, f"sqlite:///{tmp_path / 's.sqlite3'}", secure_cookies=True)
    try:
        page = app.test_client().get("/app/upload", base_url="https://localhost")
        assert "Secure" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
    finally:
        close_service(ctx)
