"""The web app's pages (``/app/``): thin views over the store, the API's job code and
webapp.views (what each page shows)."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from api.auth import tenant
from api.context import context
from api.job_routes import create_job, job_resource
from api.render import render_report, report_context
from contracts.errors import AnalysisError
from contracts.report import Report
from contracts.warnings import QUALITY_FLAGS, WARNING_CODES
from jobs.files import job_dir, remove_job_files
from jobs.views import QueueSnapshot
from service import llm
from webapp import forms, views

bp = Blueprint(
    "web",
    __name__,
    url_prefix="/app",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
PER_PAGE = 20
ACTIVE = ("queued", "running")
HTMX_STOP_POLLING = 286  # htmx swaps this answer and stops polling
STATUS_WORDS = {
    "queued": "Waiting in the queue",
    "running": "Analysing",
    "succeeded": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
# Pages: scripts and styles from this server only (htmx, the recorder), media from this server
# or the browser's own recording (blob:), forms posting here only.
WEB_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' blob: mediastream:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
OPEN = frozenset({"web.sign_in", "web.static"})


@bp.before_request
def _signed_in():
    """With API keys on, a page needs a signed-in session whose key is still live; its key_id
    is the request's tenant (api.auth.tenant). POSTs need the form's CSRF token."""
    ctx = context()
    if ctx.settings.auth == "api_key":
        key_id = session.get("tenant")
        if key_id and ctx.store.key_is_live(key_id):
            g.tenant = key_id
        elif request.endpoint not in OPEN:
            session.pop("tenant", None)
            return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))
    if request.method == "POST":
        current_app.extensions["caa_csrf"].protect()
    return None


@bp.after_request
def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = WEB_CSP
    if request.endpoint != "web.static":
        response.headers["Cache-Control"] = "no-store"  # pages show personal data
    return response


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError):
    detail = f"{exc.description} Go back, reload the page and send the form again."
    return render_template("app/error.html", title="Form expired", detail=detail), 400


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """The web app's errors as pages (the API's stay problem+json)."""
    titles = {404: "Not found", 413: "Too large", 429: "Too many requests"}
    detail = {
        404: "There is nothing here, or it belongs to another account.",
        413: "The upload is larger than this server accepts "
        f"({context().settings.max_upload_mb:g} MB in all).",
    }.get(exc.code, exc.description)
    page = render_template("app/error.html", title=titles.get(exc.code, exc.name), detail=detail)
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return page, exc.code or 500, headers  # Allow on 405, Retry-After on 503 kept


@bp.errorhandler(AnalysisError)
def _analysis_error(exc: AnalysisError):
    return render_template("app/error.html", title=exc.title, detail=exc.detail), exc.status


@bp.app_context_processor
def _globals():
    return {
        "auth_on": context().settings.auth == "api_key",
        "signed_in": bool(g.get("tenant")),
        "emotion_on": context().settings.emotion_enabled,
        "keep_media": context().settings.keep_media,
        "retention_days": context().settings.report_retention_days,
        "llm_on": bool(context().settings.llm_url),
        "signed": signed,
    }


def signed(value: float, digits: int) -> str:
    """A difference with its sign, rounded; one that rounds to zero is "0" (never "-0")."""
    rounded = round(value, digits)
    return f"{rounded:+.{digits}f}" if rounded else f"{0:.{digits}f}"


def _safe_next(target: str | None, default: str) -> str:
    """Only a path of this app (never another site) to go to after a form."""
    if not target or not target.startswith("/app/") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.netloc or ".." in parts.path.split("/"):
        return default
    return target


# --- sign-in ---------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if context().settings.auth != "api_key":
        return redirect(url_for("web.home"))
    error = None
    next_url = _safe_next(request.values.get("next"), url_for("web.reports"))
    if request.method == "POST":
        current_app.extensions["caa_csrf"].protect()
        key = (request.form.get("api_key") or "").strip()
        found = context().store.tenant_of_key(key) if key else None
        if found:
            session.clear()
            session.permanent = True
            session["tenant"] = found
            return redirect(next_url)
        error = "This API key is unknown or revoked."
    return render_template("app/sign_in.html", error=error, next_url=next_url), (
        401 if error else 200
    )


@bp.post("/sign-out")
def sign_out():
    session.clear()
    return redirect(url_for("web.sign_in") if context().settings.auth == "api_key" else "/app/")


# --- recruiter -------------------------------------------------------------------------------


@bp.get("/")
def home():
    return render_template("app/home.html")


@bp.get("/reports")
def reports():
    q, errors = forms.parse(forms.ListQuery, request.args)
    store = context().store
    rows, total = store.browse_reports(
        q.filters(),
        sort=q.sort,
        offset=(q.page - 1) * PER_PAGE,
        limit=PER_PAGE,
        latest_per_candidate=q.show == "latest",
        tenant=tenant(),
    )
    ratings = store.ratings_of([r.row.id for r in rows])
    return render_template(
        "app/reports.html",
        q=q,
        errors=errors,
        rows=[views.list_row(r, ratings.get(r.row.id, {})) for r in rows],
        total=total,
        pages=max(1, math.ceil(total / PER_PAGE)),
        quality_flags=QUALITY_FLAGS,
        warning_codes=sorted(WARNING_CODES),
        active=_active_jobs(),
        query=q.query(),
        questions=store.questions_asked(tenant=tenant()),
    )


def _active_jobs(candidate_id: str | None = None) -> list:
    store = context().store
    queue = QueueSnapshot.read(store)
    # running first, then the queue's order: the jobs that report next, never only the newest
    rows = [
        found
        for status in ACTIVE[::-1]
        for found in store.list_jobs(
            status=status, candidate_id=candidate_id, limit=20, tenant=tenant(), oldest_first=True
        )[0]
    ]
    return [job_resource(row, cand, queue) for row, cand in rows]


@bp.get("/jobs/active")
def active_jobs():
    """The list page's "in progress" box (htmx refreshes it while jobs run)."""
    return render_template("app/_active_jobs.html", active=_active_jobs())


