"""The real service (``python -m service.serve``, what ``make serve`` runs) as a child process
of a test, in its own process group, with its own state folder and port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    """Start, wait for, talk to and kill the service.

    Args:
        var_dir: Its state folder (CAA_VAR_DIR).
        log_path: Where its output goes (read it when a test fails).
        env: Extra CAA_* settings.
    """

    def __init__(self, var_dir: Path, log_path: Path, **env: str) -> None:
        self.var_dir, self.log_path = var_dir, log_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.env = {
            **os.environ,
            "CAA_VAR_DIR": str(var_dir),
            "PORT": str(self.port),
            "WORKERS": "1",
            "CAA_JOB_WORKERS": "1",
            "CAA_JOB_HEARTBEAT_S": "0.5",
            # a dead runner of this host is seen at once by its pid; the stale time only
            # matters for other hosts, so it stays at the default (a loaded CI machine once
            # starved a live runner's heartbeat for 5 s and its job ran a third time)
            "CAA_JOB_STALE_AFTER_S": "30",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 120.0, until=None) -> ServiceProcess:
        """Start it and wait until ``until(health)`` (default: models loaded and a runner
        alive)."""
        until = until or (lambda h: h["ready"] and h["jobs"].get("runners_alive", 0) >= 1)
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.serve"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as `make serve` in a terminal
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited: {self.log()}")
            try:
                health = requests.get(f"{self.base}/health", timeout=2).json()
                if until(health):
                    return self
            except (requests.RequestException, ValueError, KeyError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"the service did not become ready: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text()[-4000:] if self.log_path.exists() else ""

    def group_pids(self) -> list[int]:
        """Processes still in the service's process group."""
        if self.proc is None:
            return []
        pgid = self.proc.pid
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == pgid and fields[0] != "Z":
                    pids.append(int(entry.name))
        return pids

    def kill_all(self) -> None:
        """``kill -9`` of the whole process group."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 10
        while self.group_pids() and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_all()

    # --- HTTP ----------------------------------------------------------------------------

    def submit(self, files: dict[str, Path], **fields: str) -> dict:
        handles = {k: (p.name, p.open("rb")) for k, p in files.items()}
        try:
            resp = requests.post(f"{self.base}/jobs", files=handles, data=fields, timeout=30)
        finally:
            for _, f in handles.values():
                f.close()
        assert resp.status_code == 202, resp.text
        return resp.json()

    def job(self, job_id: str) -> dict:
        return requests.get(f"{self.base}/jobs/{job_id}", timeout=10).json()

    def wait(self, job_ids, statuses=("succeeded", "failed", "cancelled"), timeout_s=180.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            jobs = {j: self.job(j) for j in job_ids}
            if all(j["status"] in statuses for j in jobs.values()):
                return jobs
            time.sleep(0.3)
        raise TimeoutError(f"jobs did not finish: {jobs}\n{self.log()}")

    def health(self) -> dict:
        return requests.get(f"{self.base}/health", timeout=10).json()

    def report(self, report_id: str) -> dict:
        return requests.get(f"{self.base}/reports/{report_id}", timeout=10).json()
