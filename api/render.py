"""HTML rendering of a report: one self-contained page (inline CSS and SVG charts, no scripts,
no external assets) with the scores and their contributions, the emotion, pace and eye-contact
timelines, the transcript with pauses and fillers marked, and the key points."""

from __future__ import annotations

from html import escape

from flask import render_template

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
W, H, PAD = 640, 160, 30


def _polyline(points: list[tuple[float, float]], x_max: float, y_max: float, color: str) -> str:
    if not points:
        return ""
    xy = " ".join(
        f"{PAD + (W - 2 * PAD) * x / max(x_max, 1e-6):.1f},"
        f"{H - PAD - (H - 2 * PAD) * min(y, y_max) / y_max:.1f}"
        for x, y in points
    )
    return f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{xy}"/>'


def _axes(x_max: float, y_label: str, y_max: float) -> str:
    ticks = []
    step = max(1, round(x_max / 8))
    t = 0
    while t <= x_max + 1e-6:
        x = PAD + (W - 2 * PAD) * t / max(x_max, 1e-6)
        ticks.append(
            f'<text x="{x:.1f}" y="{H - 10}" font-size="10" text-anchor="middle">'
            f"{int(t // 60)}:{int(t % 60):02d}</text>"
        )
        t += step
    return (
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#999"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#999"/>'
        f'<text x="4" y="{PAD - 8}" font-size="10">{escape(y_label)} (max {y_max:g})</text>'
        + "".join(ticks)
    )


def _chart(
    series: dict[str, list[tuple[float, float]]],
    x_max: float,
    y_max: float,
    y_label: str,
    colors: dict[str, str],
) -> str:
    lines = "".join(_polyline(p, x_max, y_max, colors[k]) for k, p in series.items())
    legend = "".join(
        f'<span class="key"><i style="background:{colors[k]}"></i>{escape(k)}</span>'
        for k in series
    )
    return (
        f'<svg viewBox="0 0 {W} {H}" role="img" aria-label="{escape(y_label)}">'
        f"{_axes(x_max, y_label, y_max)}{lines}</svg><div class=legend>{legend}</div>"
    )


def emotion_chart(report: Report) -> str | None:
    ve = report.video_emotion
    if ve is None or not ve.timeline:
        return None
    x_max = max(p.t_s for p in ve.timeline) + 0.5
    series = {
        lab: [(p.t_s, getattr(p.emotion, lab)) for p in ve.timeline] for lab in EMOTION_LABELS
    }
    return _chart(series, x_max, 100, "facial expression, % per 0.5 s", COLORS)


def video_chart(report: Report) -> str | None:
    v = report.delivery.video if report.delivery else None
    if v is None or not v.timeline:
        return None
    x_max = v.timeline[-1].t_s + 1
    series = {
        "face visible": [(p.t_s, p.face) for p in v.timeline],
        "eye contact": [(p.t_s, p.eye_contact) for p in v.timeline if p.eye_contact is not None],
        "smile": [(p.t_s, p.smile) for p in v.timeline if p.smile is not None],
    }
    colors = {"face visible": "#bbb", "eye contact": "#1f77b4", "smile": "#2ca02c"}
    return _chart(series, x_max, 1, "share per second", colors)


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
        n = sum(1 for w in t.words if start <= w.start_s < start + window_s)
        points.append((start + window_s / 2, n * 60 / window_s))
        start += window_s
    return _chart(
        {"words per minute (5 s windows)": points},
        end,
        300,
        "pace, WPM",
        {"words per minute (5 s windows)": "#9467bd"},
    )


def transcript_html(report: Report) -> str | None:
    t = report.transcript
    if t is None or not t.words:
        return None
    audio = report.delivery.audio if report.delivery else None
    long_at = {p.start_s: p.duration_s for p in audio.long_pauses} if audio else {}
    parts = []
    for w in t.words:
        bare = w.word.strip(".,!?;:").lower()
        cls = "filler" if bare in FILLERS else ("low" if w.probability < 0.5 else "")
        parts.append(f'<span class="{cls}" title="{w.start_s:.2f} s">{escape(w.word)}</span>')
        if w.end_s in long_at:
            parts.append(f'<span class="pause">pause {long_at[w.end_s]:.1f} s</span>')
    return " ".join(parts)


def render_report(report: Report) -> str:
    """The report as one self-contained HTML page."""
    return render_template(
        "report.html",
        r=report,
        emotion_chart=emotion_chart(report),
        video_chart=video_chart(report),
        pace_chart=pace_chart(report),
        transcript=transcript_html(report),
        subscores=["communication", "confidence", "skill_relevance", "engagement"],
    )
