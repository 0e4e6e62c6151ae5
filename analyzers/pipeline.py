"""One request's analysis: a plain function of (inputs, options, models) -> Report.

The media is decoded once (analyzers.media.decode): sampled frames stream through the face and
expression models while the audio is collected; the audio then feeds speech-to-text, speech
emotion and similarity. Nothing here imports Flask or reads configuration.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

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
IN_DOMAIN_MIN = 0.5


@dataclass(frozen=True)
class PipelineOptions:
    """Plain values the pipeline needs (built from the service settings by the API layer)."""

    sample_fps: float = 10.0
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
    t0 = time.perf_counter()
    info = media.probe(req.media.path)
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
    collector = None
    face_s = 0.0
    if want_video:
        landmarker = models.get("face")
        fer = models.get("facial_expression") if want_expression else None
        collector = FaceFrameCollector(
            landmarker.detect,
            fer.predict if fer else None,
            crop_size=fer.input_size if fer else 64,
        )

        def on_frame(t_s, rgb):
            nonlocal face_s
            f0 = time.perf_counter()
            collector(t_s, rgb)
            face_s += time.perf_counter() - f0

    decoded = media.decode(
        req.media.path,
        info=info,
        want_video=want_video,
        want_audio=want_audio,
        sample_fps=options.sample_fps,
        max_side_px=options.frame_max_side_px,
        max_duration_s=options.max_media_duration_s,
        on_frame=on_frame if want_video else None,
    )
    timer.add("decode", time.perf_counter() - t0 - face_s)
    if want_video:
        timer.add("face", face_s)
        coverage = sum(f.has_face for f in collector.frames) / max(1, len(collector.frames))
        if want_expression:
            out["video_emotion"] = video_emotion.summarize(
                collector.frames, sample_fps=options.sample_fps, model_name=fer.name
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
    if not want_audio:
        return
    audio = decoded.audio
    whisper = models.get("whisper")
    from models.whisper import speech_regions  # the VAD model lives with the speech models

    t0 = time.perf_counter()
    regions_s = [
        (a / media.SAMPLE_RATE_HZ, b / media.SAMPLE_RATE_HZ) for a, b in speech_regions(audio)
    ]
    timer.add("voice_activity", time.perf_counter() - t0)
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
            encoder=whisper.encode_window,
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
        segments, tinfo = whisper.transcribe(audio) if regions_s else ([], None)
        section = transcript.build_transcript(
            segments,
            language=tinfo.language if tinfo else "en",
            duration_s=decoded.audio_duration_s,
            speech_regions_s=regions_s,
            model_name=whisper.name,
        )
        timer.add("speech_to_text", time.perf_counter() - t0)
        if req.sections & {"transcript", "answer_similarity"}:
            out["transcript"] = section
        if "delivery" in req.sections:
            t0 = time.perf_counter()
            out.setdefault("delivery", {})["audio"] = delivery_audio.delivery_audio(
                audio, words=section.words, speech_regions_s=regions_s
            )
            timer.add("delivery", time.perf_counter() - t0)
            t0 = time.perf_counter()
            out["delivery"]["language"] = language.language_measures(
                section.words,
                embed=models.get("embedder").embed,
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
                embed=embedder.embed,
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
