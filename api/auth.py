"""API keys, tenants and rate limits (off by default: ``CAA_AUTH=none``).

With ``CAA_AUTH=api_key`` every ``/api/v1/*`` call but ``/health`` and ``/openapi.json`` needs
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; otherwise 401 problem+json with
``WWW-Authenticate: Bearer``. The key's ``key_id`` is the request's tenant: jobs, reports and
candidates carry it, and a key sees only its own (another tenant's ids answer 404, as if
absent). Without API keys every request is the one tenant ``""``.

Rate limits (Flask-Limiter; ``CAA_RATE_LIMIT_ANALYSES`` / ``CAA_RATE_LIMIT_READS``, e.g.
``"30/minute;500/day"``, empty = none) count per tenant, or per client address without keys,
in ``CAA_RATE_LIMIT_STORAGE_URL`` (``memory://`` per process, or ``redis://...`` shared by
every worker and machine); over a limit: 429 problem+json with ``Retry-After``.
"""

from __future__ import annotations

import math
import time

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from api.context import context
from api.problems import problem

OPEN_ENDPOINTS = frozenset({"v1.health", "v1.openapi"})
# Endpoints that run an analysis (or re-score one): the "analyses" class; every other API call
# (reading, listing, deleting, rendering) is a "read".
ANALYSIS_ENDPOINTS = frozenset(
    {
        "v1.resumes",
        "v1.video_emotion",
        "v1.audio_emotion",
        "v1.answer_similarity",
        "v1.analyze",
        "jobs.submit_job",
        "reports.rescore_report",
        # the web app's pages that start an analysis or a costly rendering
        "web.upload",
        "web.record",
        "web.suggestions",
        "web.report_pdf",
    }
)


FORM_ENDPOINTS = frozenset({"web.upload", "web.record"})


def tenant() -> str:
    """The request's tenant: its API key's key_id, or ``""`` without API keys."""
    return g.get("tenant", "")


def _presented_key() -> str | None:
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = request.headers.get("X-API-Key", "").strip()
    return key or None


def _authenticate():
    g.tenant = ""
    if context().settings.auth != "api_key":
        return None
    if request.endpoint in OPEN_ENDPOINTS or request.method == "OPTIONS":
        return None
    if not request.path.startswith("/api/"):
        return None
    key = _presented_key()
    found = context().store.tenant_of_key(key) if key else None
    if found is None:
        return problem(
            401,
            "unauthorized",
            "An API key is needed",
            "send a live API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
            if key is None
            else "this API key is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="candidate-analysis"'},
        )
    g.tenant = found
    return None


def _limit_key() -> str:
    who = tenant()
    return f"key:{who}" if who else f"addr:{get_remote_address()}"


def _too_many(limit) -> object:
    retry_after = max(1, math.ceil(limit.reset_at - time.time()))
    return problem(
        429,
        "too-many-requests",
        "Too many requests",
        f"over the limit of {limit.limit} for this client; retry after {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


def init_auth(app: Flask) -> None:
    """Register the API-key check and, when limits are configured, the rate limits on the
    app's API endpoints (after the blueprints are registered)."""
    app.before_request(_authenticate)
    settings = app.extensions["caa"].settings
    limits = {"analyses": settings.rate_limit_analyses, "reads": settings.rate_limit_reads}
    if not any(limits.values()):
        return
    limiter = Limiter(
        _limit_key,
        app=app,
        storage_uri=settings.rate_limit_storage_url,
        headers_enabled=True,
        on_breach=_too_many,
        key_prefix="caa",
    )
    for endpoint, view in list(app.view_functions.items()):
        if endpoint in OPEN_ENDPOINTS or "." not in endpoint or endpoint == "web.static":
            continue
        kind = "analyses" if endpoint in ANALYSIS_ENDPOINTS else "reads"
        if endpoint in FORM_ENDPOINTS:  # showing the form is a read; sending it, an analysis
            if limits["reads"]:
                view = limiter.shared_limit(limits["reads"], scope="reads", methods=["GET"])(view)
            if limits["analyses"]:
                view = limiter.shared_limit(limits["analyses"], scope="analyses", methods=["POST"])(
                    view
                )
            app.view_functions[endpoint] = view
        elif limits[kind]:
            app.view_functions[endpoint] = limiter.shared_limit(limits[kind], scope=kind)(view)
    app.extensions["caa_limiter"] = limiter
