"""One wiring path: the model registry, the pipeline options (and, with the job system, the
store and the queue) built from the settings. The API app and the job runner both use it, so a
setting reaches the same place in either."""

from __future__ import annotations

from models.registry import ModelRegistry
from pipeline import PipelineOptions
from service.settings import Settings


def build_registry(settings: Settings) -> ModelRegistry:
    """A registry of this process's models, chosen by the settings (nothing loads yet).

    Raises:
        ValueError: an unknown model name.
    """
    return ModelRegistry(
        whisper_threads=settings.whisper_threads,
        face_workers=settings.face_workers,
        whisper_model=settings.whisper_model,
        face_expression_model=settings.face_expression_model,
    )


def pipeline_options(settings: Settings) -> PipelineOptions:
    """The plain values the analysis needs."""
    return PipelineOptions(
        sample_fps=settings.sample_fps,
        expression_fps=min(settings.expression_fps, settings.sample_fps),
        parallel=settings.parallel_stages,
        frame_max_side_px=settings.frame_max_side_px,
        chunk_s=settings.audio_chunk_s,
        emotion_enabled=settings.emotion_enabled,
        max_media_duration_s=settings.max_media_duration_s,
    )
