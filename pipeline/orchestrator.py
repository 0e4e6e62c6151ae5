"""The orchestrator: one analysis as named stages that return values.

    resume ─────────────────────────────────────────────┐
    ingest (probe, audio) ─┬─ speech half (thread) ─────┤
                           └─ video half ───────────────┼─ skills_match ─ scoring ─ report
                                                        │
The media is decoded once for audio and once for frames (analyzers.media); the speech half
runs in a second thread while the video half runs (docs/decisions/0007-parallel-stages.md).
Every stage reports ``on_progress(stage, fraction)`` to a :class:`StageTracker`.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from analyzers import media, scoring, skills_match
from contracts.errors import NoAudioTrack, NoVideoTrack
from contracts.report import (
    EMOTION_NOTICE,
    Delivery,
    EmotionAnalysisInfo,
    InputFile,
    Inputs,
    Report,
    ReportWarning,
    ResumeSection,
    Scores,
    SkillsMatch,
)
from contracts.warnings import warning
from models import paths
from pipeline.progress import StageTracker, Timings
from pipeline.quality import truncation_warning
from pipeline.request import (
    EMOTION_SECTIONS,
    SPEECH_SECTIONS,
    AnalysisRequest,
    PipelineOptions,
    UploadedFile,
)
from pipeline.speech import SpeechHalf, analyze_speech
from pipeline.video import VideoHalf, analyze_video
from resume.extract import DocumentLimits, extract_text
from resume.skills import find_skills, load_taxonomy


def plan_stages(req: AnalysisRequest, options: PipelineOptions) -> list[str]:
    """The stages an analysis of ``req`` may run, in order (before the media is probed: a
    stage whose stream turns out to be absent is later marked skipped)."""
    s = req.sections
    emotion = options.emotion_enabled
    stages = []
    if req.media is not None:
        stages.append("ingest")
    if req.resume is not None and "resume" in s:
        stages.append("resume")
    if req.media is not None:
        speech = bool(s & SPEECH_SECTIONS)
        if speech:
            stages.append("voice_activity")
        if speech and options.language_check:
            stages.append("language_id")
        if "audio_emotion" in s and emotion:
            stages.append("speech_emotion")
        if s & {"transcript", "answer_similarity", "delivery"}:
            stages.append("speech_to_text")
        if ("video_emotion" in s and emotion) or "delivery" in s:
            stages.append("video")
        if "delivery" in s:
            stages.append("audio_features")
        if s & {"delivery", "answer_similarity"}:
            stages.append("language")
    if "skills_match" in s and req.resume is not None:
        stages.append("skills_match")
    if "delivery" in s and req.media is not None:
        stages.append("scoring")
    return stages


@dataclass
class ResumeResult:
    section: ResumeSection
    input_file: InputFile
    warnings: list[ReportWarning] = field(default_factory=list)
    text: str = ""  # the document's text (kept out of the report)


@dataclass
class Ingested:
    """The probed media and its decoded audio, and which halves can run."""

    info: media.MediaInfo
    input_file: InputFile
    audio: np.ndarray | None
    audio_duration_s: float
    want_video: bool
    want_expression: bool
    warnings: list[ReportWarning] = field(default_factory=list)


def run(
    req: AnalysisRequest,
    options: PipelineOptions,
    models,
    tracker: StageTracker | None = None,
) -> Report:
    """Analyse the inputs and build the report.

    Args:
        req: Inputs and wanted sections.
        options: Sampling rates, chunk length, emotion switch, limits.
        models: A models.registry.ModelRegistry (``get(role)``).
        tracker: Receives each stage's progress; None: not followed.

    Returns:
        The report (contracts.report.Report).

    Raises:
        contracts.errors.AnalysisError subclasses for unusable input (see each analyzer), and
        whatever the tracker's listener raises (e.g. a cancelled job).
    """
    tracker = tracker or StageTracker(plan_stages(req, options))
    timer = Timings()
    started = time.perf_counter()
    warnings: list[ReportWarning] = []
    try:
        if req.sections & EMOTION_SECTIONS and not options.emotion_enabled:
            warnings.append(
                warning(
                    "emotion_analysis_disabled", "Emotion analysis is turned off on this server."
                )
            )
        files: list[InputFile] = []
        resume = None
        if req.resume is not None and "resume" in req.sections:
            resume = resume_stage(
                req.resume,
                tracker.on_progress,
                timer,
                options.document_limits,
                semantic=skill_model(models),
            )
            files.append(resume.input_file)
            warnings += resume.warnings
        speech, video = SpeechHalf(), VideoHalf()
        if req.media is not None:
            ingested = ingest_stage(req, options, tracker, timer)
            files.append(ingested.input_file)
            warnings += ingested.warnings
            speech, video = media_halves(req, options, models, ingested, tracker)
            timer.merge(video.timings)
            timer.merge(speech.timings)
            truncated = any(w.code == "media_truncated" for w in ingested.warnings)
            warnings += [  # one media_truncated warning, from the audio or else the video
                w for w in video.warnings if not (truncated and w.code == "media_truncated")
            ] + speech.warnings
        delivery = None
        if video.delivery_video or speech.delivery_audio or speech.delivery_language:
            delivery = Delivery(
                video=video.delivery_video,
                audio=speech.delivery_audio,
                language=speech.delivery_language,
            )
        match = None
        if "skills_match" in req.sections and resume is not None:
            match = skills_match_stage(
                req,
                resume.section,
                speech,
                tracker.on_progress,
                timer,
                skill_model(models),
                resume_text=resume.text,
            )
        scores = None
        if "delivery" in req.sections and delivery is not None:
            scores = scoring_stage(delivery, speech, match, tracker.on_progress)
    except BaseException:
        tracker.fail_running()
        raise
    tracker.skip_pending()  # planned but not needed (a missing stream, no expected answer)
    timer.add("total", time.perf_counter() - started)
    return Report(
        report_id=req.report_id or str(uuid.uuid4()),
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        inputs=Inputs(
            files=files,
            question_chars=len(req.question) if req.question else None,
            expected_answer_chars=len(req.expected_answer) if req.expected_answer else None,
            job_description_chars=len(req.job_description) if req.job_description else None,
        ),
        resume=resume.section if resume else None,
        video_emotion=video.video_emotion,
        audio_emotion=speech.audio_emotion,
        transcript=speech.transcript,
        answer_similarity=speech.answer_similarity,
        delivery=delivery,
        skills_match=match,
        scores=scores,
        emotion_analysis=EmotionAnalysisInfo(
            enabled=options.emotion_enabled, notice=EMOTION_NOTICE
        ),
        timings_ms=timer.ms,
        warnings=warnings,
    )


def input_file(f: UploadedFile, info: media.MediaInfo | None = None) -> InputFile:
    """The report's description of an uploaded file (and of its media streams)."""
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


