"""The speech half of a media analysis: voice activity, speech emotion, speech-to-text, the
audio delivery measures, the language measures and the answer similarity.

Runs in its own thread beside the video half (docs/decisions/0007-parallel-stages.md); it
returns a :class:`SpeechHalf` and shares no state with the video half.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from analyzers import audio_emotion, delivery_audio, language, similarity, transcript
from contracts.audio import SAMPLE_RATE_HZ
from contracts.report import (
    AnswerSimilaritySection,
    AudioEmotionSection,
    DeliveryAudio,
    DeliveryLanguage,
    ReportWarning,
    SpokenLanguage,
    TranscriptSection,
)
from contracts.warnings import warning
from pipeline.progress import ProgressCallback, Timings, stop_if
from pipeline.request import AnalysisRequest, PipelineOptions

log = logging.getLogger(__name__)

# A prompted Whisper decode that leaves more than this share of the speech untranscribed is
# redone without the prompt (docs/decisions/0007-parallel-stages.md tells the case found).
MIN_SPEECH_COVERAGE = 0.8
IN_DOMAIN_MIN = 0.5
# Speech-to-text runs block by block, each block at most this long and cut at a pause: the
# decoder's features for a whole 10-minute recording held ~0.6 GB at once.
TRANSCRIBE_BLOCK_S = 120.0
PAD_S = 0.2


@dataclass
class SpeechHalf:
    """What the speech half found; None where not computed.

    ``transcript`` is set only when the request wants the transcript or the similarity section
    (the delivery measures use the words without reporting them).
    """

    audio_emotion: AudioEmotionSection | None = None
    transcript: TranscriptSection | None = None
    answer_similarity: AnswerSimilaritySection | None = None
    delivery_audio: DeliveryAudio | None = None
    delivery_language: DeliveryLanguage | None = None
    warnings: list[ReportWarning] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)


class EmbeddingMemo:
    """``list[str] -> (n, d)`` embeddings that embeds each distinct text once (per instance).

    Args:
        embed: The embedder, ``list[str] -> float32 (n, d)`` unit-norm rows.
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray]) -> None:
        self._embed = embed
        self._vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self._embed(missing), strict=True))
        if not texts:
            return self._embed([])
        return np.stack([self._vectors[t] for t in texts])


def voice_activity(audio: np.ndarray) -> list[tuple[float, float]]:
    """Speech regions ``(start_s, end_s)`` of 16 kHz mono audio (Silero VAD, models.whisper)."""
    import models.whisper  # the VAD lives with the speech models

    return [
        (a / SAMPLE_RATE_HZ, b / SAMPLE_RATE_HZ) for a, b in models.whisper.speech_regions(audio)
    ]


def analyze_speech(
    req: AnalysisRequest,
    options: PipelineOptions,
    models,
    audio: np.ndarray,
    duration_s: float,
    on_progress: ProgressCallback,
    stop: Callable[[], bool] | None = None,
) -> SpeechHalf:
    """Run the speech stages on decoded audio.

    Args:
        req: The request (sections, texts).
        options: Chunk length, emotion switch.
        models: Registry with ``get(role)``.
        audio: float32, shape (n,), 16 kHz mono in [-1, 1].
        duration_s: Its duration.
        on_progress: ``(stage, fraction)`` callback.
        stop: Polled between stages; True ends the half early (:class:`pipeline.progress.Stopped`).

    Raises:
        contracts.errors.AnalysisError subclasses from the analyzers.
    """
    out = SpeechHalf()
    timer = out.timings
    whisper = models.get("whisper")
    t0 = time.perf_counter()
    on_progress("voice_activity", 0.0)
    regions_s = voice_activity(audio)
    timer.add("voice_activity", time.perf_counter() - t0)
    on_progress("voice_activity", 1.0)
    stop_if(stop)
    if not regions_s:
        out.warnings.append(warning("no_speech_detected", "No speech was detected in the audio."))
    spoken = None
    if options.language_check and regions_s:
        on_progress("language_id", 0.0)
        t0 = time.perf_counter()
        spoken = spoken_language(models, audio, regions_s, out.warnings)
        timer.add("language_id", time.perf_counter() - t0)
        on_progress("language_id", 1.0)
    if "audio_emotion" in req.sections and options.emotion_enabled:
        on_progress("speech_emotion", 0.0)
        out.audio_emotion = _speech_emotion(models, audio, regions_s, options, out, timer)
        on_progress("speech_emotion", 1.0)
    if not req.sections & {"transcript", "answer_similarity", "delivery"}:
        return out
    t0 = time.perf_counter()
    stop_if(stop)
    on_progress("speech_to_text", 0.0)
    section = transcribe(
        whisper,
        audio,
        duration_s,
        regions_s,
        stop,
        on_fraction=lambda f: on_progress("speech_to_text", f),
    )
    if section.speech_coverage is not None and section.speech_coverage < MIN_SPEECH_COVERAGE:
        out.warnings.append(
            warning(
                "transcript_incomplete",
                f"Only {section.speech_coverage:.0%} of the speech was transcribed; measures "
                "built on the words (pace, pauses, fillers, similarity) are partial.",
            )
        )
    timer.add("speech_to_text", time.perf_counter() - t0)
    on_progress("speech_to_text", 1.0)
    if spoken is not None:
        section = section.model_copy(update={"spoken_language": spoken})
    if req.sections & {"transcript", "answer_similarity"}:
        out.transcript = section
    # one memo per analysis: the language measures and the similarity embed the same
    # transcript passages, question and sentences
    embed = None
    if req.sections & {"delivery", "answer_similarity"}:
        embed = EmbeddingMemo(models.get("embedder").embed)
    if "delivery" in req.sections:
        on_progress("audio_features", 0.0)
        t0 = time.perf_counter()
        out.delivery_audio = delivery_audio.delivery_audio(
            audio, words=section.words, speech_regions_s=regions_s
        ).model_copy(update={"spoken_language": spoken})
        timer.add("delivery", time.perf_counter() - t0)
        on_progress("audio_features", 1.0)
    if req.sections & {"delivery", "answer_similarity"}:
        on_progress("language", 0.0)
        _language(req, models, section, embed, out, timer)
        on_progress("language", 1.0)
    return out


