"""Speech emotion per speech segment of the answer, aggregated over the confident segments.

Segments: the voice-activity regions, a region longer than ``chunk_s`` split into equal parts of
about ``chunk_s``; regions under 0.5 s are not classified. Features: the Whisper tiny.en encoder
states of a segment (one 20 ms state per row), pooled as mean and standard deviation; one
encoder pass per 30 s window, never one pass per segment. A window the recording does not fill
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
) -> AudioEmotionSection:
    """Classify speech emotion per speech segment and aggregate over the confident ones.

    Args:
        audio: Mono float32 samples, shape (n_samples,), values in [-1, 1].
        sample_rate_hz: Must be 16_000 (the encoder's rate).
        encoder: Maps 30 s of audio to encoder states, shape (1500, d), 20 ms per state.
        predict_proba: Maps pooled features (n, 2d) to probabilities (n, 7), canonical order.
        speech_regions_s: Voice-activity regions (start_s, end_s), sorted; regions under 0.5 s
            are not classified.
        model_name: Reported in the section.
        chunk_s: Target segment length in seconds (0.5 to 30): longer regions are split.
        in_domain: Maps pooled features (n, 2d) to bool (n,): whether each chunk resembles
            the training data; a chunk that does not is labelled ``uncertain``. None: not
            assessed.
        min_top_probability: A chunk whose top probability is under this is ``uncertain``.

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
