"""The job function: one attempt of one job, from its claim to its final status.

Engine-independent: the embedded queue (jobs.queue) and a distributed one call
:func:`run_job` with a job id and the runner's :class:`JobContext`. The store decides: a job is
claimed by one conditional update, progress is written only while the attempt is current, and
the report is written in the same transaction as the final status. A job run twice gives the
same report (the report id is fixed when the job is created; the analysis is deterministic).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pipeline
from contracts.errors import PROBLEM_BASE, AnalysisError, problem_of
from jobs.files import job_dir, remove_job_files
from jobs.records import stored_report
from pipeline import AnalysisRequest, PipelineOptions, StageTracker, UploadedFile
from store import Store

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.5
INTERNAL_ERROR = {
    "type": PROBLEM_BASE + "internal-error",
    "title": "Internal Server Error",
    "status": 500,
    "detail": "the analysis failed unexpectedly; the error was logged with this job's id",
}


def _exit_stalled() -> None:
    os._exit(70)  # EX_SOFTWARE; the consumer starts a new worker


class JobStopped(Exception):
    """The attempt is no longer current (cancelled, erased, or taken as dead and run again)."""


class RunnerHeartbeat:
    """A thread that tells the store, every ``interval_s``, that this runner (and the attempt
    it runs) still lives. A runner silent for CAA_JOB_STALE_AFTER_S is taken as dead and its
    job is run again (jobs.sweeper).

    It is also the runner's watchdog: an attempt that reports no progress for ``stall_s``
    (a hung decoder or model) ends the process, so that the queue's supervisor starts a fresh
    worker and the sweeper runs the job again (counting the attempt).
    """

    def __init__(
        self,
        store: Store,
        runner_id: str,
        interval_s: float,
        *,
        stall_s: float = 600.0,
        host: str = "",
        pid: int = 0,
        queue: str = "",
        on_stall=None,
    ) -> None:
        self._store, self._runner_id, self._interval_s = store, runner_id, interval_s
        self._registration = {"host": host, "pid": pid, "queue": queue}
        self._stall_s = stall_s
        self._on_stall = on_stall or _exit_stalled
        self._job: tuple[str, int] | None = None
        self._last_progress = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="caa-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def watch(self, job_id: str | None, attempt: int | None = None) -> None:
        self._job = (job_id, attempt) if job_id is not None else None
        self._last_progress = time.monotonic()
        self.beat()

    def progressed(self) -> None:
        self._last_progress = time.monotonic()

    def beat(self) -> None:
        job_id, attempt = self._job or (None, None)
        try:
            self._store.runner_heartbeat(self._runner_id, job_id, attempt, **self._registration)
        except Exception:  # the store is unreachable for a moment: try again next beat
            log.warning("heartbeat of runner %s failed", self._runner_id, exc_info=True)

    def _loop(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self._interval_s):
            now = time.monotonic()
            if now - last > 3 * self._interval_s:  # a starved or blocked process: say so
                log.warning(
                    "runner %s: heartbeat %.1f s after the last one", self._runner_id, now - last
                )
            last = now
            if self._job is not None and time.monotonic() - self._last_progress > self._stall_s:
                log.error(
                    "job %s: no progress for %.0f s; ending this runner so it runs again",
                    self._job[0],
                    self._stall_s,
                )
                self._on_stall()
                return
            self.beat()

    def stop(self) -> None:
        self._stop.set()


@dataclass
class JobContext:
    """What a runner process holds for all its jobs (built once per process)."""

    store: Store
    models: Any  # models.registry.ModelRegistry
    options: PipelineOptions
    jobs_dir: Path
    runner_id: str
    keep_media: bool = False
    heartbeat: RunnerHeartbeat | None = None
    on_event: Any = field(default=None)  # optional callable(job_id, outcome), for tests/logs
    store_retry_s: float = 60.0  # how long a final write waits for the store to come back

    def close(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.stop()
        try:
            self.store.unregister_runner(self.runner_id)
        finally:
            self.store.close()


def analysis_request(job_id: str, request: dict, jobs_dir: Path, report_id: str):
    """The pipeline request of a stored job request (jobs.submit.job_request made it)."""
    folder = job_dir(jobs_dir, job_id)

    def upload(f: dict | None) -> UploadedFile | None:
        if f is None:
            return None
        return UploadedFile(
            f["field"], folder / f["name"], f["filename"], f["size_bytes"], f["detected_type"]
        )

    return AnalysisRequest(
        resume=upload(request.get("resume")),
        media=upload(request.get("media")),
        expected_answer=request.get("expected_answer"),
        question=request.get("question"),
        job_description=request.get("job_description"),
        report_id=report_id,
    )


def run_job(job_id: str, ctx: JobContext) -> str:
    """Run one attempt of a job, if it is still queued.

    Returns:
        The outcome: ``succeeded``, ``failed``, ``stopped`` (cancelled, erased or superseded
        meanwhile: nothing written), ``skipped`` (not queued: a duplicate queue message) or
        ``store-unavailable`` (the store stayed away: the job runs again later).

    Raises:
        KeyboardInterrupt / SystemExit: the runner is being stopped; the job is put back in
        the queue without counting the attempt.
    """
    claim = ctx.store.claim_job(job_id, ctx.runner_id)
    if claim is None:
        return _done(ctx, job_id, "skipped")
    attempt = claim.attempt
    log.info("job %s: attempt %d started", job_id, attempt)
    started = time.perf_counter()

    def listener(tracker: StageTracker) -> None:
        if ctx.heartbeat is not None:
            ctx.heartbeat.progressed()
        try:
            current = ctx.store.update_progress(
                job_id, attempt, tracker.overall, tracker.snapshot()
            )
        except Exception:  # progress is not essential: the next notice tries again
            log.warning("job %s: progress not stored", job_id, exc_info=True)
            return
        if not current:
            raise JobStopped

    tracker = StageTracker([], listener, min_interval_s=PROGRESS_INTERVAL_S)
    outcome = "stopped"
    try:
        if ctx.heartbeat is not None:
            ctx.heartbeat.watch(job_id, attempt)
        req = analysis_request(job_id, claim.request, ctx.jobs_dir, claim.report_id)
        tracker = StageTracker(
            pipeline.plan_stages(req, ctx.options), listener, min_interval_s=PROGRESS_INTERVAL_S
        )
        report = pipeline.run(req, ctx.options, ctx.models, tracker)
        report = report.model_copy(update={"job_id": job_id, "candidate_id": claim.candidate_id})
        stored = stored_report(report)
        run_s = round(time.perf_counter() - started, 3)
        if durably(
            ctx,
            ctx.store.finish_succeeded,
            job_id,
            attempt,
            stored,
            stages=tracker.snapshot(),
            run_s=run_s,
        ):
            outcome = "succeeded"
    except JobStopped:
        pass
    except StoreUnavailable:
        outcome = "store-unavailable"
    except AnalysisError as exc:  # bad input: the same problem the synchronous endpoint gives
        outcome = _fail(ctx, job_id, attempt, problem_of(exc), tracker)
    except (KeyboardInterrupt, SystemExit):
        log.info("job %s: runner stopping, job put back in the queue", job_id)
        ctx.store.release_job(job_id, attempt)
        raise
    except Exception:
        try:
            gone = durably(ctx, ctx.store.finished_job_ids, [job_id])
        except StoreUnavailable:
            gone, outcome = None, "store-unavailable"
        if gone is not None and not gone:  # not cancelled or erased (their files went away)
            log.exception("job %s: attempt %d failed unexpectedly", job_id, attempt)
            outcome = _fail(ctx, job_id, attempt, INTERNAL_ERROR, tracker)
    finally:
        if ctx.heartbeat is not None:
            ctx.heartbeat.watch(None)
    if outcome == "store-unavailable":
        # nothing written: the job stays running until its heartbeat goes stale, then runs
        # again (jobs.sweeper); its media is kept for that
        log.error("job %s: attempt %d could not be stored; it will run again", job_id, attempt)
        return _done(ctx, job_id, outcome)
    try:
        if durably(ctx, ctx.store.finished_job_ids, [job_id]):
            keep = ctx.keep_media and ctx.store.kept_job_ids([job_id])
            if not keep:
                remove_job_files(ctx.jobs_dir, [job_id])
    except StoreUnavailable:  # the sweeper removes leftover folders of finished jobs
        pass
    log.info("job %s: attempt %d %s", job_id, attempt, outcome)
    return _done(ctx, job_id, outcome)


def _fail(ctx: JobContext, job_id: str, attempt: int, problem: dict, tracker) -> str:
    try:
        done = durably(
            ctx, ctx.store.finish_failed, job_id, attempt, problem, stages=tracker.snapshot()
        )
    except StoreUnavailable:
        return "store-unavailable"
    return "failed" if done else "stopped"


class StoreUnavailable(Exception):
    """The store stayed unreachable (or full) for the whole retry window."""


def durably(ctx: JobContext, call, *args, **kwargs):
    """A store call retried through a database outage (a restart, a failover, a locked or full
    SQLite file) for ``ctx.store_retry_s`` with a growing pause; the runner's heartbeat keeps
    the job its own meanwhile.

    Raises:
        StoreUnavailable: the store did not come back in time.
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    delay, deadline = 0.5, time.monotonic() + ctx.store_retry_s
    while True:
        try:
            return call(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + delay > deadline:
                raise StoreUnavailable(str(exc.orig or exc)) from exc
            log.warning("store unavailable (%s); trying again in %.1f s", type(exc).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _done(ctx: JobContext, job_id: str, outcome: str) -> str:
    if ctx.on_event is not None:
        ctx.on_event(job_id, outcome)
    return outcome
