"""The web app's query strings and form fields, validated (pydantic). An HTML form sends empty
fields for the filters left blank: those mean "no filter"."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.warnings import QUALITY_FLAGS, WARNING_CODES
from pipeline.summary import SUBSCORES
from store import ReportFilters

CANDIDATE_PATTERN = r"^[A-Za-z0-9._:@+\-]{1,128}$"


class ListQuery(BaseModel):
    """The recruiter list's filters, sort and page."""

    model_config = ConfigDict(extra="ignore")

    candidate: str | None = Field(None, pattern=CANDIDATE_PATTERN)
    skill: str | None = Field(None, max_length=200)
    min_score: float | None = Field(None, ge=0, le=100)
    max_score: float | None = Field(None, ge=0, le=100)
    since: date | None = None
    until: date | None = Field(None, description="Inclusive: reports of that day count.")
    quality: str | None = None
    warning: str | None = None
    question: str | None = Field(None, max_length=20_000)
    sort: Literal["newest", "oldest", "score_desc", "score_asc"] = "newest"
    show: Literal["latest", "all"] = "latest"
    page: int = Field(1, ge=1, le=100_000)

    @field_validator("quality")
    @classmethod
    def _flag(cls, v):
        if v is not None and v not in QUALITY_FLAGS:
            raise ValueError("not a recording-quality flag")
        return v

    @field_validator("warning")
    @classmethod
    def _warning(cls, v):
        if v is not None and v not in WARNING_CODES:
            raise ValueError("not a warning code")
        return v

    def query(self) -> dict:
        """The query string of this list without its page (for the pager's links): only the
        fields this form knows, never whatever else the request carried."""
        return {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in self.model_dump(exclude={"page"}).items()
            if v is not None
        }

    def filters(self) -> ReportFilters:
        return ReportFilters(
            candidate_id=self.candidate,
            skill=self.skill,
            min_talent_score=self.min_score,
            max_talent_score=self.max_score,
            since=datetime.combine(self.since, time()) if self.since else None,
            until=datetime.combine(self.until, time.max) if self.until else None,
            quality_flag=self.quality,
            warning=self.warning,
            question=self.question,
        )


def non_empty(args) -> dict:
    """A query string or form as a dict without its blank fields (first value of each)."""
    return {k: v.strip() for k, v in args.items() if isinstance(v, str) and v.strip()}


def parse(model: type[BaseModel], args) -> tuple[BaseModel, list[str]]:
    """``model`` from ``args`` (blank fields dropped); on errors, the defaults and the errors
    in words (the page shows them beside the form)."""
    given = non_empty(args)
    try:
        return model.model_validate(given), []
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        failed = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        kept = {k: v for k, v in given.items() if k not in failed}
        try:
            return model.model_validate(kept), errors
        except ValidationError:
            return model(), errors


def ratings(form) -> tuple[dict[str, int | None], list[str]]:
    """The rubric form: ``rating_<subscore>`` = 1-5 or blank (no rating)."""
    out: dict[str, int | None] = {}
    errors = []
    for name in SUBSCORES:
        raw = (form.get(f"rating_{name}") or "").strip()
        if not raw:
            out[name] = None
        elif raw in {"1", "2", "3", "4", "5"}:
            out[name] = int(raw)
        else:
            errors.append(f"{name}: a rating is a whole number from 1 to 5")
    return out, errors
