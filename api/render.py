"""HTML rendering of a report: one self-contained page (inline CSS and SVG charts, no scripts,
no external assets) with the scores and their contributions, the emotion, pace and eye-contact
timelines, the transcript with pauses and fillers marked, and the key points."""

from __future__ import annotations

import re
from html import escape

from flask import render_template
from markupsafe import Markup

from analyzers.delivery_audio import FILLERS
from contracts.labels import EMOTION_LABELS
from contracts.report import Report

COLORS = {
    "angry": "#d62728",
    "disgust": "#8c564b",
    "fear": "#9467bd",
    "happy": "#2ca02c",
    "sad": "#1f77b4",
    "surprise": "#ff7f0e",
    "neutral": "#7f7f7f",
}
W, H, PAD = 640, 180, 40

# What a recruiter reads instead of the measures' identifiers (docs/SCORING.md, DELIVERY.md).
LABELS = {
    "communication": "Communication",
    "confidence": "Confidence",
    "skill_relevance": "Skill relevance",
    "engagement": "Engagement",
    "wpm": "Pace (words per minute)",
    "pause_ratio": "Time in pauses (share of the answer)",
    "long_pauses_per_min": "Long pauses over 1 s (per minute)",
    "fillers_per_min": "Filler words (per minute)",
    "coherence": "Coherence of consecutive sentences (cosine)",
    "complete_sentence_ratio": "Complete sentences (share)",
    "eye_contact_ratio": "Eye contact with the camera (share of frames)",
    "head_yaw_std_deg": "Head turning (standard deviation, degrees)",
    "volume_stability": "Steady loudness (share of speech within 6 dB)",
    "loudness_mean_dbfs": "Loudness (dB full scale)",
    "smile_ratio": "Smiling (share of frames)",
    "f0_range_semitones": "Pitch range (semitones)",
    "landmark_motion_iod_per_s": "Face movement (eye distances per second)",
    "speech_share": "Speech in the recording (share)",
    "sentiment_compound": "Tone of the words (VADER, -1 to 1)",
    "answer_cosine_similarity": "Similarity to the expected answer (cosine)",
    "key_point_coverage": "Key points covered (share)",
    "relevance_to_question": "Relevance to the question (cosine)",
    "resume_skills_evidenced_ratio": "Resume skills named in the answer (share)",
    "job_skills_match_ratio": "Job skills on the resume (share)",
}
# Warnings the page says in its own words: the speech-emotion section states how many segments
# were uncertain and why.
HIDDEN_WARNINGS = frozenset({"speech_emotion_out_of_domain"})


def label(name: str) -> str:
    """A measure's human label (its identifier when none is known)."""
    return LABELS.get(name, name.replace("_", " "))


MOMENT = re.compile(r"\bat (\d+):(\d\d)\b")


def moment_links(note: str) -> Markup:
    """A score's note with each moment it names ("at 1:05") linked to that second of the
    transcript (``#at-65``, the anchors :func:`transcript_html` sets; the web app's page also
    plays the recording from there)."""

    def link(m: re.Match) -> str:
        second = int(m.group(1)) * 60 + int(m.group(2))
        return f'at <a href="#at-{second}" data-seek="{second}">{m.group(1)}:{m.group(2)}</a>'

    return Markup(MOMENT.sub(link, str(escape(note))))


def visible_warnings(report: Report) -> list:
    """The warnings about what the page shows."""
    return [w for w in report.warnings if w.code not in HIDDEN_WARNINGS]


def _polyline(points: list[tuple[float, float]], x_max: float, y_max: float, color: str) -> str:
    if not points:
        return ""
    xy = " ".join(
        f"{PAD + (W - 2 * PAD) * x / max(x_max, 1e-6):.1f},"
        f"{H - PAD - (H - 2 * PAD) * min(y, y_max) / y_max:.1f}"
        for x, y in points
    )
    return f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{xy}"/>'


NICE_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def _axes(x_max: float, y_label: str, y_max: float, y_unit: str = "") -> str:
    """Both axes with ticks and light grid lines: time (m:ss) across, the measure up."""
    parts = [
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#888"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#888"/>',
        f'<text x="{PAD}" y="{PAD - 12}" font-size="11">{escape(y_label)}</text>',
        f'<text x="{W - PAD}" y="{H - 4}" font-size="10" text-anchor="end">time (m:ss)</text>',
    ]
    step = next((s for s in NICE_STEPS_S if x_max / s <= 8), NICE_STEPS_S[-1])
    t = 0.0
    while t <= x_max + 1e-6:
        x = PAD + (W - 2 * PAD) * t / max(x_max, 1e-6)
        parts.append(
            f'<line x1="{x:.1f}" y1="{H - PAD}" x2="{x:.1f}" y2="{H - PAD + 4}" stroke="#888"/>'
            f'<text x="{x:.1f}" y="{H - PAD + 15}" font-size="10" text-anchor="middle">'
            f"{int(t // 60)}:{int(t % 60):02d}</text>"
        )
        t += step
    for i in range(5):  # 0, 25, 50, 75, 100 % of the axis
        value = y_max * i / 4
        y = H - PAD - (H - 2 * PAD) * i / 4
        parts.append(
            f'<line x1="{PAD}" y1="{y:.1f}" x2="{W - PAD}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{PAD - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">'
            f"{value:g}{y_unit}</text>"
        )
    return "".join(parts)


