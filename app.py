"""Application factory. ``app = create_app()`` is what gunicorn serves (``app:app``)."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, g, request
from flask_cors import CORS

from api import uploads
from api.problems import register_error_handlers
from api.routes import bp
from api.settings import Settings
from models.registry import get_registry


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app.

    Args:
        settings: Configuration; defaults to ``Settings()`` read from ``CAA_*`` variables.
    """
    settings = settings or Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = Flask(__name__)
    app.config["CAA_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1_000_000)
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

    get_registry().configure(
        face_expression_model=settings.face_expression_model,
        face_workers=settings.face_workers,
        whisper_model=settings.whisper_model,
    )
    register_error_handlers(app)
    app.register_blueprint(bp)
    return app


app = create_app()
