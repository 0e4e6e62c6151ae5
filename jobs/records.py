"""A report as the store keeps it: its JSON as answered, summary, filter tags and measures."""

from __future__ import annotations

from datetime import datetime

from contracts.report import Report
from pipeline import summary
from store import StoredReport


def stored_report(report: Report) -> StoredReport:
    """What :class:`store.Store` keeps of ``report``."""
    s = summary.summarize(report)
    return StoredReport(
        report_id=report.report_id,
        body=report.model_dump_json(),
        created_at=datetime.fromisoformat(report.created_at.replace("Z", "")),
        schema_version=report.schema_version,
        scoring_version=s["scoring_version"],
        talent_score=s["talent_score"],
        summary=s,
        measures=summary.measures(report),
        tags=summary.tags(s),
    )
