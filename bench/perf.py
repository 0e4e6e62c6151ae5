"""Speed and memory of the real service (gunicorn, as ``make serve`` starts it) on inputs built
from ../shared/data, beside two peers. One table, ``bench/results/perf.json``.

    python -m bench.perf [--runs 5] [--long-runs 2] [--skip-install] [--skip-peers]

Figures (2 cores, every analyzer of /api/v1/analyze on, warm service unless said):
* cold start: process start until /api/v1/health reports every model loaded;
* 60 s 1280x720 30 fps interview: wall time and RTF (wall / media duration), median and
  min-max of ``--runs`` runs, the service's own stage timings, peak RSS of the worker;
* the same stage by stage in one process with the stages run one after another, and the
  decode-only floor (the same decode and frame sampling with no analysis);
* 10-minute video: RTF and peak RSS of the worker (sampled from outside every 0.1 s);
* resume only (two-page PDF): p50 / p95 latency;
* 4 concurrent /analyze requests on the 2-worker service: statuses, wall, throughput;
* ``make install`` into a fresh virtual environment: time and size, largest packages;
* peers, in their own environment (``.venv-peers``, built by ``make bench-perf``): the ``fer``
  package's video pipeline (Haar cascade + mini-XCEPTION, TensorFlow) at the same sampling rate
  against our facial-emotion stage; SpeechRecognition + PocketSphinx against our speech-to-text
  (WER on ../shared/data/asr, RTF there and on the interview's audio).

Timings are measured here and only here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests

from bench import perf_inputs

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "perf.json"
PEERS_PY = REPO / ".venv-peers" / "bin" / "python"
QUESTION = "Tell us about yourself and what brings you here."
EXPECTED = (
    "I am new in the role and learning how things work.\n"
    "I want a better future for my community.\n"
    "I know my weaknesses and work on them."
)
JOB = "We need an engineer with AutoCAD, project management, budgeting and Python experience."


# --- the service -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """gunicorn with the repository's gunicorn.conf.py, 2 workers, as ``make serve`` runs it."""

    def __init__(self, workers: int = 2, env: dict | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "wsgi:app",
        ]
        self._log = tempfile.TemporaryFile()
        self._state = tempfile.TemporaryDirectory(prefix="caa-bench-var-")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env={
                **os.environ,
                "CAA_LOG_LEVEL": "WARNING",
                "CAA_VAR_DIR": self._state.name,  # reports stored there, not in var/
                "MALLOC_ARENA_MAX": "2",  # as service.serve starts it
                **(env or {}),
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.workers = workers

    def wait_ready(self, timeout_s: float = 120.0) -> float:
        """Seconds from process start until /health says every model is loaded."""
        while time.perf_counter() - self.started < timeout_s:
            try:
                r = requests.get(f"{self.url}/health", timeout=2)
                if r.ok and r.json()["ready"]:
                    return time.perf_counter() - self.started
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                self._log.seek(0)
                raise RuntimeError("gunicorn exited:\n" + self._log.read().decode()[-3000:])
            time.sleep(0.02)
        raise TimeoutError("the service did not become ready")

    def worker_pids(self) -> list[int]:
        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class RssWatcher:
    """Samples the RSS of every worker every ``interval_s`` from outside (psutil)."""

    def __init__(self, pids: list[int], interval_s: float = 0.1) -> None:
        self._procs = [psutil.Process(p) for p in pids]
        self._interval = interval_s
        self.peak_mb = {p.pid: 0.0 for p in self._procs}
        self.trace: list[tuple[float, float]] = []  # (s since start, max worker RSS MB)
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            top = 0.0
            for p in self._procs:
                try:
                    mb = p.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                self.peak_mb[p.pid] = max(self.peak_mb[p.pid], mb)
                top = max(top, mb)
            self.trace.append((round(time.perf_counter() - self._t0, 2), round(top, 1)))
            self._stop.wait(self._interval)

    def __enter__(self) -> RssWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def max_peak_mb(self) -> float:
        return round(max(self.peak_mb.values()), 1)


def _analyze(url: str, video: Path, resume: Path) -> tuple[int, float, dict]:
    with video.open("rb") as v, resume.open("rb") as r:
        t0 = time.perf_counter()
        resp = requests.post(
            f"{url}/analyze",
            files={"video": (video.name, v, "video/mp4"), "resume": (resume.name, r)},
            data={"question": QUESTION, "expected_answer": EXPECTED, "job_description": JOB},
            timeout=1800,
        )
        wall = time.perf_counter() - t0
    return resp.status_code, wall, resp.json()


def _summary(values: list[float], digits: int = 3) -> dict:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


def _media_runs(svc: Service, video: Path, resume: Path, runs: int) -> dict:
    duration = perf_inputs.duration_s(video)
    walls, stages, peaks = [], {}, []
    for _ in range(runs):
        with RssWatcher(svc.worker_pids()) as rss:
            status, wall, report = _analyze(svc.url, video, resume)
        if status != 200:
            raise RuntimeError(f"/analyze answered {status}: {str(report)[:500]}")
        walls.append(wall)
        peaks.append(rss.max_peak_mb)
        for k, ms in report["timings_ms"].items():
            stages.setdefault(k, []).append(ms / 1000.0)
    return {
        "media_duration_s": duration,
        "wall_s": _summary(walls, 2),
        "rtf": _summary([w / duration for w in walls], 4),
        "stages_s": {k: _summary(v, 2) for k, v in stages.items()},
        "peak_rss_mb": _summary(peaks, 1),
        "rss_trace_last_run": rss.trace[:: max(1, len(rss.trace) // 200)],
    }


def _resume_latency(svc: Service, resume: Path, n: int = 40) -> dict:
    ms = []
    data = resume.read_bytes()
    for _ in range(n):
        t0 = time.perf_counter()
        r = requests.post(f"{svc.url}/resumes", files={"resume": (resume.name, data)}, timeout=60)
        ms.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
    ms.sort()
    return {
        "n": n,
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(0.95 * (n - 1))], 1),
        "min_ms": round(ms[0], 1),
        "max_ms": round(ms[-1], 1),
    }


def _resume_only(out: Path) -> None:
    """Resume p50 / p95 through a fresh service and its workers' resident memory, written into
    ``out``'s ``resume_only`` (the other figures of ``out`` are kept)."""
    resume = perf_inputs.DATA / perf_inputs.RESUME_TWO_PAGES
    svc = Service()
    try:
        svc.wait_ready()
        workers = psutil.Process(svc.proc.pid).children()
        before = sum(w.memory_info().rss for w in workers)
        figures = _resume_latency(svc, resume)
        after = sum(w.memory_info().rss for w in workers)
    finally:
        svc.stop()
    figures["workers_rss_mb_ready"] = round(before / 2**20, 1)
    figures["workers_rss_growth_mb"] = round((after - before) / 2**20, 1)
    figures["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    results = json.loads(out.read_text()) if out.exists() else {}
    results["resume_only"] = figures
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"resume only: {figures}")


def _concurrent(svc: Service, video: Path, resume: Path, n: int = 4) -> dict:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(lambda _: _analyze(svc.url, video, resume), range(n)))
    wall = time.perf_counter() - t0
    statuses = [r[0] for r in results]
    ids = {r[2].get("report_id") for r in results}
    duration = perf_inputs.duration_s(video)
    return {
        "requests": n,
        "statuses": statuses,
        "all_ok": all(s == 200 for s in statuses) and len(ids) == n,
        "wall_s": round(wall, 2),
        "per_request_wall_s": [round(r[1], 2) for r in results],
        "throughput_requests_per_min": round(n / wall * 60, 2),
        "throughput_media_s_per_s": round(n * duration / wall, 2),
    }


