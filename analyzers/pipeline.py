"""One request's analysis: a plain function of (inputs, options, models) -> Report.

The media is decoded once (analyzers.media.decode): sampled frames stream through the face and
expression models while the audio is collected; the audio then feeds speech-to-text, speech
emotion and similarity. Nothing here imports Flask or reads configuration.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from analyzers import (
    audio_emotion,
    delivery_audio,
    delivery_video,
    language,
    media,
    scoring,
    similarity,
    skills_match,
    transcript,
    video_emotion,
)
from analyzers.errors import NoAudioTrack, NoVideoTrack
from analyzers.face import FaceFrameCollector
from analyzers.report import (
    EMOTION_NOTICE,
    Delivery,
    EmotionAnalysisInfo,
    InputFile,
    Inputs,
    Report,
    ReportWarning,
    ResumeSection,
)
from resume.extract import extract_text
from resume.skills import find_skills, load_taxonomy

log = logging.getLogger(__name__)

SECTIONS = (
    "resume",
    "video_emotion",
    "audio_emotion",
    "transcript",
    "answer_similarity",
    "delivery",
    "skills_match",
)
LOW_FACE_COVERAGE = 0.5
# A prompted Whisper decode that leaves more than this share of the speech untranscribed is
# redone without the prompt (docs/decisions/0007-parallel-stages.md tells the case found).
MIN_SPEECH_COVERAGE = 0.8
IN_DOMAIN_MIN = 0.5


@dataclass(frozen=True)
class PipelineOptions:
    """Plain values the pipeline needs (built from the service settings by the API layer)."""

    sample_fps: float = 10.0
    expression_fps: float = 5.0
    parallel: bool = True
    frame_max_side_px: int = 640
    chunk_s: float = 3.0
    emotion_enabled: bool = True
    max_media_duration_s: float | None = 900.0


@dataclass(frozen=True)
class UploadedFile:
    field: str
    path: Path
    filename: str
    size_bytes: int
    detected_type: str


@dataclass
class AnalysisRequest:
    """What to analyse.

    Attributes:
        resume / media: Saved uploads (media is the ``video`` or ``audio`` field).
        expected_answer / question: Optional texts.
        sections: Sections wanted; ``strict`` makes a section whose input is unusable an error
            (dedicated endpoints) instead of a warning (``/analyze``).
    """

    resume: UploadedFile | None = None
    media: UploadedFile | None = None
    expected_answer: str | None = None
    question: str | None = None
    job_description: str | None = None
    sections: set[str] = field(default_factory=lambda: set(SECTIONS))
    strict: bool = False


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def add(self, stage: str, seconds: float) -> None:
        self.ms[stage] = round(self.ms.get(stage, 0.0) + seconds * 1000.0, 1)


def run(req: AnalysisRequest, options: PipelineOptions, models) -> Report:
    """Analyse the inputs and build the report.

    Args:
        req: Inputs and wanted sections.
        options: Sampling rates, chunk length, emotion switch, limits.
        models: A models.registry.ModelRegistry (``get(role)``).

    Raises:
        analyzers.errors.AnalysisError subclasses for unusable input (see each analyzer).
    """
    timer = _Timer()
    started = time.perf_counter()
    warnings: list[ReportWarning] = []
    inputs = Inputs(
        question_chars=len(req.question) if req.question else None,
        expected_answer_chars=len(req.expected_answer) if req.expected_answer else None,
        job_description_chars=len(req.job_description) if req.job_description else None,
    )
    out: dict = {}
    emotion_on = options.emotion_enabled
    if not emotion_on and req.sections & {"video_emotion", "audio_emotion"}:
        warnings.append(
            ReportWarning(
                code="emotion_analysis_disabled",
                message="Emotion analysis is turned off on this server.",
            )
        )

    if req.resume is not None and "resume" in req.sections:
        t0 = time.perf_counter()
        text = extract_text(req.resume.path.read_bytes())
        timer.add("resume_text", time.perf_counter() - t0)
        t0 = time.perf_counter()
        tax = load_taxonomy()
        skills = find_skills(text.text, tax)
        timer.add("resume_skills", time.perf_counter() - t0)
        out["resume"] = ResumeSection(
            format=text.format,
            pages=text.pages,
            text_chars=len(text.text),
            text_extractor=text.extractor,
            skills=skills,
            taxonomy=f"{tax.name} (taxonomy {tax.version})",
        )
        inputs.files.append(_input_file(req.resume))
        if not skills:
            warnings.append(
                ReportWarning(
                    code="no_skills_found",
                    message="No skill of the taxonomy was found in the resume.",
                )
            )

    if req.media is not None:
        _analyze_media(req, options, models, out, warnings, timer, inputs, emotion_on)
    if "delivery" in out:
        out["delivery"] = Delivery(**out["delivery"])
    if "skills_match" in req.sections and "resume" in out:
        t0 = time.perf_counter()
        words = out["transcript"].words if out.get("transcript") else None
        if req.job_description or words is not None:
            out["skills_match"] = skills_match.skills_match(
                out["resume"].skills,
                taxonomy=load_taxonomy(),
                job_description=req.job_description,
                words=words,
            )
        timer.add("skills_match", time.perf_counter() - t0)
    if "delivery" in req.sections and out.get("delivery") is not None:
        out["scores"] = scoring.score_report(
            out["delivery"],
            similarity=out.get("answer_similarity"),
            skills=out.get("skills_match"),
        )

    timer.add("total", time.perf_counter() - started)
    return Report(
        report_id=str(uuid.uuid4()),
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        inputs=inputs,
        emotion_analysis=EmotionAnalysisInfo(enabled=emotion_on, notice=EMOTION_NOTICE),
        timings_ms=timer.ms,
        warnings=warnings,
        **out,
    )


def _input_file(f: UploadedFile, info: media.MediaInfo | None = None) -> InputFile:
    return InputFile(
        field=f.field,
        filename=f.filename,
        size_bytes=f.size_bytes,
        detected_type=f.detected_type,
        duration_s=info.duration_s if info else None,
        has_video=info.has_video if info else None,
        has_audio=info.has_audio if info else None,
        width_px=info.width_px if info else None,
        height_px=info.height_px if info else None,
        fps=info.fps if info else None,
    )


def _analyze_media(req, options, models, out, warnings, timer, inputs, emotion_on) -> None:
    """Audio first (a fast audio-only pass), then the speech analyses in a worker thread while
    this thread decodes the video and runs the face models: the two halves share no state and
    the heavy parts (CTranslate2, MediaPipe, onnxruntime, FFmpeg) release the GIL, so on two
    cores they overlap (docs/decisions/0007-parallel-stages.md)."""
    t0 = time.perf_counter()
    info = media.probe(req.media.path)
    timer.add("decode_audio", time.perf_counter() - t0)  # probe + the audio-only pass
    inputs.files.append(_input_file(req.media, info))
    want_expression = "video_emotion" in req.sections and emotion_on
    want_face = want_expression or "delivery" in req.sections
    want_speech = bool(
        req.sections & {"audio_emotion", "transcript", "answer_similarity", "delivery"}
    )
    want_video = want_face and info.has_video
    want_audio = want_speech and info.has_audio
    if want_face and not info.has_video:
        if req.strict:
            raise NoVideoTrack("the file has no video stream; facial emotion needs a video")
        warnings.append(
            ReportWarning(
                code="no_video_track",
                message="The media has no video stream; facial analysis was skipped.",
            )
        )
    if want_speech and not info.has_audio:
        if req.strict:
            raise NoAudioTrack("the file has no audio track; speech analysis needs one")
        warnings.append(
            ReportWarning(
                code="no_audio_track",
                message="The media has no audio track; transcript, speech emotion and similarity "
                "were skipped.",
            )
        )
    audio_job = None
    if want_audio:
        t0 = time.perf_counter()
        decoded = media.decode(
            req.media.path,
            info=info,
            want_video=False,
            want_audio=True,
            max_duration_s=options.max_media_duration_s,
        )
        timer.add("decode_audio", time.perf_counter() - t0)
        audio_job = _AudioJob(req, options, models, decoded, emotion_on)
        if want_video and options.parallel:
            audio_job.start()
        else:
            audio_job.run()
    try:
        if want_video:
            _analyze_video(
                req,
                options,
                models,
                info,
                out,
                warnings,
                timer,
                want_expression,
                speech_running=audio_job is not None and audio_job.running,
            )
    except BaseException:
        if audio_job is not None:
            audio_job.cancel()  # the request fails anyway: stop the speech half early
        raise
    finally:
        if audio_job is not None:
            audio_job.join()
    if audio_job is not None:
        audio_job.merge_into(out, warnings, timer)


# While the speech half runs in its one thread, the face workers run this much "nicer": with
# two face workers and the decoder against one speech thread, equal shares left the speech
# thread a quarter of two cores and made it the last to finish (docs/PERFORMANCE.md).
FACE_WORKER_NICE = 5


def _nicer_thread() -> None:
    """Lower the calling thread's CPU priority (Linux: niceness is per thread)."""
    try:
        tid = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, tid) + FACE_WORKER_NICE
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    except (AttributeError, OSError):  # not Linux, or not permitted: equal shares
        pass


