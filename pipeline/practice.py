"""Practice: follow-up questions and tips from a report's weak spots, the measures a candidate's
growth is followed on, and whether a retake's difference exceeds session-to-session noise.

Everything here reads a finished :class:`contracts.report.Report`; nothing runs a model. The
rules cite their evidence (the key point, the resume snippet, the pause times) and use the
scores' own references (analyzers.scoring): a tip is given for a delivery measure that earned
less than half of its points. docs/PRACTICE.md describes the rules and the noise estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from analyzers import scoring
from contracts.report import Report


@dataclass(frozen=True)
class Measure:
    """A measure followed across sessions: ``better`` says which way is an improvement
    (None: neither, e.g. pace, best inside a band)."""

    name: str
    label: str
    unit: str
    better: Literal["higher", "lower"] | None
    scale_max: float  # the chart's y range


MEASURES: tuple[Measure, ...] = (
    Measure("talent_score", "Talent score", "0-100", "higher", 100),
    Measure("communication", "Communication", "0-100", "higher", 100),
    Measure("confidence", "Confidence", "0-100", "higher", 100),
    Measure("skill_relevance", "Skill relevance", "0-100", "higher", 100),
    Measure("engagement", "Engagement", "0-100", "higher", 100),
    Measure("wpm", "Pace", "words/min", None, 250),
    Measure("fillers_per_min", "Filler words", "per min", "lower", 20),
    Measure("long_pauses_per_min", "Long pauses (> 1 s)", "per min", "lower", 10),
    Measure("eye_contact_ratio", "Eye contact", "share of frames", "higher", 1),
    Measure("key_point_coverage", "Key points covered", "share", "higher", 1),
)
MEASURE_BY_NAME = {m.name: m for m in MEASURES}
# the time-based measures whose noise is estimated from the two halves of each answer
SPLIT_HALF = ("wpm", "fillers_per_min", "long_pauses_per_min", "eye_contact_ratio")
Z95 = 1.96
MIN_HALF_S = 5.0  # an answer whose halves are shorter gives no split-half estimate


def session_measures(report: Report) -> dict[str, float | None]:
    """The values of :data:`MEASURES` in ``report`` (None where the report has none)."""
    out: dict[str, float | None] = dict.fromkeys(MEASURE_BY_NAME)
    scores = report.scores
    if scores is not None:
        out["talent_score"] = scores.talent_score
        for name in ("communication", "confidence", "skill_relevance", "engagement"):
            out[name] = getattr(scores, name).score
    d = report.delivery
    audio = d.audio if d else None
    if audio is not None and audio.word_count:
        span_min = _span_min(report)
        out["wpm"] = audio.wpm
        out["fillers_per_min"] = audio.filler_words.rate_per_min
        if span_min:
            out["long_pauses_per_min"] = round(audio.long_pause_count / span_min, 2)
    if d and d.video is not None:
        out["eye_contact_ratio"] = d.video.eye_contact_ratio
    if d and d.language is not None and d.language.key_points:
        out["key_point_coverage"] = d.language.key_point_coverage
    return out


def _span(report: Report) -> tuple[float, float] | None:
    audio = report.delivery.audio if report.delivery else None
    if audio is None or audio.answer_start_s is None or audio.answer_end_s is None:
        return None
    if audio.answer_end_s <= audio.answer_start_s:
        return None
    return audio.answer_start_s, audio.answer_end_s


def _span_min(report: Report) -> float | None:
    span = _span(report)
    return (span[1] - span[0]) / 60 if span else None


def split_halves(report: Report) -> dict[str, tuple[float, float]]:
    """The time-based measures (:data:`SPLIT_HALF`) on the first and the second half of the
    answer span, each half its own small session: {measure: (first half, second half)}.
    Empty when the answer is shorter than 2 x MIN_HALF_S."""
    span = _span(report)
    if span is None or span[1] - span[0] < 2 * MIN_HALF_S:
        return {}
    start, end = span
    mid = (start + end) / 2
    halves = ((start, mid), (mid, end + 1e-6))
    minutes = (mid - start) / 60
    audio = report.delivery.audio
    words = report.transcript.words if report.transcript else []
    out: dict[str, tuple[float, float]] = {}

    def rate(times) -> tuple[float, float]:
        first, second = (sum(1 for t in times if a <= t < b) / minutes for a, b in halves)
        return round(first, 3), round(second, 3)

    if words:
        out["wpm"] = rate([w.start_s for w in words])
    out["fillers_per_min"] = rate(audio.filler_words.times_s)
    out["long_pauses_per_min"] = rate([p.start_s for p in audio.long_pauses])
    video = report.delivery.video
    if video is not None and video.timeline:
        means = []
        for a, b in halves:
            bins = [
                p.eye_contact
                for p in video.timeline
                if a <= p.t_s < b and p.eye_contact is not None and p.face > 0
            ]
            means.append(sum(bins) / len(bins) if bins else None)
        if None not in means:
            out["eye_contact_ratio"] = (round(means[0], 4), round(means[1], 4))
    return out


@dataclass(frozen=True)
class Noise:
    """The standard deviation of one session-to-session difference of a measure, and how it
    was estimated."""

    sd: float
    method: str
    sessions: int


@dataclass(frozen=True)
class RateNoise:
    """A time-based measure's variance per unit of time, ``sigma2_per_min`` (the variance of
    the measure taken over T minutes is sigma2_per_min / T), from ``sessions`` answers."""

    sigma2_per_min: float
    sessions: int

    def of_difference(self, minutes_a: float, minutes_b: float) -> Noise:
        """The noise of the difference between two sessions of these lengths."""
        variance = self.sigma2_per_min * (1 / minutes_a + 1 / minutes_b)
        return Noise(
            sd=math.sqrt(variance),
            method=f"split-half differences of {self.sessions} session(s)",
            sessions=self.sessions,
        )


# the least half-to-half difference counted: one event (a word, a filler, a long pause) per half,
# or one second of eye contact per half; so a measure seen at 0 in every half still has noise
EVENT_MEASURES = ("wpm", "fillers_per_min", "long_pauses_per_min")


def _least_difference(name: str, half_min: float) -> float:
    return 1 / half_min if name in EVENT_MEASURES else 1 / (half_min * 60)


def retake_noise(reports: list[Report]) -> dict[str, RateNoise]:
    """Session-to-session noise of each time-based measure, from the split halves of every
    session in ``reports`` (the candidate's sessions, any question).

    A measure that is a rate over the answer has a variance inversely proportional to the time
    T it is measured over: Var = s2 / T. Two halves of one answer (T/2 each) differ with
    variance 4 s2 / T, so each answer gives the estimate s2 = (a - b)^2 T / 4 (its half-to-half
    difference at least one event per half), and the answers' estimates are averaged. A retake
    of sessions of T1 and T2 minutes then differs with variance s2 (1/T1 + 1/T2). Drift
    within an answer (a nervous start) adds to the halves' difference, so the estimate errs
    towards calling a real change noise.
    """
    estimates: dict[str, list[float]] = {}
    for report in reports:
        minutes = _span_min(report)
        for name, (a, b) in split_halves(report).items():
            least = _least_difference(name, minutes / 2)
            estimates.setdefault(name, []).append(max((a - b) ** 2, least**2) * minutes / 4)
    return {
        name: RateNoise(sigma2_per_min=sum(values) / len(values), sessions=len(values))
        for name, values in estimates.items()
    }


def _coverage_noise(first: Report, second: Report) -> Noise | None:
    """Key-point coverage: each point covered or not, so a session's share has the binomial
    variance p (1 - p) / n; the difference's variance is the sum of both."""
    variances = []
    for r in (first, second):
        lang = r.delivery.language if r.delivery else None
        if lang is None or not lang.key_points or lang.key_point_coverage is None:
            return None
        p, n = lang.key_point_coverage, len(lang.key_points)
        variances.append(max(p * (1 - p), 0.25 / n) / n)  # never zero: one point can flip
    return Noise(sd=math.sqrt(sum(variances)), method="binomial, per key point", sessions=2)


@dataclass(frozen=True)
class RetakeDelta:
    measure: Measure
    before: float | None
    after: float | None
    delta: float | None
    noise: Noise | None
    beyond_noise: bool | None  # None: no noise estimate
    improved: bool | None  # None: no direction (pace) or no difference beyond noise


def retake_deltas(
    first: Report, second: Report, noise: dict[str, RateNoise] | None = None
) -> list[RetakeDelta]:
    """Per measure: the retake's difference (second - first), and whether it exceeds 1.96
    times the session-to-session noise (``noise``: :func:`retake_noise` of the candidate's
    sessions, scaled to these two sessions' lengths; key-point coverage: binomial). Scores get
    no noise estimate."""
    noise = noise if noise is not None else retake_noise([first, second])
    a, b = session_measures(first), session_measures(second)
    minutes = (_span_min(first), _span_min(second))
    out = []
    for m in MEASURES:
        before, after = a[m.name], b[m.name]
        delta = None if before is None or after is None else round(after - before, 4)
        if m.name == "key_point_coverage":
            n = _coverage_noise(first, second)
        elif m.name in noise and all(minutes):
            n = noise[m.name].of_difference(*minutes)
        else:
            n = None
        beyond = None if delta is None or n is None else abs(delta) > Z95 * n.sd
        improved = None
        if beyond and m.better is not None:
            improved = (delta > 0) == (m.better == "higher")
        out.append(RetakeDelta(m, before, after, delta, n, beyond, improved))
    return out


# --- follow-up questions and tips -------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """A follow-up question (``kind="question"``) or a delivery tip (``"tip"``), with the
    evidence it rests on and, where there is one, the moment in the recording."""

    kind: Literal["question", "tip"]
    text: str
    evidence: str
    at_s: float | None = None
    rule: str = ""
    extra: dict = field(default_factory=dict)


MAX_SKILL_QUESTIONS = 3
TIP_BELOW = 0.5  # share of a feature's points under which a tip is given
TIP_FEATURES = (
    "wpm",
    "long_pauses_per_min",
    "fillers_per_min",
    "pause_ratio",
    "eye_contact_ratio",
    "volume_stability",
    "loudness_mean_dbfs",
)


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def _times(times: list[float], n: int = 4) -> str:
    shown = ", ".join(_mmss(t) for t in times[:n])
    return shown + (f" and {len(times) - n} more" if len(times) > n else "")


def _contribution(report: Report, feature: str):
    if report.scores is None:
        return None
    for name in ("communication", "confidence", "engagement", "skill_relevance"):
        for c in getattr(report.scores, name).contributions:
            if c.feature == feature and c.value is not None and c.max_points:
                return c
    return None


def _tip(report: Report, feature: str) -> FollowUp | None:
    c = _contribution(report, feature)
    if c is None or c.points / c.max_points >= TIP_BELOW:
        return None
    audio = report.delivery.audio if report.delivery else None
    evidence = (
        f"{c.value:.3g} {c.unit}: {c.points:.1f} of {c.max_points:.0f} points ({c.reference})"
    )
    at = None
    if feature == "wpm":
        slow = c.value < scoring.COMMUNICATION[0].band[0]
        text = (
            "Your pace was slow: try answering in shorter sentences and rehearse the main "
            "points so you do not search for words."
            if slow
            else "Your pace was fast: pause briefly after each main point and breathe."
        )
    elif feature == "long_pauses_per_min" and audio is not None and audio.long_pauses:
        times = [p.start_s for p in audio.long_pauses]
        at = times[0]
        evidence += f"; pauses over 1 s at {_times(times)}"
        text = (
            "You paused for over a second several times: structure the answer before you start "
            "(situation, action, result) so the next point is ready."
        )
    elif feature == "fillers_per_min" and audio is not None:
        words = ", ".join(f"“{w}” x{n}" for w, n in sorted(audio.filler_words.by_word.items()))
        times = audio.filler_words.times_s
        at = times[0] if times else None
        evidence += f"; {words}" + (f" at {_times(times)}" if times else "")
        text = "Replace filler words with a short silent pause; a pause sounds more confident."
    elif feature == "pause_ratio":
        text = "Much of the answer was silence: rehearse an outline of the answer aloud."
    elif feature == "eye_contact_ratio":
        text = "Look at the camera lens rather than the screen, as you would look at a person."
    elif feature == "volume_stability":
        text = "Your loudness varied a lot: keep a steady distance from the microphone."
    elif feature == "loudness_mean_dbfs":
        text = "You were quiet in the recording: speak up or move closer to the microphone."
    else:
        return None
    return FollowUp("tip", text, evidence, at, rule=f"tip:{feature}")


def follow_ups(report: Report) -> list[FollowUp]:
    """Follow-up questions for the report's weak spots (key points missing, resume skills not
    evidenced in the answer, required job skills missing from the resume) and delivery tips
    (measures that earned under half their points), each citing its evidence."""
    out: list[FollowUp] = []
    lang = report.delivery.language if report.delivery else None
    if lang is not None:
        for k in lang.key_points:
            if not k.covered:
                out.append(
                    FollowUp(
                        "question",
                        f"You did not cover this point: “{k.point}”. Can you tell me about it?",
                        f"key point not covered (closest part of the answer: "
                        f"“{k.closest or '-'}”, cosine {k.cosine_similarity:.2f})",
                        rule="key_point_missing",
                    )
                )
    match = report.skills_match
    if match is not None:
        unevidenced = [e for e in match.resume_skills if not e.evidenced_in_answer]
        required = {j.name for j in match.job_skills if j.requirement == "required"}
        unevidenced.sort(key=lambda e: e.name not in set(match.matched) | required)
        snippets = {s.name: s for s in report.resume.skills} if report.resume else {}
        for e in unevidenced[:MAX_SKILL_QUESTIONS]:
            skill = snippets.get(e.name)
            quote = skill.evidence[0] if skill and skill.evidence else None
            out.append(
                FollowUp(
                    "question",
                    f"Your resume lists {e.name}. Can you give an example of how you used it?",
                    "on the resume" + (f" (“{quote}”)" if quote else "") + ", not in the answer",
                    rule="resume_skill_not_evidenced",
                )
            )
        for name in match.missing_required:
            out.append(
                FollowUp(
                    "question",
                    f"The job asks for {name}, which your resume does not show. What experience "
                    "do you have with it, or with something close?",
                    "required by the job description; not found on the resume",
                    rule="job_skill_missing",
                )
            )
    for feature in TIP_FEATURES:
        tip = _tip(report, feature)
        if tip is not None:
            out.append(tip)
    audio = report.delivery.audio if report.delivery else None
    if audio is not None and (
        audio.word_count < scoring.MIN_WORDS or audio.speech_duration_s < scoring.MIN_SPEECH_S
    ):
        out.append(
            FollowUp(
                "tip",
                "The answer was very short: aim for one to two minutes with a concrete example.",
                f"{audio.word_count} words, {audio.speech_duration_s:.0f} s of speech",
                rule="short_answer",
            )
        )
    return out
