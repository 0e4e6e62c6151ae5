"""Speech emotion per speech segment of the answer, aggregated over the confident segments.

Segments: the voice-activity regions, a region longer than ``chunk_s`` split into equal parts of
about ``chunk_s``; regions under 0.5 s are not classified. Features: the Whisper tiny.en encoder
states of a segment (one 20 ms state per row), pooled as mean and standard deviation (one
encoder pass per 30 s window, never one pass per segment), and the segment's pitch and loudness
statistics (:func:`prosody_features`). A window the recording does not fill
is filled by repeating its audio (not by Whisper's zero padding), so that the encoder always
sees a window full of speech: the model was trained on features made by this module's
:func:`segment_features` from whole clips and from long recordings alike
(scripts/train_speech_emotion.py), and the two kinds of window give different states.

A segment whose features lie outside the training distribution, or whose top probability is
under the model's ``min_top_probability``, is labelled ``uncertain`` (its probabilities are still
given); the summary is made of the confident segments only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from contracts.audio import SAMPLE_RATE_HZ
from contracts.errors import InvalidInput
from contracts.labels import (
    AFFECT_GROUPS,
    EMOTION_LABELS,
    UNCERTAIN,
    affect_probabilities,
    dominant,
    to_percent_dict,
)
from contracts.report import Affect, AudioChunk, AudioEmotionSection, Emotion

WINDOW_S = 30.0
ENCODER_FRAME_S = 0.02
MIN_SEGMENT_S = 0.5
AFFECT_LABELS = tuple(AFFECT_GROUPS)

Encoder = Callable[[np.ndarray], np.ndarray]


def pool_states(states: np.ndarray, spans_s: Sequence[tuple[float, float]]) -> np.ndarray:
    """Mean and std of encoder states over time spans of one window.

    Args:
        states: float32, shape (n_frames, d): encoder states, one per 20 ms from window start.
        spans_s: (start_s, end_s) pairs relative to the window start.

    Returns:
        float32, shape (len(spans_s), 2 * d): [mean, std] per span.
    """
    out = np.zeros((len(spans_s), 2 * states.shape[1]), dtype=np.float32)
    for i, (start, end) in enumerate(spans_s):
        a = int(round(start / ENCODER_FRAME_S))
        b = max(a + 1, min(states.shape[0], int(round(end / ENCODER_FRAME_S))))
        seg = states[a:b]
        out[i, : states.shape[1]] = seg.mean(axis=0)
        out[i, states.shape[1] :] = seg.std(axis=0)
    return out


def speech_segments(
    regions_s: Sequence[tuple[float, float]], chunk_s: float, min_s: float = MIN_SEGMENT_S
) -> list[tuple[float, float]]:
    """Speech segments to classify: each voice-activity region, split into equal parts of about
    ``chunk_s`` (``max(1, round(length / chunk_s))`` parts, none longer than a window); regions
    shorter than ``min_s`` are left out.

    Args:
        regions_s: Voice-activity regions (start_s, end_s), sorted.
        chunk_s: Target segment length, seconds.
        min_s: Shortest region classified, seconds.

    Returns:
        (start_s, end_s) pairs, rounded to milliseconds, sorted.
    """
    out = []
    for a, b in regions_s:
        length = b - a
        if length < min_s:
            continue
        n = max(1, round(length / chunk_s), int(np.ceil(length / WINDOW_S)))
        for k in range(n):
            out.append((round(a + k * length / n, 3), round(a + (k + 1) * length / n, 3)))
    return out


def filled_window(audio: np.ndarray, start_s: float, sample_rate_hz: int) -> np.ndarray:
    """The 30 s of audio from ``start_s``, a shorter remainder repeated to fill the window.

    Returns:
        float32, shape (30 * sample_rate_hz,).
    """
    n = int(WINDOW_S * sample_rate_hz)
    a = int(round(start_s * sample_rate_hz))
    window = audio[a : a + n]
    if len(window) == 0:
        return np.zeros(n, dtype=np.float32)
    return np.resize(window, n).astype(np.float32, copy=False)


def segment_features(
    audio: np.ndarray,
    sample_rate_hz: int,
    segments_s: Sequence[tuple[float, float]],
    encoder: Encoder,
) -> np.ndarray:
    """Pooled encoder features of each segment, one encoder pass per 30 s window.

    A window starts at the first segment not yet covered and takes every following segment
    that ends within it; its audio is :func:`filled_window`.

    Args:
        audio: Mono float32 samples, shape (n_samples,).
        sample_rate_hz: 16_000.
        segments_s: Sorted (start_s, end_s) pairs, each at most 30 s long.
        encoder: Maps 30 s of audio to encoder states, shape (1500, d), 20 ms per state.

    Returns:
        float32, shape (len(segments_s), 2 * d): [mean, std] of the states per segment.
    """
    rows: list[np.ndarray] = []
    i = 0
    while i < len(segments_s):
        w0 = segments_s[i][0]
        j = i + 1
        while j < len(segments_s) and segments_s[j][1] - w0 <= WINDOW_S:
            j += 1
        states = encoder(filled_window(audio, w0, sample_rate_hz))
        rel = [(a - w0, min(b - w0, WINDOW_S)) for a, b in segments_s[i:j]]
        rows.append(pool_states(states, rel))
        i = j
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(rows)


PROSODY_NAMES = (
    "f0_mean_st",
    "f0_std_st",
    "f0_p10_st",
    "f0_p90_st",
    "f0_range_st",
    "f0_slope_st_per_s",
    "f0_abs_delta_st",
    "voiced_share",
    "level_std_db",
    "level_range_db",
    "level_abs_delta_db",
    "level_mean_below_peak_db",
)
F0_FLOOR_HZ, F0_CEIL_HZ, F0_REFERENCE_HZ = 60.0, 500.0, 100.0
PROSODY_HOP_S = 0.01


def prosody_features(
    audio: np.ndarray, sample_rate_hz: int, segments_s: Sequence[tuple[float, float]]
) -> np.ndarray:
    """Pitch and loudness contour statistics of each segment, to stand beside the encoder
    features (the Whisper encoder is trained to transcribe, and loses some of how a sentence is
    said): the frequency and energy parameters of eGeMAPS in spirit (Eyben et al. 2016, IEEE
    Trans. Affective Computing 7(2)), computed with WORLD (DIO + StoneMask, Morise et al.
    2009/2016, via pyworld) and frame RMS.

    f0 is in semitones relative to 100 Hz over voiced 10 ms frames (a segment with fewer than 5
    voiced frames gets 0 for every f0 statistic); loudness is the RMS level of 25 ms frames,
    relative to the segment's own peak level so that the recording's gain does not count.

    Args:
        audio: Mono float32 samples, shape (n_samples,).
        sample_rate_hz: 16_000.
        segments_s: (start_s, end_s) pairs.

    Returns:
        float32, shape (len(segments_s), 12), columns :data:`PROSODY_NAMES`.
    """
    import pyworld

    out = np.zeros((len(segments_s), len(PROSODY_NAMES)), dtype=np.float32)
    frame, hop = int(0.025 * sample_rate_hz), int(PROSODY_HOP_S * sample_rate_hz)
    for i, (a_s, b_s) in enumerate(segments_s):
        x = audio[int(a_s * sample_rate_hz) : int(b_s * sample_rate_hz)].astype(np.float64)
        if len(x) < frame:
            continue
        f0, t = pyworld.dio(
            x,
            sample_rate_hz,
            f0_floor=F0_FLOOR_HZ,
            f0_ceil=F0_CEIL_HZ,
            frame_period=PROSODY_HOP_S * 1000,
        )
        f0 = pyworld.stonemask(x, f0, t, sample_rate_hz)
        voiced = f0 > 0
        if voiced.sum() >= 5:
            st = 12 * np.log2(f0[voiced] / F0_REFERENCE_HZ)
            p10, p90 = np.percentile(st, [10, 90])
            steps = np.diff(12 * np.log2(np.where(voiced, f0, np.nan) / F0_REFERENCE_HZ))
            steps = steps[np.isfinite(steps)]
            out[i, :7] = (
                st.mean(),
                st.std(),
                p10,
                p90,
                p90 - p10,
                np.polyfit(t[voiced], st, 1)[0],
                np.abs(steps).mean() if len(steps) else 0.0,
            )
        out[i, 7] = voiced.mean()
        cs = np.concatenate([[0.0], np.cumsum(x**2)])
        starts = np.arange(0, len(x) - frame + 1, hop)
        level = 10 * np.log10(np.maximum((cs[starts + frame] - cs[starts]) / frame, 1e-10))
        p10, p95 = np.percentile(level, [10, 95])
        out[i, 8:] = (
            level.std(),
            p95 - p10,
            np.abs(np.diff(level)).mean() if len(level) > 1 else 0.0,
            level.mean() - p95,
        )
    return out


def speech_ratio(span: tuple[float, float], regions_s: Sequence[tuple[float, float]]) -> float:
    """Share of ``span`` covered by voice-activity regions (both in seconds)."""
    start, end = span
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in regions_s)
    return min(1.0, covered / max(end - start, 1e-9))


def confident(
    probabilities: np.ndarray, typical: np.ndarray | None, min_top_probability: float
) -> np.ndarray:
    """bool, shape (n,): a chunk is confident when it is in domain (or not assessed) and its top
    probability reaches ``min_top_probability``."""
    ok = probabilities.max(axis=1) >= min_top_probability
    if typical is not None:
        ok &= typical.astype(bool)
    return ok


def confident_mean(probabilities: np.ndarray, sure: np.ndarray) -> np.ndarray | None:
    """Mean probabilities over the confident chunks, shape (7,); None when none is confident
    (the recording's emotion is then unknown). The summary of :func:`classify_chunks`."""
    if not len(probabilities) or not sure.any():
        return None
    return probabilities[sure].mean(axis=0)


def classify_chunks(
    audio: np.ndarray,
    sample_rate_hz: int,
    *,
    encoder: Encoder,
    predict_proba: Callable[[np.ndarray], np.ndarray],
    speech_regions_s: Sequence[tuple[float, float]],
    model_name: str,
    chunk_s: float = 3.0,
    in_domain: Callable[[np.ndarray], np.ndarray] | None = None,
    min_top_probability: float = 0.0,
    prosody: bool = False,
) -> AudioEmotionSection:
    """Classify speech emotion per speech segment and aggregate over the confident ones.

    Args:
        audio: Mono float32 samples, shape (n_samples,), values in [-1, 1].
        sample_rate_hz: Must be 16_000 (the encoder's rate).
        encoder: Maps 30 s of audio to encoder states, shape (1500, d), 20 ms per state.
        predict_proba: Maps the features (n, 2d [+ 12]) to probabilities (n, 7), canonical
            order.
        speech_regions_s: Voice-activity regions (start_s, end_s), sorted; regions under 0.5 s
            are not classified.
        model_name: Reported in the section.
        chunk_s: Target segment length in seconds (0.5 to 30): longer regions are split.
        in_domain: Maps the features (n, 2d [+ 12]) to bool (n,): whether each chunk resembles
            the training data; a chunk that does not is labelled ``uncertain``. None: not
            assessed.
        min_top_probability: A chunk whose top probability is under this is ``uncertain``.
        prosody: Put :func:`prosody_features` (12 columns) after the pooled encoder states, as
            the model was trained (speech emotion 2.1.0 and later).

    Returns:
        Per-chunk probabilities (percent) and labels; the mean over confident chunks, its top
        label and coarse affect, and the dominance (share of confident chunks whose top label
        is the dominant one). With no confident chunk the summary fields are null.

    Raises:
        InvalidInput: ``audio`` is not 1-D, the rate is not 16 kHz, or chunk_s is out of range.

    Source:
        models/speech_emotion/MODEL_CARD.md (trained on RAVDESS and EmoDB).
    """
    if audio.ndim != 1 or sample_rate_hz != SAMPLE_RATE_HZ:
        raise InvalidInput("speech emotion needs 1-D audio at 16 kHz")
    if not 0.5 <= chunk_s <= WINDOW_S:
        raise InvalidInput("chunk_s must be between 0.5 and 30 seconds")
    duration_s = len(audio) / sample_rate_hz
    spans = [
        (a, min(b, duration_s))
        for a, b in speech_segments(speech_regions_s, chunk_s)
        if a < duration_s
    ]
    base = {
        "model": model_name,
        "chunk_s": chunk_s,
        "min_top_probability": round(float(min_top_probability), 4),
    }
    if not spans:
        return AudioEmotionSection(
            **base, chunks=[], speech_chunks=0, emotion=None, dominant_emotion=None
        )
    features = segment_features(audio, sample_rate_hz, spans, encoder)
    if prosody:
        features = np.concatenate(
            [features, prosody_features(audio, sample_rate_hz, spans)], axis=1
        )
    probs = predict_proba(features)
    typical = np.asarray(in_domain(features), dtype=bool) if in_domain is not None else None
    sure = confident(probs, typical, min_top_probability)
    affect = affect_probabilities(probs)
    chunks = []
    for i, span in enumerate(spans):
        chunks.append(
            AudioChunk(
                start_s=span[0],
                end_s=span[1],
                speech=True,
                speech_ratio=round(speech_ratio(span, speech_regions_s), 3),
                label=dominant(probs[i]) if sure[i] else UNCERTAIN,
                top_probability=round(float(probs[i].max()), 4),
                emotion=Emotion(**to_percent_dict(probs[i])),
                affect=AFFECT_LABELS[int(np.argmax(affect[i]))] if sure[i] else UNCERTAIN,
                in_domain=None if typical is None else bool(typical[i]),
            )
        )
    summary: dict = {"emotion": None, "dominant_emotion": None}
    mean = confident_mean(probs, sure)
    if mean is not None:
        top = dominant(mean)
        mean_affect = affect_probabilities(mean)
        summary = {
            "emotion": Emotion(**to_percent_dict(mean)),
            "dominant_emotion": top,
            "dominance": round(
                float(np.mean([EMOTION_LABELS[int(np.argmax(r))] == top for r in probs[sure]])), 3
            ),
            "affect": Affect(
                **{
                    k: round(float(v) * 100, 2)
                    for k, v in zip(AFFECT_LABELS, mean_affect, strict=True)
                }
            ),
            "dominant_affect": AFFECT_LABELS[int(np.argmax(mean_affect))],
        }
    return AudioEmotionSection(
        **base,
        chunks=chunks,
        speech_chunks=len(spans),
        confident_chunks=int(sure.sum()),
        in_domain_share=None if typical is None else round(float(typical.mean()), 3),
        **summary,
    )
