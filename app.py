"""Application factory: ``create_app(settings=None, models=None) -> Flask``.

Importing this module has no side effects; gunicorn serves ``wsgi:app``.
"""

from __future__ import annotations

import logging
import uuid

from flask import Flask, g, request
from flask_cors import CORS

from api import job_routes, report_routes, routes, uploads
from api.context import ServiceContext
from api.problems import register_error_handlers
from service.settings import Settings
from service.wiring import build_registry, pipeline_options


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
    app.extensions["caa"] = ServiceContext(
        settings=settings,
        models=models if models is not None else build_registry(settings),
        options=pipeline_options(settings),
    )
    CORS(
        app,
        resources={r"/api/*": {"origins": settings.cors_origin_list}},
        expose_headers=["X-Request-ID"],
    )

    @app.before_request
    def _request_id():
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex

    @app.after_request
    def _headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response

    @app.teardown_request
    def _cleanup(_exc):
        uploads.cleanup(keep=settings.keep_uploads)

    register_error_handlers(app)
    for blueprint in (routes.bp, job_routes.bp, report_routes.bp):
        app.register_blueprint(blueprint)
    return app
