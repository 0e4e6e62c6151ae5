"""The public view of a job (contracts.resources.Job): progress, queue position and ETA."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.resources import Job, JobLinks, JobStage
from store import QUEUED, RUNNING, SUCCEEDED, Store, iso
from store.schema import JobRow

# Before this machine has finished a job: seconds of analysis per media second (RTF 0.15 of
# the one-minute benchmark, docs/PERFORMANCE.md, plus queueing and storing) and a fixed part.
DEFAULT_SECONDS_PER_MEDIA_S = 0.2
FIXED_S = 2.0
API = "/api/v1"


def estimated_run_s(job: JobRow, seconds_per_media_s: float) -> float:
    """Expected wall time of one run of ``job`` on this machine."""
    return FIXED_S + seconds_per_media_s * (job.media_duration_s or 0.0)


@dataclass(frozen=True)
class QueueSnapshot:
    """The running and queued jobs (all tenants share the queue) and this machine's measured
    speed, read once (two queries) so that a list of jobs gets its positions and ETAs
    without queries per job."""

    active: tuple[JobRow, ...]  # queued and running, oldest first
    seconds_per_media_s: float

    @classmethod
    def read(cls, store: Store) -> QueueSnapshot:
        return cls(
            active=tuple(store.active_jobs()),
            seconds_per_media_s=store.recent_speed() or DEFAULT_SECONDS_PER_MEDIA_S,
        )

    def queue_position(self, job: JobRow) -> int | None:
        """1 for the next queued job to start; None when the job is not queued."""
        if job.status != QUEUED:
            return None
        return 1 + sum(1 for o in self.active if o.status == QUEUED and o.id < job.id)

    def eta_s(self, job: JobRow, *, workers: int) -> float | None:
        """Seconds until the report of a queued or running job; None for finished jobs."""
        if job.status not in (QUEUED, RUNNING):
            return None
        speed = self.seconds_per_media_s
        own = estimated_run_s(job, speed)
        if job.status == RUNNING:
            return round(own * (1.0 - job.progress), 1)
        ahead = 0.0
        for other in self.active:
            if other.status == RUNNING:
                ahead += estimated_run_s(other, speed) * (1.0 - other.progress)
            elif other.id < job.id:
                ahead += estimated_run_s(other, speed)
        return round(ahead / max(1, workers) + own, 1)


def job_view(
    store: Store,
    job: JobRow,
    *,
    candidate_id: str | None,
    workers: int,
    queue: QueueSnapshot | None = None,
) -> Job:
    """The JSON of ``GET /api/v1/jobs/{job_id}``; pass one ``queue`` snapshot for a list."""
    if queue is None:
        queue = QueueSnapshot.read(store)
    report_id = job.report_id if job.status == SUCCEEDED else None
    return Job(
        job_id=job.job_id,
        status=job.status,
        candidate_id=candidate_id,
        created_at=iso(job.created_at),
        started_at=iso(job.started_at),
        finished_at=iso(job.finished_at),
        progress=round(job.progress, 4),
        stages=[JobStage(**s) for s in job.stages],
        queue_position=queue.queue_position(job),
        eta_s=queue.eta_s(job, workers=workers),
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        media_duration_s=job.media_duration_s,
        consent_at=iso(job.consent_at),
        report_id=report_id,
        error=job.error,
        links=JobLinks(
            self=f"{API}/jobs/{job.job_id}",
            report=f"{API}/reports/{report_id}" if report_id else None,
            webhooks=f"{API}/jobs/{job.job_id}/webhooks",
        ),
    )
