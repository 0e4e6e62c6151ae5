"""The canonical emotion labels, DeepFace-compatible, in the FER2013 class order.

Source: FER2013 (Goodfellow et al. 2013, "Challenges in Representation Learning"), whose
seven classes DeepFace also reports as ``angry, disgust, fear, happy, sad, surprise, neutral``.
"""

from __future__ import annotations

import numpy as np

EMOTION_LABELS: tuple[str, ...] = (
    "angry",
    "disgust",
    "fear",
    "happy",
    "sad",
    "surprise",
    "neutral",
)


def to_percent_dict(probabilities: np.ndarray) -> dict[str, float]:
    """Map a probability vector over :data:`EMOTION_LABELS` to percentages.

    Args:
        probabilities: float array, shape (7,), values in [0, 1] summing to 1.

    Returns:
        ``{label: percent}``, percentages rounded to 2 decimals, summing to 100 (+-0.05).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    total = p.sum()
    if total > 0:
        p = p / total
    return {label: round(float(v) * 100.0, 2) for label, v in zip(EMOTION_LABELS, p, strict=True)}


def dominant(probabilities: np.ndarray) -> str:
    """The label with the highest probability (first one on ties)."""
    return EMOTION_LABELS[int(np.argmax(probabilities))]


UNCERTAIN = "uncertain"
"""The label of a chunk or frame whose probabilities do not support any label (out of the
training distribution, or a top probability under the model's threshold)."""

AFFECT_GROUPS: dict[str, tuple[str, ...]] = {
    "neutral": ("neutral", "sad"),
    "positive": ("happy", "surprise"),
    "tense": ("angry", "disgust", "fear"),
}
"""Coarse affect as sums of canonical labels: ``tense`` is the negative, aroused emotions
(anger, disgust, fear), ``positive`` happiness and surprise; ``neutral`` is the rest (neutral
and the low-arousal sadness): neither positive nor tense."""


def affect_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Coarse affect from probabilities over :data:`EMOTION_LABELS`.

    Args:
        probabilities: float array, shape (..., 7).

    Returns:
        float array, shape (..., 3), in :data:`AFFECT_GROUPS` order (neutral, positive, tense).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    return np.stack(
        [
            sum(p[..., EMOTION_LABELS.index(lab)] for lab in labels)
            for labels in AFFECT_GROUPS.values()
        ],
        axis=-1,
    )
