"""Audio conventions every analysis shares."""

from __future__ import annotations

SAMPLE_RATE_HZ = 16_000
"""All decoded audio is mono float32 at this rate (Whisper's and Silero VAD's input rate)."""
