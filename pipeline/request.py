"""What one analysis is asked to do: its inputs, wanted sections and plain options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from resume.extract import DocumentLimits

SECTIONS = (
    "resume",
    "video_emotion",
    "audio_emotion",
    "transcript",
    "answer_similarity",
    "delivery",
    "skills_match",
)
SPEECH_SECTIONS = frozenset({"audio_emotion", "transcript", "answer_similarity", "delivery"})
EMOTION_SECTIONS = frozenset({"video_emotion", "audio_emotion"})


@dataclass(frozen=True)
class PipelineOptions:
    """Plain values the pipeline needs (built from the service settings by its caller).

    Attributes:
        sample_fps: Video frames measured per media second (blinks need >= 8).
        expression_fps: Faces classified for facial emotion per media second (<= sample_fps).
        pose_fps: Frames whose body landmarks are read per media second, for posture and
            gestures (<= sample_fps; 0 turns them off).
        parallel: Run the speech half in a second thread while the video half runs.
        frame_max_side_px: Frames are scaled down to this longer side before analysis.
        chunk_s: Speech-emotion chunk length in seconds.
        emotion_enabled: False skips facial and speech emotion (with a warning).
        language_check: Identify the spoken language (Whisper base) and warn when not English.
        max_media_duration_s: Longest media accepted (None: no limit).
        max_frame_pixels / max_fps: Largest video frames and frame rate decoded.
        document_limits: The budget a resume is read within.
    """

    sample_fps: float = 10.0
    expression_fps: float = 5.0
    pose_fps: float = 2.5
    parallel: bool = True
    frame_max_side_px: int = 640
    chunk_s: float = 3.0
    emotion_enabled: bool = True
    language_check: bool = True
    max_media_duration_s: float | None = 900.0
    max_frame_pixels: int | None = 7680 * 4320
    max_fps: float | None = 240.0
    document_limits: DocumentLimits = field(default_factory=DocumentLimits)


@dataclass(frozen=True)
class UploadedFile:
    """A saved upload.

    Attributes:
        field: Form field it came in (``resume``, ``video`` or ``audio``).
        path: Where it is saved.
        filename: Client-side name, sanitised.
        size_bytes: Size on disk.
        detected_type: MIME type judged from the content.
    """

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
        expected_answer / question / job_description: Optional texts.
        sections: Sections wanted; ``strict`` makes a section whose input is unusable an error
            (dedicated endpoints) instead of a warning (``/analyze``).
        report_id: The id the report gets (a job keeps one across attempts); None: a new one.
    """

    resume: UploadedFile | None = None
    media: UploadedFile | None = None
    expected_answer: str | None = None
    question: str | None = None
    job_description: str | None = None
    sections: set[str] = field(default_factory=lambda: set(SECTIONS))
    strict: bool = False
    report_id: str | None = None
