"""The web app under ``/app/``: server-rendered pages (Jinja) for recruiters (report list,
detail with their own ratings, comparison, upload) and for candidates practising (question
bank, recording in the browser, history and growth, follow-up questions, export).

It reads only what the API stores (store.Store) and creates jobs through the API's own job
code (api.job_routes.create_job). Forms carry CSRF tokens (Flask-WTF); with CAA_AUTH=api_key a
page needs a sign-in with an API key (kept in a signed session cookie) and shows only that
key's tenant. htmx (vendored, 0BSD) refreshes job progress; every page works without
JavaScript (the progress page then reloads itself).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from service.settings import Settings

SECRET_FILE = "secret_key"


def secret_key(settings: Settings) -> str:
    """CAA_SECRET_KEY, or a random key kept in var_dir/secret_key (created with mode 0600 on
    first use, so every process of this machine shares it and sessions survive restarts)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.var_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # written whole to a file of its own, then linked into place: two workers starting at
        # once both read the one complete key (the second link fails), never an empty file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key: delete it, or set CAA_SECRET_KEY")
    return key


def init_webapp(app: Flask) -> None:
    """Register the ``/app/`` pages, their session and CSRF protection on ``app``."""
    from webapp import practice_routes, routes  # noqa: F401 (practice_routes adds to routes.bp)

    settings: Settings = app.extensions["caa"].settings
    app.secret_key = secret_key(settings)
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # only the web app's forms: the API has no cookies
        WTF_CSRF_TIME_LIMIT=int(timedelta(hours=12).total_seconds()),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    app.extensions["caa_csrf"] = CSRFProtect(app)
    app.register_blueprint(routes.bp)
