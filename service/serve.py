"""``make serve``: the API (gunicorn) and, beside it, the job runner, on one machine with no
other service to install (with ``CAA_QUEUE=celery``: the API, the sweeper and the webhook
sender; Celery workers run apart, ``make worker``).

This supervisor process migrates the store, holds ``var/serve.lock`` (one embedded service per
state folder), recovers the jobs a previous run left queued or running, starts both children,
restarts a child that dies, and sweeps every ``CAA_JOB_HEARTBEAT_S`` (jobs.sweeper). The
children die with it (PR_SET_PDEATHSIG), so ``kill -9`` of the whole process group, or of the
supervisor alone, leaves nothing running; the next ``make serve`` finishes every job.

    python -m service.serve        # HOST (127.0.0.1), PORT (5000), WORKERS (2) for gunicorn
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from jobs.sweeper import recover_on_start, sweep
from service.process import PARENT_ENV
from service.settings import REPO_ROOT, Settings
from service.wiring import build_queue, build_store, build_webhook_sender

log = logging.getLogger("caa.serve")
RESTART_BACKOFF_S = (1, 2, 5, 10, 30)
MALLOC_ARENA_MAX = "2"
STOP_TIMEOUT_S = 25.0  # then SIGKILL; `docker stop` should allow 30 s (--stop-timeout 30)


class Child:
    """A supervised child process, restarted with a growing delay when it dies."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name, self.argv = name, argv
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self.next_start = 0.0

    def start(self) -> None:
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        # glibc gives each thread its own heap arena; with gunicorn's threads and the
        # analysis threads that grew a worker's RSS by ~0.3 GB on a 10-minute video
        # (docs/PERFORMANCE.md): two arenas per process
        env.setdefault("MALLOC_ARENA_MAX", MALLOC_ARENA_MAX)
        self.proc = subprocess.Popen(self.argv, cwd=REPO_ROOT, env=env)
        log.info("started %s (pid %d)", self.name, self.proc.pid)

    def check(self, now: float) -> None:
        if self.proc is None or self.proc.poll() is None:
            return
        if self.next_start == 0.0:
            delay = RESTART_BACKOFF_S[min(self.restarts, len(RESTART_BACKOFF_S) - 1)]
            log.warning(
                "%s exited with %s; restarting in %d s", self.name, self.proc.returncode, delay
            )
            self.next_start = now + delay
        elif now >= self.next_start:
            self.restarts += 1
            self.next_start = 0.0
            self.start()

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", self.name)
            self.proc.kill()
            self.proc.wait()


def hold_lock(var_dir: Path):
    """An exclusive lock on ``var/serve.lock`` for this process's life; exits when another
    embedded service uses the same state folder."""
    var_dir.mkdir(parents=True, exist_ok=True)
    handle = open(var_dir / "serve.lock", "a+")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another `make serve` is running with the state folder {var_dir}; stop it first")
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def main() -> None:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    lock = hold_lock(settings.var_dir)  # noqa: F841 - released when the process ends
    store = build_store(settings)
    queue = build_queue(settings)
    machine = socket.gethostname()
    embedded = settings.queue == "embedded"
    if embedded:
        queue.flush()  # the store knows every queued job: re-enqueued below, oldest first
        recover_on_start(store, queue, host=machine, queue_name=settings.queue)
    # with Celery, workers run elsewhere (make worker): no runner here, and no recovery that
    # would take this host's live workers for dead; each sweep puts back the jobs of runners
    # gone silent and enqueues the queued jobs the broker lost
    host = os.environ.get("HOST", "127.0.0.1")  # this machine only, unless HOST says otherwise
    port = os.environ.get("PORT", "5000")
    workers = os.environ.get("WORKERS", "2")
    runner = Child("job runner", [sys.executable, "-m", "service.runner"])
    children = [
        *([runner] if embedded else []),
        Child(
            "api",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"{host}:{port}",
                "--workers",
                workers,
                "wsgi:app",
            ],
        ),
    ]
    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for child in children:
        child.start()
    sender = build_webhook_sender(settings, store)
    if sender is not None:
        sender.start()
    last_sweep = 0.0
    try:
        while not stopping:
            now = time.monotonic()
            for child in children:
                child.check(now)
            if now - last_sweep >= settings.job_heartbeat_s:
                last_sweep = now
                try:
                    sweep(
                        store,
                        queue,
                        settings.jobs_dir,
                        stale_after_s=settings.job_stale_after_s,
                        retention_days=settings.report_retention_days,
                        keep_media=settings.keep_media,
                        host=machine,
                    )
                except Exception:
                    log.exception("sweep failed; trying again")
            time.sleep(0.2)
    finally:
        log.info("stopping")
        if sender is not None:
            sender.stop()
        for child in children:
            # SIGINT interrupts the runner's analysis (its job goes back to the queue,
            # uncounted); SIGTERM stops gunicorn gracefully
            child.signal(signal.SIGINT if child is runner else signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in children:
            child.wait(deadline)
        store.close()
        queue.close()


if __name__ == "__main__":
    main()