LANGUAGE_CHECK_S = 30.0  # Whisper identifies the language from one 30 s window
LANGUAGE_MIN_SPEECH_S = 1.0  # less speech than this gives no verdict


def spoken_language(
    models, audio: np.ndarray, regions_s, warnings: list[ReportWarning]
) -> SpokenLanguage | None:
    """The language of the first 30 s of speech (Whisper base's language identification:
    docs/ACCURACY.md measures it), with a ``non_english_speech`` warning when it is not
    English. Without the model (an install without Whisper base), None and a
    ``language_not_checked`` warning.

    Args:
        models: Registry with the ``language_id`` role.
        audio: float32, shape (n,), 16 kHz mono.
        regions_s: Voice-activity regions ``(start_s, end_s)``; only speech is listened to.
        warnings: Where the warning goes.
    """
    from models.paths import ModelFileMissing

    pieces, total = [], 0
    budget = int(LANGUAGE_CHECK_S * SAMPLE_RATE_HZ)
    for start_s, end_s in regions_s:
        piece = audio[int(start_s * SAMPLE_RATE_HZ) : int(end_s * SAMPLE_RATE_HZ)][: budget - total]
        pieces.append(piece)
        total += len(piece)
        if total >= budget:
            break
    if total < LANGUAGE_MIN_SPEECH_S * SAMPLE_RATE_HZ:
        warnings.append(
            warning(
                "language_not_checked",
                f"Only {total / SAMPLE_RATE_HZ:.1f} s of speech: too little to tell its "
                "language; the transcript assumes English.",
            )
        )
        return None
    try:
        model = models.get("language_id")
    except ModelFileMissing:
        warnings.append(
            warning(
                "language_not_checked",
                "The spoken language could not be checked (Whisper base is not installed): "
                "the transcript assumes English.",
            )
        )
        return None
    code, probability, english = model.detect_language(np.concatenate(pieces))
    spoken = SpokenLanguage(
        code=code,
        probability=round(probability, 4),
        english_probability=round(english, 4),
        english=code == "en" or english >= 0.5,
        speech_checked_s=round(total / SAMPLE_RATE_HZ, 2),
        model=model.name,
    )
    if not spoken.english:
        warnings.append(
            warning(
                "non_english_speech",
                f"The speech sounds like '{code}' (probability {probability:.0%}; English "
                f"{english:.0%}). This service transcribes English only: the transcript is "
                "not what was said, so the pace, fillers, language measures and similarity "
                "built on it mean little, and no score is given.",
            )
        )
    return spoken


def _speech_emotion(models, audio, regions_s, options, out: SpeechHalf, timer: Timings):
    t0 = time.perf_counter()
    ser = models.get("speech_emotion")
    section = audio_emotion.classify_chunks(
        audio,
        SAMPLE_RATE_HZ,
        encoder=models.get("speech_emotion_encoder").encode_window,
        predict_proba=ser.predict_proba,
        speech_regions_s=regions_s,
        model_name=ser.name,
        chunk_s=options.chunk_s,
        in_domain=ser.in_domain,
        min_top_probability=ser.min_top_probability,
        prosody=ser.uses_prosody,
    )
    timer.add("speech_emotion", time.perf_counter() - t0)
    share = section.in_domain_share
    if share is not None and share < IN_DOMAIN_MIN:
        out.warnings.append(
            warning(
                "speech_emotion_out_of_domain",
                f"Only {share:.0%} of the speech chunks resemble the acted studio speech "
                "the speech-emotion model was trained on (RAVDESS, EmoDB); the others are "
                "labelled 'uncertain' and left out of the summary.",
            )
        )
    return section