# --- in-process figures ----------------------------------------------------------------------


def _in_process(video: Path, resume: Path) -> dict:
    """Stage by stage with the stages run one after another, and the decode-only floor."""
    import pipeline
    from analyzers import media
    from models.registry import get_registry

    reg = get_registry()
    reg.warm_up()
    info = media.probe(video)
    floor = []
    for _ in range(3):
        t0 = time.perf_counter()
        media.decode(video, info=info, want_video=False, want_audio=True)
        media.decode(
            video, info=info, want_video=True, want_audio=False, on_frame=lambda t, x: None
        )
        floor.append(time.perf_counter() - t0)
    req = pipeline.AnalysisRequest(
        resume=pipeline.UploadedFile("resume", resume, resume.name, resume.stat().st_size, "pdf"),
        media=pipeline.UploadedFile("video", video, video.name, video.stat().st_size, "mp4"),
        question=QUESTION,
        expected_answer=EXPECTED,
        job_description=JOB,
    )
    sequential = pipeline.run(req, pipeline.PipelineOptions(parallel=False), reg)
    duration = perf_inputs.duration_s(video)
    by_fps = {}
    for fps in (10.0, 8.0, 5.0):  # the operator's speed / blink-resolution trade-off
        options = pipeline.PipelineOptions(sample_fps=fps, expression_fps=min(5.0, fps))
        walls = []
        for _ in range(2):
            t0 = time.perf_counter()
            pipeline.run(req, options, reg)
            walls.append(time.perf_counter() - t0)
        by_fps[f"{fps:g}"] = round(min(walls) / duration, 4)
    return {
        "decode_only_s": _summary(floor, 2),
        "stages_sequential_s": {k: round(v / 1000, 3) for k, v in sequential.timings_ms.items()},
        "rtf_by_sample_fps_in_process": by_fps,
    }


