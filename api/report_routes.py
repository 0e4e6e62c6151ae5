"""Stored reports and candidates: fetch, list, delete, re-score, erase."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api import forms
from api.auth import tenant
from api.context import context
from api.job_routes import cursor_pk
from api.render import render_report
from api.routes import wants_html
from contracts.errors import NotFound
from contracts.report import Report
from contracts.resources import ReportLinks, ReportList, ReportSummary
from contracts.warnings import QUALITY_FLAGS, WARNING_CODES
from jobs.files import remove_job_files
from jobs.records import stored_report
from pipeline import summary as summaries
from store import ReportFilters, encode_cursor, iso

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$", re.IGNORECASE
)
API = "/api/v1"


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_id: str | None = Field(None, pattern=r"^[A-Za-z0-9._:@+\-]{1,128}$")
    min_talent_score: float | None = Field(None, ge=0, le=100)
    max_talent_score: float | None = Field(None, ge=0, le=100)
    skill: str | None = Field(None, max_length=200)
    warning: str | None = Field(None, max_length=64)
    quality_flag: str | None = Field(None, max_length=64)

    @field_validator("warning")
    @classmethod
    def _known_warning(cls, v: str | None) -> str | None:
        if v is not None and v not in WARNING_CODES:
            raise ValueError(f"not a warning code; one of {sorted(WARNING_CODES)}")
        return v

    @field_validator("quality_flag")
    @classmethod
    def _known_flag(cls, v: str | None) -> str | None:
        if v is not None and v not in QUALITY_FLAGS:
            raise ValueError(f"not a quality flag; one of {list(QUALITY_FLAGS)}")
        return v

    since: datetime | None = Field(None, description="ISO 8601; UTC when no offset is given.")
    until: datetime | None = None
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=64)

    @field_validator("since", "until", mode="wrap")
    @classmethod
    def _naive_utc(cls, v, handler) -> datetime | None:
        """As the store keeps times: naive UTC (a time without offset is taken as UTC). A
        valid RFC 3339 time beyond Python's range (year 0000, or 9999-12-31 behind UTC) is
        clamped to the range's end: it still bounds nothing."""
        if isinstance(v, str) and len(v) == 10:  # a date: its start, UTC
            v += "T00:00:00"
        if isinstance(v, str) and not RFC3339.match(v):
            raise ValueError("an ISO 8601 date (2026-12-01) or time (2026-12-01T09:30:00Z)")
        if isinstance(v, str) and v.startswith("0000"):
            handler("0001" + v[4:])  # the rest must still be a date
            return datetime.min  # RFC 3339 allows year 0; Python's dates start at year 1
        parsed = handler(v)  # an impossible date (2026-02-30) is a ValidationError: 400
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 9999-12-31T23:59:59-01:00 is past Python's last date in UTC
            return datetime.max if parsed.year > 5000 else datetime.min


def _summary(row, candidate_id: str | None, job_id: str | None) -> ReportSummary:
    return ReportSummary(
        **{**row.summary, "created_at": iso(row.created_at)},
        job_id=job_id,
        candidate_id=candidate_id,
        source=row.source,
        links=ReportLinks(
            self=f"{API}/reports/{row.report_id}",
            html=f"{API}/reports/{row.report_id}?format=html",
        ),
    )


def _stored(report_id):
    row = context().store.get_report(report_id, tenant=tenant())
    if row is None:
        raise NotFound(f"no report {report_id!r}")
    return row


@bp.get("/reports/<uuid:report_id>")
def get_report(report_id):
    """The stored report as it was answered; ?format=html (or Accept: text/html) the page."""
    report_id = str(report_id)  # the route's UUID, as the store keeps it
    body = _stored(report_id).body
    if wants_html():
        return Response(render_report(Report.model_validate_json(body)), mimetype="text/html")
    return Response(body, mimetype="application/json")


@bp.get("/reports")
def list_reports():
    q = forms.query(ReportQuery)
    filters = ReportFilters(**q.model_dump(exclude={"limit", "cursor"}))
    rows, next_pk = context().store.list_reports(
        filters, limit=q.limit, cursor=cursor_pk(q.cursor), tenant=tenant()
    )
    body = ReportList(
        reports=[_summary(row, cand, job) for row, cand, job in rows],
        next_cursor=encode_cursor(next_pk) if next_pk is not None else None,
    )
    return Response(body.model_dump_json(), mimetype="application/json")


@bp.delete("/reports/<uuid:report_id>")
def delete_report(report_id):
    """204: the report, the job that made it and any media kept with it are gone."""
    report_id = str(report_id)  # the route's UUID, as the store keeps it
    return _deleted(
        context().store.delete_report(report_id, tenant=tenant()), f"no report {report_id!r}"
    )


@bp.post("/reports/<uuid:report_id>/rescore")
def rescore_report(report_id):
    """Recompute the scores from the stored measures under the current scoring version,
    without the media; the report says both versions (scores.previous_scoring_version)."""
    report_id = str(report_id)  # the route's UUID, as the store keeps it
    ctx = context()
    row = _stored(report_id)
    report = summaries.rescore(Report.model_validate_json(row.body), row.measures)
    if not ctx.store.replace_report(stored_report(report)):
        raise NotFound(f"no report {report_id!r}")
    return Response(report.model_dump_json(), mimetype="application/json")


@bp.delete("/candidates/<candidate_id>")
def erase_candidate(candidate_id: str):
    """204: every job, report and file of the candidate is gone (right to erasure); running
    jobs stop at their next stage and write nothing."""
    if not forms.CANDIDATE_ID.match(candidate_id):  # not an id this service ever stored
        raise NotFound(f"no candidate {candidate_id!r}")
    return _deleted(
        context().store.erase_candidate(candidate_id, tenant=tenant()),
        f"no candidate {candidate_id!r}",
    )


def _deleted(job_ids: list[str] | None, missing: str) -> Response:
    """204 once the deleted jobs' folders are gone too; 404 when nothing was there."""
    if job_ids is None:
        raise NotFound(missing)
    remove_job_files(context().settings.jobs_dir, job_ids)
    return Response(status=204)
