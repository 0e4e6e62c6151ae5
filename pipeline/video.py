"""The video half of a media analysis: frames decoded at ``sample_fps`` stream through the face
landmarker and the facial-expression classifier; then facial emotion and the video delivery
measures are summarised. Returns a :class:`VideoHalf`."""

from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from analyzers import delivery_video, media, video_emotion
from analyzers.face import FaceFrameCollector
from contracts.report import DeliveryVideo, ReportWarning, VideoEmotionSection
from contracts.warnings import warning
from pipeline.progress import ProgressCallback, Timings
from pipeline.quality import truncation_warning
from pipeline.request import AnalysisRequest, PipelineOptions

LOW_FACE_COVERAGE = 0.5
MULTIPLE_FACES_MIN_SHARE = 0.1  # of the frames with a face: a passer-by in one frame is not it
MAX_FACES = 4  # models.face_landmarker.MAX_FACES: the most the landmarker reports
# While the speech half runs in its one thread, the face workers run this much "nicer": with
# two face workers and the decoder against one speech thread, equal shares left the speech
# thread a quarter of two cores and made it the last to finish (docs/PERFORMANCE.md).
FACE_WORKER_NICE = 5


@dataclass
class VideoHalf:
    """What the video half found; None where not computed."""

    video_emotion: VideoEmotionSection | None = None
    delivery_video: DeliveryVideo | None = None
    face_coverage: float = 0.0
    warnings: list[ReportWarning] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)


def nicer_thread() -> None:
    """Lower the calling thread's CPU priority (Linux: niceness is per thread)."""
    try:
        tid = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, tid) + FACE_WORKER_NICE
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    except (AttributeError, OSError):  # not Linux, or not permitted: equal shares
        pass


def analyze_video(
    req: AnalysisRequest,
    options: PipelineOptions,
    models,
    info: media.MediaInfo,
    *,
    want_expression: bool,
    on_progress: ProgressCallback,
    speech_running: bool = False,
) -> VideoHalf:
    """Decode the frames once and measure the face in each.

    Args:
        req: The request (its media file, wanted sections).
        options: Sampling rates, frame size, duration limit, parallelism.
        models: Registry with ``get(role)``: ``face`` and, for emotion, ``facial_expression``.
        info: The media's probe result.
        want_expression: Classify facial expressions (emotion on and wanted).
        on_progress: ``(stage, fraction)`` callback; ``video`` advances with the frames.
        speech_running: The speech half runs beside this one (the face workers yield to it).

    Raises:
        contracts.errors.CorruptFile, MediaTooLong: from decoding.
    """
    out = VideoHalf()
    landmarker = models.get("face")
    fer = models.get("facial_expression") if want_expression else None
    want_pose = options.pose_fps > 0 and "delivery" in req.sections
    pose = models.get("pose") if want_pose else None
    workers = getattr(landmarker, "instances", 1)
    executor = None
    if options.parallel:
        executor = ThreadPoolExecutor(
            workers,
            thread_name_prefix="caa-face",
            initializer=nicer_thread if speech_running else None,
        )
    collector = FaceFrameCollector(
        landmarker.detect,
        fer.predict if fer else None,
        crop_size=fer.input_size if fer else 64,
        classify_fps=options.expression_fps,
        executor=executor,
        max_in_flight=2 * workers,
        detect_pose=pose.detect if pose else None,
        pose_fps=options.pose_fps,
    )
    # the container's duration (0 when it does not say, as browser WebM recordings often
    # do: then the stage reports only its start and end)
    expected_frames = math.ceil(info.duration_s * options.sample_fps)

    def on_frame(t_s, rgb) -> None:
        collector(t_s, rgb)
        if expected_frames:
            on_progress("video", 0.98 * min(1.0, len(collector.frames) / expected_frames))

    on_progress("video", 0.0)
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
            on_frame=on_frame,
            max_frame_pixels=options.max_frame_pixels,
            max_fps=options.max_fps,
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
    out.timings.add("video_total", time.perf_counter() - t0)
    out.timings.add("face_landmarks", collector.detect_s)
    if want_expression:
        out.timings.add("facial_emotion", collector.classify_s)
    if pose is not None:
        out.timings.add("pose_landmarks", collector.pose_s)
    frames = collector.frames
    coverage = sum(f.has_face for f in frames) / max(1, len(frames))
    if frames:
        cut = truncation_warning(info.duration_s, frames[-1].t_s + 1 / options.sample_fps, "video")
        if cut is not None:
            out.warnings.append(cut)
    out.face_coverage = coverage
    if want_expression:
        out.video_emotion = video_emotion.summarize(
            frames,
            sample_fps=options.sample_fps,
            model_name=fer.name,
            expression_fps=options.expression_fps,
        )
    if "delivery" in req.sections:
        t0 = time.perf_counter()
        out.delivery_video = delivery_video.delivery_video(
            frames,
            sample_fps=options.sample_fps,
            pose_fps=min(options.pose_fps, options.sample_fps) if pose else None,
            pose_model=pose.name if pose else None,
        )
        out.timings.add("delivery", time.perf_counter() - t0)
    faces_max, multi_share = delivery_video.multiple_faces(frames)
    if multi_share >= MULTIPLE_FACES_MIN_SHARE:
        more = "or more " if faces_max >= MAX_FACES else ""
        out.warnings.append(
            warning(
                "multiple_faces",
                f"{faces_max} {more}faces were visible in {multi_share:.0%} of the frames with "
                "a face. Each frame's largest face was measured, taken to be the candidate's "
                "(nearest the camera); where it is not, eye contact, smiles, blinks and facial "
                "expression describe someone else.",
            )
        )
    if coverage == 0:
        out.warnings.append(warning("no_face_detected", "No face was found in any sampled frame."))
    elif coverage < LOW_FACE_COVERAGE:
        out.warnings.append(
            warning("low_face_coverage", f"A face was visible in only {coverage:.0%} of frames.")
        )
    on_progress("video", 1.0)
    return out
