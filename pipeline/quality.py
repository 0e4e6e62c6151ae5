"""Warnings about the recording itself, shared by the stages."""

from __future__ import annotations

from contracts.report import ReportWarning
from contracts.warnings import warning


def truncation_warning(declared_s: float, decoded_s: float, what: str) -> ReportWarning | None:
    """A ``media_truncated`` warning when less than the file's declared duration could be
    decoded (more than 1 s and 5 % short: an interrupted upload or recording)."""
    if declared_s <= 0 or declared_s - decoded_s <= max(1.0, 0.05 * declared_s):
        return None
    return warning(
        "media_truncated",
        f"The file says it lasts {declared_s:.1f} s, but its {what} ends after {decoded_s:.1f} s "
        "(an interrupted upload or recording?). Every measure covers only what could be decoded.",
    )
