"""Application factory: ``create_app(settings=None, models=None) -> Flask``.

Importing this module has no side effects; gunicorn serves ``wsgi:app``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request
from flask_cors import CORS

from api import job_routes, report_routes, routes, uploads
from api.admission import AnalysisGate, BodyDeadline
from api.auth import init_auth
from api.cli import keys_cli
from api.context import ServiceContext
from api.problems import register_error_handlers
from service.settings import Settings
from service.wiring import build_registry, pipeline_options
from webapp import init_webapp

access = logging.getLogger("caa.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Every response: no MIME sniffing, no framing, no referrer. HTML pages (reports) carry inline
# CSS and SVG only: no script, no outside resource.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
FORM_PARTS = 50  # the most multipart parts a request may have (ours use at most 12)


def create_app(settings: Settings | None = None, models=None) -> Flask:
    """Build the Flask app.

    Args:
        settings: Configuration; defaults to ``Settings()`` read from ``CAA_*`` variables.
        models: A model registry (``get(role)``, ``status()``, ``warm_up()``); default: one
            built from the settings (service.wiring.build_registry). Tests pass their own.

    Raises:
        ValueError: the settings name an unknown model.
    """
    settings = settings or Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1_000_000)
    app.config["MAX_FORM_PARTS"] = FORM_PARTS
    # a text field may hold max_text_chars characters of up to 4 bytes each in UTF-8
    app.config["MAX_FORM_MEMORY_SIZE"] = 4 * settings.max_text_chars + 1024
    app.extensions["caa"] = ServiceContext(
        settings=settings,
        models=models if models is not None else build_registry(settings),
        options=pipeline_options(settings),
        gate=AnalysisGate(max_waiting=settings.analysis_waiting_max),
    )
    app.wsgi_app = BodyDeadline(
        app.wsgi_app,
        idle_s=settings.body_idle_timeout_s,
        grace_s=settings.body_grace_s,
        min_rate=settings.body_min_kbps * 1000,
    )
    CORS(
        app,
        resources={r"/api/*": {"origins": settings.cors_origin_list}},
        expose_headers=["X-Request-ID"],
    )

    @app.before_request
    def _request_id():
        """A client's X-Request-ID is kept only when short and plain (it reaches headers,
        bodies and the log); otherwise the request gets its own."""
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex

    @app.before_request
    def _clock():
        g.started = time.perf_counter()

    @app.after_request
    def _headers(response):
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        access.info(
            "%s %s %s %.0f ms %s",
            request.method,
            rule,  # the route, never the path: ids and query strings stay out of the log
            response.status_code,
            (time.perf_counter() - g.get("started", time.perf_counter())) * 1000,
            g.get("request_id", "-"),
        )
        response.headers["X-Request-ID"] = g.get("request_id", "")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        html = response.mimetype == "text/html"
        response.headers.setdefault("Content-Security-Policy", HTML_CSP if html else API_CSP)
        return response

    @app.teardown_request
    def _cleanup(_exc):
        uploads.cleanup(keep=settings.keep_uploads)

    register_error_handlers(app)
    for blueprint in (routes.bp, job_routes.bp, report_routes.bp):
        app.register_blueprint(blueprint)
    init_webapp(app)  # before init_auth: its pages get the rate limits too
    init_auth(app)
    app.cli.add_command(keys_cli)
    return app
