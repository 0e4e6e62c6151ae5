"""The v1 endpoints. Thin: read the form, save uploads, call the pipeline, answer the report."""

from __future__ import annotations

import logging
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, g, json, request
from pydantic import ValidationError

import pipeline
from api import forms, uploads
from api.auth import tenant
from api.context import context
from api.openapi import openapi_document
from api.render import render_report
from contracts.errors import (
    FeatureDisabled,
    InvalidInput,
    InvalidParameter,
    MalformedBody,
    MissingField,
    TooLarge,
)
from contracts.report import EMOTION_NOTICE, SCHEMA_VERSION, Report
from jobs.records import stored_report
from resume.extract import pdftotext
from service.settings import Settings
from store import utcnow

log = logging.getLogger(__name__)
bp = Blueprint("v1", __name__, url_prefix="/api/v1", template_folder="templates")
MEDIA_FIELDS = ("video", "audio")
MAX_JSON_BYTES = 10_000_000  # a 15-minute report with every timeline is ~2 MB


def _settings():
    return context().settings


def _require_emotion() -> None:
    if not _settings().emotion_enabled:
        raise FeatureDisabled(
            "emotion analysis is turned off on this server (CAA_EMOTION_ENABLED=false); "
            "the other analyses are available at /api/v1/analyze. " + EMOTION_NOTICE
        )


def wants_html() -> bool:
    """?format=html, or an Accept header that prefers HTML (a browser) over JSON.

    Raises:
        InvalidParameter: ``format`` is neither json nor html.
    """
    fmt = request.args.get("format")
    if fmt not in (None, "json", "html"):
        raise InvalidParameter("query parameter 'format': json or html")
    if fmt is not None:
        return fmt == "html"
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _report(req: pipeline.AnalysisRequest, source: str) -> Response:
    """Run the analysis, store its report (CAA_STORE_REPORTS) and answer it."""
    ctx = context()
    html = wants_html()  # a bad ?format= is refused before any work
    candidate = forms.candidate_id()
    if req.media is not None:  # one analysis at a time per worker process, others in line
        with ctx.gate:
            report = pipeline.run(req, ctx.options, ctx.models)
    else:
        report = pipeline.run(req, ctx.options, ctx.models)
    if candidate is not None:
        report = report.model_copy(update={"candidate_id": candidate})
    if ctx.settings.store_reports:
        try:
            ctx.store.save_report(
                stored_report(report), source=source, candidate_id=candidate, tenant=tenant()
            )
        except Exception:  # the analysis is done: answer it, say it was not stored
            log.exception("request %s: the report could not be stored", g.get("request_id"))
            stored = False
        else:
            stored = True
    if html:
        response = Response(render_report(report), mimetype="text/html")
    else:
        response = Response(report.model_dump_json(), mimetype="application/json")
    if ctx.settings.store_reports:
        response.headers["X-Report-Stored"] = "true" if stored else "false"
        if stored:
            response.headers["Content-Location"] = f"/api/v1/reports/{report.report_id}"
    return response


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