def _language(req, models, section, embed, out: SpeechHalf, timer: Timings) -> None:
    if "delivery" in req.sections:
        t0 = time.perf_counter()
        out.delivery_language = language.language_measures(
            section.words,
            embed=embed,
            parse=models.get("parser").parse,
            sentiment=models.get("sentiment").compound,
            question=req.question,
            expected_answer=req.expected_answer,
        )
        timer.add("language", time.perf_counter() - t0)
    if req.expected_answer and "answer_similarity" in req.sections:
        t0 = time.perf_counter()
        out.answer_similarity = similarity.answer_similarity(
            section.text,
            req.expected_answer,
            embed=embed,
            model_name=models.get("embedder").name,
            question=req.question,
        )
        timer.add("similarity", time.perf_counter() - t0)
        if not section.text:
            out.warnings.append(
                warning("empty_transcript", "Nothing was transcribed; similarity is 0.")
            )
    elif req.expected_answer is None and "answer_similarity" in req.sections and not req.strict:
        out.warnings.append(
            warning(
                "no_expected_answer",
                "No expected_answer was sent; answer similarity was skipped.",
            )
        )


def blocks(spans, max_s: float) -> list[list[tuple[float, float]]]:
    """Consecutive (start_s, end_s) spans grouped so that each group covers at most ``max_s``
    from its first start to its last end; a longer span is split."""
    out: list[list[tuple[float, float]]] = []
    for start_s, end_s in spans:
        while end_s - start_s > max_s:
            out.append([(start_s, start_s + max_s)])
            start_s += max_s
        if out and end_s - out[-1][0][0] <= max_s:
            out[-1].append((start_s, end_s))
        else:
            out.append([(start_s, end_s)])
    return out


def _decode(whisper, audio, spans, *, prompt: bool, joined: bool, stop=None, on_block=None):
    """Decoder segments for the audio of ``spans``, in media time, block by block.

    ``joined=False`` decodes each block as one stretch of the recording (its pauses kept);
    ``joined=True`` cuts the block's spans together with 0.5 s of silence between them.
    ``on_block(i, n)`` is called after block ``i`` of ``n``.
    """
    sr = SAMPLE_RATE_HZ
    gap = np.zeros(sr // 2, dtype=np.float32)
    segments = []
    groups = blocks(spans, TRANSCRIBE_BLOCK_S)
    for i, block in enumerate(groups):
        stop_if(stop)
        if not joined:
            block = [(block[0][0], block[-1][1])]
        pieces, starts, position = [], [], 0  # starts: (start in the decoded audio, in media)
        for start_s, end_s in block:
            a = max(0, int((start_s - PAD_S) * sr))
            b = min(len(audio), int((end_s + PAD_S) * sr))
            starts.append((position / sr, a / sr))
            pieces += [audio[a:b], gap]
            position += (b - a) + len(gap)

        def to_media_s(t: float, starts=starts) -> float:
            decoded_start, media_start = next(
                (p for p in reversed(starts) if p[0] <= t + 1e-6), starts[0]
            )
            return media_start + (t - decoded_start)

        decoded, _ = whisper.transcribe(np.concatenate(pieces[:-1]), prompt=prompt)
        segments += [transcript.remapped(seg, to_media_s) for seg in decoded]
        if on_block is not None:
            on_block(i + 1, len(groups))
    return segments


def transcribe(whisper, audio, duration_s: float, regions_s, stop=None, on_fraction=None):
    """Transcribe with the filler prompt; if that decode leaves speech untranscribed (Whisper
    can jump ahead in time when prompted), decode the stretches it skipped again without the
    prompt, cut together, and add their words.

    Args:
        whisper: models.whisper.WhisperModel (``transcribe(audio, prompt=...)``, ``name``).
        audio: float32, shape (n,), 16 kHz mono.
        duration_s: Audio duration.
        regions_s: Voice-activity regions ``(start_s, end_s)``.
        stop: Polled before each block.
        on_fraction: Called with the share of blocks decoded (0-1; the re-decode is not known
            in advance and reports nothing).

    Returns:
        contracts.report.TranscriptSection.
    """

    def build(segments, prompt: bool):
        return transcript.build_transcript(
            segments,
            language="en",
            duration_s=duration_s,
            speech_regions_s=regions_s,
            model_name=whisper.name,
            filler_prompt=prompt,
        )

    if not regions_s:
        return build([], True)
    on_block = None if on_fraction is None else (lambda i, n: on_fraction(0.95 * i / n))
    segments = _decode(
        whisper, audio, regions_s, prompt=True, joined=False, stop=stop, on_block=on_block
    )
    section = build(segments, True)
    if section.speech_coverage is None or section.speech_coverage >= MIN_SPEECH_COVERAGE:
        return section
    skipped = transcript.uncovered_speech(section.words, regions_s)
    if not skipped:
        return section
    added = _decode(whisper, audio, skipped, prompt=False, joined=True, stop=stop)
    merged = build(sorted([*segments, *added], key=lambda seg: seg.start), False)
    log.info(
        "prompted transcript covered %.2f of the speech; with %d re-decoded segments %.2f",
        section.speech_coverage,
        len(added),
        merged.speech_coverage or 0.0,
    )
    return merged
