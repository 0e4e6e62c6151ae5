"""Background jobs: 12 jobs of the one-minute interview submitted at once to
``python -m service.serve`` (what ``make serve`` runs), for each number of job workers, on the
embedded default and on Celery (``CAA_QUEUE=celery``: a Celery worker with that many pool
processes, ``make worker``'s command, a Redis server of the bench's own and a PostgreSQL
database of its own on the local server).

    python -m bench.jobs [--jobs 12] [--workers 1 2] [--modes embedded celery]

Per setting: throughput (media minutes analysed per wall minute, first submission to last
report), p50 / p95 time from submission to report (observed by polling every 0.25 s), peak RSS
of the busiest runner process and of the whole service (every process of its group, sampled
every 0.25 s). Prints a table and writes ``bench/results/jobs.json``. Timings are measured here
and only here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench import perf_inputs
from tests.service_process import ServiceProcess

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "jobs.json"


class GroupRss:
    """Peak RSS of every process in some process groups (sampled from outside); the runner's is
    the busiest job-running process (embedded runner, or a Celery worker process)."""

    def __init__(self, *pgids: int, interval_s: float = 0.25) -> None:
        self.pgids, self.interval_s = set(pgids), interval_s
        self.peak_total_mb = 0.0
        self.peak_runner_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            total = runner = 0.0
            for p in psutil.process_iter(["pid", "cmdline"]):
                try:
                    if os.getpgid(p.pid) not in self.pgids:
                        continue
                    mb = p.memory_info().rss / 2**20
                except (psutil.Error, OSError):
                    continue
                total += mb
                command = " ".join(p.info["cmdline"] or [])
                if "service.runner" in command or "celery" in command:
                    runner = max(runner, mb)
            self.peak_total_mb = max(self.peak_total_mb, total)
            self.peak_runner_mb = max(self.peak_runner_mb, runner)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _postgres_database():
    """A database of the bench's own on the local PostgreSQL: (url, drop callable)."""
    import uuid

    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"caa_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, drop


def run_setting(video: Path, n_jobs: int, workers: int, mode: str = "embedded") -> dict:
    from tests.celery_cluster import RedisServer, Worker

    duration_s = perf_inputs.duration_s(video)
    with tempfile.TemporaryDirectory(prefix="caa-bench-jobs-") as tmp:
        env = {
            "CAA_JOB_WORKERS": str(workers),
            "CAA_LOG_LEVEL": "WARNING",
            "CAA_JOB_HEARTBEAT_S": "5",
            "CAA_JOB_STALE_AFTER_S": "30",
            # the media folder the API writes and every runner reads (a Celery worker has no
            # var_dir of the service's)
            "CAA_JOBS_DIR": str(Path(tmp) / "jobs"),
        }
        cleanup = []
        worker = None
        if mode == "celery":
            redis_server = RedisServer(Path(tmp))
            redis_server.start()
            cleanup.append(redis_server.stop)
            db_url, drop = _postgres_database()
            cleanup.append(drop)
            env.update(
                CAA_QUEUE="celery",
                CAA_BROKER_URL=redis_server.url,
                CAA_DATABASE_URL=db_url,
                CAA_PRELOAD_MODELS="false",  # the API only enqueues
            )
            worker = Worker(
                "bench", {**os.environ, **env}, Path(tmp) / "worker.log", concurrency=workers
            )
        svc = ServiceProcess(Path(tmp) / "var", Path(tmp) / "service.log", **env)
        svc.env["WORKERS"] = "2"
        try:
            if worker is not None:
                worker.start()
                cleanup.insert(0, worker.stop)
                svc.start(
                    timeout_s=300,
                    until=lambda h: h["jobs"].get("runners_alive", 0) >= workers,
                )
            else:
                svc.start()
            pgids = [svc.proc.pid] + ([os.getpgid(worker.proc.pid)] if worker else [])
            rss = GroupRss(*pgids)
            submitted, finished = {}, {}
            t0 = time.perf_counter()
            for _ in range(n_jobs):
                job = svc.submit({"video": video})
                submitted[job["job_id"]] = time.perf_counter()
            while len(finished) < n_jobs:
                for job_id in submitted.keys() - finished.keys():
                    job = svc.job(job_id)
                    if job["status"] in ("succeeded", "failed", "cancelled"):
                        assert job["status"] == "succeeded", job
                        finished[job_id] = time.perf_counter()
                time.sleep(0.25)
            wall_s = time.perf_counter() - t0
            rss.stop()
        finally:
            svc.stop()
            for step in cleanup:
                step()
    latencies = sorted(finished[j] - submitted[j] for j in submitted)
    return {
        "mode": mode,
        "job_workers": workers,
        "jobs": n_jobs,
        "media_duration_s": round(duration_s, 2),
        "wall_s": round(wall_s, 1),
        "throughput_media_min_per_min": round(n_jobs * duration_s / wall_s, 2),
        "latency_p50_s": round(statistics.median(latencies), 1),
        "latency_p95_s": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
        "latency_max_s": round(latencies[-1], 1),
        "peak_rss_runner_mb": round(rss.peak_runner_mb),
        "peak_rss_service_mb": round(rss.peak_total_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--modes", nargs="+", default=["embedded", "celery"])
    args = parser.parse_args()
    video = perf_inputs.build_all()["video_60s"]
    rows = [run_setting(video, args.jobs, w, m) for m in args.modes for w in args.workers]
    print(f"{args.jobs} jobs of a {rows[0]['media_duration_s']:.0f} s 720p interview at once")
    print("mode      workers  wall_s  media-min/min  p50_s  p95_s  runner_RSS_MB  service_RSS_MB")
    for r in rows:
        print(
            f"{r['mode']:<8}  {r['job_workers']:>7}  {r['wall_s']:>6}"
            f"  {r['throughput_media_min_per_min']:>13}"
            f"  {r['latency_p50_s']:>5}  {r['latency_p95_s']:>5}  {r['peak_rss_runner_mb']:>13}"
            f"  {r['peak_rss_service_mb']:>14}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": psutil.cpu_count(), "python": platform.python_version()},
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