def _report_or_404(report_id: str):
    found = context().store.reports_by_id([report_id], tenant=tenant())
    if not found:
        abort(404)
    return found[0]


@bp.get("/reports/<uuid:report_id>")
def report(report_id):
    browsed = _report_or_404(str(report_id))
    report = Report.model_validate_json(browsed.row.body)
    ratings = context().store.ratings_of([browsed.row.id]).get(browsed.row.id, {})
    return render_template(
        "app/report.html",
        b=browsed,
        detail=views.detail(browsed, report, ratings),
        media_url=_media_url(browsed),
        **report_context(report),
    )


def _media_url(browsed) -> str | None:
    """Where the recording can be played, when the operator keeps media (CAA_KEEP_MEDIA)."""
    request_ = browsed.request or {}
    media = request_.get("media")
    if not browsed.job_id or not media:
        return None
    path = job_dir(context().settings.jobs_dir, browsed.job_id) / media["name"]
    return url_for("web.media", report_id=browsed.row.report_id) if path.is_file() else None


@bp.get("/reports/<uuid:report_id>/media")
def media(report_id):
    browsed = _report_or_404(str(report_id))
    media = (browsed.request or {}).get("media")
    if not browsed.job_id or not media:
        abort(404)
    path = job_dir(context().settings.jobs_dir, browsed.job_id) / media["name"]
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=media.get("detected_type"), conditional=True)


@bp.get("/reports/<uuid:report_id>/report.json")
def report_json(report_id):
    """The stored report (the API's JSON), for a signed-in browser."""
    return Response(_report_or_404(str(report_id)).row.body, mimetype="application/json")


@bp.get("/reports/<uuid:report_id>/page")
def report_page(report_id):
    """The standalone HTML report (as the API renders it), for a signed-in browser."""
    report = Report.model_validate_json(_report_or_404(str(report_id)).row.body)
    return Response(render_report(report), mimetype="text/html")