def register_roles(models) -> None:
    """Add the pipeline's own model roles to a models.registry.ModelRegistry: ``skills``, the
    skill-phrase classifier and ESCO linker (resume/semantic.py) on the parser's tagger."""

    def build():
        from resume.semantic import SemanticSkillModel

        return SemanticSkillModel(
            models.get("parser").tag, load_taxonomy(), tokenizer_path=paths.minilm_tokenizer()
        )

    models.register("skills", build)


def skill_model(models):
    """The ``skills`` model of the registry (registering the role on first use); None without
    a registry (the gazetteer alone then)."""
    if models is None:
        return None
    register_roles(models)
    return models.get("skills")


def resume_stage(
    upload: UploadedFile,
    on_progress,
    timer: Timings,
    limits: DocumentLimits | None = None,
    semantic=None,
) -> ResumeResult:
    """Resume text (resume.extract) and its skills (resume.skills; with ``semantic``, a
    resume.semantic.SemanticSkillModel, also the skills stated in prose and lists that the
    taxonomy does not name).

    Raises:
        contracts.errors.UnsupportedType, CorruptFile, TooLarge, NoExtractableText.
    """
    on_progress("resume", 0.0)
    t0 = time.perf_counter()
    text = extract_text(upload.path.read_bytes(), limits=limits)
    timer.add("resume_text", time.perf_counter() - t0)
    on_progress("resume", 0.5)
    t0 = time.perf_counter()
    tax = load_taxonomy()
    skills = find_skills(text.text, tax, semantic=semantic)
    timer.add("resume_skills", time.perf_counter() - t0)
    result = ResumeResult(
        section=ResumeSection(
            format=text.format,
            pages=text.pages,
            text_chars=len(text.text),
            text_extractor=text.extractor,
            skills=skills,
            taxonomy=f"{tax.name} (taxonomy {tax.version})",
        ),
        input_file=input_file(upload),
        text=text.text,
    )
    if not skills:
        result.warnings.append(
            warning("no_skills_found", "No skill of the taxonomy was found in the resume.")
        )
    on_progress("resume", 1.0)
    return result


