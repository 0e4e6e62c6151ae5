"""The embedded queue, chosen by measurement (docs/decisions/0011): Huey's SQLite storage
against persist-queue's SQLiteAckQueue, the two maintained libraries that queue on an SQLite
file (the others need a server: Redis for RQ, Dramatiq, arq; PostgreSQL for Procrastinate).

    python -m bench.queue_choice

Per library: enqueue time, pickup latency of an idle consumer (enqueue to task start), and
what a consumer killed with SIGKILL mid-task leaves (is the task run again after a restart?).
Writes bench/results/queue_choice.json.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "queue_choice.json"


# --- consumers (run as child processes) ----------------------------------------------------


def _log_start(log: Path, name: str) -> None:
    with log.open("a") as f:
        f.write(f"{name} {time.time():.6f}\n")


def consume_huey(folder: Path) -> None:
    from huey import SqliteHuey

    huey = SqliteHuey(filename=str(folder / "q.db"), results=False)

    @huey.task(name="work")
    def work(name: str, sleep_s: float) -> None:
        _log_start(folder / "started.log", name)
        time.sleep(sleep_s)

    huey.create_consumer(workers=1, worker_type="process", max_delay=1.0).run()


def consume_persist(folder: Path) -> None:
    import persistqueue

    q = persistqueue.SQLiteAckQueue(str(folder), multithreading=True, auto_commit=True)
    q.resume_unack_tasks()  # tasks a killed consumer had taken go back to the queue
    delay = 0.1
    while True:
        try:
            item = q.get(block=False)
        except persistqueue.Empty:
            time.sleep(delay)
            delay = min(1.0, delay * 1.15)
            continue
        delay = 0.1
        _log_start(folder / "started.log", item["name"])
        time.sleep(item["sleep_s"])
        q.ack(item)


# --- producers -----------------------------------------------------------------------------


class Huey:
    name = "huey 3.5 (SqliteHuey)"

    def __init__(self, folder: Path) -> None:
        from huey import SqliteHuey

        self.huey = SqliteHuey(filename=str(folder / "q.db"), results=False)
        self.work = self.huey.task(name="work")(lambda name, sleep_s: None)

    def put(self, name: str, sleep_s: float) -> None:
        self.work(name, sleep_s)


class Persist:
    name = "persist-queue 1.1 (SQLiteAckQueue)"

    def __init__(self, folder: Path) -> None:
        import persistqueue

        self.q = persistqueue.SQLiteAckQueue(str(folder), multithreading=True, auto_commit=True)

    def put(self, name: str, sleep_s: float) -> None:
        self.q.put({"name": name, "sleep_s": sleep_s})


def _consumer(kind: str, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.queue_choice", kind, str(folder)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _started(folder: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    log = folder / "started.log"
    if log.exists():
        for line in log.read_text().splitlines():
            name, t = line.split()
            out.setdefault(name, []).append(float(t))
    return out


def _wait_for(folder: Path, name: str, count: int = 1, timeout_s: float = 20.0) -> bool:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if len(_started(folder).get(name, [])) >= count:
            return True
        time.sleep(0.02)
    return False


def measure(producer_cls, kind: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        producer = producer_cls(folder)
        t0 = time.perf_counter()
        for i in range(200):
            producer.put(f"bulk{i}", 0.0)
        enqueue_ms = (time.perf_counter() - t0) / 200 * 1000
        consumer = _consumer(kind, folder)
        assert _wait_for(folder, "bulk199", timeout_s=60), "bulk not consumed"
        time.sleep(1.5)  # idle: the consumer backs off to its longest poll interval
        pickups = []
        for i in range(10):
            sent = time.time()
            producer.put(f"p{i}", 0.0)
            assert _wait_for(folder, f"p{i}")
            pickups.append(_started(folder)[f"p{i}"][0] - sent)
            time.sleep(1.5)
        producer.put("crash", 3.0)
        assert _wait_for(folder, "crash")
        os.killpg(consumer.pid, signal.SIGKILL)
        consumer.wait()
        consumer = _consumer(kind, folder)
        rerun = _wait_for(folder, "crash", count=2, timeout_s=10)
        os.killpg(consumer.pid, signal.SIGKILL)
        consumer.wait()
    return {
        "library": producer_cls.name,
        "enqueue_ms": round(enqueue_ms, 2),
        "pickup_p50_ms": round(statistics.median(pickups) * 1000),
        "pickup_max_ms": round(max(pickups) * 1000),
        "task_run_again_after_sigkill": rerun,
    }


def main() -> None:
    if len(sys.argv) == 3:
        {"huey": consume_huey, "persist": consume_persist}[sys.argv[1]](Path(sys.argv[2]))
        return
    rows = [measure(Huey, "huey"), measure(Persist, "persist")]
    for r in rows:
        print(r)
    OUT.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