@bp.post("/reports/html")
def report_html():
    """Render a report (the JSON this service answered) as one HTML page. The body is read
    within a budget (MAX_JSON_BYTES, nesting); the report's times must lie within a day
    (contracts.report.Seconds), so a forged report cannot make a huge page."""
    data = request.stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise TooLarge(f"the JSON body is larger than {MAX_JSON_BYTES // 1_000_000} MB")
    if not data.strip():
        raise MissingField("send a report as the JSON request body")
    try:
        body = json.loads(data, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError as exc:
        raise InvalidInput("the JSON body is nested too deeply to be a report") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise MalformedBody("the body is not valid JSON") from exc
    try:
        report = Report.model_validate(body, strict=True)  # JSON types as the schema says
    except ValidationError as exc:
        raise InvalidInput(f"the body is not a valid report: {exc.error_count()} errors") from exc
    return Response(render_report(report), mimetype="text/html")


@bp.post("/resumes")
def resumes():
    forms.require_multipart()
    folder = uploads.workspace(_settings().upload_dir)
    resume = uploads.save_resume(folder, required=True)
    req = pipeline.AnalysisRequest(resume=resume, sections={"resume"}, strict=True)
    return _report(req, "resumes")


@bp.post("/video/emotion")
def video_emotion():
    forms.require_multipart()
    _require_emotion()
    folder = uploads.workspace(_settings().upload_dir)
    media = uploads.save_media(folder, fields=("video",), required=True)
    req = pipeline.AnalysisRequest(media=media, sections={"video_emotion"}, strict=True)
    return _report(req, "video_emotion")


@bp.post("/audio/emotion")
def audio_emotion():
    forms.require_multipart()
    _require_emotion()
    folder = uploads.workspace(_settings().upload_dir)
    media = uploads.save_media(folder, fields=MEDIA_FIELDS, required=True)
    req = pipeline.AnalysisRequest(media=media, sections={"audio_emotion"}, strict=True)
    return _report(req, "audio_emotion")


@bp.post("/answers/similarity")
def answer_similarity():
    forms.require_multipart()
    expected = forms.text("expected_answer", required=True)
    folder = uploads.workspace(_settings().upload_dir)
    media = uploads.save_media(folder, fields=MEDIA_FIELDS, required=True)
    return _report(
        pipeline.AnalysisRequest(
            media=media,
            expected_answer=expected,
            question=forms.text("question"),
            sections={"transcript", "answer_similarity"},
            strict=True,
        ),
        "answer_similarity",
    )


@bp.post("/analyze")
def analyze():
    forms.require_multipart()
    folder = uploads.workspace(_settings().upload_dir)
    resume, media = analysis_uploads(folder)
    return _report(
        pipeline.AnalysisRequest(resume=resume, media=media, **analysis_texts()), "analyze"
    )


def analysis_uploads(folder):
    """The resume and the recording of /analyze and /jobs (at least one of them)."""
    resume = uploads.save_resume(folder, required=False)
    media = uploads.save_media(folder, fields=MEDIA_FIELDS, required=False)
    if resume is None and media is None:
        raise MissingField("send at least one of the multipart fields 'resume', 'video' or 'audio'")
    return resume, media


def analysis_texts() -> dict:
    return {
        "expected_answer": forms.text("expected_answer"),
        "question": forms.text("question"),
        "job_description": forms.text("job_description"),
    }


def _version(pkg: str) -> str | None:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def _jobs_health() -> dict:
    """The job system: queue kind, runners alive, jobs queued and running."""
    ctx = context()
    s = ctx.settings
    out = {"queue": s.queue, "workers_per_machine": s.job_workers, "store": None}
    try:
        store = ctx.store
        since = utcnow() - timedelta(seconds=s.job_stale_after_s)
        out.update(
            store=store.dialect,
            runners_alive=store.runners_alive(since=since),
            **{f"jobs_{k}": v for k, v in store.job_counts().items()},
        )
    except Exception as exc:  # the API still answers; the store's trouble is reported
        log.warning("health: the store is unavailable (%s)", type(exc).__name__)
        out["store_error"] = type(exc).__name__
    return out


def needed_roles(s: Settings, roles, emotion_roles) -> list[str]:
    """The model roles this configuration loads (and /health waits for): not the emotion
    models with emotion off, not the pose model with CAA_POSE_FPS=0, not the language
    identifier with CAA_LANGUAGE_CHECK=false."""
    return [
        r
        for r in roles
        if (s.emotion_enabled or r not in emotion_roles)
        and (r != "pose" or s.pose_fps > 0)
        and (r != "language_id" or s.language_check)
    ]


@bp.get("/health")
def health():
    ctx = context()
    s = ctx.settings
    models = ctx.models.status()
    needed = needed_roles(s, models, ctx.models.EMOTION_ROLES)
    body = {
        "status": "ok",
        "jobs": _jobs_health(),
        "ready": all(models[r]["loaded"] for r in needed),
        "schema_version": SCHEMA_VERSION,
        "emotion_enabled": s.emotion_enabled,
        "models": models,
        "pdf_text": "pdftotext" if pdftotext() else "pypdf (pdftotext not installed: slower)",
        "versions": {
            p: _version(p)
            for p in (
                "flask",
                "mediapipe",
                "ai-edge-litert",
                "faster-whisper",
                "onnxruntime",
                "av",
                "numpy",
            )
        },
    }
    return Response(json.dumps(body), mimetype="application/json")


@bp.get("/openapi.json")
def openapi():
    return Response(json.dumps(openapi_document()), mimetype="application/json")