def _analyze_video(
    req, options, models, info, out, warnings, timer, want_expression, speech_running=False
) -> None:
    landmarker = models.get("face")
    fer = models.get("facial_expression") if want_expression else None
    workers = getattr(landmarker, "instances", 1)
    executor = None
    if options.parallel:
        executor = ThreadPoolExecutor(
            workers,
            thread_name_prefix="caa-face",
            initializer=_nicer_thread if speech_running else None,
        )
    collector = FaceFrameCollector(
        landmarker.detect,
        fer.predict if fer else None,
        crop_size=fer.input_size if fer else 64,
        classify_fps=options.expression_fps,
        executor=executor,
        max_in_flight=2 * workers,
    )
    t0 = time.perf_counter()
    try:
        media.decode(
            req.media.path,
            info=info,
            want_video=True,
            want_audio=False,
            sample_fps=options.sample_fps,
            max_side_px=options.frame_max_side_px,
            max_duration_s=options.max_media_duration_s,
            on_frame=collector,
        )
        collector.finish()
    except BaseException:
        collector.cancel()
        raise
    finally:
        if executor is not None:
            executor.shutdown(wait=True)
    # decoding and the face models overlap: the video half's wall time, and the time spent in
    # each model summed over the worker threads
    timer.add("video_total", time.perf_counter() - t0)
    timer.add("face_landmarks", collector.detect_s)
    if want_expression:
        timer.add("facial_emotion", collector.classify_s)
    coverage = sum(f.has_face for f in collector.frames) / max(1, len(collector.frames))
    if want_expression:
        out["video_emotion"] = video_emotion.summarize(
            collector.frames,
            sample_fps=options.sample_fps,
            model_name=fer.name,
            expression_fps=options.expression_fps,
        )
    if "delivery" in req.sections:
        t0 = time.perf_counter()
        out.setdefault("delivery", {})["video"] = delivery_video.delivery_video(
            collector.frames, sample_fps=options.sample_fps
        )
        timer.add("delivery", time.perf_counter() - t0)
    if coverage == 0:
        warnings.append(
            ReportWarning(
                code="no_face_detected", message="No face was found in any sampled frame."
            )
        )
    elif coverage < LOW_FACE_COVERAGE:
        warnings.append(
            ReportWarning(
                code="low_face_coverage",
                message=f"A face was visible in only {coverage:.0%} of frames.",
            )
        )