def _our_face_stage(video: Path, expression_fps: float, runs: int = 3) -> dict:
    """Our facial-emotion stage alone (decode, landmarks, classifier) on the video."""
    import pipeline
    from models.registry import get_registry

    reg = get_registry()
    req = pipeline.AnalysisRequest(
        media=pipeline.UploadedFile("video", video, video.name, video.stat().st_size, "mp4"),
        sections={"video_emotion"},
    )
    options = pipeline.PipelineOptions(expression_fps=expression_fps)
    walls, report = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        report = pipeline.run(req, options, reg)
        walls.append(time.perf_counter() - t0)
    ve = report.video_emotion
    return {
        "wall_s": _summary(walls, 2),
        "frames_sampled": ve.frames_sampled,
        "frames_classified": ve.frames_classified,
        "dominant_emotion": ve.dominant_emotion,
    }


# --- peers -----------------------------------------------------------------------------------


def _peer(script: str, *args: str, timeout_s: float = 3600) -> dict:
    out = subprocess.run(
        [str(PEERS_PY), "-m", f"bench.{script}", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _wav(src: Path, dst: Path) -> Path:
    """16 kHz mono 16-bit WAV of a media file's audio (PyAV decode, stdlib writer)."""
    import wave

    import numpy as np

    from analyzers.media import SAMPLE_RATE_HZ, decode, probe

    audio = decode(src, info=probe(src), want_video=False, want_audio=True).audio
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return dst


def _peers(video: Path, sample_fps: float) -> dict:
    from bench.acc_asr import _items, evaluate, wer_by_corpus

    data = REPO.parent / "shared" / "data"
    frequency = max(1, round(30 / sample_fps))
    fer_peer = _peer("peer_fer", str(video), "--frequency", str(frequency))
    ours_face = _our_face_stage(video, expression_fps=sample_fps)
    with tempfile.TemporaryDirectory() as tmp:
        clips = []
        for i, (corpus, path, ref) in enumerate(_items(data)):
            if "RAVDESS" not in corpus:
                clips.append((corpus, str(_wav(path, Path(tmp) / f"{i}.wav")), ref))
        spec = Path(tmp) / "spec.json"
        spec.write_text(
            json.dumps({"clips": clips, "interview": str(_wav(video, Path(tmp) / "iv.wav"))})
        )
        sphinx = _peer("peer_sphinx", str(spec))
    ours_asr = evaluate(data, corpora={c for c, _, _ in clips})
    return {
        "facial_emotion": {
            "video": video.name,
            "sampling": f"every {frequency}th frame ({30 / frequency:g} per second)",
            "fer_package": fer_peer,
            "ours": ours_face,
            "speedup": round(fer_peer["wall_s"] / ours_face["wall_s"]["median"], 1),
        },
        "speech_to_text": {
            "pocketsphinx": {
                **wer_by_corpus(sphinx["hypotheses"]),
                "interview_rtf": sphinx["interview_rtf"],
            },
            "ours": ours_asr,
        },
    }


# --- install -----------------------------------------------------------------------------------


def _install() -> dict:
    """``make install`` into a fresh virtual environment: time, size, what dominates."""
    venv = Path(tempfile.mkdtemp(prefix="caa-venv-"))
    shutil.rmtree(venv)
    t0 = time.perf_counter()
    subprocess.run(["make", "install", f"VENV={venv}"], cwd=REPO, check=True, capture_output=True)
    took = time.perf_counter() - t0
    site = next(venv.glob("lib/python*/site-packages"))

    def size(p: Path) -> int:
        return sum(f.stat().st_size for f in p.rglob("*") if f.is_file() and not f.is_symlink())

    total = size(venv)
    dirs = sorted(
        ((d.name, size(d)) for d in site.iterdir() if d.is_dir() and not d.name.endswith("info")),
        key=lambda x: -x[1],
    )
    shutil.rmtree(venv)
    return {
        "seconds": round(took, 1),
        "venv_mb": round(total / 2**20),
        "largest_mb": {n: round(s / 2**20) for n, s in dirs[:8]},
    }


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs of the 60 s video")
    ap.add_argument("--long-runs", type=int, default=2, help="runs of the 10-minute video")
    ap.add_argument("--cold-starts", type=int, default=3)
    ap.add_argument("--skip-install", action="store_true")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--resume-only",
        action="store_true",
        help="measure only the resume latency and update that figure in --out",
    )
    args = ap.parse_args()
    if args.resume_only:
        _resume_only(args.out)
        return
    inputs = perf_inputs.build_all()
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "inputs": {k: str(v.relative_to(REPO.parent)) for k, v in inputs.items()},
    }
    video, long_video, resume = inputs["video_60s"], inputs["video_600s"], inputs["resume_2p"]

    cold = []
    for _ in range(args.cold_starts):
        svc = Service()
        cold.append(svc.wait_ready())
        svc.stop()
    results["cold_start_s"] = _summary(cold, 2)
    print(f"cold start: {results['cold_start_s']}", flush=True)

    svc = Service()
    try:
        svc.wait_ready()
        _analyze(svc.url, video, resume)  # warm: first request of each worker
        _analyze(svc.url, video, resume)
        results["video_60s"] = _media_runs(svc, video, resume, args.runs)
        print(f"60 s video: {results['video_60s']['rtf']}", flush=True)
        results["resume_only"] = _resume_latency(svc, resume)
        print(f"resume only: {results['resume_only']}", flush=True)
        results["concurrent_4"] = _concurrent(svc, video, resume)
        print(f"4 concurrent: {results['concurrent_4']}", flush=True)
        if args.long_runs:
            results["video_600s"] = _media_runs(svc, long_video, resume, args.long_runs)
            print(f"10-minute video: {results['video_600s']['rtf']}", flush=True)
    finally:
        svc.stop()

    results["in_process"] = _in_process(video, resume)
    ours = results["video_60s"]["wall_s"]["median"]
    floor = results["in_process"]["decode_only_s"]["median"]
    results["total_over_decode_only"] = round(ours / floor, 2)
    if not args.skip_peers:
        if PEERS_PY.exists():
            from service.settings import Settings

            results["peers"] = _peers(video, Settings().sample_fps)
        else:
            results["peers"] = {"skipped": f"{PEERS_PY} missing (make bench-perf builds it)"}
    if not args.skip_install:
        results["install"] = _install()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nwritten: {args.out}")


