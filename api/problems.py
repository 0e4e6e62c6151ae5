"""RFC 9457 problem details (``application/problem+json``) for every error the API answers."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from contracts.errors import PROBLEM_BASE, AnalysisError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


def problem(
    status: int, slug: str, title: str, detail: str, headers: dict | None = None
) -> Response:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "request_id": getattr(g, "request_id", None),
    }
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE, headers=headers)


def _too_large_detail(app: Flask) -> str:
    """Which of werkzeug's limits a 413 hit: the body's size, or a form limit."""
    limit = app.config.get("MAX_CONTENT_LENGTH") or 0
    sent = request.content_length
    if sent is None or sent > limit:
        return f"the request is larger than this server's limit of {limit / 1e6:.0f} MB"
    return (
        f"the form breaks this server's limits: at most {app.config['MAX_FORM_PARTS']} parts, "
        f"and at most {app.config['MAX_FORM_MEMORY_SIZE'] // 1000} kB in a text field "
        "(CAA_MAX_TEXT_CHARS characters)"
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AnalysisError)
    def _analysis_error(exc: AnalysisError):
        log.info("request %s refused: %s (%s)", getattr(g, "request_id", "-"), exc.slug, exc.detail)
        return problem(exc.status, exc.slug, exc.title, exc.detail)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        slug = (exc.name or "error").lower().replace(" ", "-")
        detail = exc.description or exc.name
        if exc.code == 413:
            detail = _too_large_detail(app)
        # keep what the exception says in its headers (Allow on 405, Retry-After on 503)
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return problem(exc.code or 500, slug, exc.name, detail, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("request %s failed", getattr(g, "request_id", "-"))
        return problem(
            500,
            "internal-error",
            "Internal Server Error",
            "the analysis failed unexpectedly; the error was logged with this request_id",
        )