class _Cancelled(Exception):
    """The request failed in the video half; the speech half stops early."""


def _stop_if(stop) -> None:
    if stop is not None and stop():
        raise _Cancelled


class _AudioJob:
    """The speech half of a media analysis, runnable in a worker thread.

    It writes only to its own ``out`` / ``warnings`` / ``timer``; :meth:`merge_into` copies them
    into the request's after :meth:`join`, and re-raises an exception the thread ended with.
    """

    def __init__(self, req, options, models, decoded, emotion_on) -> None:
        self._args = (req, options, models, decoded, emotion_on)
        self.out: dict = {}
        self.warnings: list[ReportWarning] = []
        self.timer = _Timer()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="caa-audio", daemon=True)
        self._thread.start()

    def run(self) -> None:
        try:
            _analyze_audio(*self._args, self.out, self.warnings, self.timer, self._cancel.is_set)
        except _Cancelled:
            pass
        except BaseException as exc:  # handed to the request thread by merge_into
            self._error = exc

    def cancel(self) -> None:
        """Ask the speech half to stop at its next stage or block boundary."""
        self._cancel.set()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def merge_into(self, out: dict, warnings: list, timer: _Timer) -> None:
        if self._error is not None:
            raise self._error
        delivery = self.out.pop("delivery", None)
        if delivery:
            out.setdefault("delivery", {}).update(delivery)
        out.update(self.out)
        warnings.extend(self.warnings)
        for stage, ms in self.timer.ms.items():
            timer.add(stage, ms / 1000.0)


