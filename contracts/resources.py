"""The JSON of the job and report-list endpoints (pydantic v2; the OpenAPI document is built
from these models)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
StageStatus = Literal["pending", "running", "succeeded", "skipped", "failed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI naming the problem type.")
    title: str
    status: int = Field(description="HTTP status code.")
    detail: str
    request_id: str | None = Field(None, description="The request's X-Request-ID.")


class JobStage(_Model):
    name: str = Field(
        description="ingest, resume, voice_activity, language_id, speech_to_text, "
        "speech_emotion, video, audio_features, language, skills_match, scoring."
    )
    status: StageStatus
    progress: float = Field(ge=0, le=1)
    duration_ms: float | None = Field(None, description="Wall time once finished.")


class JobLinks(_Model):
    self: str
    report: str | None = Field(None, description="The report, once the job succeeded.")
    webhooks: str | None = Field(None, description="The job's webhook events and their deliveries.")


class Job(_Model):
    job_id: str
    status: JobStatus
    candidate_id: str | None = None
    created_at: str = Field(description="UTC, ISO 8601.")
    started_at: str | None = Field(None, description="First attempt's start.")
    finished_at: str | None = None
    progress: float = Field(ge=0, le=1, description="Weighted over the stages.")
    stages: list[JobStage]
    queue_position: int | None = Field(
        None, ge=1, description="1 = next to start; null unless queued."
    )
    eta_s: float | None = Field(
        None,
        ge=0,
        description="Estimated seconds until the report, from this machine's measured speed "
        "over recent jobs and the media duration (queued jobs: the jobs ahead included).",
    )
    attempts: int = Field(ge=0, description="Runs started; a run whose process died counts.")
    max_attempts: int
    media_duration_s: float | None = None
    consent_at: str | None = Field(
        None, description="When the candidate's consent was given (the job's consent field)."
    )
    report_id: str | None = Field(None, description="Set when the job succeeded.")
    error: Problem | None = Field(None, description="Why the job failed.")
    links: JobLinks


WebhookEventType = Literal["job.succeeded", "job.failed", "report.deleted"]


class WebhookDelivery(_Model):
    """One event and its delivery (the event's body is what was POSTed; see the OpenAPI
    document's ``webhooks``)."""

    event_id: str = Field(description="Sent as the webhook-id header (the same on retries).")
    type: WebhookEventType
    to: Literal["callback_url", "operator"] = Field(
        description="The job's callback_url, or the operator's CAA_WEBHOOK_URL."
    )
    status: Literal["pending", "delivered", "failed"]
    attempts: int = Field(ge=0)
    created_at: str = Field(description="UTC, ISO 8601.")
    last_attempt_at: str | None = None
    next_attempt_at: str | None = Field(None, description="While pending.")
    last_status_code: int | None = Field(None, description="The receiver's last HTTP status.")
    last_error: str | None = Field(None, description="Why the last attempt did not deliver.")


class WebhookDeliveryList(_Model):
    deliveries: list[WebhookDelivery]


class JobList(_Model):
    jobs: list[Job]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page.")


class Subscores(_Model):
    communication: float | None = None
    confidence: float | None = None
    skill_relevance: float | None = None
    engagement: float | None = None


class ReportLinks(_Model):
    self: str
    html: str


class ReportSummary(_Model):
    report_id: str
    job_id: str | None = None
    candidate_id: str | None = None
    created_at: str
    source: str = Field(description="The endpoint that made it: analyze, resumes, ... or job.")
    schema_version: str
    scoring_version: str | None = None
    talent_score: float | None = None
    subscores: Subscores | None = None
    skills: list[str] = Field(description="Resume skills (canonical names).")
    job_skills_matched: list[str] | None = None
    job_skills_missing: list[str] | None = None
    match_ratio: float | None = None
    media_duration_s: float | None = None
    warnings: list[str] = Field(description="Warning codes (contracts.warnings).")
    quality_flags: list[str] = Field(
        description="Recording-quality flags: no_face, low_face_coverage, poor_video_quality, "
        "no_speech, short_answer, transcript_incomplete, audio_clipping, no_audio, no_video, "
        "multiple_faces, not_english, media_truncated."
    )
    links: ReportLinks


class ReportList(_Model):
    reports: list[ReportSummary]
    next_cursor: str | None = None
