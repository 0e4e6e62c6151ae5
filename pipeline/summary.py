"""What is kept of a report besides its JSON: a summary for lists and filters, recording-quality
flags, the measures its scores are computed from, and re-scoring from those measures."""

from __future__ import annotations

from datetime import UTC, datetime

from analyzers import scoring
from contracts.errors import InvalidInput
from contracts.report import AnswerSimilaritySection, Delivery, Report, SkillsMatch

SUBSCORES = ("communication", "confidence", "skill_relevance", "engagement")
_WARNING_FLAGS = {
    "no_face_detected": "no_face",
    "low_face_coverage": "low_face_coverage",
    "no_speech_detected": "no_speech",
    "transcript_incomplete": "transcript_incomplete",
    "no_audio_track": "no_audio",
    "no_video_track": "no_video",
    "multiple_faces": "multiple_faces",
    "non_english_speech": "not_english",
    "media_truncated": "media_truncated",
}


def quality_flags(report: Report) -> list[str]:
    """Recording-quality flags, with the thresholds of the scores' quality gate
    (analyzers.scoring, docs/SCORING.md): no_face, low_face_coverage, poor_video_quality
    (more than half the frames too dark or blurred), no_speech, short_answer (fewer than
    MIN_WORDS words or MIN_SPEECH_S of speech), transcript_incomplete, audio_clipping, no_audio,
    no_video, multiple_faces, not_english, media_truncated (contracts.warnings.QUALITY_FLAGS)."""
    flags = {_WARNING_FLAGS[w.code] for w in report.warnings if w.code in _WARNING_FLAGS}
    delivery = report.delivery
    video = delivery.video if delivery else None
    audio = delivery.audio if delivery else None
    if video is not None and video.frame_quality.unusable_share > scoring.MAX_UNUSABLE_FRAMES:
        flags.add("poor_video_quality")
    if audio is not None:
        if audio.clipping_ratio > scoring.MAX_CLIPPING:
            flags.add("audio_clipping")
        if audio.word_count < scoring.MIN_WORDS or audio.speech_duration_s < scoring.MIN_SPEECH_S:
            flags.add("short_answer")
    return sorted(flags)


def summarize(report: Report) -> dict:
    """The fields of contracts.resources.ReportSummary a report itself gives (ids of the job
    and candidate, the source and links are added where it is stored and listed)."""
    scores = report.scores
    match = report.skills_match
    media = next((f for f in report.inputs.files if f.duration_s is not None), None)
    return {
        "report_id": report.report_id,
        "created_at": report.created_at,
        "schema_version": report.schema_version,
        "scoring_version": scores.scoring_version if scores else None,
        "talent_score": scores.talent_score if scores else None,
        "subscores": {k: getattr(scores, k).score for k in SUBSCORES} if scores else None,
        "skills": [s.name for s in report.resume.skills] if report.resume else [],
        "job_skills_matched": match.matched if match and match.job_skills else None,
        "job_skills_missing": match.missing if match and match.job_skills else None,
        "match_ratio": match.match_ratio if match else None,
        "media_duration_s": media.duration_s if media else None,
        "warnings": sorted({w.code for w in report.warnings}),
        "quality_flags": quality_flags(report),
    }


def tags(summary: dict) -> tuple[tuple[str, str], ...]:
    """(kind, value) pairs reports are filtered by: skill (lower case), warning, quality."""
    return (
        *(("skill", s.lower()) for s in summary["skills"]),
        *(("warning", w) for w in summary["warnings"]),
        *(("quality", q) for q in summary["quality_flags"]),
    )


def measures(report: Report) -> dict:
    """The sections the scores are computed from (delivery, answer similarity, skills match),
    as JSON: enough to re-score the report without its media."""
    return {
        "delivery": report.delivery.model_dump(mode="json") if report.delivery else None,
        "answer_similarity": report.answer_similarity.model_dump(mode="json")
        if report.answer_similarity
        else None,
        "skills_match": report.skills_match.model_dump(mode="json")
        if report.skills_match
        else None,
    }


def rescore(report: Report, stored_measures: dict) -> Report:
    """The report with its scores recomputed from the stored measures under the current
    scoring version (analyzers.scoring.SCORING_VERSION); ``scores.previous_scoring_version``
    and ``scores.rescored_at`` say what it was and when.

    Raises:
        InvalidInput: the report has no delivery measures (it was never scored).
    """
    if not stored_measures.get("delivery") or report.scores is None:
        raise InvalidInput("this report has no delivery measures to score (no recording)")
    delivery = Delivery.model_validate(stored_measures["delivery"])
    similarity = stored_measures.get("answer_similarity")
    match = stored_measures.get("skills_match")
    scores = scoring.score_report(
        delivery,
        similarity=AnswerSimilaritySection.model_validate(similarity) if similarity else None,
        skills=SkillsMatch.model_validate(match) if match else None,
    )
    scores.previous_scoring_version = report.scores.scoring_version
    scores.rescored_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return report.model_copy(update={"scores": scores})
