"""Facial emotion over a video: per-frame expression probabilities aggregated over the frames
where a face was found.

Source: the classifier is the project's FER2013 CNN or mini-XCEPTION
(models/facial_expression.py); labels are
the seven DeepFace-compatible FER2013 classes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analyzers.face import FaceFrame
from contracts.labels import dominant, to_percent_dict
from contracts.report import Emotion, TimelinePoint, VideoEmotionSection

TIMELINE_STEP_S = 0.5


def summarize(
    frames: Sequence[FaceFrame],
    *,
    sample_fps: float,
    model_name: str,
    expression_fps: float | None = None,
) -> VideoEmotionSection:
    """Aggregate per-frame expression probabilities.

    Args:
        frames: One FaceFrame per sampled frame, in time order.
        sample_fps: Frames sampled per second of media time.
        expression_fps: Faces classified per second (None: every sampled frame).
        model_name: Reported in the section.

    Returns:
        Mean probability per label (percent) over frames with a classified face, its dominant
        label, face coverage (frames with a face / frames sampled) and a timeline of means
        per 0.5 s bin.
        ``emotion`` and ``dominant_emotion`` are None when no frame had a face.
    """
    classified = [f for f in frames if f.emotion is not None]
    with_face = sum(f.has_face for f in frames)
    bins: dict[int, list[np.ndarray]] = {}
    for f in classified:
        bins.setdefault(int(f.t_s // TIMELINE_STEP_S), []).append(f.emotion)
    timeline = []
    for k in sorted(bins):
        p = np.mean(bins[k], axis=0)
        timeline.append(
            TimelinePoint(
                t_s=round(k * TIMELINE_STEP_S, 2),
                dominant_emotion=dominant(p),
                emotion=Emotion(**to_percent_dict(p)),
            )
        )
    mean = np.mean([f.emotion for f in classified], axis=0) if classified else None
    return VideoEmotionSection(
        model=model_name,
        sample_fps=sample_fps,
        expression_fps=min(expression_fps or sample_fps, sample_fps),
        frames_sampled=len(frames),
        frames_with_face=with_face,
        frames_classified=len(classified),
        face_coverage=round(with_face / len(frames), 4) if frames else 0.0,
        emotion=Emotion(**to_percent_dict(mean)) if mean is not None else None,
        dominant_emotion=dominant(mean) if mean is not None else None,
        timeline=timeline,
    )
