"""The results store: jobs, reports, candidates and runners (SQLAlchemy 2).

The job table is the source of truth for status, progress and attempts. Every state change of
a job is one conditional UPDATE (``WHERE status = ... AND attempts = ...``): a runner whose
attempt was superseded (taken as dead and run again), cancelled or erased changes nothing, and
a report is written in the same transaction as its job's final status.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import statistics
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, load_only, sessionmaker

from contracts.errors import PROBLEM_BASE
from store.browse import (  # noqa: F401 (ReportFilters is re-exported)
    ReportFilters,
    WebQueries,
    filter_reports,
    report_row,
)
from store.db import is_sqlite, iso, make_engine, tenant_clause, upgrade, utcnow
from store.schema import (
    ApiKeyRow,
    CandidateRow,
    IdempotencyKeyRow,
    JobRow,
    RatingRow,
    ReportRow,
    ReportTagRow,
    RunnerRow,
    WebhookDeliveryRow,
)

log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINAL = (SUCCEEDED, FAILED, CANCELLED)
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)  # how long a POST's Idempotency-Key is remembered
WEBHOOK_EVENT_TTL = timedelta(days=7)  # how long a sent (or failed) webhook event is kept


@dataclass(frozen=True)
class Claim:
    """A job a runner has taken: run ``attempt`` of it with ``request``."""

    job_id: str
    attempt: int
    report_id: str
    request: dict
    candidate_id: str | None


@dataclass(frozen=True)
class IdempotentRequest:
    """What :meth:`Store.begin_idempotent` found for a key.

    Attributes:
        outcome: ``new`` (this request owns the key: answer it, then
            :meth:`Store.finish_idempotent`), ``replay`` (answered before: send ``status``,
            ``headers``, ``body`` again), ``created`` (the first request created ``job_id``
            but its answer was not stored: answer with that job), ``in_progress`` (another
            request with the key is being answered) or ``mismatch`` (the key was used with
            another payload).
    """

    outcome: str
    status: int | None = None
    headers: dict | None = None
    body: str | None = None
    token: str | None = None  # ``new``: this request's hold on the key, to finish or free it
    job_id: str | None = None  # ``created``: the job the first request made


@dataclass(frozen=True)
class StoredReport:
    """What is stored of a report besides its JSON text."""

    report_id: str
    body: str
    created_at: datetime
    schema_version: str
    scoring_version: str | None
    talent_score: float | None
    summary: dict
    measures: dict
    tags: tuple[tuple[str, str], ...]


CURSOR = re.compile(r"[1-9][0-9]{0,17}")


def encode_cursor(pk: int) -> str:
    """The cursor of the page after the row ``pk``: its id, in decimal (lists are newest first
    by id, so "after" means ids below it; any positive number is a valid cursor)."""
    return str(pk)


def decode_cursor(cursor: str) -> int:
    """Raises ValueError unless ``cursor`` is a positive decimal number below 2**63."""
    if not CURSOR.fullmatch(cursor):
        raise ValueError("not a cursor of this list")
    return int(cursor)


def _runner_row(
    runner_id: str, host: str, pid: int, queue: str, job_id: str | None = None
) -> RunnerRow:
    now = utcnow()
    return RunnerRow(
        runner_id=runner_id,
        host=host,
        pid=pid,
        queue=queue,
        started_at=now,
        heartbeat_at=now,
        job_id=job_id,
    )


_tenant = tenant_clause


def _tag_rows(report_pk: int, tags: Iterable[tuple[str, str]]) -> list[ReportTagRow]:
    unique = {(kind, value[:200]) for kind, value in tags}
    return [ReportTagRow(report_pk=report_pk, kind=k, value=v) for k, v in sorted(unique)]


class Store(WebQueries):
    """The store behind one database URL. One per process (engines are not fork-safe).

    Args:
        url: SQLAlchemy URL: ``sqlite:///var/caa.sqlite3`` (default of the service) or
            ``postgresql+psycopg://user@host:5432/db``.
        migrate: Bring the schema to the newest Alembic revision first.
    """

    def __init__(self, url: str, *, migrate: bool = True, default_webhook: bool = False) -> None:
        """See the class; ``default_webhook``: the operator set CAA_WEBHOOK_URL, so every
        job's end and every deleted report is an event (to the job's callback_url, else to
        that URL), not only those of jobs with a callback_url."""
        self.default_webhook = default_webhook
        self.url = url
        self.dialect = "sqlite" if is_sqlite(url) else "postgresql"
        self._write_engine = make_engine(url, immediate=True)
        self._read_engine = make_engine(url, immediate=False) if is_sqlite(url) else None
        if migrate:
            upgrade(self._write_engine)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine or self._write_engine, expire_on_commit=False)

    def close(self) -> None:
        self._write_engine.dispose()
        if self._read_engine is not None:
            self._read_engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    # --- candidates ----------------------------------------------------------------------

    def _candidate_pk(
        self,
        session: Session,
        external_id: str | None,
        name: str | None = None,
        email: str | None = None,
        *,
        tenant: str = "",
    ) -> int | None:
        """The tenant's candidate's row id, created if new (two submissions for a new
        candidate at once: one inserts, the other finds it)."""
        if external_id is None:
            return None
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        row = None
        while row is None:  # PostgreSQL: an erasure may delete it between insert and read
            session.execute(
                insert(CandidateRow)
                .values(tenant=tenant, external_id=external_id, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["tenant", "external_id"])
            )
            row = session.scalar(
                select(CandidateRow).where(
                    CandidateRow.tenant == tenant, CandidateRow.external_id == external_id
                )
            )
        if name:
            row.name = name
        if email:
            row.email = email
        session.flush()
        return row.id

    def erase_candidate(self, external_id: str, *, tenant: str | None = None) -> list[str] | None:
        """Delete the candidate (of ``tenant``; None: of any tenant) and every job and report
        of theirs.

        Returns:
            The ids of the deleted jobs (their media folders are the caller's to remove), or
            None when no such candidate exists.
        """
        with self._write() as session:
            pks = list(
                session.scalars(
                    select(CandidateRow.id).where(
                        CandidateRow.external_id == external_id,
                        *_tenant(CandidateRow.tenant, tenant),
                    )
                )
            )
            if len(pks) != 1:  # none, or (tenant None) the same id in several tenants
                return None
            pk = pks[0]
            job_ids = list(session.scalars(select(JobRow.job_id).where(JobRow.candidate_pk == pk)))
            reports = list(session.scalars(select(ReportRow).where(ReportRow.candidate_pk == pk)))
            # the events already sent about them go too (those still to send stay, and this
            # erasure's report.deleted events are added below)
            session.execute(
                delete(WebhookDeliveryRow).where(
                    WebhookDeliveryRow.status != "pending",
                    or_(
                        WebhookDeliveryRow.job_id.in_(job_ids),
                        WebhookDeliveryRow.report_id.in_([r.report_id for r in reports]),
                    ),
                )
            )
            self._report_events(session, reports)
            report_pks = select(ReportRow.id).where(ReportRow.candidate_pk == pk)
            session.execute(delete(ReportTagRow).where(ReportTagRow.report_pk.in_(report_pks)))
            session.execute(delete(RatingRow).where(RatingRow.report_pk.in_(report_pks)))
            session.execute(delete(ReportRow).where(ReportRow.candidate_pk == pk))
            session.execute(delete(JobRow).where(JobRow.candidate_pk == pk))
            session.execute(delete(CandidateRow).where(CandidateRow.id == pk))
        self.scrub()
        return job_ids

    def scrub(self) -> None:
        """Make deleted rows unrecoverable from the files, as far as the database allows.

        SQLite: deleted content is overwritten with zeros (``secure_delete``, set on every
        connection), and the write-ahead log, which still holds the pages as they were before,
        is checkpointed and truncated (best effort: a reader of another process can hold it
        back for up to 2 s; the next erasure or sweep finishes it). PostgreSQL: deleted rows are
        invisible at once and their space is reclaimed by autovacuum.
        """
        if self.dialect != "sqlite":
            return
        try:
            raw = self._write_engine.raw_connection()
        except Exception:  # the deletion is committed; the next scrub finishes the files
            log.warning("scrub: no connection", exc_info=True)
            return
        connection = raw.driver_connection
        try:
            connection.execute("PRAGMA busy_timeout=2000")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except Exception:
            log.warning("scrub: the write-ahead log could not be truncated now", exc_info=True)
        finally:
            try:
                connection.execute("PRAGMA busy_timeout=30000")
            finally:
                raw.close()

    # --- webhook outbox ------------------------------------------------------------------

    def _event(
        self,
        session: Session,
        event_type: str,
        *,
        tenant: str,
        callback_url: str | None,
        job_id: str | None,
        report_id: str | None,
        candidate_pk: int | None,
        status: str | None,
    ) -> None:
        """Write one event to the outbox, in the caller's transaction (it commits, or rolls
        back, with what it reports). To the job's callback_url, else the operator's URL (None
        here: read when sent); nothing when neither exists."""
        if callback_url is None and not self.default_webhook:
            return
        candidate = (
            session.scalar(select(CandidateRow.external_id).where(CandidateRow.id == candidate_pk))
            if candidate_pk is not None
            else None
        )
        now = utcnow()
        event_id = f"msg_{uuid.uuid4().hex}"
        links = {}
        if job_id is not None and event_type != "report.deleted":
            links["job"] = f"/api/v1/jobs/{job_id}"
        if report_id is not None and event_type == "job.succeeded":
            links["report"] = f"/api/v1/reports/{report_id}"
        payload = {
            "type": event_type,
            "timestamp": iso(now),
            "data": {
                "event_id": event_id,
                "job_id": job_id,
                "report_id": report_id,
                "candidate_id": candidate,
                "status": status,
                "links": links,
            },
        }
        session.add(
            WebhookDeliveryRow(
                event_id=event_id,
                tenant=tenant,
                event_type=event_type,
                job_id=job_id,
                report_id=report_id,
                url=callback_url,
                payload=json.dumps(payload, separators=(",", ":")),
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )

    def _job_event(self, session: Session, event_type: str, job_id: str) -> None:
        job = session.scalar(select(JobRow).where(JobRow.job_id == job_id))
        self._event(
            session,
            event_type,
            tenant=job.tenant,
            callback_url=job.callback_url,
            job_id=job.job_id,
            report_id=job.report_id,
            candidate_pk=job.candidate_pk,
            status=job.status,
        )

    def _report_events(self, session: Session, rows: list[ReportRow]) -> None:
        """report.deleted for each of ``rows`` (before they and their jobs are deleted)."""
        for row in rows:
            job = (
                session.scalar(select(JobRow).where(JobRow.id == row.job_pk))
                if row.job_pk is not None
                else None
            )
            self._event(
                session,
                "report.deleted",
                tenant=row.tenant,
                callback_url=job.callback_url if job is not None else None,
                job_id=job.job_id if job is not None else None,
                report_id=row.report_id,
                candidate_pk=row.candidate_pk,
                status="deleted",
            )

    def due_deliveries(self, *, now: datetime, limit: int = 20) -> list[WebhookDeliveryRow]:
        """Pending deliveries whose next attempt is due, oldest first."""
        with self._read() as session:
            return list(
                session.scalars(
                    select(WebhookDeliveryRow)
                    .where(
                        WebhookDeliveryRow.status == "pending",
                        WebhookDeliveryRow.next_attempt_at <= now,
                    )
                    .order_by(WebhookDeliveryRow.id)
                    .limit(limit)
                )
            )

    def claim_delivery(self, delivery: WebhookDeliveryRow, lease_s: float) -> bool:
        """Take a due delivery for one send: its next attempt moves ``lease_s`` ahead (so no
        other sender takes it meanwhile; if this one dies, it is due again after the lease).
        False when another sender took it first."""
        now = utcnow()
        with self._write() as session:
            return (
                session.execute(
                    update(WebhookDeliveryRow)
                    .where(
                        WebhookDeliveryRow.id == delivery.id,
                        WebhookDeliveryRow.status == "pending",
                        WebhookDeliveryRow.attempts == delivery.attempts,
                        WebhookDeliveryRow.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + timedelta(seconds=lease_s))
                ).rowcount
                == 1
            )

    def expire_deliveries(self, *, before: datetime) -> int:
        """Delete delivered and failed events created before ``before``; returns how many."""
        with self._write() as session:
            return (
                session.execute(
                    delete(WebhookDeliveryRow).where(
                        WebhookDeliveryRow.status != "pending",
                        WebhookDeliveryRow.created_at < before,
                    )
                ).rowcount
                or 0
            )

    def record_delivery(
        self,
        delivery_id: int,
        *,
        attempts: int,
        status: str,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
    ) -> bool:
        """The answer to one attempt (only if no other sender recorded this attempt first)."""
        with self._write() as session:
            return (
                session.execute(
                    update(WebhookDeliveryRow)
                    .where(
                        WebhookDeliveryRow.id == delivery_id,
                        WebhookDeliveryRow.attempts == attempts - 1,
                        WebhookDeliveryRow.status == "pending",
                    )
                    .values(
                        attempts=attempts,
                        status=status,
                        last_status_code=status_code,
                        last_error=error[:500] if error else None,
                        last_attempt_at=utcnow(),
                        next_attempt_at=next_attempt_at,
                    )
                ).rowcount
                == 1
            )

    def deliveries_of_job(
        self, job_id: str, *, tenant: str | None = None
    ) -> list[WebhookDeliveryRow]:
        """The job's events, oldest first (report.deleted events stay after the job is gone)."""
        with self._read() as session:
            return list(
                session.scalars(
                    select(WebhookDeliveryRow)
                    .where(
                        WebhookDeliveryRow.job_id == job_id,
                        *_tenant(WebhookDeliveryRow.tenant, tenant),
                    )
                    .order_by(WebhookDeliveryRow.id)
                )
            )

    # --- jobs ----------------------------------------------------------------------------

    def create_job(
        self,
        *,
        job_id: str,
        report_id: str,
        request: dict,
        max_attempts: int,
        queue: str,
        media_duration_s: float | None = None,
        candidate_id: str | None = None,
        candidate_name: str | None = None,
        candidate_email: str | None = None,
        callback_url: str | None = None,
        consent_at: datetime | None = None,
        tenant: str = "",
        idempotency_token: str | None = None,
    ) -> JobRow:
        """Insert a queued job of ``tenant`` (committed before it is enqueued: the queue can
        lose nothing the store does not know). ``idempotency_token``: the hold of the request's
        Idempotency-Key, which records this job in the same transaction."""
        with self._write() as session:
            row = JobRow(
                tenant=tenant,
                job_id=job_id,
                report_id=report_id,
                candidate_pk=self._candidate_pk(
                    session, candidate_id, candidate_name, candidate_email, tenant=tenant
                ),
                status=QUEUED,
                created_at=utcnow(),
                attempts=0,
                max_attempts=max_attempts,
                progress=0.0,
                stages=[],
                request=request,
                media_duration_s=media_duration_s,
                callback_url=callback_url,
                queue=queue,
                consent_at=consent_at,
            )
            session.add(row)
            if idempotency_token is not None:
                session.execute(
                    update(IdempotencyKeyRow)
                    .where(IdempotencyKeyRow.token == idempotency_token)
                    .values(job_id=job_id)
                )
        return row

    def get_job(self, job_id: str, *, tenant: str | None = None) -> JobRow | None:
        """The job, when it is ``tenant``'s (None: anyone's)."""
        with self._read() as session:
            return session.scalar(
                select(JobRow).where(JobRow.job_id == job_id, *_tenant(JobRow.tenant, tenant))
            )

    def candidate_of(self, job: JobRow) -> str | None:
        if job.candidate_pk is None:
            return None
        with self._read() as session:
            return session.scalar(
                select(CandidateRow.external_id).where(CandidateRow.id == job.candidate_pk)
            )

    def list_jobs(
        self,
        *,
        status: str | tuple[str, ...] | None = None,
        candidate_id: str | None = None,
        limit: int = 20,
        cursor: int | None = None,
        tenant: str | None = None,
        oldest_first: bool = False,
    ) -> tuple[list[tuple[JobRow, str | None]], int | None]:
        """Jobs newest first (``oldest_first``: the other way, without pages), with their
        candidate ids; the cursor of the next page or None. ``status`` is one status or a
        tuple of them."""
        query = (
            select(JobRow, CandidateRow.external_id)
            .outerjoin(CandidateRow, JobRow.candidate_pk == CandidateRow.id)
            .where(*_tenant(JobRow.tenant, tenant))
            .order_by(JobRow.id if oldest_first else JobRow.id.desc())
            .limit(limit + 1)
        )
        if isinstance(status, tuple):
            query = query.where(JobRow.status.in_(status))
        elif status:
            query = query.where(JobRow.status == status)
        if candidate_id:
            query = query.where(CandidateRow.external_id == candidate_id)
        if cursor is not None:
            query = query.where(JobRow.id < cursor)
        with self._read() as session:
            rows = [(job, cand) for job, cand in session.execute(query)]
        more = len(rows) > limit and not oldest_first
        rows = rows[:limit]
        return rows, (rows[-1][0].id if more and rows else None)

    def queued_job_ids(self) -> list[str]:
        """Queued jobs, oldest first."""
        with self._read() as session:
            return list(
                session.scalars(
                    select(JobRow.job_id).where(JobRow.status == QUEUED).order_by(JobRow.id)
                )
            )

    def active_jobs(self) -> list[JobRow]:
        """Every queued and running job (all tenants: they share the queue), oldest first,
        with the columns a position and an ETA need (not the request or the stages)."""
        columns = (JobRow.job_id, JobRow.status, JobRow.progress, JobRow.media_duration_s)
        with self._read() as session:
            return list(
                session.scalars(
                    select(JobRow)
                    .options(load_only(*columns))
                    .where(JobRow.status.in_((QUEUED, RUNNING)))
                    .order_by(JobRow.id)
                )
            )

    def job_counts(self) -> dict[str, int]:
        with self._read() as session:
            rows = session.execute(
                select(JobRow.status, func.count())
                .where(JobRow.status.in_((QUEUED, RUNNING)))
                .group_by(JobRow.status)
            )
            counts = dict(rows.all())
        return {QUEUED: counts.get(QUEUED, 0), RUNNING: counts.get(RUNNING, 0)}

    def recent_speed(self, n: int = 20) -> float | None:
        """Median seconds of analysis per media second (RTF incl. overheads) over the last
        ``n`` succeeded jobs with media; None without history."""
        with self._read() as session:
            rows = session.execute(
                select(JobRow.run_s, JobRow.media_duration_s)
                .where(
                    JobRow.status == SUCCEEDED,
                    JobRow.run_s.is_not(None),
                    JobRow.media_duration_s > 1.0,
                )
                .order_by(JobRow.id.desc())
                .limit(n)
            ).all()
        return statistics.median(r / d for r, d in rows) if rows else None

    def claim_job(self, job_id: str, runner_id: str) -> Claim | None:
        """Take a queued job (one more attempt); None when it is not queued (taken by another
        runner, cancelled, finished or erased: a duplicate queue message is harmless)."""
        now = utcnow()
        with self._write() as session:
            taken = session.execute(
                update(JobRow)
                .where(JobRow.job_id == job_id, JobRow.status == QUEUED)
                .values(
                    status=RUNNING,
                    attempts=JobRow.attempts + 1,
                    started_at=func.coalesce(JobRow.started_at, now),
                    heartbeat_at=now,
                    runner_id=runner_id,
                    progress=0.0,
                )
            ).rowcount
            if taken != 1:
                return None
            row = session.scalar(select(JobRow).where(JobRow.job_id == job_id))
            candidate = None
            if row.candidate_pk is not None:
                candidate = session.scalar(
                    select(CandidateRow.external_id).where(CandidateRow.id == row.candidate_pk)
                )
            return Claim(row.job_id, row.attempts, row.report_id, row.request, candidate)

    def _ours(self, job_id: str, attempt: int):
        return (JobRow.job_id == job_id, JobRow.status == RUNNING, JobRow.attempts == attempt)

    def update_progress(self, job_id: str, attempt: int, progress: float, stages: list) -> bool:
        """Store a running attempt's progress; False when the attempt is no longer current
        (cancelled, erased or taken as dead): the runner should stop."""
        with self._write() as session:
            return (
                session.execute(
                    update(JobRow)
                    .where(*self._ours(job_id, attempt))
                    .values(progress=progress, stages=stages, heartbeat_at=utcnow())
                ).rowcount
                == 1
            )

    def finish_succeeded(
        self,
        job_id: str,
        attempt: int,
        report: StoredReport,
        *,
        stages: list,
        run_s: float,
    ) -> bool:
        """The job's final status and its report, in one transaction; False (and nothing
        written) when the attempt is no longer current."""
        with self._write() as session:
            done = session.execute(
                update(JobRow)
                .where(*self._ours(job_id, attempt))
                .values(
                    status=SUCCEEDED,
                    finished_at=utcnow(),
                    progress=1.0,
                    stages=stages,
                    run_s=run_s,
                    error=None,
                )
            ).rowcount
            if done != 1:
                return False  # nothing was changed: the commit writes nothing
            job = session.scalar(select(JobRow).where(JobRow.job_id == job_id))
            self._insert_report(
                session,
                report,
                source="job",
                job_pk=job.id,
                candidate_pk=job.candidate_pk,
                tenant=job.tenant,
            )
            self._job_event(session, "job.succeeded", job_id)
            return True

    def finish_failed(self, job_id: str, attempt: int, problem: dict, *, stages: list) -> bool:
        """Fail a running attempt with a problem object; False when it is no longer current."""
        with self._write() as session:
            done = (
                session.execute(
                    update(JobRow)
                    .where(*self._ours(job_id, attempt))
                    .values(status=FAILED, finished_at=utcnow(), stages=stages, error=problem)
                ).rowcount
                == 1
            )
            if done:
                self._job_event(session, "job.failed", job_id)
            return done

    def release_job(self, job_id: str, attempt: int) -> bool:
        """Put a running attempt back in the queue without counting it (the runner is being
        stopped on purpose)."""
        with self._write() as session:
            return (
                session.execute(
                    update(JobRow)
                    .where(*self._ours(job_id, attempt))
                    .values(
                        status=QUEUED,
                        attempts=JobRow.attempts - 1,
                        runner_id=None,
                        progress=0.0,
                        stages=[],
                    )
                ).rowcount
                == 1
            )

    def cancel_job(self, job_id: str, *, tenant: str | None = None) -> tuple[JobRow | None, bool]:
        """Cancel a queued or running job (a running one stops at its next stage).

        Returns:
            (the job after the call or None when unknown, whether it was cancelled now; False
            means it had already finished).
        """
        mine = [JobRow.job_id == job_id, *_tenant(JobRow.tenant, tenant)]
        with self._write() as session:
            cancelled = session.execute(
                update(JobRow)
                .where(*mine, JobRow.status.in_((QUEUED, RUNNING)))
                .values(status=CANCELLED, finished_at=utcnow())
            ).rowcount
            row = session.scalar(select(JobRow).where(*mine))
            return row, cancelled == 1

    def requeue_orphans(self, *, stale_before: datetime | None) -> tuple[list[str], list[str]]:
        """Running jobs whose runner is gone: no runner row for them, or (with
        ``stale_before``) no heartbeat since then. Each goes back to the queue, or fails when
        it has had all its attempts.

        Returns:
            (ids requeued, ids failed).
        """
        requeued, failed = [], []
        with self._write() as session:
            alive = select(RunnerRow.runner_id)
            orphaned = or_(JobRow.runner_id.is_(None), JobRow.runner_id.not_in(alive))
            if stale_before is not None:
                orphaned = or_(orphaned, JobRow.heartbeat_at < stale_before)
            rows = session.execute(
                select(JobRow.job_id, JobRow.attempts, JobRow.max_attempts).where(
                    JobRow.status == RUNNING, orphaned
                )
            ).all()
            for job_id, attempts, max_attempts in rows:
                # only if nothing changed since the read (it did not finish, nor beat)
                still = update(JobRow).where(*self._ours(job_id, attempts), orphaned)
                if attempts >= max_attempts:
                    values = {
                        "status": FAILED,
                        "finished_at": utcnow(),
                        "error": {
                            "type": PROBLEM_BASE + "runner-lost",
                            "title": "The job's runner stopped",
                            "status": 500,
                            "detail": "the process running this job stopped before it finished, "
                            f"{attempts} times (CAA_JOB_MAX_ATTEMPTS={max_attempts})",
                        },
                    }
                else:
                    values = {"status": QUEUED, "runner_id": None, "progress": 0.0}
                if session.execute(still.values(**values)).rowcount == 1:
                    (failed if values["status"] == FAILED else requeued).append(job_id)
                    if values["status"] == FAILED:
                        self._job_event(session, "job.failed", job_id)
        return requeued, failed

    def finished_job_ids(self, job_ids: Iterable[str]) -> set[str]:
        """Of ``job_ids``, those that are final or no longer exist."""
        ids = set(job_ids)
        with self._read() as session:
            live = set(
                session.scalars(
                    select(JobRow.job_id).where(
                        JobRow.job_id.in_(ids), JobRow.status.in_((QUEUED, RUNNING))
                    )
                )
            )
        return ids - live

    def kept_job_ids(self, job_ids: Iterable[str]) -> set[str]:
        """Of ``job_ids``, those with a report still stored (their media may be kept)."""
        ids = set(job_ids)
        with self._read() as session:
            return set(
                session.scalars(
                    select(JobRow.job_id)
                    .join(ReportRow, ReportRow.job_pk == JobRow.id)
                    .where(JobRow.job_id.in_(ids))
                )
            )

    # --- runners -------------------------------------------------------------------------

    def register_runner(self, runner_id: str, host: str, pid: int, queue: str) -> None:
        with self._write() as session:
            session.merge(_runner_row(runner_id, host, pid, queue))

    def runner_heartbeat(
        self,
        runner_id: str,
        job_id: str | None = None,
        attempt: int | None = None,
        *,
        host: str = "",
        pid: int = 0,
        queue: str = "",
    ) -> None:
        """The runner (and the attempt it runs, if any) still lives. A runner the sweeper
        forgot (silent too long: a suspended laptop, a stalled database) registers again."""
        now = utcnow()
        with self._write() as session:
            beat = session.execute(
                update(RunnerRow)
                .where(RunnerRow.runner_id == runner_id)
                .values(heartbeat_at=now, job_id=job_id)
            ).rowcount
            if beat == 0:
                session.merge(_runner_row(runner_id, host, pid, queue, job_id))
            if job_id is not None and attempt is not None:
                session.execute(
                    update(JobRow).where(*self._ours(job_id, attempt)).values(heartbeat_at=now)
                )

    def unregister_runner(self, runner_id: str) -> None:
        self.unregister_runners([runner_id])

    def forget_runners(
        self, *, host: str | None = None, queue: str | None = None, stale_before=None
    ) -> int:
        """Delete runner rows: of ``host`` and ``queue`` (all dead: the embedded service on
        this host is starting), and/or those silent since ``stale_before``."""
        conditions = []
        if host is not None:
            conditions += [RunnerRow.host == host, RunnerRow.queue == queue]
        if stale_before is not None:
            conditions.append(RunnerRow.heartbeat_at < stale_before)
        if not conditions:
            return 0
        with self._write() as session:
            return session.execute(delete(RunnerRow).where(*conditions)).rowcount

    def runners_of(self, host: str) -> list[tuple[str, int]]:
        """(runner_id, pid) of the runners registered from ``host``."""
        with self._read() as session:
            return [
                (r, p)
                for r, p in session.execute(
                    select(RunnerRow.runner_id, RunnerRow.pid).where(RunnerRow.host == host)
                )
            ]

    def unregister_runners(self, runner_ids: Iterable[str]) -> None:
        ids = list(runner_ids)
        if ids:
            with self._write() as session:
                session.execute(delete(RunnerRow).where(RunnerRow.runner_id.in_(ids)))

    def runners_alive(self, *, since: datetime) -> int:
        with self._read() as session:
            return int(
                session.scalar(select(func.count()).where(RunnerRow.heartbeat_at >= since)) or 0
            )

    # --- reports -------------------------------------------------------------------------

    def _insert_report(
        self,
        session: Session,
        report: StoredReport,
        *,
        source: str,
        job_pk: int | None,
        candidate_pk: int | None,
        tenant: str = "",
    ) -> None:
        row = ReportRow(
            tenant=tenant,
            report_id=report.report_id,
            job_pk=job_pk,
            candidate_pk=candidate_pk,
            source=source,
            created_at=report.created_at,
            schema_version=report.schema_version,
            scoring_version=report.scoring_version,
            talent_score=report.talent_score,
            summary=report.summary,
            measures=report.measures,
            body=report.body,
        )
        session.add(row)
        session.flush()
        session.add_all(_tag_rows(row.id, report.tags))

    def save_report(
        self,
        report: StoredReport,
        *,
        source: str,
        candidate_id: str | None = None,
        tenant: str = "",
    ) -> None:
        """Store a report of ``tenant`` answered by a synchronous endpoint."""
        with self._write() as session:
            self._insert_report(
                session,
                report,
                source=source,
                job_pk=None,
                candidate_pk=self._candidate_pk(session, candidate_id, tenant=tenant),
                tenant=tenant,
            )

    def get_report(self, report_id: str, *, tenant: str | None = None) -> ReportRow | None:
        """The report, when it is ``tenant``'s (None: anyone's)."""
        with self._read() as session:
            return report_row(session, report_id, tenant)

    def replace_report(self, report: StoredReport) -> bool:
        """Overwrite a stored report's text, scores and summary (re-scoring)."""
        with self._write() as session:
            row = session.scalar(
                select(ReportRow).where(ReportRow.report_id == report.report_id).with_for_update()
            )
            if row is None:
                return False
            row.body, row.summary = report.body, report.summary
            row.scoring_version, row.talent_score = report.scoring_version, report.talent_score
            session.execute(delete(ReportTagRow).where(ReportTagRow.report_pk == row.id))
            session.add_all(_tag_rows(row.id, report.tags))
            return True

    def list_reports(
        self,
        filters: ReportFilters,
        *,
        limit: int = 20,
        cursor: int | None = None,
        tenant: str | None = None,
    ) -> tuple[list[tuple[ReportRow, str | None, str | None]], int | None]:
        """Reports newest first with (row, candidate_id, job_id); the next page's cursor."""
        query = (
            select(ReportRow, CandidateRow.external_id, JobRow.job_id)
            .outerjoin(CandidateRow, ReportRow.candidate_pk == CandidateRow.id)
            .outerjoin(JobRow, ReportRow.job_pk == JobRow.id)
            .where(*_tenant(ReportRow.tenant, tenant))
            .order_by(ReportRow.id.desc())
            .limit(limit + 1)
        )
        query = filter_reports(query, filters)
        if cursor is not None:
            query = query.where(ReportRow.id < cursor)
        with self._read() as session:
            rows = [tuple(r) for r in session.execute(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1][0].id if more and rows else None)

    def delete_report(self, report_id: str, *, tenant: str | None = None) -> list[str] | None:
        """Delete a report and the job that made it.

        Returns:
            The deleted job's id in a list (its media folder is the caller's to remove), [] for
            a report of a synchronous endpoint, None when there is no such report.
        """
        with self._write() as session:
            row = report_row(session, report_id, tenant)
            if row is None:
                return None
            job_ids = self._delete_reports(session, [row])
        self.scrub()
        return job_ids

    def _delete_reports(self, session: Session, rows: list[ReportRow]) -> list[str]:
        self._report_events(session, rows)
        pks = [r.id for r in rows]
        job_pks = [r.job_pk for r in rows if r.job_pk is not None]
        job_ids = list(session.scalars(select(JobRow.job_id).where(JobRow.id.in_(job_pks))))
        session.execute(delete(ReportTagRow).where(ReportTagRow.report_pk.in_(pks)))
        session.execute(delete(RatingRow).where(RatingRow.report_pk.in_(pks)))
        session.execute(delete(ReportRow).where(ReportRow.id.in_(pks)))
        session.execute(delete(JobRow).where(JobRow.id.in_(job_pks)))
        return job_ids

    def expire_reports(self, *, before: datetime) -> list[str]:
        """Delete reports created before ``before`` (and their jobs); the deleted job ids."""
        with self._write() as session:
            rows = list(session.scalars(select(ReportRow).where(ReportRow.created_at < before)))
            job_ids = self._delete_reports(session, rows) if rows else []
        if rows:
            self.scrub()
        return job_ids

    # --- idempotency keys ------------------------------------------------------------------

    def begin_idempotent(
        self,
        scope: str,
        key: str,
        fingerprint: str,
        *,
        expired_before: datetime,
        abandoned_before: datetime,
    ) -> IdempotentRequest:
        """Take ``key`` for a request of ``scope`` (e.g. ``POST /api/v1/jobs``) whose payload
        hashes to ``fingerprint``. A key created before ``expired_before`` is forgotten; one
        still unanswered since before ``abandoned_before`` (its request died) is taken over.
        Two requests with a new key at once: the unique (scope, key) lets one insert; the
        other finds it in progress."""
        for _ in range(3):  # PostgreSQL: the row may go between our insert and our read
            found = self._take_key(scope, key, fingerprint, expired_before, abandoned_before)
            if found is not None:
                return found
        return IdempotentRequest("in_progress")

    def _take_key(self, scope, key, fingerprint, expired_before, abandoned_before):
        with self._write() as session:
            session.execute(
                delete(IdempotencyKeyRow).where(
                    IdempotencyKeyRow.scope == scope,
                    IdempotencyKeyRow.key == key,
                    or_(
                        IdempotencyKeyRow.created_at < expired_before,
                        (IdempotencyKeyRow.response_status.is_(None))
                        & IdempotencyKeyRow.job_id.is_(None)
                        & (IdempotencyKeyRow.created_at < abandoned_before),
                    ),
                )
            )
            insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
            token = secrets.token_hex(16)
            inserted = session.execute(
                insert(IdempotencyKeyRow)
                .values(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    token=token,
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["scope", "key"])
                .returning(IdempotencyKeyRow.id)
            ).first()
            if inserted is not None:
                return IdempotentRequest("new", token=token)
            row = session.scalar(
                select(IdempotencyKeyRow).where(
                    IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.key == key
                )
            )
            if row is None:
                return None
            if row.fingerprint != fingerprint and (row.response_status or row.job_id):
                return IdempotentRequest("mismatch")
            if row.response_status is None:
                if row.job_id is not None:
                    return IdempotentRequest("created", job_id=row.job_id)
                return IdempotentRequest("in_progress")
            return IdempotentRequest(
                "replay", row.response_status, row.response_headers or {}, row.response_body
            )

    def finish_idempotent(self, token: str, status: int, headers: dict, body: str) -> bool:
        """Keep the answer to the request that took the key (its hold ``token``), for its
        retries; False when the key was taken over meanwhile (the request outlived
        ABANDONED_AFTER) and the answer is not kept."""
        with self._write() as session:
            return (
                session.execute(
                    update(IdempotencyKeyRow)
                    .where(
                        IdempotencyKeyRow.token == token,
                        IdempotencyKeyRow.response_status.is_(None),
                    )
                    .values(response_status=status, response_headers=headers, response_body=body)
                ).rowcount
                == 1
            )

    def abandon_idempotent(self, token: str) -> None:
        """Free the key this request holds (``token``; it failed before an answer worth
        repeating): a retry runs."""
        with self._write() as session:
            session.execute(
                delete(IdempotencyKeyRow).where(
                    IdempotencyKeyRow.token == token,
                    IdempotencyKeyRow.response_status.is_(None),
                    IdempotencyKeyRow.job_id.is_(None),  # a job was made: the key stays
                )
            )

    def expire_idempotency_keys(self, *, before: datetime) -> int:
        """Delete keys created before ``before``; returns how many."""
        with self._write() as session:
            result = session.execute(
                delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < before)
            )
            return result.rowcount or 0

    # --- API keys ----------------------------------------------------------------------------

    def create_api_key(self, name: str) -> tuple[str, str]:
        """A new key named ``name``: returns (key_id, key). Only the key's SHA-256 is kept (the
        key holds 256 random bits: a slow password hash would add nothing)."""
        key_id = "k" + secrets.token_hex(6)
        key = f"caa_{key_id}_{secrets.token_urlsafe(32)}"
        with self._write() as session:
            session.add(
                ApiKeyRow(
                    key_id=key_id,
                    name=name,
                    secret_sha256=hashlib.sha256(key.encode()).hexdigest(),
                    created_at=utcnow(),
                )
            )
        return key_id, key

    def list_api_keys(self) -> list[ApiKeyRow]:
        with self._read() as session:
            return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)))

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key (its tenant's data stays); False when there is no such live key."""
        with self._write() as session:
            return (
                session.execute(
                    update(ApiKeyRow)
                    .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_at.is_(None))
                    .values(revoked_at=utcnow())
                ).rowcount
                == 1
            )

    def tenant_of_key(self, key: str) -> str | None:
        """The tenant (key_id) of a live key, or None (unknown, malformed or revoked)."""
        parts = key.split("_")
        if len(parts) < 3 or parts[0] != "caa":
            return None
        with self._read() as session:
            row = session.scalar(
                select(ApiKeyRow).where(
                    ApiKeyRow.key_id == parts[1], ApiKeyRow.revoked_at.is_(None)
                )
            )
        if row is None:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        return row.key_id if hmac.compare_digest(digest, row.secret_sha256) else None

    def key_is_live(self, key_id: str) -> bool:
        """The key ``key_id`` exists and is not revoked (a signed-in web session's check)."""
        with self._read() as session:
            return (
                session.scalar(
                    select(ApiKeyRow.id).where(
                        ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_at.is_(None)
                    )
                )
                is not None
            )
