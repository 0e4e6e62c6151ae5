"""Speech emotion per fixed-length chunk of the answer, aggregated over the chunks with speech.

Features: the Whisper tiny.en encoder states of a chunk (one 20 ms state per row), pooled as
mean and standard deviation; one encoder pass per 30 s window, never one pass per chunk.
The same pooling is used for training (scripts/train_speech_emotion.py) and serving.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from contracts.audio import SAMPLE_RATE_HZ
from contracts.errors import InvalidInput
from contracts.labels import EMOTION_LABELS, dominant, to_percent_dict
from contracts.report import AudioChunk, AudioEmotionSection, Emotion

WINDOW_S = 30.0
ENCODER_FRAME_S = 0.02
MIN_SPEECH_RATIO = 0.3

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


def chunk_spans(duration_s: float, chunk_s: float) -> list[tuple[float, float]]:
    """Consecutive chunks covering the audio; a last chunk shorter than chunk_s / 2 is dropped
    (unless it is the only one and lasts at least 0.5 s)."""
    spans = []
    start = 0.0
    while start < duration_s - 1e-9:
        end = min(start + chunk_s, duration_s)
        if end - start >= chunk_s / 2 or (not spans and end - start >= 0.5):
            spans.append((round(start, 3), round(end, 3)))
        start += chunk_s
    return spans


def speech_ratio(span: tuple[float, float], regions_s: Sequence[tuple[float, float]]) -> float:
    """Share of ``span`` covered by voice-activity regions (both in seconds)."""
    start, end = span
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in regions_s)
    return min(1.0, covered / max(end - start, 1e-9))


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
) -> AudioEmotionSection:
    """Classify speech emotion per fixed-length chunk and aggregate over the answer.

    Args:
        audio: Mono float32 samples, shape (n_samples,), values in [-1, 1].
        sample_rate_hz: Must be 16_000 (the encoder's rate).
        encoder: Maps <= 30 s of audio to encoder states, shape (1500, d), 20 ms per state.
        predict_proba: Maps pooled features (n, 2d) to probabilities (n, 7), canonical order.
        speech_regions_s: Voice-activity regions (start_s, end_s); chunks with less than 30 %
            voice activity are marked ``speech: false`` and not classified.
        model_name: Reported in the section.
        chunk_s: Chunk length in seconds (0.5 to 30).
        in_domain: Maps pooled features (n, 2d) to bool (n,): whether each chunk resembles
            the training data. None: not assessed.

    Returns:
        Per-chunk probabilities (percent), their mean over speech chunks, the dominant label and
        its dominance (share of speech chunks whose top label it is).

    Raises:
        InvalidInput: ``audio`` is not 1-D, the rate is not 16 kHz, or chunk_s is out of range.

    Source:
        models/speech_emotion/MODEL_CARD.md (trained on RAVDESS, CC BY-NC-SA 4.0).
    """
    if audio.ndim != 1 or sample_rate_hz != SAMPLE_RATE_HZ:
        raise InvalidInput("speech emotion needs 1-D audio at 16 kHz")
    if not 0.5 <= chunk_s <= WINDOW_S:
        raise InvalidInput("chunk_s must be between 0.5 and 30 seconds")
    duration_s = len(audio) / sample_rate_hz
    spans = chunk_spans(duration_s, chunk_s)
    ratios = [speech_ratio(s, speech_regions_s) for s in spans]
    probs: dict[int, np.ndarray] = {}
    typical: dict[int, bool] = {}
    per_window = max(1, int(WINDOW_S // chunk_s))
    for w0 in range(0, len(spans), per_window):
        idx = [
            i for i in range(w0, min(w0 + per_window, len(spans))) if ratios[i] >= MIN_SPEECH_RATIO
        ]
        if not idx:
            continue
        win_start = spans[w0][0]
        a = int(win_start * sample_rate_hz)
        window = audio[a : a + int(WINDOW_S * sample_rate_hz)]
        states = encoder(window)
        rel = [(spans[i][0] - win_start, spans[i][1] - win_start) for i in idx]
        features = pool_states(states, rel)
        p = predict_proba(features)
        flags = in_domain(features) if in_domain is not None else [None] * len(idx)
        for i, row, flag in zip(idx, p, flags, strict=True):
            probs[i] = row
            typical[i] = None if flag is None else bool(flag)
    chunks = []
    for i, span in enumerate(spans):
        p = probs.get(i)
        chunks.append(
            AudioChunk(
                start_s=span[0],
                end_s=span[1],
                speech=p is not None,
                speech_ratio=round(ratios[i], 3),
                label=dominant(p) if p is not None else None,
                emotion=Emotion(**to_percent_dict(p)) if p is not None else None,
                in_domain=typical.get(i),
            )
        )
    if not probs:
        return AudioEmotionSection(
            model=model_name,
            chunk_s=chunk_s,
            chunks=chunks,
            speech_chunks=0,
            emotion=None,
            dominant_emotion=None,
            dominance=None,
        )
    stacked = np.stack(list(probs.values()))
    mean = stacked.mean(axis=0)
    top = dominant(mean)
    share = float(np.mean([EMOTION_LABELS[int(np.argmax(r))] == top for r in stacked]))
    flags = [f for f in typical.values() if f is not None]
    return AudioEmotionSection(
        model=model_name,
        chunk_s=chunk_s,
        chunks=chunks,
        speech_chunks=len(probs),
        emotion=Emotion(**to_percent_dict(mean)),
        dominant_emotion=top,
        dominance=round(share, 3),
        in_domain_share=round(float(np.mean(flags)), 3) if flags else None,
    )
