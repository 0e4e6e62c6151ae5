"""A stored job whose media is in place, as POST /api/v1/jobs leaves it, for tests that run the
job function directly."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from jobs.files import job_dir


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
