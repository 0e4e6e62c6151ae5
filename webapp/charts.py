"""Growth curves as server-side SVG (no script, no library): one measure across a candidate's
sessions, with the baseline (the mean of their first sessions) as a dashed line."""

from __future__ import annotations

from html import escape

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 560, 200, 46, 16, 24, 34
BASELINE_SESSIONS = 2  # the first sessions the baseline is the mean of


def baseline(values: list[float | None]) -> float | None:
    """The mean of the first BASELINE_SESSIONS sessions that have the measure."""
    first = [v for v in values if v is not None][:BASELINE_SESSIONS]
    return sum(first) / len(first) if first else None


def _fmt(v: float, percent: bool) -> str:
    return f"{100 * v:.0f}%" if percent else f"{v:.3g}"


def growth_chart(values: list[float | None], *, label: str, y_max: float, unit: str) -> str:
    """``values`` (one per session, oldest first; None where a session lacks the measure) as
    an SVG line with points, y from 0 to max(y_max, the largest value)."""
    percent = y_max == 1
    top = max([y_max] + [v for v in values if v is not None])
    n = len(values)

    def x(i: int) -> float:
        return PAD_L + (W - PAD_L - PAD_R) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return H - PAD_B - (H - PAD_T - PAD_B) * (v / top if top else 0)

    parts = [
        f'<svg viewBox="0 0 {W} {H}" role="img" aria-label="{escape(label)} across '
        f'{n} session{"s" if n != 1 else ""}">',
        f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#888"/>',
        f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" stroke="#888"/>',
        f'<text x="{PAD_L}" y="{PAD_T - 8}" font-size="12">{escape(label)} ({escape(unit)})</text>',
        f'<text x="{W - PAD_R}" y="{H - 4}" font-size="11" text-anchor="end">session</text>',
    ]
    for i in range(5):
        v = top * i / 4
        parts.append(
            f'<line x1="{PAD_L}" y1="{y(v):.1f}" x2="{W - PAD_R}" y2="{y(v):.1f}" stroke="#eee"/>'
            f'<text x="{PAD_L - 4}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">'
            f"{_fmt(v, percent)}</text>"
        )
    for i in range(n):
        parts.append(
            f'<text x="{x(i):.1f}" y="{H - PAD_B + 16}" font-size="11" '
            f'text-anchor="middle">{i + 1}</text>'
        )
    base = baseline(values)
    if base is not None:
        parts.append(
            f'<line x1="{PAD_L}" y1="{y(base):.1f}" x2="{W - PAD_R}" y2="{y(base):.1f}" '
            f'stroke="#888" stroke-dasharray="5 4"><title>baseline {_fmt(base, percent)}'
            "</title></line>"
        )
    points = [(x(i), y(v), v) for i, v in enumerate(values) if v is not None]
    if len(points) > 1:
        xy = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        parts.append(f'<polyline fill="none" stroke="#1f5fbf" stroke-width="2" points="{xy}"/>')
    for px, py, v in points:
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#1f5fbf">'
            f"<title>{_fmt(v, percent)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
