"""Jobs and services for the job tests: a stored job whose media is in place, as POST
/api/v1/jobs leaves it (for tests that run the job function directly), a stored job without
media, and the app with its store and a runner context."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from jobs.files import job_dir


def queued_job(store, request: dict | None = None, **kw) -> str:
    """Create a queued job (by default without media); returns its id."""
    job_id = str(uuid.uuid4())
    store.create_job(
        job_id=job_id,
        report_id=str(uuid.uuid4()),
        request=request or {"media": None},
        max_attempts=kw.pop("max_attempts", 3),
        queue="embedded",
        **kw,
    )
    return job_id


def stored_job(store, jobs_dir: Path, video: Path, **kw) -> str:
    """Create a queued job of ``video`` (copied into its folder); returns its id."""
    job_id = str(uuid.uuid4())
    folder = job_dir(jobs_dir, job_id)
    folder.mkdir(parents=True)
    shutil.copy(video, folder / "video.media")
    media = {
        "field": "video",
        "name": "video.media",
        "filename": "a.mp4",
        "size_bytes": video.stat().st_size,
        "detected_type": "video/mp4",
    }
    store.create_job(
        job_id=job_id,
        report_id=str(uuid.uuid4()),
        request={"media": media},
        max_attempts=kw.pop("max_attempts", 3),
        queue="embedded",
        **kw,
    )
    return job_id


def make_service(tmp_path: Path, database_url: str, **settings):
    """(app, its ServiceContext) on ``database_url``, with this test's folders and the shared
    model registry; close with :func:`close_service`."""
    from app import create_app
    from models.registry import get_registry
    from service.settings import Settings

    s = Settings(
        upload_dir=tmp_path / "uploads",
        var_dir=tmp_path / "var",
        database_url=database_url,
        preload_models=False,
        **settings,
    )
    app = create_app(s, models=get_registry())
    return app, app.extensions["caa"]


def runner_context(ctx):
    """A job-runner context on the app's store and models (registered as ``test-runner``)."""
    from jobs.runner import JobContext
    from service.wiring import pipeline_options

    ctx.store.register_runner("test-runner", "test-host", 1, "embedded")
    return JobContext(
        store=ctx.store,
        models=ctx.models,
        options=pipeline_options(ctx.settings),
        jobs_dir=ctx.settings.jobs_dir,
        runner_id="test-runner",
        keep_media=ctx.settings.keep_media,
    )


def close_service(ctx) -> None:
    ctx.queue.close()
    ctx.store.close()
