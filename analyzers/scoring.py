"""Explained scores: four subscores and a Talent Score (0-100), each the sum of per-feature
points with the value, reference range and points shown, plus notes citing the evidence.
The formula is versioned; docs/SCORING.md documents it.

The model is additive by construction, so each feature's points are exactly its contribution
(the quantity SHAP would estimate for a black-box model). Emotion labels are never scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.report import (
    AnswerSimilaritySection,
    Contribution,
    Delivery,
    Scores,
    SkillsMatch,
    Subscore,
)

SCORING_VERSION = "1.1.0"
# 1.1.0: scores need 30 words and 15 s of speech (was 10 and 5: a 6.6 s clip scored 87) and
# English speech (a transcript an English-only model invents from other speech means nothing).
MIN_WORDS = 30
MIN_SPEECH_S = 15.0
MIN_FACE_COVERAGE = 0.5
MAX_UNUSABLE_FRAMES = 0.5
MAX_CLIPPING = 0.01
TALENT_WEIGHTS = {
    "communication": 0.30,
    "confidence": 0.25,
    "skill_relevance": 0.30,
    "engagement": 0.15,
}


@dataclass(frozen=True)
class Feature:
    """A scored feature: points = max_points x ramp(value).

    ``full`` and ``zero`` give the ramp: the value earns all points at ``full`` (and beyond, away
    from ``zero``) and none at ``zero``; with ``band`` = (lo, hi) the value earns all points
    inside the band and ramps down to ``zero`` = (lo0, hi0) on either side.
    """

    name: str
    unit: str
    max_points: float
    full: float | None = None
    zero: float | None = None
    band: tuple[float, float] | None = None
    band_zero: tuple[float, float] | None = None

    def ramp(self, v: float) -> float:
        if self.band is not None:
            lo, hi = self.band
            lo0, hi0 = self.band_zero
            if lo <= v <= hi:
                return 1.0
            if v < lo:
                return max(0.0, (v - lo0) / (lo - lo0))
            return max(0.0, (hi0 - v) / (hi0 - hi))
        full, zero = self.full, self.zero
        if full > zero:
            return min(1.0, max(0.0, (v - zero) / (full - zero)))
        return min(1.0, max(0.0, (zero - v) / (zero - full)))

    def reference(self) -> str:
        if self.band is not None:
            return (
                f"full points {self.band[0]:g}-{self.band[1]:g} {self.unit}, none at "
                f"<= {self.band_zero[0]:g} or >= {self.band_zero[1]:g}"
            )
        cmp_full, cmp_zero = (">=", "<=") if self.full > self.zero else ("<=", ">=")
        return f"full points {cmp_full} {self.full:g} {self.unit}, none {cmp_zero} {self.zero:g}"


F = Feature
COMMUNICATION = [
    F("wpm", "words/min", 25, band=(120, 160), band_zero=(80, 220)),
    F("pause_ratio", "share", 20, full=0.15, zero=0.45),
    F("long_pauses_per_min", "per min", 15, full=0.0, zero=4.0),
    F("fillers_per_min", "per min", 20, full=2.0, zero=12.0),
    F("coherence", "cosine", 10, full=0.4, zero=0.1),
    F("complete_sentence_ratio", "share", 10, full=0.8, zero=0.3),
]
CONFIDENCE = [
    F("eye_contact_ratio", "share", 35, full=0.8, zero=0.3),
    F("head_yaw_std_deg", "deg", 15, full=8.0, zero=20.0),
    F("volume_stability", "share", 20, full=0.8, zero=0.4),
    F("fillers_per_min", "per min", 15, full=2.0, zero=12.0),
    F("loudness_mean_dbfs", "dBFS", 15, full=-35.0, zero=-50.0),
]
ENGAGEMENT = [
    F("smile_ratio", "share", 25, full=0.3, zero=0.0),
    F("f0_range_semitones", "st", 25, full=8.0, zero=3.0),
    F("landmark_motion_iod_per_s", "IOD/s", 15, full=0.2, zero=0.05),
    F("speech_share", "share", 20, full=0.6, zero=0.2),
    F("sentiment_compound", "VADER", 15, full=0.2, zero=-0.3),
]
SKILL_RELEVANCE = [
    F("answer_cosine_similarity", "cosine", 35, full=0.6, zero=0.1),
    F("key_point_coverage", "share", 35, full=1.0, zero=0.0),
    F("relevance_to_question", "cosine", 15, full=0.5, zero=0.1),
    F("resume_skills_evidenced_ratio", "share", 15, full=0.5, zero=0.0),
    F("job_skills_match_ratio", "share", 15, full=1.0, zero=0.0),
]


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def _score(
    features: list[Feature], values: dict[str, float | None]
) -> tuple[float, list[Contribution]]:
    """Points of the features that have a value, rescaled so their maxima sum to 100."""
    available = [f for f in features if values.get(f.name) is not None]
    total_max = sum(f.max_points for f in available)
    contributions = []
    for f in features:
        v = values.get(f.name)
        if v is None:
            contributions.append(
                Contribution(
                    feature=f.name,
                    value=None,
                    unit=f.unit,
                    reference=f.reference(),
                    points=0.0,
                    max_points=0.0,
                )
            )
            continue
        max_points = round(f.max_points * 100 / total_max, 2)
        contributions.append(
            Contribution(
                feature=f.name,
                value=round(float(v), 3),
                unit=f.unit,
                reference=f.reference(),
                points=round(max_points * f.ramp(float(v)), 2),
                max_points=max_points,
            )
        )
    return round(sum(c.points for c in contributions), 2), contributions


def _null(reason: str) -> Subscore:
    return Subscore(score=None, null_reason=reason, contributions=[], notes=[])


def score_report(
    delivery: Delivery | None,
    *,
    similarity: AnswerSimilaritySection | None = None,
    skills: SkillsMatch | None = None,
) -> Scores:
    """Subscores, Talent Score and notes from the report's measures.

    Args:
        delivery: The report's ``delivery`` section (video, audio, language; any may be None).
        similarity: The ``answer_similarity`` section, if computed.
        skills: The ``skills_match`` section, if computed.

    Returns:
        Scores with contributions that sum exactly to each (sub)score, and None with a reason
        where the recording cannot support a subscore (the quality gate).
    """
    video = delivery.video if delivery else None
    audio = delivery.audio if delivery else None
    lang = delivery.language if delivery else None
    speech_reason = _speech_gate(audio)
    face_reason = _face_gate(video)
    a = _audio_values(audio)
    v = _video_values(video)
    notes = _notes(audio, video, lang)
    if similarity is not None:
        notes.append(
            (
                "answer_cosine_similarity",
                f"similarity to the expected answer {similarity.cosine_similarity:.2f} (cosine)",
            )
        )
    if skills is not None:
        for e in skills.resume_skills:
            if e.evidenced_in_answer:
                notes.append(
                    (
                        "resume_skills_evidenced_ratio",
                        f"resume skill '{e.name}' mentioned at {_mmss(e.start_s)}",
                    )
                )
        if skills.resume_skills and not any(e.evidenced_in_answer for e in skills.resume_skills):
            notes.append(
                ("resume_skills_evidenced_ratio", "no resume skill is named in the answer")
            )
        for name in skills.missing[:5]:
            notes.append(("job_skills_match_ratio", f"job skill '{name}' not on the resume"))

    if speech_reason:
        communication = _null(speech_reason)
    else:
        vals = {
            **a,
            "coherence": lang.coherence if lang else None,
            "complete_sentence_ratio": lang.grammar.complete_sentence_ratio if lang else None,
        }
        communication = _subscore(COMMUNICATION, vals, notes)
    if speech_reason or face_reason:
        reason = "; ".join(r for r in (face_reason, speech_reason) if r)
        confidence = _null(reason)
        engagement = _null(reason)
    else:
        confidence = _subscore(CONFIDENCE, {**a, **v}, notes)
        vals = {**a, **v, "sentiment_compound": lang.sentiment.compound_mean if lang else None}
        engagement = _subscore(ENGAGEMENT, vals, notes)
    rel_values = {
        "answer_cosine_similarity": similarity.cosine_similarity if similarity else None,
        "key_point_coverage": lang.key_point_coverage if lang else None,
        "relevance_to_question": lang.relevance_to_question if lang else None,
        "resume_skills_evidenced_ratio": skills.evidenced_ratio if skills else None,
        "job_skills_match_ratio": skills.match_ratio if skills else None,
    }
    if speech_reason:
        skill_relevance = _null(speech_reason)
    elif all(x is None for x in rel_values.values()):
        skill_relevance = _null(
            "nothing to compare the answer with: send expected_answer, "
            "question, resume or job_description"
        )
    else:
        skill_relevance = _subscore(SKILL_RELEVANCE, rel_values, notes)
    subs = {
        "communication": communication,
        "confidence": confidence,
        "skill_relevance": skill_relevance,
        "engagement": engagement,
    }
    available = {k: s for k, s in subs.items() if s.score is not None}
    if len(available) < 2:
        talent, parts, reason = None, [], "fewer than two subscores could be computed"
    else:
        wsum = sum(TALENT_WEIGHTS[k] for k in available)
        parts = []
        for k, s in subs.items():
            weight = round(TALENT_WEIGHTS[k] / wsum, 4) if k in available else 0.0
            parts.append(
                Contribution(
                    feature=k,
                    value=s.score,
                    unit="points",
                    reference=f"weight {weight:g}",
                    points=round(s.score * weight, 2) if s.score is not None else 0.0,
                    max_points=round(100 * weight, 2),
                )
            )
        talent, reason = round(sum(p.points for p in parts), 2), None
    return Scores(
        scoring_version=SCORING_VERSION,
        talent_score=talent,
        null_reason=reason,
        contributions=parts,
        **subs,
    )


def _subscore(features, values, notes) -> Subscore:
    score, contributions = _score(features, values)
    names = {f.name for f in features}
    return Subscore(
        score=score,
        null_reason=None,
        contributions=contributions,
        notes=[n for key, n in notes if key in names],
    )


def _speech_gate(audio) -> str | None:
    if audio is None:
        return "no audio was analysed"
    spoken = audio.spoken_language
    if spoken is not None and not spoken.english:
        return (
            f"the speech is not English ('{spoken.code}', {spoken.probability:.0%}): the "
            "transcript, and every measure built on it, does not say what was said"
        )
    if audio.clipping_ratio > MAX_CLIPPING:
        return f"the audio is clipped ({audio.clipping_ratio:.1%} of samples at full scale)"
    if audio.word_count < MIN_WORDS or audio.speech_duration_s < MIN_SPEECH_S:
        return (
            f"too little speech to judge ({audio.word_count} words, "
            f"{audio.speech_duration_s:.1f} s of speech; needs {MIN_WORDS} words and "
            f"{MIN_SPEECH_S:g} s)"
        )
    return None


def _face_gate(video) -> str | None:
    if video is None:
        return "no video was analysed"
    if video.face_coverage < MIN_FACE_COVERAGE:
        return f"the face is visible in only {video.face_coverage:.0%} of frames"
    if video.frame_quality.unusable_share > MAX_UNUSABLE_FRAMES:
        return (
            f"{video.frame_quality.unusable_share:.0%} of frames are too dark or blurred to trust"
        )
    return None


def _audio_values(audio) -> dict[str, float | None]:
    if audio is None or audio.wpm is None:
        return {}
    minutes = max((audio.answer_end_s - audio.answer_start_s) / 60, 1e-6)
    return {
        "wpm": audio.wpm,
        "pause_ratio": audio.pause_ratio,
        "long_pauses_per_min": audio.long_pause_count / minutes,
        "fillers_per_min": audio.filler_words.rate_per_min,
        "volume_stability": audio.volume_stability,
        "loudness_mean_dbfs": audio.loudness_db.mean_dbfs if audio.loudness_db else None,
        "f0_range_semitones": audio.f0_hz.range_semitones if audio.f0_hz else None,
        "speech_share": audio.speech_duration_s / audio.duration_s if audio.duration_s else None,
    }


def _video_values(video) -> dict[str, float | None]:
    if video is None:
        return {}
    return {
        "eye_contact_ratio": video.eye_contact_ratio,
        "head_yaw_std_deg": video.head_movement.yaw_std_deg if video.head_movement else None,
        "smile_ratio": video.smile_ratio,
        "landmark_motion_iod_per_s": video.landmark_stability.mean_motion_iod_per_s
        if video.landmark_stability
        else None,
    }


def _notes(audio, video, lang) -> list[tuple[str, str]]:
    """(feature, sentence) pairs citing the evidence behind each feature."""
    out: list[tuple[str, str]] = []
    if audio is not None and audio.wpm is not None:
        out.append(
            (
                "wpm",
                f"spoke at {audio.wpm:.0f} words per minute over "
                f"{audio.answer_end_s - audio.answer_start_s:.0f} s",
            )
        )
        for p in audio.long_pauses[:5]:
            out.append(
                ("long_pauses_per_min", f"long pause of {p.duration_s:.1f} s at {_mmss(p.start_s)}")
            )
        if audio.long_pause_count > 5:
            out.append(("long_pauses_per_min", f"{audio.long_pause_count} long pauses in all"))
        f = audio.filler_words
        for word, count in f.by_word.items():
            out.append(("fillers_per_min", f"said '{word}' {count} times"))
        if f.count:
            out.append(("fillers_per_min", f"{f.count} fillers, {f.rate_per_min:.1f} per minute"))
        if not audio.long_pauses:
            out.append(("long_pauses_per_min", "no pause longer than 1 s"))
        if not f.count:
            out.append(("fillers_per_min", "no filler words (um, uh, like, you know)"))
        out.append(("pause_ratio", f"paused for {audio.pause_ratio:.0%} of the answer"))
        if audio.volume_stability is not None:
            out.append(
                (
                    "volume_stability",
                    f"voice level within 6 dB of its median in "
                    f"{audio.volume_stability:.0%} of speech",
                )
            )
        if audio.loudness_db:
            out.append(
                (
                    "loudness_mean_dbfs",
                    f"speech level {audio.loudness_db.mean_dbfs:.0f} dBFS on average",
                )
            )
        if audio.duration_s:
            out.append(
                (
                    "speech_share",
                    f"spoke for {audio.speech_duration_s:.0f} s of {audio.duration_s:.0f} s",
                )
            )
        if audio.f0_hz:
            out.append(
                (
                    "f0_range_semitones",
                    f"pitch range {audio.f0_hz.range_semitones:.1f} semitones "
                    f"({audio.f0_hz.p5_hz:.0f}-{audio.f0_hz.p95_hz:.0f} Hz)",
                )
            )
    if video is not None and video.eye_contact_ratio is not None:
        out.append(
            (
                "eye_contact_ratio",
                f"looked at the camera in {video.eye_contact_ratio:.0%} of frames",
            )
        )
        out.append(("smile_ratio", f"smiled in {video.smile_ratio:.0%} of frames"))
        if video.landmark_stability:
            out.append(
                (
                    "landmark_motion_iod_per_s",
                    f"face moved {video.landmark_stability.mean_motion_iod_per_s:.2f} "
                    "eye-distances per second on average",
                )
            )
        if video.head_movement:
            out.append(
                (
                    "head_yaw_std_deg",
                    f"head turned by {video.head_movement.yaw_std_deg:.1f} degrees (s.d.)",
                )
            )
    if lang is not None:
        if lang.coherence is not None:
            out.append(
                ("coherence", f"consecutive sentences similar at {lang.coherence:.2f} (cosine)")
            )
        if lang.relevance_to_question is not None:
            out.append(
                (
                    "relevance_to_question",
                    f"answer-question similarity {lang.relevance_to_question:.2f} (cosine)",
                )
            )
        if lang.sentiment.compound_mean is not None:
            out.append(
                (
                    "sentiment_compound",
                    f"tone of the words {lang.sentiment.label} "
                    f"(VADER {lang.sentiment.compound_mean:+.2f})",
                )
            )
        for kp in lang.key_points:
            if kp.covered:
                out.append(
                    ("key_point_coverage", f"key point '{kp.point}' covered at {_mmss(kp.start_s)}")
                )
            else:
                out.append(("key_point_coverage", f"key point '{kp.point}' missing"))
        for frag in lang.grammar.fragments[:3]:
            out.append(("complete_sentence_ratio", f'incomplete sentence: "{frag}"'))
    return out