def ingest_stage(
    req: AnalysisRequest, options: PipelineOptions, tracker: StageTracker, timer: Timings
) -> Ingested:
    """Probe the media and decode its audio (a fast audio-only pass); decide which halves run.

    Raises:
        contracts.errors.CorruptFile, MediaTooLong; NoVideoTrack / NoAudioTrack when ``strict``
        and a wanted stream is absent.
    """
    tracker.on_progress("ingest", 0.0)
    t0 = time.perf_counter()
    info = media.probe(req.media.path)
    timer.add("decode_audio", time.perf_counter() - t0)  # probe + the audio-only pass
    out = Ingested(
        info=info,
        input_file=input_file(req.media, info),
        audio=None,
        audio_duration_s=0.0,
        want_video=False,
        want_expression="video_emotion" in req.sections and options.emotion_enabled,
    )
    want_face = out.want_expression or "delivery" in req.sections
    want_speech = bool(req.sections & SPEECH_SECTIONS)
    out.want_video = want_face and info.has_video
    if out.want_video:  # refuse before the audio pass, not after it
        media.check_video_budget(info, options.max_frame_pixels, options.max_fps)
    if want_face and not info.has_video:
        if req.strict:
            raise NoVideoTrack("the file has no video stream; facial emotion needs a video")
        out.warnings.append(
            warning("no_video_track", "The media has no video stream; facial analysis was skipped.")
        )
    if want_speech and not info.has_audio:
        if req.strict:
            raise NoAudioTrack("the file has no audio track; speech analysis needs one")
        out.warnings.append(
            warning(
                "no_audio_track",
                "The media has no audio track; transcript, speech emotion and similarity "
                "were skipped.",
            )
        )
    if want_speech and info.has_audio:
        t0 = time.perf_counter()
        decoded = media.decode(
            req.media.path,
            info=info,
            want_video=False,
            want_audio=True,
            max_duration_s=options.max_media_duration_s,
        )
        timer.add("decode_audio", time.perf_counter() - t0)
        out.audio, out.audio_duration_s = decoded.audio, decoded.audio_duration_s
        cut = truncation_warning(info.duration_s, decoded.audio_duration_s, "audio")
        if cut is not None:
            out.warnings.append(cut)
    tracker.on_progress("ingest", 1.0)
    return out


def media_halves(
    req: AnalysisRequest,
    options: PipelineOptions,
    models,
    ingested: Ingested,
    tracker: StageTracker,
) -> tuple[SpeechHalf, VideoHalf]:
    """The speech half in a worker thread while this thread runs the video half: they share no
    state and the heavy parts (CTranslate2, MediaPipe, onnxruntime, FFmpeg) release the GIL,
    so on two cores they overlap. Without video (or ``parallel=False``) the speech half runs
    first, in this thread. If either half fails, the other stops at its next stage boundary
    and the first error is raised."""
    speech, video = SpeechHalf(), VideoHalf()
    cancel = threading.Event()

    def speech_half() -> SpeechHalf:
        return analyze_speech(
            req,
            options,
            models,
            ingested.audio,
            ingested.audio_duration_s,
            tracker.on_progress,
            stop=cancel.is_set,
        )

    parallel = ingested.want_video and options.parallel
    future = None
    pool = None
    if ingested.audio is not None:
        if parallel:
            pool = ThreadPoolExecutor(1, thread_name_prefix="caa-audio")
            future = pool.submit(speech_half)
        else:
            speech = speech_half()
    try:
        if ingested.want_video:
            video = analyze_video(
                req,
                options,
                models,
                ingested.info,
                want_expression=ingested.want_expression,
                on_progress=tracker.on_progress,
                speech_running=future is not None and not future.done(),
            )
    except BaseException:
        cancel.set()  # the analysis fails anyway: stop the speech half early
        if future is not None:
            try:
                future.result()
            except BaseException:  # noqa: S110 - the video half's error is the one raised
                pass
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    if future is not None:
        speech = future.result()  # re-raises the speech half's error
    return speech, video


def skills_match_stage(
    req: AnalysisRequest,
    resume: ResumeSection,
    speech: SpeechHalf,
    on_progress,
    timer: Timings,
    semantic=None,
    resume_text: str | None = None,
) -> SkillsMatch | None:
    """The resume's skills against the job description and the spoken answer (when either);
    ``semantic`` as for :func:`resume_stage`; ``resume_text`` for job skills the resume states
    in words (analyzers.skills_match)."""
    on_progress("skills_match", 0.0)
    t0 = time.perf_counter()
    words = speech.transcript.words if speech.transcript else None
    match = None
    if req.job_description or words is not None:
        match = skills_match.skills_match(
            resume.skills,
            taxonomy=load_taxonomy(),
            job_description=req.job_description,
            words=words,
            semantic=semantic,
            resume_text=resume_text,
        )
    timer.add("skills_match", time.perf_counter() - t0)
    on_progress("skills_match", 1.0)
    return match


def scoring_stage(
    delivery: Delivery, speech: SpeechHalf, match: SkillsMatch | None, on_progress
) -> Scores:
    """Subscores, Talent Score, contributions and notes (analyzers.scoring)."""
    on_progress("scoring", 0.0)
    scores = scoring.score_report(delivery, similarity=speech.answer_similarity, skills=match)
    on_progress("scoring", 1.0)
    return scores
