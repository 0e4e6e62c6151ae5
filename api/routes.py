"""The v1 endpoints. Thin: read the form, save uploads, call the pipeline, answer the report."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, json, request
from pydantic import ValidationError

import pipeline
from api import uploads
from api.context import context
from api.openapi import openapi_document
from api.render import render_report
from contracts.errors import FeatureDisabled, InvalidInput, MissingField
from contracts.report import EMOTION_NOTICE, SCHEMA_VERSION, Report
from resume.extract import pdftotext

log = logging.getLogger(__name__)
bp = Blueprint("v1", __name__, url_prefix="/api/v1", template_folder="templates")
MEDIA_FIELDS = ("video", "audio")


def _settings():
    return context().settings


def _text(field: str, *, required: bool = False) -> str | None:
    value = request.form.get(field)
    if value is None or not value.strip():
        if required:
            raise MissingField(f"send the text field '{field}'")
        return None
    if len(value) > _settings().max_text_chars:
        raise InvalidInput(f"'{field}' is longer than {_settings().max_text_chars} characters")
    return value.strip()


def _require_emotion() -> None:
    if not _settings().emotion_enabled:
        raise FeatureDisabled(
            "emotion analysis is turned off on this server (CAA_EMOTION_ENABLED=false); "
            "the other analyses are available at /api/v1/analyze. " + EMOTION_NOTICE
        )


def _wants_html() -> bool:
    """?format=html, or an Accept header that prefers HTML (a browser) over JSON."""
    if request.args.get("format") == "html":
        return True
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _report(req: pipeline.AnalysisRequest) -> Response:
    ctx = context()
    report = pipeline.run(req, ctx.options, ctx.models)
    if _wants_html():
        return Response(render_report(report), mimetype="text/html")
    return Response(report.model_dump_json(), mimetype="application/json")


@bp.post("/reports/html")
def report_html():
    """Render a report (the JSON this service answered) as one HTML page."""
    body = request.get_json(silent=True)
    if body is None:
        raise MissingField("send a report as the JSON request body")
    try:
        report = Report.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(f"the body is not a valid report: {exc.error_count()} errors") from exc
    return Response(render_report(report), mimetype="text/html")


@bp.post("/resumes")
def resumes():
    root = _settings().upload_dir
    resume = uploads.save_resume(root, required=True)
    return _report(pipeline.AnalysisRequest(resume=resume, sections={"resume"}, strict=True))


@bp.post("/video/emotion")
def video_emotion():
    _require_emotion()
    media = uploads.save_media(_settings().upload_dir, fields=("video",), required=True)
    return _report(pipeline.AnalysisRequest(media=media, sections={"video_emotion"}, strict=True))


@bp.post("/audio/emotion")
def audio_emotion():
    _require_emotion()
    media = uploads.save_media(_settings().upload_dir, fields=MEDIA_FIELDS, required=True)
    return _report(pipeline.AnalysisRequest(media=media, sections={"audio_emotion"}, strict=True))


@bp.post("/answers/similarity")
def answer_similarity():
    expected = _text("expected_answer", required=True)
    media = uploads.save_media(_settings().upload_dir, fields=MEDIA_FIELDS, required=True)
    return _report(
        pipeline.AnalysisRequest(
            media=media,
            expected_answer=expected,
            question=_text("question"),
            sections={"transcript", "answer_similarity"},
            strict=True,
        )
    )


@bp.post("/analyze")
def analyze():
    root = _settings().upload_dir
    resume = uploads.save_resume(root, required=False)
    media = uploads.save_media(root, fields=MEDIA_FIELDS, required=False)
    if resume is None and media is None:
        raise MissingField("send at least one of the multipart fields 'resume', 'video' or 'audio'")
    return _report(
        pipeline.AnalysisRequest(
            resume=resume,
            media=media,
            expected_answer=_text("expected_answer"),
            question=_text("question"),
            job_description=_text("job_description"),
        )
    )


def _version(pkg: str) -> str | None:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


@bp.get("/health")
def health():
    ctx = context()
    s = ctx.settings
    models = ctx.models.status()
    needed = [r for r in models if s.emotion_enabled or r not in ctx.models.EMOTION_ROLES]
    body = {
        "status": "ok",
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
