"""One wiring path: the model registry, the pipeline options (and, with the job system, the
store and the queue) built from the settings. The API app and the job runner both use it, so a
setting reaches the same place in either."""

from __future__ import annotations

import os
import signal
import socket
import uuid

from jobs.queue import EmbeddedQueue
from jobs.runner import JobContext, RunnerHeartbeat
from models.registry import ModelRegistry
from pipeline import PipelineOptions
from pipeline.orchestrator import register_roles
from resume.extract import DocumentLimits
from service.process import die_with_parent
from service.settings import Settings
from store import Store


def build_registry(settings: Settings) -> ModelRegistry:
    """A registry of this process's models, chosen by the settings (nothing loads yet).

    Raises:
        ValueError: an unknown model name.
    """
    registry = ModelRegistry(
        whisper_threads=settings.whisper_threads,
        face_workers=settings.face_workers,
        pose_workers=settings.pose_workers,
        whisper_model=settings.whisper_model,
        face_expression_model=settings.face_expression_model,
    )
    register_roles(registry)
    return registry


def pipeline_options(settings: Settings) -> PipelineOptions:
    """The plain values the analysis needs."""
    return PipelineOptions(
        sample_fps=settings.sample_fps,
        expression_fps=min(settings.expression_fps, settings.sample_fps),
        pose_fps=min(settings.pose_fps, settings.sample_fps),
        parallel=settings.parallel_stages,
        frame_max_side_px=settings.frame_max_side_px,
        chunk_s=settings.audio_chunk_s,
        emotion_enabled=settings.emotion_enabled,
        language_check=settings.language_check,
        max_media_duration_s=settings.max_media_duration_s,
        max_frame_pixels=int(settings.max_frame_mp * 1_000_000),
        max_fps=settings.max_video_fps,
        document_limits=DocumentLimits(
            max_pages=settings.max_resume_pages,
            max_chars=settings.max_resume_chars,
            max_zip_entries=settings.max_docx_entries,
            max_unzipped_bytes=int(settings.max_docx_unzipped_mb * 1_000_000),
        ),
    )


def build_store(settings: Settings) -> Store:
    """The results store at ``settings.store_url`` (migrated to the newest revision)."""
    return Store(settings.store_url, default_webhook=bool(settings.webhook_url))


def build_webhook_sender(settings: Settings, store: Store):
    """The thread that sends the outbox's due events, or None when webhooks are off."""
    if not settings.webhook_secret:
        return None
    from jobs.webhooks import WebhookSender

    return WebhookSender(
        store,
        secret=settings.webhook_secret,
        default_url=settings.webhook_url or None,
        allow_private=settings.allow_private_callbacks,
        timeout_s=settings.webhook_timeout_s,
        max_attempts=settings.webhook_max_attempts,
    )


def queue_path(settings: Settings):
    return settings.var_dir / "queue.sqlite3"


def build_queue(settings: Settings, *, runner: bool = False):
    """The job queue: EmbeddedQueue, or with CAA_QUEUE=celery a jobs.celery_queue.CeleryQueue
    (the API only sends; Celery workers consume: service.celery_worker). ``runner=True`` (embedded
    only): the queue the runner process consumes, whose worker processes build their job
    context (:func:`build_job_context`) when they start."""
    if settings.queue == "celery":
        from jobs.celery_queue import CeleryQueue

        return CeleryQueue(settings.broker_url)
    factory = (lambda: build_job_context(settings)) if runner else None
    return EmbeddedQueue(queue_path(settings), context_factory=factory)


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_job_context(settings: Settings) -> JobContext:
    """One runner process's context: its store, its models (loaded now, once), its heartbeat.
    The process dies with its parent (a killed runner leaves no worker behind)."""
    die_with_parent(signal.SIGKILL)
    store = build_store(settings)  # a runner started alone migrates too (a no-op at head)
    models = build_registry(settings)
    if settings.preload_models:
        models.warm_up(
            emotion_enabled=settings.emotion_enabled,
            language_check=settings.language_check,
            posture=settings.pose_fps > 0,
        )
    rid = runner_id()
    host, pid = socket.gethostname(), os.getpid()
    store.register_runner(rid, host, pid, settings.queue)
    heartbeat = RunnerHeartbeat(
        store,
        rid,
        settings.job_heartbeat_s,
        stall_s=settings.job_stall_timeout_s,
        host=host,
        pid=pid,
        queue=settings.queue,
    )
    heartbeat.start()
    return JobContext(
        store=store,
        models=models,
        options=pipeline_options(settings),
        jobs_dir=settings.jobs_dir,
        runner_id=rid,
        keep_media=settings.keep_media,
        heartbeat=heartbeat,
    )