def _chart(
    series: dict[str, list[tuple[float, float]]],
    x_max: float,
    y_max: float,
    y_label: str,
    colors: dict[str, str],
    y_unit: str = "",
) -> str:
    lines = "".join(_polyline(p, x_max, y_max, colors[k]) for k, p in series.items())
    legend = "".join(
        f'<span class="key"><i style="background:{colors[k]}"></i>{escape(k)}</span>'
        for k in series
    )
    return (
        f'<svg viewBox="0 0 {W} {H}" role="img" aria-label="{escape(y_label)} over time">'
        f"{_axes(x_max, y_label, y_max, y_unit)}{lines}</svg><div class=legend>{legend}</div>"
    )


def emotion_chart(report: Report) -> str | None:
    ve = report.video_emotion
    if ve is None or not ve.timeline:
        return None
    x_max = max(p.t_s for p in ve.timeline) + 0.5
    series = {
        lab: [(p.t_s, getattr(p.emotion, lab)) for p in ve.timeline] for lab in EMOTION_LABELS
    }
    return _chart(series, x_max, 100, "facial expression, % of each 0.5 s", COLORS, " %")


def video_chart(report: Report) -> str | None:
    v = report.delivery.video if report.delivery else None
    if v is None or not v.timeline:
        return None
    x_max = v.timeline[-1].t_s + 1
    series = {
        "face visible": [(p.t_s, 100 * p.face) for p in v.timeline],
        "eye contact": [
            (p.t_s, 100 * p.eye_contact) for p in v.timeline if p.eye_contact is not None
        ],
        "smile": [(p.t_s, 100 * p.smile) for p in v.timeline if p.smile is not None],
    }
    colors = {"face visible": "#bbb", "eye contact": "#1f77b4", "smile": "#2ca02c"}
    return _chart(series, x_max, 100, "face, eye contact and smile, % of each second", colors, " %")


MAX_PACE_WINDOWS = 120


def pace_chart(report: Report) -> str | None:
    t = report.transcript
    if t is None or not t.words:
        return None
    end = max(t.duration_s, t.words[-1].end_s)
    window_s = min(15.0, max(2.0, round(end / 10)))
    window_s = max(window_s, end / MAX_PACE_WINDOWS)  # the page stays small whatever the end
    points = []
    start = 0.0
    while start < end:
        stop = min(start + window_s, end)
        if stop - start >= min(1.0, window_s):  # a last sliver of a window says nothing
            n = sum(1 for w in t.words if start <= w.start_s < stop)
            points.append(((start + stop) / 2, n * 60 / (stop - start)))
        start += window_s
    key = f"words per minute, {window_s:g} s windows"
    return _chart({key: points}, end, 300, "pace, words per minute", {key: "#9467bd"})


def transcript_html(report: Report) -> str | None:
    t = report.transcript
    if t is None or not t.words:
        return None
    audio = report.delivery.audio if report.delivery else None
    long_at = {p.start_s: p.duration_s for p in audio.long_pauses} if audio else {}
    parts = []
    next_second = 0  # moment links (#at-<second>): each second's anchor stands before the first
    for w in t.words:  # word that starts in it or, in a pause, after it
        bare = w.word.strip(".,!?;:").lower()
        cls = "filler" if bare in FILLERS else ("low" if w.probability < 0.5 else "")
        anchors = "".join(
            f'<span id="at-{s}"></span>' for s in range(next_second, int(w.start_s) + 1)
        )
        next_second = max(next_second, int(w.start_s) + 1)
        parts.append(
            f'{anchors}<span class="{cls}" title="{w.start_s:.2f} s">{escape(w.word)}</span>'
        )
        if w.end_s in long_at:
            parts.append(f'<span class="pause">pause {long_at[w.end_s]:.1f} s</span>')
    return " ".join(parts)


def report_context(report: Report) -> dict:
    """What the report's templates (``_report_sections.html``) read."""
    return {
        "r": report,
        "emotion_chart": emotion_chart(report),
        "video_chart": video_chart(report),
        "pace_chart": pace_chart(report),
        "transcript": transcript_html(report),
        "subscores": ["communication", "confidence", "skill_relevance", "engagement"],
        "label": label,
        "moment_links": moment_links,
        "warnings": visible_warnings(report),
    }


def render_report(report: Report) -> str:
    """The report as one self-contained HTML page."""
    return render_template("report.html", **report_context(report))
