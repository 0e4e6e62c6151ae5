"""Real processes for the Celery mode, shared by tests/test_celery.py and bench/jobs.py: a
redis-server of one's own (so that it can be restarted) and ``make worker``'s Celery command."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO
from tests.service_process import free_port


class RedisServer:
    """A redis-server of this test's own, nothing persisted (as on the project's machines)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class Worker:
    """``make worker``'s Celery command as a child process."""

    def __init__(self, name: str, env: dict, log_path: Path, concurrency: int = 1) -> None:
        self.name, self.env, self.log_path = name, env, log_path
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "service.celery_worker",
                "worker",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--prefetch-multiplier=1",
                "-O",
                "fair",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"{self.name}@%h",
            ],
            cwd=REPO,
            env=self.env,
            stdout=self.log_path.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as on a machine of its own
        )
        return self

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
