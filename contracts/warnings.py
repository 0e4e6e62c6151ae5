"""The catalogue of report warning codes: every ``warnings[].code`` a report can carry.

A warning says that part of the input could not support part of the analysis (partial signal
is data, not an error). Codes are stable; messages are for people and may change.
"""

from __future__ import annotations

from contracts.report import ReportWarning

WARNING_CODES: dict[str, str] = {
    "emotion_analysis_disabled": "Emotion analysis is turned off on this server; the emotion "
    "sections are null.",
    "no_skills_found": "No skill of the taxonomy was found in the resume.",
    "media_truncated": "Less of the media could be decoded than the file declares.",
    "no_video_track": "The media has no video stream; facial analysis was skipped.",
    "no_audio_track": "The media has no audio track; speech analyses were skipped.",
    "no_face_detected": "No face was found in any sampled frame.",
    "multiple_faces": "Several faces were visible; the largest face of each frame was measured.",
    "low_face_coverage": "A face was visible in fewer than half of the sampled frames.",
    "no_speech_detected": "Voice activity detection found no speech in the audio.",
    "speech_emotion_out_of_domain": "Most speech chunks do not resemble the speech the "
    "speech-emotion model was trained on; its labels are extrapolations.",
    "non_english_speech": "The speech is not English: the transcript-based measures mean little "
    "and no score is given.",
    "language_not_checked": "The spoken language could not be identified (too little speech, or "
    "the model is missing).",
    "transcript_incomplete": "Part of the detected speech was left untranscribed; measures "
    "built on the words are partial.",
    "empty_transcript": "Nothing was transcribed; answer similarity is 0.",
    "no_expected_answer": "No expected_answer was sent; answer similarity was skipped.",
}


QUALITY_FLAGS: tuple[str, ...] = (
    "no_face",
    "low_face_coverage",
    "poor_video_quality",
    "no_speech",
    "short_answer",
    "transcript_incomplete",
    "audio_clipping",
    "no_audio",
    "no_video",
    "multiple_faces",
    "not_english",
    "media_truncated",
)
"""Recording-quality flags of report summaries (pipeline.summary.quality_flags)."""


def warning(code: str, message: str) -> ReportWarning:
    """A report warning with a catalogued code.

    Raises:
        KeyError: ``code`` is not in :data:`WARNING_CODES` (add it there first).
    """
    if code not in WARNING_CODES:
        raise KeyError(f"warning code {code!r} is not in contracts.warnings.WARNING_CODES")
    return ReportWarning(code=code, message=message)
