"""Delivery measures from the 16 kHz audio and the word timestamps: pitch (f0), loudness,
pace (WPM), pauses and filler words. Methods and thresholds: docs/DELIVERY.md.

Sources: f0 by DIO + StoneMask (Morise et al. 2009/2016, WORLD vocoder, via pyworld); pauses
and speaking rate from the word timestamps of the transcript (Whisper); filler inventory after
Clark & Fox Tree 2002 ("Using uh and um in spontaneous speaking").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from contracts.audio import SAMPLE_RATE_HZ
from contracts.report import (
    DeliveryAudio,
    F0Stats,
    FillerWords,
    LoudnessStats,
    Pause,
    Word,
)

F0_FLOOR_HZ, F0_CEIL_HZ = 60.0, 500.0
FRAME_S, HOP_S = 0.025, 0.010
SILENCE_DBFS = -60.0
STABLE_WITHIN_DB = 6.0
PAUSE_MIN_S = 0.25  # shorter gaps between words are part of articulation
LONG_PAUSE_S = 1.0
CLIPPED_AT = 0.999
FILLERS = {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm"}
# Words that are fillers only when set off by commas ("it was, like, fast"; "so, you know,").
DISCOURSE_FILLERS = {("like",), ("you", "know"), ("i", "mean")}

_STRIP = re.compile(r"^[^\w']+|[^\w']+$")


def _bare(word: str) -> str:
    return _STRIP.sub("", word.lower())


def frame_dbfs(audio: np.ndarray) -> np.ndarray:
    """RMS level per 25 ms frame, 10 ms hop, in dB relative to full scale; shape (n_frames,)."""
    n, hop = int(FRAME_S * SAMPLE_RATE_HZ), int(HOP_S * SAMPLE_RATE_HZ)
    if len(audio) < n:
        return np.zeros(0)
    cs = np.concatenate([[0.0], np.cumsum(audio.astype(np.float64) ** 2)])
    starts = np.arange(0, len(audio) - n + 1, hop)
    rms = np.sqrt(np.maximum(cs[starts + n] - cs[starts], 0) / n)
    return 20 * np.log10(np.maximum(rms, 1e-10))


def _in_regions(times_s: np.ndarray, regions_s: Sequence[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(len(times_s), bool)
    for a, b in regions_s:
        mask |= (times_s >= a) & (times_s < b)
    return mask


F0_BLOCK_SAMPLES = 30 * SAMPLE_RATE_HZ


def f0_stats(audio: np.ndarray, regions_s: Sequence[tuple[float, float]]) -> F0Stats | None:
    """Pitch over voiced frames inside speech regions, or None without voiced speech.

    Args:
        audio: float32, shape (n,), 16 kHz mono.
        regions_s: Voice-activity regions (start_s, end_s).
    """
    import pyworld

    # Only inside speech, and in blocks of at most F0_BLOCK_S: WORLD on a whole 10-minute
    # recording held 1.1 GB and took 9.5 s; block by block it is bounded and skips silence.
    pieces = []
    for start_s, end_s in regions_s:
        a = max(0, int(start_s * SAMPLE_RATE_HZ))
        b = min(len(audio), int(end_s * SAMPLE_RATE_HZ))
        for c in range(a, b, F0_BLOCK_SAMPLES):
            x = audio[c : min(b, c + F0_BLOCK_SAMPLES)].astype(np.float64)
            if len(x) < SAMPLE_RATE_HZ // 10:
                continue
            f0, t = pyworld.dio(
                x,
                SAMPLE_RATE_HZ,
                f0_floor=F0_FLOOR_HZ,
                f0_ceil=F0_CEIL_HZ,
                frame_period=HOP_S * 1000,
            )
            f0 = pyworld.stonemask(x, f0, t, SAMPLE_RATE_HZ)
            pieces.append(f0[f0 > 0])
    voiced = np.concatenate(pieces) if pieces else np.zeros(0)
    if len(voiced) < 10:
        return None
    p5, p95 = np.percentile(voiced, [5, 95])
    return F0Stats(
        mean_hz=round(float(voiced.mean()), 1),
        std_hz=round(float(voiced.std()), 1),
        p5_hz=round(float(p5), 1),
        p95_hz=round(float(p95), 1),
        range_semitones=round(float(12 * np.log2(p95 / p5)), 2),
        voiced_s=round(len(voiced) * HOP_S, 2),
    )


def pauses_from_words(words: Sequence[Word]) -> list[Pause]:
    """Gaps of at least 0.25 s between consecutive words."""
    out = []
    for a, b in zip(words, words[1:], strict=False):
        gap = b.start_s - a.end_s
        if gap >= PAUSE_MIN_S:
            out.append(Pause(start_s=a.end_s, end_s=b.start_s, duration_s=round(gap, 2)))
    return out


def filler_words(words: Sequence[Word], minutes: float) -> FillerWords:
    """Hesitation fillers (um, uh, ...) and comma-delimited discourse fillers (like, you know,
    I mean). ``minutes``: duration the rate is per."""
    found: list[tuple[str, float]] = []
    raw = [w.word for w in words]
    bare = [_bare(w) for w in raw]
    i = 0
    while i < len(words):
        if bare[i] in FILLERS:
            found.append((bare[i], words[i].start_s))
            i += 1
            continue
        matched = False
        for phrase in DISCOURSE_FILLERS:
            k = len(phrase)
            if tuple(bare[i : i + k]) == phrase:
                before = i == 0 or raw[i - 1].rstrip().endswith((",", ".", "?", "!"))
                after = raw[i + k - 1].rstrip().endswith(",")
                if before and after:
                    found.append((" ".join(phrase), words[i].start_s))
                    i += k
                    matched = True
                    break
        if not matched:
            i += 1
    counts = Counter(w for w, _ in found)
    return FillerWords(
        count=len(found),
        rate_per_min=round(len(found) / minutes, 2) if minutes > 0 else None,
        by_word=dict(counts.most_common()),
        times_s=[round(t, 2) for _, t in found],
    )


def delivery_audio(
    audio: np.ndarray,
    *,
    words: Sequence[Word],
    speech_regions_s: Sequence[tuple[float, float]],
) -> DeliveryAudio:
    """Delivery measures of the spoken answer.

    Args:
        audio: float32, shape (n,), 16 kHz mono in [-1, 1].
        words: Transcript words with start_s/end_s, in time order.
        speech_regions_s: Voice-activity regions (start_s, end_s).

    Returns:
        The ``delivery.audio`` section. The answer spans from the first word's start to the
        last word's end; WPM is over that span, articulation WPM over it minus pauses (gaps
        >= 0.25 s between words). Pace and pause fields are None without words.
    """
    duration_s = len(audio) / SAMPLE_RATE_HZ
    speech_s = sum(b - a for a, b in speech_regions_s)
    db = frame_dbfs(audio)
    t = np.arange(len(db)) * HOP_S + FRAME_S / 2
    speech_db = db[_in_regions(t, speech_regions_s) & (db > SILENCE_DBFS)]
    loudness = None
    stability = None
    if len(speech_db) >= 10:
        loudness = LoudnessStats(
            mean_dbfs=round(float(speech_db.mean()), 1), std_db=round(float(speech_db.std()), 1)
        )
        stability = round(
            float(np.mean(np.abs(speech_db - np.median(speech_db)) <= STABLE_WITHIN_DB)), 3
        )
    clipping = round(float(np.mean(np.abs(audio) >= CLIPPED_AT)), 5) if len(audio) else 0.0
    if words:
        span = max(words[-1].end_s - words[0].start_s, 1e-3)
        pauses = pauses_from_words(words)
        pause_total = sum(p.duration_s for p in pauses)
        long_pauses = [p for p in pauses if p.duration_s > LONG_PAUSE_S]
        wpm = round(len(words) / (span / 60), 1)
        articulation = round(len(words) / (max(span - pause_total, 1e-3) / 60), 1)
        fillers = filler_words(words, span / 60)
        answer = (round(words[0].start_s, 2), round(words[-1].end_s, 2))
    else:
        span, pauses, pause_total, long_pauses = None, [], None, []
        wpm = articulation = None
        fillers = filler_words([], 0)
        answer = (None, None)
    return DeliveryAudio(
        duration_s=round(duration_s, 2),
        speech_duration_s=round(speech_s, 2),
        answer_start_s=answer[0],
        answer_end_s=answer[1],
        word_count=len(words),
        wpm=wpm,
        articulation_wpm=articulation,
        pause_ratio=round(pause_total / span, 3) if span else None,
        pause_total_s=round(pause_total, 2) if pause_total is not None else None,
        pause_count=len(pauses),
        long_pause_count=len(long_pauses),
        long_pauses=long_pauses,
        filler_words=fillers,
        f0_hz=f0_stats(audio, speech_regions_s),
        loudness_db=loudness,
        volume_stability=stability,
        clipping_ratio=clipping,
    )
