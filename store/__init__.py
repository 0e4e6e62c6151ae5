"""The results store: jobs, reports, candidates and job runners in a SQL database (SQLAlchemy
2, Alembic migrations). SQLite by default (zero set-up), PostgreSQL by URL."""

from store.browse import BrowsedReport
from store.db import iso, utcnow
from store.store import (
    CANCELLED,
    FAILED,
    FINAL,
    IDEMPOTENCY_KEY_TTL,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    WEBHOOK_EVENT_TTL,
    Claim,
    IdempotentRequest,
    ReportFilters,
    Store,
    StoredReport,
    decode_cursor,
    encode_cursor,
)

__all__ = [
    "BrowsedReport",
    "CANCELLED",
    "FAILED",
    "FINAL",
    "IDEMPOTENCY_KEY_TTL",
    "QUEUED",
    "WEBHOOK_EVENT_TTL",
    "RUNNING",
    "SUCCEEDED",
    "Claim",
    "IdempotentRequest",
    "ReportFilters",
    "Store",
    "StoredReport",
    "decode_cursor",
    "encode_cursor",
    "iso",
    "utcnow",
]