def _analyze_audio(
    req, options, models, decoded, emotion_on, out, warnings, timer, stop=None
) -> None:
    audio = decoded.audio
    whisper = models.get("whisper")
    from models.whisper import speech_regions  # the VAD model lives with the speech models

    t0 = time.perf_counter()
    regions_s = [
        (a / media.SAMPLE_RATE_HZ, b / media.SAMPLE_RATE_HZ) for a, b in speech_regions(audio)
    ]
    timer.add("voice_activity", time.perf_counter() - t0)
    _stop_if(stop)
    if not regions_s:
        warnings.append(
            ReportWarning(code="no_speech_detected", message="No speech was detected in the audio.")
        )
    if "audio_emotion" in req.sections and emotion_on:
        t0 = time.perf_counter()
        ser = models.get("speech_emotion")
        out["audio_emotion"] = audio_emotion.classify_chunks(
            audio,
            media.SAMPLE_RATE_HZ,
            encoder=models.get("speech_emotion_encoder").encode_window,
            predict_proba=ser.predict_proba,
            speech_regions_s=regions_s,
            model_name=ser.name,
            chunk_s=options.chunk_s,
            in_domain=ser.in_domain,
        )
        timer.add("speech_emotion", time.perf_counter() - t0)
        share = out["audio_emotion"].in_domain_share
        if share is not None and share < IN_DOMAIN_MIN:
            warnings.append(
                ReportWarning(
                    code="speech_emotion_out_of_domain",
                    message=(
                        f"Only {share:.0%} of the speech chunks resemble the acted studio speech "
                        "the speech-emotion model was trained on (RAVDESS); its labels for this "
                        "recording are extrapolations and unreliable."
                    ),
                )
            )
    if req.sections & {"transcript", "answer_similarity", "delivery"}:
        t0 = time.perf_counter()
        _stop_if(stop)
        section = _transcribe(whisper, audio, decoded.audio_duration_s, regions_s, stop)
        if section.speech_coverage is not None and section.speech_coverage < MIN_SPEECH_COVERAGE:
            warnings.append(
                ReportWarning(
                    code="transcript_incomplete",
                    message=f"Only {section.speech_coverage:.0%} of the speech was transcribed; "
                    "measures built on the words (pace, pauses, fillers, similarity) are partial.",
                )
            )
        timer.add("speech_to_text", time.perf_counter() - t0)
        if req.sections & {"transcript", "answer_similarity"}:
            out["transcript"] = section
        # one memo per request: the language measures and the similarity embed the same
        # transcript passages, question and sentences
        embed = None
        if req.sections & {"delivery", "answer_similarity"}:
            embed = EmbeddingMemo(models.get("embedder").embed)
        if "delivery" in req.sections:
            t0 = time.perf_counter()
            out.setdefault("delivery", {})["audio"] = delivery_audio.delivery_audio(
                audio, words=section.words, speech_regions_s=regions_s
            )
            timer.add("delivery", time.perf_counter() - t0)
            t0 = time.perf_counter()
            out["delivery"]["language"] = language.language_measures(
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
            embedder = models.get("embedder")
            out["answer_similarity"] = similarity.answer_similarity(
                section.text,
                req.expected_answer,
                embed=embed,
                model_name=embedder.name,
                question=req.question,
            )
            timer.add("similarity", time.perf_counter() - t0)
            if not section.text:
                warnings.append(
                    ReportWarning(
                        code="empty_transcript", message="Nothing was transcribed; similarity is 0."
                    )
                )
        elif req.expected_answer is None and "answer_similarity" in req.sections and not req.strict:
            warnings.append(
                ReportWarning(
                    code="no_expected_answer",
                    message="No expected_answer was sent; answer similarity was skipped.",
                )
            )


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


# Speech-to-text runs block by block, each block at most this long and cut at a pause: the
# decoder's features for a whole 10-minute recording held ~0.6 GB at once.
TRANSCRIBE_BLOCK_S = 120.0
PAD_S = 0.2


def _blocks(spans, max_s: float) -> list[list[tuple[float, float]]]:
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


def _decode(whisper, audio, spans, *, prompt: bool, joined: bool, stop=None) -> list:
    """Decoder segments for the audio of ``spans``, in media time, block by block.

    ``joined=False`` decodes each block as one stretch of the recording (its pauses kept);
    ``joined=True`` cuts the block's spans together with 0.5 s of silence between them.
    """
    sr = media.SAMPLE_RATE_HZ
    gap = np.zeros(sr // 2, dtype=np.float32)
    segments = []
    for block in _blocks(spans, TRANSCRIBE_BLOCK_S):
        _stop_if(stop)
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
    return segments


def _transcribe(whisper, audio, duration_s: float, regions_s, stop=None):
    """Transcribe with the filler prompt; if that decode leaves speech untranscribed (Whisper
    can jump ahead in time when prompted), decode the stretches it skipped again without the
    prompt, cut together, and add their words."""

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
    segments = _decode(whisper, audio, regions_s, prompt=True, joined=False, stop=stop)
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
