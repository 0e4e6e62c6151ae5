"""Speech-to-text with word timestamps (Whisper via faster-whisper; see models/whisper.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzers.report import Segment, TranscriptSection, Word


def build_transcript(
    segments: Sequence[Any],
    *,
    language: str,
    duration_s: float,
    speech_regions_s: Sequence[tuple[float, float]],
    model_name: str,
) -> TranscriptSection:
    """Turn decoder segments into the report's transcript section.

    Args:
        segments: faster-whisper ``Segment`` objects (``start``, ``end``, ``text``, ``words``).
        language: ISO 639-1 code of the transcribed language.
        duration_s: Audio duration, seconds.
        speech_regions_s: Voice-activity regions (start_s, end_s), for ``speech_duration_s``.
        model_name: Reported in the section.
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
        segments=segs,
        words=words,
    )