def table_rows(r: dict) -> list[tuple[str, str, str]]:
    """(figure, value, target) rows."""
    v60 = r["video_60s"]
    v600 = r.get("video_600s", {"rtf": {"median": float("nan")}, "peak_rss_mb": {"max": 0}})
    rows = [
        (
            "60 s 720p30 video: wall / RTF (median, min-max)",
            f"{v60['wall_s']['median']:.2f} s / {v60['rtf']['median']:.3f} "
            f"({v60['rtf']['min']:.3f}-{v60['rtf']['max']:.3f})",
            "RTF <= 0.10",
        ),
        (
            "decode only (same sampling) / our total over it",
            f"{r['in_process']['decode_only_s']['median']:.2f} s / "
            f"{r['total_over_decode_only']:.1f}x",
            "floor",
        ),
        (
            "10-min video: RTF / peak worker RSS (60 s: peak RSS)",
            f"{v600['rtf']['median']:.3f} / {v600['peak_rss_mb']['max']:.0f} MB "
            f"({v60['peak_rss_mb']['max']:.0f} MB)",
            "<= 0.10; <= 1.5 GB, flat",
        ),
        (
            "cold start to all models loaded",
            f"{r['cold_start_s']['median']:.2f} s",
            "<= 5 s",
        ),
        (
            "resume only, 2-page PDF: p50 / p95",
            f"{r['resume_only']['p50_ms']:.0f} / {r['resume_only']['p95_ms']:.0f} ms",
            "p50 <= 150 ms",
        ),
        (
            "4 concurrent /analyze, 2 workers",
            f"{'all 200' if r['concurrent_4']['all_ok'] else r['concurrent_4']['statuses']}, "
            f"{r['concurrent_4']['wall_s']:.1f} s, "
            f"{r['concurrent_4']['throughput_media_s_per_s']:.1f} media-s/s",
            "no error",
        ),
    ]
    for stage, s in v60["stages_s"].items():
        rows.append((f"  stage {stage} (service, overlapping)", f"{s['median']:.2f} s", ""))
    for fps, rtf in r["in_process"]["rtf_by_sample_fps_in_process"].items():
        rows.append((f"  RTF at CAA_SAMPLE_FPS={fps} (in process, best of 2)", f"{rtf:.3f}", ""))
    for stage, s in r["in_process"]["stages_sequential_s"].items():
        rows.append((f"  stage {stage} (one after another)", f"{s:.2f} s", ""))
    peers = r.get("peers", {})
    if "facial_emotion" in peers:
        fe = peers["facial_emotion"]
        rows.append(
            (
                "facial emotion: fer package / ours",
                f"{fe['fer_package']['wall_s']:.1f} s / {fe['ours']['wall_s']['median']:.1f} s "
                f"= {fe['speedup']:.1f}x",
                ">= 5x",
            )
        )
        st = peers["speech_to_text"]
        for corpus, ours in st["ours"].items():
            ps = st["pocketsphinx"].get(corpus)
            if ps:
                rows.append(
                    (
                        f"WER / RTF {corpus}: PocketSphinx vs ours",
                        f"{ps['wer']:.1%} / {ps['rtf']:.3f} vs "
                        f"{ours['wer']:.1%} / {ours['rtf']:.3f}",
                        "",
                    )
                )
    if "install" in r:
        rows.append(
            (
                "make install: time / .venv size",
                f"{r['install']['seconds']:.0f} s / {r['install']['venv_mb']} MB",
                "reported",
            )
        )
    return rows


def print_table(r: dict) -> None:
    rows = table_rows(r)
    w0 = max(len(x[0]) for x in rows)
    w1 = max(len(x[1]) for x in rows)
    for a, b, c in rows:
        print(f"{a:<{w0}}  {b:<{w1}}  {c}")


if __name__ == "__main__":
    main()
