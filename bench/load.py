"""Load and soak on the service as `make serve` runs it (supervisor, gunicorn with 2 threaded
workers, job runner), on the one-minute 720p interview and a two-page resume.

    python -m bench.load [--analyses 4] [--resumes 50] [--slow 3] [--soak 40]

1. Mixed load: ``--analyses`` /analyze requests, ``--resumes`` resume calls (16 at a time) and
   ``--slow`` clients uploading a 5 MB body at 2 kB/s, all at once: statuses, resume p50/p95,
   /health latency meanwhile, analysis wall times.
2. Soak: ``--soak`` analyses, two at a time, with the RSS of every API worker sampled every
   0.5 s: peak, and the growth from the first ten to the last ten.

Prints a table and writes bench/results/load.json. Timings live here only, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests

from bench import perf_inputs
from tests.service_process import ServiceProcess

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "load.json"


def _pct(values, q):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 3) if values else None


def _analyze(base: str, video: Path, resume: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    with video.open("rb") as v, resume.open("rb") as r:
        resp = requests.post(
            f"{base}/analyze",
            files={"video": ("v.mp4", v), "resume": ("cv.pdf", r)},
            data={"expected_answer": "I am new in the role.\nI want a better future."},
            timeout=900,
        )
    return resp.status_code, time.perf_counter() - t0


def _resume(base: str, data: bytes) -> tuple[int, float]:
    t0 = time.perf_counter()
    resp = requests.post(f"{base}/resumes", files={"resume": ("cv.pdf", data)}, timeout=120)
    return resp.status_code, time.perf_counter() - t0


def _slow_client(port: int, stop: threading.Event, result: list) -> None:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(
        b"POST /api/v1/resumes HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n\r\n"
    )
    status = None
    try:
        while not stop.is_set():
            s.sendall(b"x" * 2000)  # 2 kB/s: below the service's minimum rate
            time.sleep(1.0)
    except OSError:
        pass
    try:
        s.settimeout(5)
        status = s.recv(100).split(b" ", 2)[1].decode()
    except (OSError, IndexError):
        status = "closed"
    result.append(status)
    s.close()


class WorkerRss:
    def __init__(self, pgid: int) -> None:
        self.pgid, self.samples = pgid, []  # (t, {pid: MB}) of gunicorn workers
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            row = {}
            for p in psutil.process_iter(["cmdline"]):
                try:
                    cmd = " ".join(p.info["cmdline"] or [])
                    if os.getpgid(p.pid) == self.pgid and "gunicorn" in cmd:
                        if p.parent() and "gunicorn" in " ".join(p.parent().cmdline()):
                            row[p.pid] = p.memory_info().rss / 2**20
                except (psutil.Error, OSError):
                    continue
            self.samples.append((time.monotonic(), row))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def mixed(svc, video, resume, args) -> dict:
    stop = threading.Event()
    slow_results: list = []
    slow = [
        threading.Thread(target=_slow_client, args=(svc.port, stop, slow_results), daemon=True)
        for _ in range(args.slow)
    ]
    for t in slow:
        t.start()
    health = []

    def watch_health():
        while not stop.is_set():
            t0 = time.perf_counter()
            ok = requests.get(f"{svc.base}/health", timeout=30).status_code == 200
            health.append((ok, time.perf_counter() - t0))
            time.sleep(0.5)

    watcher = threading.Thread(target=watch_health, daemon=True)
    watcher.start()
    data = resume.read_bytes()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.analyses) as analyses, ThreadPoolExecutor(16) as resumes:
        a = [analyses.submit(_analyze, svc.base, video, resume) for _ in range(args.analyses)]
        time.sleep(1.0)  # the analyses are running when the resume calls come
        r = [resumes.submit(_resume, svc.base, data) for _ in range(args.resumes)]
        a_out = [f.result() for f in a]
        r_out = [f.result() for f in r]
    wall = time.perf_counter() - t0
    stop.set()
    for t in slow:
        t.join(30)
    watcher.join(10)
    return {
        "analyses": len(a_out),
        "analysis_statuses": sorted({s for s, _ in a_out}),
        "analysis_wall_s": [round(w, 1) for _, w in a_out],
        "resumes": len(r_out),
        "resume_statuses": sorted({s for s, _ in r_out}),
        "resume_p50_s": _pct([w for _, w in r_out], 0.5),
        "resume_p95_s": _pct([w for _, w in r_out], 0.95),
        "slow_clients": args.slow,
        "slow_client_answers": slow_results,
        "health_checks": len(health),
        "health_all_ok": all(ok for ok, _ in health),
        "health_p95_s": _pct([w for _, w in health], 0.95),
        "health_max_s": round(max((w for _, w in health), default=0.0), 3),
        "wall_s": round(wall, 1),
    }


def soak(svc, video, resume, n: int) -> dict:
    rss = WorkerRss(svc.proc.pid)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        out = list(pool.map(lambda _: _analyze(svc.base, video, resume), range(n)))
    wall = time.perf_counter() - t0
    rss.stop()
    per_sample = [max(row.values()) for _, row in rss.samples if row]
    tenth = max(1, len(per_sample) // 4)
    return {
        "analyses": n,
        "statuses": sorted({s for s, _ in out}),
        "wall_s": round(wall, 1),
        "analysis_p50_s": _pct([w for _, w in out], 0.5),
        "worker_rss_peak_mb": round(max(per_sample)) if per_sample else None,
        "worker_rss_first_quarter_max_mb": round(max(per_sample[:tenth])) if per_sample else None,
        "worker_rss_last_quarter_max_mb": round(max(per_sample[-tenth:])) if per_sample else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--analyses", type=int, default=4)
    parser.add_argument("--resumes", type=int, default=50)
    parser.add_argument("--slow", type=int, default=3)
    parser.add_argument("--soak", type=int, default=40)
    args = parser.parse_args()
    inputs = perf_inputs.build_all()
    video, resume = inputs["video_60s"], inputs["resume_2p"]
    with tempfile.TemporaryDirectory(prefix="caa-bench-load-") as tmp:
        svc = ServiceProcess(Path(tmp) / "var", Path(tmp) / "service.log", CAA_LOG_LEVEL="WARNING")
        svc.env["WORKERS"] = "2"
        svc.start()
        try:
            result = {"mixed": mixed(svc, video, resume, args)}
            print(json.dumps(result["mixed"], indent=1))
            result["soak"] = soak(svc, video, resume, args.soak)
            print(json.dumps(result["soak"], indent=1))
        finally:
            svc.stop()
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["machine"] = {"cpus": psutil.cpu_count()}
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
