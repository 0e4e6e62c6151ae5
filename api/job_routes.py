"""Background jobs: submit, follow, list, cancel (``/api/v1/jobs``)."""

from __future__ import annotations

import logging
import math
import shutil
import uuid
from datetime import timedelta
from typing import Literal

from flask import Blueprint, Response, g
from pydantic import BaseModel, ConfigDict, Field

from analyzers import media as media_probe
from api import forms
from api.auth import tenant
from api.context import context
from api.idempotency import idempotent
from api.routes import analysis_texts, analysis_uploads
from contracts.errors import AnalysisError, Conflict, InvalidParameter, NotFound
from contracts.resources import JobList, WebhookDelivery, WebhookDeliveryList
from jobs.files import job_dir, remove_job_files
from jobs.views import QueueSnapshot, job_view
from store import decode_cursor, encode_cursor, iso, utcnow

log = logging.getLogger(__name__)
bp = Blueprint("jobs", __name__, url_prefix="/api/v1")


class JobQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["queued", "running", "succeeded", "failed", "cancelled"] | None = None
    candidate_id: str | None = Field(None, pattern=r"^[A-Za-z0-9._:@+\-]{1,128}$")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=64)


def cursor_pk(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except ValueError as exc:
        raise InvalidParameter("query parameter 'cursor': not a cursor of this list") from exc


def _json(model, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status=status, mimetype="application/json")


def _workers() -> int:
    """Analyses that run at once, for ETAs: this machine's CAA_JOB_WORKERS (embedded), or the
    Celery worker processes alive now, counted once per request."""
    ctx = context()
    if ctx.settings.queue == "embedded":
        return ctx.settings.job_workers
    if "caa_workers" not in g:
        since = utcnow() - timedelta(seconds=ctx.settings.job_stale_after_s)
        g.caa_workers = max(1, ctx.store.runners_alive(since=since))
    return g.caa_workers


def job_resource(row, candidate_id=None, queue: QueueSnapshot | None = None):
    """The job as the API answers it (contracts.resources.Job: progress, ETA, queue position);
    a list passes one ``queue`` snapshot for all its jobs."""
    ctx = context()
    if candidate_id is None:
        candidate_id = ctx.store.candidate_of(row)
    return job_view(ctx.store, row, candidate_id=candidate_id, workers=_workers(), queue=queue)


def _retry_after(view) -> str:
    """When to poll again, seconds: a quarter of the ETA, 1-30."""
    return str(max(1, min(30, math.ceil((view.eta_s or 4) / 4))))


def _file(upload) -> dict | None:
    if upload is None:
        return None
    return {
        "field": upload.field,
        "name": upload.path.name,
        "filename": upload.filename,
        "size_bytes": upload.size_bytes,
        "detected_type": upload.detected_type,
    }


def _media_duration_s(upload) -> float | None:
    """For the ETA; a file FFmpeg cannot read fails in its job, with the problem the
    synchronous endpoint gives."""
    if upload is None:
        return None
    try:
        return media_probe.probe(upload.path).duration_s or None
    except AnalysisError:
        return None


@bp.post("/jobs")
def submit_job():
    """The fields of /analyze, plus candidate_id, candidate_name, candidate_email and
    callback_url -> 202 with the queued job; with an ``Idempotency-Key`` header, a retry gets
    the same job (api.idempotency)."""
    forms.require_multipart()
    return idempotent(f"{tenant()}|POST /api/v1/jobs", _submit_job, _created_job)


def create_job(texts: dict[str, str] | None = None):
    """Store and enqueue a job from this request's form (the fields of ``POST /jobs``); the
    web app's upload and practice forms send the same fields. ``texts`` (question,
    expected_answer, job_description) replace the form's: the practice room's come from its
    question bank, not from the browser.

    Returns:
        (the job's row, its candidate_id or None).

    Raises:
        AnalysisError: a field or file is refused (nothing is kept).
    """
    ctx = context()
    candidate = forms.candidate_id()
    name = forms.short_text("candidate_name", forms.MAX_NAME_CHARS)
    email = forms.short_text("candidate_email", forms.MAX_EMAIL_CHARS)
    callback = forms.callback_url()
    consent_at = forms.consent()
    job_id = str(uuid.uuid4())
    folder = job_dir(ctx.settings.jobs_dir, job_id)
    folder.mkdir(parents=True)
    try:
        resume, recording = analysis_uploads(folder)
        request = {
            "resume": _file(resume),
            "media": _file(recording),
            **analysis_texts(),
            **(texts or {}),
        }
        row = ctx.store.create_job(
            job_id=job_id,
            report_id=str(uuid.uuid4()),
            request=request,
            max_attempts=ctx.settings.job_max_attempts,
            queue=ctx.queue.name,
            media_duration_s=_media_duration_s(recording),
            candidate_id=candidate,
            candidate_name=name,
            candidate_email=email,
            callback_url=callback,
            consent_at=consent_at,
            tenant=tenant(),
            idempotency_token=g.get("idempotency_token"),
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        ctx.queue.enqueue(job_id)
    except Exception:  # stored: the sweeper enqueues it within CAA_JOB_HEARTBEAT_S
        log.exception("job %s stored but not enqueued; the sweeper will enqueue it", job_id)
    return row, candidate


def _submit_job() -> Response:
    row, candidate = create_job()
    return _accepted(job_resource(row, candidate))


def _created_job(job_id: str) -> Response:
    """A retry's answer when the first request created ``job_id`` but its answer was lost."""
    row = context().store.get_job(job_id, tenant=tenant())
    if row is None:  # deleted since (its report or candidate erased)
        raise NotFound(f"the job this key created ({job_id}) no longer exists")
    return _accepted(job_resource(row))


def _accepted(view) -> Response:
    response = _json(view, 202)
    response.headers["Location"] = view.links.self
    response.headers["Retry-After"] = _retry_after(view)
    return response


@bp.get("/jobs/<uuid:job_id>")
def get_job(job_id):
    job_id = str(job_id)  # the route's UUID, as the store keeps it
    row = context().store.get_job(job_id, tenant=tenant())
    if row is None:
        raise NotFound(f"no job {job_id!r}")
    view = job_resource(row)
    response = _json(view)
    if view.status in ("queued", "running"):
        response.headers["Retry-After"] = _retry_after(view)
    return response


@bp.get("/jobs/<uuid:job_id>/webhooks")
def job_webhooks(job_id):
    """The job's webhook events (job.succeeded / job.failed / report.deleted) and how their
    delivery went: attempts, the receiver's last status, the next attempt."""
    job_id = str(job_id)  # the route's UUID, as the store keeps it
    store = context().store
    rows = store.deliveries_of_job(job_id, tenant=tenant())
    if not rows and store.get_job(job_id, tenant=tenant()) is None:
        raise NotFound(f"no job {job_id!r}")
    return _json(
        WebhookDeliveryList(
            deliveries=[
                WebhookDelivery(
                    event_id=r.event_id,
                    type=r.event_type,
                    to="callback_url" if r.url else "operator",
                    status=r.status,
                    attempts=r.attempts,
                    created_at=iso(r.created_at),
                    last_attempt_at=iso(r.last_attempt_at),
                    next_attempt_at=iso(r.next_attempt_at) if r.status == "pending" else None,
                    last_status_code=r.last_status_code,
                    last_error=r.last_error,
                )
                for r in rows
            ]
        )
    )


@bp.get("/jobs")
def list_jobs():
    q = forms.query(JobQuery)
    rows, next_pk = context().store.list_jobs(
        status=q.status,
        candidate_id=q.candidate_id,
        limit=q.limit,
        cursor=cursor_pk(q.cursor),
        tenant=tenant(),
    )
    queue = QueueSnapshot.read(context().store)
    return _json(
        JobList(
            jobs=[job_resource(row, cand, queue) for row, cand in rows],
            next_cursor=encode_cursor(next_pk) if next_pk is not None else None,
        )
    )


@bp.delete("/jobs/<uuid:job_id>")
def cancel_job(job_id):
    """Cancel a queued or running job: 200 with the job, now ``cancelled`` (a running analysis
    stops at its next stage); 409 when it has already finished."""
    job_id = str(job_id)  # the route's UUID, as the store keeps it
    ctx = context()
    row, cancelled = ctx.store.cancel_job(job_id, tenant=tenant())
    if row is None:
        raise NotFound(f"no job {job_id!r}")
    if not cancelled:
        raise Conflict(f"the job has already finished ({row.status})")
    remove_job_files(ctx.settings.jobs_dir, [job_id])
    return _json(job_resource(row))
