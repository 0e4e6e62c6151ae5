"""What the web app reads and writes beyond the API's lists: reports with filters, a sort and
pages (with the total), a candidate's history with the questions they answered, the
recruiters' own ratings, and the candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from store.db import tenant_clause, utcnow
from store.schema import CandidateRow, JobRow, RatingRow, ReportRow, ReportTagRow

Sort = Literal["newest", "oldest", "score_desc", "score_asc"]


@dataclass(frozen=True)
class ReportFilters:
    candidate_id: str | None = None
    min_talent_score: float | None = None
    max_talent_score: float | None = None
    skill: str | None = None
    warning: str | None = None
    quality_flag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    question: str | None = None  # the question the job asked, exactly (web app's list)


@dataclass(frozen=True)
class BrowsedReport:
    """A report row with its candidate's id and name, its job's id and the job's request
    (question, expected answer, job description; None for reports of synchronous calls)."""

    row: ReportRow
    candidate_id: str | None
    candidate_name: str | None
    job_id: str | None
    request: dict | None
    consent_at: datetime | None = None


def filter_reports(query, f: ReportFilters):
    """``query`` (over ReportRow joined to CandidateRow, and to JobRow for ``question``)
    narrowed to the reports ``f`` keeps."""
    if f.candidate_id:
        query = query.where(CandidateRow.external_id == f.candidate_id)
    if f.min_talent_score is not None:
        query = query.where(ReportRow.talent_score >= f.min_talent_score)
    if f.max_talent_score is not None:
        query = query.where(ReportRow.talent_score <= f.max_talent_score)
    if f.since is not None:
        query = query.where(ReportRow.created_at >= f.since)
    if f.until is not None:
        query = query.where(ReportRow.created_at < f.until)
    if f.question:
        query = query.where(JobRow.request["question"].as_string() == f.question)
    for kind, value in (
        ("skill", f.skill.lower() if f.skill else None),
        ("warning", f.warning),
        ("quality", f.quality_flag),
    ):
        if value:
            tagged = select(ReportTagRow.report_pk).where(
                ReportTagRow.kind == kind, ReportTagRow.value == value
            )
            query = query.where(ReportRow.id.in_(tagged))
    return query


def report_row(session, report_id: str, tenant: str | None) -> ReportRow | None:
    """The report ``report_id`` when it is ``tenant``'s (None: anyone's), in ``session``."""
    return session.scalar(
        select(ReportRow).where(
            ReportRow.report_id == report_id, *tenant_clause(ReportRow.tenant, tenant)
        )
    )


def _browsed(columns) -> BrowsedReport:
    row, candidate_id, name, job_id, request, consent_at = columns
    return BrowsedReport(row, candidate_id, name, job_id, request, consent_at)


def _base():
    return (
        select(
            ReportRow,
            CandidateRow.external_id,
            CandidateRow.name,
            JobRow.job_id,
            JobRow.request,
            JobRow.consent_at,
        )
        .outerjoin(CandidateRow, ReportRow.candidate_pk == CandidateRow.id)
        .outerjoin(JobRow, ReportRow.job_pk == JobRow.id)
    )


ORDER = {
    "newest": (ReportRow.id.desc(),),
    "oldest": (ReportRow.id.asc(),),
    # reports without a talent score (no recording) last either way
    "score_desc": (ReportRow.talent_score.is_(None), ReportRow.talent_score.desc(), ReportRow.id),
    "score_asc": (ReportRow.talent_score.is_(None), ReportRow.talent_score.asc(), ReportRow.id),
}


class WebQueries:
    """Mixed into store.Store (uses its ``_read`` / ``_write`` sessions)."""

    def browse_reports(
        self,
        filters: ReportFilters,
        *,
        sort: Sort = "newest",
        offset: int = 0,
        limit: int = 20,
        latest_per_candidate: bool = False,
        tenant: str | None = None,
    ) -> tuple[list[BrowsedReport], int]:
        """One page of ``tenant``'s reports that ``filters`` keep, in ``sort`` order, and how
        many there are in all. ``latest_per_candidate``: of each candidate's reports that the
        filters keep, the newest only (reports without a candidate all count)."""
        query = filter_reports(_base().where(*tenant_clause(ReportRow.tenant, tenant)), filters)
        if latest_per_candidate:
            newest = filter_reports(
                select(func.max(ReportRow.id))
                .outerjoin(CandidateRow, ReportRow.candidate_pk == CandidateRow.id)
                .outerjoin(JobRow, ReportRow.job_pk == JobRow.id)
                .where(
                    ReportRow.candidate_pk.is_not(None), *tenant_clause(ReportRow.tenant, tenant)
                ),
                filters,
            ).group_by(ReportRow.candidate_pk)
            query = query.where(ReportRow.candidate_pk.is_(None) | ReportRow.id.in_(newest))
        total_query = select(func.count()).select_from(query.order_by(None).subquery())
        page = query.order_by(*ORDER[sort]).offset(offset).limit(limit)
        with self._read() as session:
            total = session.scalar(total_query) or 0
            rows = [_browsed(r) for r in session.execute(page)]
        return rows, total

    def reports_by_id(
        self, report_ids: list[str], *, tenant: str | None = None
    ) -> list[BrowsedReport]:
        """``tenant``'s reports among ``report_ids``, in the order given (unknown ids left
        out)."""
        query = _base().where(
            ReportRow.report_id.in_(report_ids), *tenant_clause(ReportRow.tenant, tenant)
        )
        with self._read() as session:
            found = {r[0].report_id: _browsed(r) for r in session.execute(query)}
        return [found[i] for i in report_ids if i in found]

    def candidate_history(
        self, candidate_id: str, *, tenant: str | None = None
    ) -> list[BrowsedReport]:
        """Every report of ``tenant``'s candidate, oldest first."""
        query = (
            _base()
            .where(CandidateRow.external_id == candidate_id)
            .where(*tenant_clause(ReportRow.tenant, tenant))
            .order_by(ReportRow.id.asc())
        )
        with self._read() as session:
            return [_browsed(r) for r in session.execute(query)]

    def questions_asked(
        self, *, tenant: str | None = None, limit: int = 50
    ) -> list[tuple[str, int]]:
        """The questions ``tenant``'s reports answer (their jobs' ``question``), with how many
        reports each, most answered first."""
        question = JobRow.request["question"].as_string()
        query = (
            select(question, func.count(ReportRow.id))
            .join(JobRow, ReportRow.job_pk == JobRow.id)
            .where(question.is_not(None), *tenant_clause(ReportRow.tenant, tenant))
            .group_by(question)
            .order_by(func.count(ReportRow.id).desc(), question)
            .limit(limit)
        )
        with self._read() as session:
            return [(q, n) for q, n in session.execute(query) if q]

    def candidate_name(self, candidate_id: str, *, tenant: str | None = None) -> str | None:
        """The name of ``tenant``'s candidate ("" when none was given); None when there is no
        such candidate."""
        with self._read() as session:
            row = session.execute(
                select(CandidateRow.name).where(
                    CandidateRow.external_id == candidate_id,
                    *tenant_clause(CandidateRow.tenant, tenant),
                )
            ).first()
        return None if row is None else (row[0] or "")

    def candidates(
        self, *, tenant: str | None = None, limit: int = 200
    ) -> list[tuple[str, str | None, int, datetime | None]]:
        """``tenant``'s candidates, most recently active first: (candidate_id, name, number
        of reports, time of the newest report)."""
        query = (
            select(
                CandidateRow.external_id,
                CandidateRow.name,
                func.count(ReportRow.id),
                func.max(ReportRow.created_at),
            )
            .outerjoin(ReportRow, ReportRow.candidate_pk == CandidateRow.id)
            .where(*tenant_clause(CandidateRow.tenant, tenant))
            .group_by(CandidateRow.id, CandidateRow.external_id, CandidateRow.name)
            .order_by(func.max(ReportRow.id).desc().nulls_last(), CandidateRow.id.desc())
            .limit(limit)
        )
        with self._read() as session:
            return [tuple(r) for r in session.execute(query)]

    # --- ratings -------------------------------------------------------------------------

    def set_ratings(
        self, report_id: str, ratings: dict[str, int | None], *, tenant: str | None = None
    ) -> bool:
        """Record a recruiter's 1-5 ratings of the report's subscores (None: remove that
        rating). False when the report is not ``tenant``'s."""
        with self._write() as session:
            report = report_row(session, report_id, tenant)
            if report is None:
                return False
            cleared = [name for name, value in ratings.items() if value is None]
            session.execute(
                delete(RatingRow).where(
                    RatingRow.report_pk == report.id, RatingRow.subscore.in_(cleared)
                )
            )
            insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
            now = utcnow()
            for name, value in ratings.items():
                if value is None:
                    continue
                # an upsert: the same form sent twice at once updates, never collides
                session.execute(
                    insert(RatingRow)
                    .values(
                        tenant=report.tenant,
                        report_pk=report.id,
                        subscore=name,
                        rating=value,
                        rated_at=now,
                    )
                    .on_conflict_do_update(
                        index_elements=["report_pk", "subscore"],
                        set_={"rating": value, "rated_at": now},
                    )
                )
            return True

    def ratings_of(self, report_pks: list[int]) -> dict[int, dict[str, int]]:
        """{report row id: {subscore: rating}} for the reports that have ratings."""
        if not report_pks:
            return {}
        out: dict[int, dict[str, int]] = {}
        with self._read() as session:
            for pk, name, value in session.execute(
                select(RatingRow.report_pk, RatingRow.subscore, RatingRow.rating).where(
                    RatingRow.report_pk.in_(report_pks)
                )
            ):
                out.setdefault(pk, {})[name] = value
        return out
