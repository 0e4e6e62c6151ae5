"""The results store's tables (SQLAlchemy 2 declarative). Alembic migrations in
``store/migrations`` create and evolve them; a test fails when the two disagree.

Times are naive UTC. Public ids (``job_id``, ``report_id``, ``external_id``) are strings;
integer primary keys order rows and carry the cursors of paginated lists. ``tenant`` is the
``key_id`` of the API key that created a row (``""`` when the service runs without API keys):
a key sees its own tenant's rows only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CandidateRow(Base):
    """A candidate as the client names them (``candidate_id``); name and e-mail only when the
    client sends them (the optional ``candidate_name`` / ``candidate_email`` fields)."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(32), server_default="")
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("tenant", "external_id", name="uq_candidates_tenant_external_id"),
    )


class JobRow(Base):
    """One background analysis. The source of truth for status, progress and attempts; the
    queue only carries job ids."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(32), server_default="", index=True)
    job_id: Mapped[str] = mapped_column(String(36), unique=True)
    candidate_pk: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stages: Mapped[list] = mapped_column(JSON, default=list)
    request: Mapped[dict] = mapped_column(JSON)
    media_duration_s: Mapped[float | None] = mapped_column(Float)
    run_s: Mapped[float | None] = mapped_column(Float)
    report_id: Mapped[str] = mapped_column(String(36), unique=True)
    error: Mapped[dict | None] = mapped_column(JSON)
    runner_id: Mapped[str | None] = mapped_column(String(160))
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    queue: Mapped[str] = mapped_column(String(16))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)  # the candidate's consent


class ReportRow(Base):
    """A report as answered (``body``, the JSON text), the measures its scores are computed
    from (``measures``, for re-scoring without the media) and a summary for lists."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(32), server_default="", index=True)
    report_id: Mapped[str] = mapped_column(String(36), unique=True)
    job_pk: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    candidate_pk: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    schema_version: Mapped[str] = mapped_column(String(16))
    scoring_version: Mapped[str | None] = mapped_column(String(16))
    talent_score: Mapped[float | None] = mapped_column(Float, index=True)
    summary: Mapped[dict] = mapped_column(JSON)
    measures: Mapped[dict] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)


class ReportTagRow(Base):
    """What reports are filtered by: ``skill`` (lower-cased name), ``warning`` (code) and
    ``quality`` (flag) values, one row each."""

    __tablename__ = "report_tags"

    report_pk: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)

    __table_args__ = (Index("ix_report_tags_kind_value", "kind", "value"),)


class RatingRow(Base):
    """A recruiter's own 1-5 rating of one of a report's subscores (the latest one kept),
    stored beside the machine's score."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(32), server_default="")
    report_pk: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    subscore: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("report_pk", "subscore", name="uq_ratings_report_pk_subscore"),
    )


class RunnerRow(Base):
    """A job-runner process that says it lives (``heartbeat_at``), and the job it runs."""

    __tablename__ = "runners"

    runner_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    queue: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime)
    job_id: Mapped[str | None] = mapped_column(String(36))


class IdempotencyKeyRow(Base):
    """A client's ``Idempotency-Key`` on a POST (IETF draft-ietf-httpapi-idempotency-key-
    header): the payload's fingerprint, and once answered, the response to replay. Kept 24 h."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(32))  # the request holding the key
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict | None] = mapped_column(JSON)
    response_body: Mapped[str | None] = mapped_column(Text)
    # the job the request created, set in the job's own transaction: a key that made a job is
    # never freed, and a retry gets that job even when the first answer was never stored
    job_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)


class ApiKeyRow(Base):
    """An API key: its public ``key_id`` (also the tenant of what it creates), a name, and the
    SHA-256 of the whole key (the key itself is shown once, when created, and never stored)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebhookDeliveryRow(Base):
    """The outbox: one event to POST to one URL (``url`` None: the operator's
    CAA_WEBHOOK_URL, read when sent), written in the same transaction as what it reports;
    ``status`` pending -> delivered | failed, with the last attempt's answer."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant: Mapped[str] = mapped_column(String(32), server_default="")
    event_type: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[str | None] = mapped_column(String(36), index=True)
    report_id: Mapped[str | None] = mapped_column(String(36))
    url: Mapped[str | None] = mapped_column(String(2000))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
