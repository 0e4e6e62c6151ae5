"""What each page shows, built from stored rows (no Flask here): the list's rows with the
agreement between a recruiter's ratings and the machine's subscores, the detail page's extras,
the comparison table."""

from __future__ import annotations

from dataclasses import dataclass

from api.render import label
from contracts.report import Report
from pipeline.practice import (
    MEASURES,
    follow_ups,
    retake_deltas,
    retake_noise,
    session_measures,
)
from pipeline.summary import SUBSCORES
from store import BrowsedReport, iso
from webapp.charts import baseline, growth_chart

AGREE_WITHIN = 1.0  # points on the 1-5 scale


def machine_on_rating_scale(score: float) -> float:
    """A 0-100 subscore on the recruiter's 1-5 scale: 0 -> 1, 100 -> 5 (linear)."""
    return 1 + 4 * score / 100


@dataclass(frozen=True)
class Agreement:
    """How a recruiter's ratings compare with the machine's subscores of one report."""

    rated: int  # subscores rated that the machine also scored
    within: int  # of those, within AGREE_WITHIN points on the 1-5 scale
    mean_gap: float | None  # mean absolute difference on the 1-5 scale

    @property
    def text(self) -> str:
        if not self.rated:
            return "not rated"
        return f"{self.within} of {self.rated} within 1 point (mean gap {self.mean_gap:.1f})"


def agreement(subscores: dict | None, ratings: dict[str, int]) -> Agreement:
    gaps = [
        abs(ratings[name] - machine_on_rating_scale(score))
        for name, score in (subscores or {}).items()
        if score is not None and name in ratings
    ]
    return Agreement(
        rated=len(gaps),
        within=sum(1 for g in gaps if g <= AGREE_WITHIN),
        mean_gap=sum(gaps) / len(gaps) if gaps else None,
    )


def list_row(b: BrowsedReport, ratings: dict[str, int]) -> dict:
    s = b.row.summary
    return {
        "report_id": b.row.report_id,
        "candidate_id": b.candidate_id,
        "candidate_name": b.candidate_name,
        "created_at": iso(b.row.created_at),
        "question": (b.request or {}).get("question"),
        "talent_score": b.row.talent_score,
        "subscores": s.get("subscores") or {},
        "skills": s.get("skills") or [],
        "job_matched": s.get("job_skills_matched"),
        "job_missing": s.get("job_skills_missing"),
        "quality_flags": s.get("quality_flags") or [],
        "warnings": s.get("warnings") or [],
        "ratings": ratings,
        "agreement": agreement(s.get("subscores"), ratings),
    }


def detail(b: BrowsedReport, report: Report, ratings: dict[str, int]) -> dict:
    """The detail page's additions to the report: the question, the rubric with the machine's
    subscores beside the recruiter's ratings, follow-up questions, and the skills claimed on
    the resume with whether the answer evidences them."""
    scores = report.scores
    rubric = [
        {
            "name": name,
            "label": label(name),
            "machine": getattr(scores, name).score if scores else None,
            "machine_on_scale": (
                round(machine_on_rating_scale(getattr(scores, name).score), 1)
                if scores and getattr(scores, name).score is not None
                else None
            ),
            "rating": ratings.get(name),
        }
        for name in SUBSCORES
    ]
    return {
        "question": (b.request or {}).get("question"),
        "job_description": (b.request or {}).get("job_description"),
        "rubric": rubric,
        "agreement": agreement(b.row.summary.get("subscores"), ratings),
        "follow_ups": follow_ups(report),
        "consent_at": iso(b.consent_at),
    }


def comparison(found: list[BrowsedReport]) -> dict:
    """Two to four reports side by side: the measures of pipeline.practice.MEASURES, the
    skills matched to the job and the quality flags, with the best value of each row marked."""
    reports = [Report.model_validate_json(b.row.body) for b in found]
    values = [session_measures(r) for r in reports]
    rows = []
    for m in MEASURES:
        cells = [v[m.name] for v in values]
        present = [c for c in cells if c is not None]
        best = None
        if m.better and len(present) >= 2 and len(set(present)) > 1:
            best = max(present) if m.better == "higher" else min(present)
        rows.append({"measure": m, "cells": cells, "best": best})
    return {
        "columns": [
            {
                "report_id": b.row.report_id,
                "candidate_id": b.candidate_id or "(no candidate id)",
                "question": (b.request or {}).get("question"),
                "created_at": iso(b.row.created_at),
                "matched": b.row.summary.get("job_skills_matched"),
                "missing": b.row.summary.get("job_skills_missing"),
                "skills": b.row.summary.get("skills") or [],
                "quality_flags": b.row.summary.get("quality_flags") or [],
            }
            for b in found
        ],
        "rows": rows,
        "same_question": len({(b.request or {}).get("question") for b in found}) == 1,
    }


def _question_key(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def history(found: list[BrowsedReport]) -> dict:
    """A candidate's sessions (oldest first) with growth curves per measure against their
    first sessions, the retakes of a question with each measure's difference and whether it
    exceeds the session-to-session noise (pipeline.practice.retake_noise), and the follow-ups
    of the latest session."""
    reports = [Report.model_validate_json(b.row.body) for b in found]
    values = [session_measures(r) for r in reports]
    sessions = [
        {
            "n": i + 1,
            "report_id": b.row.report_id,
            "created_at": iso(b.row.created_at),
            "question": (b.request or {}).get("question"),
            "values": v,
        }
        for i, (b, v) in enumerate(zip(found, values, strict=True))
    ]
    growth = []
    for m in MEASURES:
        series = [v[m.name] for v in values]
        present = [s for s in series if s is not None]
        if not present:
            continue
        base = baseline(series)
        growth.append(
            {
                "measure": m,
                "svg": growth_chart(series, label=m.label, y_max=m.scale_max, unit=m.unit),
                "baseline": base,
                "latest": present[-1],
                "change": present[-1] - base if base is not None and len(present) > 2 else None,
            }
        )
    noise = retake_noise(reports)
    retakes = []
    by_question: dict[str, list[int]] = {}
    for i, s in enumerate(sessions):
        if s["question"]:
            by_question.setdefault(_question_key(s["question"]), []).append(i)
    for indices in by_question.values():
        if len(indices) < 2:
            continue
        a, b = indices[-2], indices[-1]
        retakes.append(
            {
                "question": sessions[b]["question"],
                "before": sessions[a],
                "after": sessions[b],
                "attempts": len(indices),
                "deltas": retake_deltas(reports[a], reports[b], noise),
            }
        )
    return {
        "sessions": sessions,
        "growth": growth,
        "retakes": retakes,
        "follow_ups": follow_ups(reports[-1]) if reports else [],
        "latest": sessions[-1] if sessions else None,
        "measures": MEASURES,
    }


CSV_COLUMNS = ("session", "created_at", "report_id", "question") + tuple(m.name for m in MEASURES)


def history_rows(found: list[BrowsedReport]) -> list[list]:
    """The history as CSV rows (after the CSV_COLUMNS header): one per session."""
    rows = []
    for i, b in enumerate(found):
        v = session_measures(Report.model_validate_json(b.row.body))
        rows.append(
            [i + 1, iso(b.row.created_at), b.row.report_id, (b.request or {}).get("question") or ""]
            + ["" if v[m.name] is None else v[m.name] for m in MEASURES]
        )
    return rows
