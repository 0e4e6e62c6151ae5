"""Speech-to-text with word timestamps (Whisper via faster-whisper; see models/whisper.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from contracts.report import Segment, TranscriptSection, Word


def build_transcript(
    segments: Sequence[Any],
    *,
    language: str,
    duration_s: float,
    speech_regions_s: Sequence[tuple[float, float]],
    model_name: str,
    filler_prompt: bool = True,
) -> TranscriptSection:
    """Turn decoder segments into the report's transcript section.

    Args:
        segments: faster-whisper ``Segment`` objects (``start``, ``end``, ``text``, ``words``).
        language: ISO 639-1 code of the transcribed language.
        duration_s: Audio duration, seconds.
        speech_regions_s: Voice-activity regions (start_s, end_s), for ``speech_duration_s``.
        model_name: Reported in the section.
        filler_prompt: Whether the decoder was conditioned on the filler prompt.
    """
    segs, words = [], []
    for s in segments:
        text = s.text.strip()
        if not text:
            continue
        segs.append(
            Segment(start_s=round(float(s.start), 2), end_s=round(float(s.end), 2), text=text)
        )
        for w in s.words or []:
            words.append(
                Word(
                    word=w.word.strip(),
                    start_s=round(float(w.start), 2),
                    end_s=round(float(w.end), 2),
                    probability=round(min(1.0, max(0.0, float(w.probability))), 3),
                )
            )
    return TranscriptSection(
        model=model_name,
        text=" ".join(s.text for s in segs),
        language=language,
        duration_s=round(duration_s, 3),
        speech_duration_s=round(sum(b - a for a, b in speech_regions_s), 3),
        speech_coverage=speech_coverage(words, speech_regions_s),
        filler_prompt=filler_prompt,
        segments=segs,
        words=words,
    )


WORD_REACH_S = 0.5


def remapped(segment: Any, to_media_s: Callable[[float], float]) -> SimpleNamespace:
    """A decoder segment (``start``, ``end``, ``text``, ``words``) with every time passed
    through ``to_media_s`` (from the time base of a cut-together audio back to the media's)."""
    return SimpleNamespace(
        start=to_media_s(segment.start),
        end=to_media_s(segment.end),
        text=segment.text,
        words=[
            SimpleNamespace(
                start=to_media_s(w.start),
                end=to_media_s(w.end),
                word=w.word,
                probability=w.probability,
            )
            for w in segment.words or []
        ],
    )


def speech_coverage(
    words: Sequence[Word], speech_regions_s: Sequence[tuple[float, float]]
) -> float | None:
    """Share of voice-activity time within ``WORD_REACH_S`` of a transcribed word.

    Whisper sometimes skips a stretch of speech (its decoder jumps ahead in time); a low value
    says the transcript is incomplete. None without voice activity.

    Args:
        words: Transcribed words with ``start_s`` / ``end_s``.
        speech_regions_s: Voice-activity regions (start_s, end_s), seconds.

    Returns:
        A value in [0, 1], or None.
    """
    total = sum(max(0.0, b - a) for a, b in speech_regions_s)
    if total <= 0:
        return None
    gaps = uncovered_speech(words, speech_regions_s, min_s=0.0)
    covered = total - sum(b - a for a, b in gaps)
    return round(min(1.0, covered / total), 4)


def _word_spans(words: Sequence[Word]) -> list[list[float]]:
    spans = sorted((w.start_s - WORD_REACH_S, w.end_s + WORD_REACH_S) for w in words)
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def uncovered_speech(
    words: Sequence[Word], speech_regions_s: Sequence[tuple[float, float]], min_s: float = 1.0
) -> list[tuple[float, float]]:
    """Stretches of voice activity farther than ``WORD_REACH_S`` from every transcribed word,
    at least ``min_s`` long, as (start_s, end_s) in time order."""
    spans = _word_spans(words)
    out = []
    for ra, rb in sorted(speech_regions_s):
        cursor = ra
        for a, b in spans:
            if b <= cursor or a >= rb:
                continue
            if a > cursor:
                out.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < rb:
            out.append((cursor, rb))
    return [(round(a, 3), round(b, 3)) for a, b in out if b - a >= min_s]