@bp.get("/reports/<uuid:report_id>/report.pdf")
def report_pdf(report_id):
    """The report's standalone page as a PDF (WeasyPrint: HTML and inline SVG to PDF)."""
    browsed = _report_or_404(str(report_id))
    report = Report.model_validate_json(browsed.row.body)
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: the rest of the app works without it
        raise ServiceUnavailable(
            "PDF export needs the Pango library on the server (apt install libpango-1.0-0)"
        ) from exc
    pdf = HTML(string=render_report(report)).write_pdf()
    name = f"report-{browsed.candidate_id or 'candidate'}-{browsed.row.created_at:%Y%m%d}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/reports/<uuid:report_id>/suggestions")
def suggestions(report_id):
    """Suggestions from the operator's LLM (CAA_LLM_URL; service.llm says what is sent): a
    box for htmx, or a page of its own without JavaScript."""
    settings = context().settings
    if not settings.llm_url:
        abort(404)
    browsed = _report_or_404(str(report_id))
    report = Report.model_validate_json(browsed.row.body)
    try:
        found, error = (
            llm.suggest(
                settings.llm_url,
                settings.llm_model,
                report,
                (browsed.request or {}).get("question"),
                timeout_s=settings.llm_timeout_s,
            ),
            None,
        )
    except llm.LlmUnavailable as exc:
        found, error = None, str(exc)
    template = (
        "app/_suggestions.html" if request.headers.get("HX-Request") else ("app/suggestions.html")
    )
    return render_template(template, found=found, error=error, report_id=str(report_id))


@bp.post("/reports/<uuid:report_id>/ratings")
def rate(report_id):
    report_id = str(report_id)
    values, errors = forms.ratings(request.form)
    if errors:
        flash("; ".join(errors), "error")
    elif context().store.set_ratings(report_id, values, tenant=tenant()):
        flash("Your ratings are saved.", "ok")
    else:
        abort(404)
    return redirect(url_for("web.report", report_id=report_id) + "#rubric", code=303)


@bp.get("/compare")
def compare():
    ids = list(dict.fromkeys(request.args.getlist("report")))[:4]
    found = context().store.reports_by_id(ids, tenant=tenant()) if ids else []
    return render_template(
        "app/compare.html",
        table=views.comparison(found) if len(found) >= 2 else None,
        asked=len(ids),
    )


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    error = None
    if request.method == "POST":
        try:
            row, _candidate = create_job()
        except AnalysisError as exc:
            error = exc
        else:
            return redirect(url_for("web.job", job_id=row.job_id), code=303)
    return render_template(
        "app/upload.html",
        error=error,
        form=request.form,
        require_consent=context().settings.require_consent,
    ), (error.status if error else 200)


@bp.get("/jobs/<uuid:job_id>")
def job(job_id):
    job_ = _job_or_404(str(job_id))
    then = _safe_next(request.args.get("then"), "")
    return render_template("app/job.html", job=job_, then=then, status_words=STATUS_WORDS)


@bp.get("/jobs/<uuid:job_id>/progress")
def job_progress(job_id):
    """The job page's progress box (and, out of band, the status line screen readers announce
    when it changes); once the job has ended, HTTP 286 stops htmx's polling, and a job that
    succeeded goes on to its report (or to ``then``)."""
    job_ = _job_or_404(str(job_id))
    then = _safe_next(request.args.get("then"), "")
    body = render_template(
        "app/_job_progress.html", job=job_, then=then, status_words=STATUS_WORDS, oob=True
    )
    ended = job_.status not in ACTIVE
    response = Response(body, status=HTMX_STOP_POLLING if ended else 200)
    if job_.status == "succeeded":
        response.headers["HX-Redirect"] = then or url_for("web.report", report_id=job_.report_id)
    return response


@bp.post("/jobs/<uuid:job_id>/cancel")
def cancel(job_id):
    job_id = str(job_id)
    ctx = context()
    row, cancelled = ctx.store.cancel_job(job_id, tenant=tenant())
    if row is None:
        abort(404)
    if cancelled:
        remove_job_files(ctx.settings.jobs_dir, [job_id])
        flash("The job is cancelled.", "ok")
    else:
        flash(f"The job had already finished ({row.status}).", "error")
    return redirect(url_for("web.job", job_id=job_id), code=303)


def _job_or_404(job_id: str):
    row = context().store.get_job(job_id, tenant=tenant())
    if row is None:
        abort(404)
    return job_resource(row)
