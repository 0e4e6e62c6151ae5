"""Each job's uploads live in their own folder, ``<jobs_dir>/<job_id>/``, while the job is
queued or running (and after it, only with CAA_KEEP_MEDIA=true, until its report is deleted)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from pathlib import Path


def job_dir(jobs_dir: Path, job_id: str) -> Path:
    return jobs_dir / job_id


def remove_job_files(jobs_dir: Path, job_ids: Iterable[str]) -> None:
    """Delete the folders of these jobs (missing ones are fine)."""
    for job_id in job_ids:
        shutil.rmtree(job_dir(jobs_dir, job_id), ignore_errors=True)


def job_dirs(jobs_dir: Path, *, older_than_s: float = 0.0) -> list[str]:
    """Job ids with a folder whose last change is older than ``older_than_s``."""
    if not jobs_dir.is_dir():
        return []
    cutoff = time.time() - older_than_s
    return [p.name for p in jobs_dir.iterdir() if p.is_dir() and p.stat().st_mtime < cutoff]
