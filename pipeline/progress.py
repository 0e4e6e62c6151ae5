"""Stage-by-stage progress of one analysis, and per-stage timings.

Every stage reports through the callback ``on_progress(stage, fraction)``: 0.0 when it starts,
fractions in between where it can tell (frames measured, blocks transcribed), 1.0 when it is
done. :class:`StageTracker` turns those calls into per-stage status, progress and duration and
an overall fraction, and hands them to a listener (the job runner stores them; it may raise to
stop the analysis at that point, e.g. when the job was cancelled).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Relative share of an analysis's work per stage, for the overall fraction. From the stage
# timings of a one-minute 720p interview on two cores (docs/PERFORMANCE.md): the face models
# over the frames and speech-to-text are most of it.
STAGE_WEIGHTS: dict[str, float] = {
    "ingest": 3.0,  # probe the media, decode its audio
    "resume": 3.0,  # resume text and skills
    "voice_activity": 2.0,  # Silero VAD
    "language_id": 4.0,  # Whisper base's language identification on 30 s of speech
    "speech_to_text": 25.0,  # Whisper
    "speech_emotion": 5.0,
    "video": 50.0,  # decode frames, face landmarks, facial expression
    "audio_features": 4.0,  # pace, pauses, fillers, pitch, loudness
    "language": 4.0,  # language measures, key points, answer similarity
    "skills_match": 1.0,
    "scoring": 1.0,  # scores, contributions and their notes
}

PENDING, RUNNING, SUCCEEDED, SKIPPED, FAILED = (
    "pending",
    "running",
    "succeeded",
    "skipped",
    "failed",
)
ProgressCallback = Callable[[str, float], None]


@dataclass
class StageState:
    """One stage: status (pending, running, succeeded, skipped, failed), progress (0-1) and
    its wall time in milliseconds once finished."""

    name: str
    status: str = PENDING
    progress: float = 0.0
    duration_ms: float | None = None
    _started: float | None = None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "progress": round(self.progress, 4),
            "duration_ms": self.duration_ms,
        }


class StageTracker:
    """Per-stage state of one analysis; thread-safe (the speech and video halves report from
    two threads).

    Args:
        stages: The planned stages, in order (``pipeline.plan_stages``); a stage that reports
            without being planned is appended.
        listener: Called with the tracker after a change: at once when a stage starts, ends or
            is skipped, at most every ``min_interval_s`` for progress alone. Calls are
            serialised. An exception it raises propagates into the reporting stage.
        min_interval_s: Throttle for progress-only changes.
    """

    def __init__(
        self,
        stages: Iterable[str],
        listener: Callable[[StageTracker], None] | None = None,
        *,
        min_interval_s: float = 0.25,
    ) -> None:
        self._stages = {name: StageState(name) for name in stages}
        self._listener = listener
        self._min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._notify_lock = threading.Lock()
        self._last_notice = 0.0

    def on_progress(self, stage: str, fraction: float) -> None:
        """The stages' callback: ``fraction`` 0.0 starts ``stage``, 1.0 ends it."""
        fraction = min(1.0, max(0.0, float(fraction)))
        now = time.perf_counter()
        with self._lock:
            state = self._stages.setdefault(stage, StageState(stage))
            changed = False
            if state.status in (PENDING, SKIPPED):
                state.status, state._started, changed = RUNNING, now, True
            if fraction >= 1.0 and state.status == RUNNING:
                state.status, changed = SUCCEEDED, True
                state.duration_ms = round((now - (state._started or now)) * 1000.0, 1)
            state.progress = max(state.progress, fraction)
        self._notify(force=changed)

    def skip(self, stage: str) -> None:
        """Mark a planned stage as not needed after all (e.g. the media has no video)."""
        with self._lock:
            state = self._stages.setdefault(stage, StageState(stage))
            if state.status != PENDING:
                return
            state.status, state.progress = SKIPPED, 1.0
        self._notify(force=True)

    def skip_pending(self) -> None:
        """Mark every stage that never started as skipped (the analysis did not need it)."""
        with self._lock:
            pending = [s.name for s in self._stages.values() if s.status == PENDING]
        for name in pending:
            self.skip(name)

    def fail_running(self) -> None:
        """Mark the stages still running as failed (the analysis ended with an error)."""
        now = time.perf_counter()
        with self._lock:
            for state in self._stages.values():
                if state.status == RUNNING:
                    state.status = FAILED
                    state.duration_ms = round((now - (state._started or now)) * 1000.0, 1)

    @property
    def overall(self) -> float:
        """Weighted mean progress over the stages (0-1); skipped stages count as done."""
        with self._lock:
            states = list(self._stages.values())
        total = sum(STAGE_WEIGHTS.get(s.name, 1.0) for s in states)
        if total == 0:
            return 0.0
        done = sum(STAGE_WEIGHTS.get(s.name, 1.0) * s.progress for s in states)
        return round(done / total, 4)

    def snapshot(self) -> list[dict]:
        """``[{name, status, progress, duration_ms}]`` in plan order."""
        with self._lock:
            return [s.as_dict() for s in self._stages.values()]

    def _notify(self, *, force: bool) -> None:
        if self._listener is None:
            return
        now = time.perf_counter()
        if not force and now - self._last_notice < self._min_interval_s:
            return
        with self._notify_lock:
            self._last_notice = now
            self._listener(self)


class Timings:
    """Milliseconds per timing key, summed over calls (``timings_ms`` of the report)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def add(self, key: str, seconds: float) -> None:
        self.ms[key] = round(self.ms.get(key, 0.0) + seconds * 1000.0, 1)

    def merge(self, other: Timings) -> None:
        for key, ms in other.ms.items():
            self.add(key, ms / 1000.0)


class Stopped(Exception):
    """The other half of the analysis failed: this half stops at its next stage boundary."""


def stop_if(stop: Callable[[], bool] | None) -> None:
    """Raise :class:`Stopped` when ``stop()`` says so."""
    if stop is not None and stop():
        raise Stopped
