"""Face detection and landmarks per sampled frame (MediaPipe FaceLandmarker), and the face crop
the expression classifier reads. Consumes frames one at a time (see analyzers.media.decode)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

MIN_FACE_SIDE_PX = 24
# FER2013 framing relative to the MediaPipe landmarks, measured on 260 images of the FER2013
# *training* split (median): the FER crop is 1.07x the landmarks' larger extent and centred
# 0.05 of it higher. Cropping the same way puts live faces in the framing the classifier
# was trained on (bench/face_crop_framing.py).
CROP_MARGIN = 0.035
CROP_SHIFT_UP = 0.053


@dataclass
class FaceFrame:
    """What one sampled frame showed.

    Attributes:
        t_s: Media time of the frame, seconds.
        has_face: Whether a face was found.
        landmarks: float32, shape (478, 3), normalised coordinates (None without a face).
        blendshapes: 52 MediaPipe blendshape scores in [0, 1] (empty without a face).
        transform: float32, shape (4, 4), facial transformation matrix (None without a face).
        emotion: float32, shape (7,), expression probabilities in canonical order, or None.
    """

    t_s: float
    has_face: bool
    landmarks: np.ndarray | None = None
    blendshapes: dict[str, float] = field(default_factory=dict)
    transform: np.ndarray | None = None
    emotion: np.ndarray | None = None


def face_crop(
    rgb: np.ndarray,
    landmarks: np.ndarray,
    size: int = 64,
    margin: float = CROP_MARGIN,
    shift_up: float = CROP_SHIFT_UP,
) -> np.ndarray | None:
    """Square grayscale crop around the landmarks, resized for the expression classifier.

    Args:
        rgb: uint8, shape (H, W, 3).
        landmarks: float32, shape (478, 3), x/y normalised to [0, 1].
        size: Output side in pixels.
        margin: Extra border on each side, as a fraction of the landmarks' larger extent.
        shift_up: Move the crop's centre up by this fraction of that extent.

    Returns:
        uint8, shape (size, size), or None when the face is smaller than 24 px.
    """
    h, w = rgb.shape[:2]
    xs, ys = landmarks[:, 0] * w, landmarks[:, 1] * h
    extent = max(xs.max() - xs.min(), ys.max() - ys.min())
    side = extent * (1 + 2 * margin)
    if side < MIN_FACE_SIDE_PX:
        return None
    cx, cy = (xs.max() + xs.min()) / 2, (ys.max() + ys.min()) / 2 - shift_up * extent
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    s = int(round(side))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    pad = max(0, -x0, -y0, x0 + s - w, y0 + s - h)
    if pad:
        gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0 = x0 + pad, y0 + pad
    crop = gray[y0 : y0 + s, x0 : x0 + s]
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


class FaceFrameCollector:
    """Frame callback: detects the face, classifies its expression, keeps one FaceFrame each.

    Args:
        detect: ``rgb -> FaceLandmarks | None`` (models.face_landmarker.FaceLandmarkerModel.detect).
        classify: ``(n, 64, 64) uint8 -> (n, 7)`` probabilities, or None to skip expressions.
    """

    def __init__(
        self,
        detect: Callable[[np.ndarray], object],
        classify: Callable[[np.ndarray], np.ndarray] | None,
    ) -> None:
        self._detect = detect
        self._classify = classify
        self.frames: list[FaceFrame] = []

    def __call__(self, t_s: float, rgb: np.ndarray) -> None:
        face = self._detect(rgb)
        if face is None:
            self.frames.append(FaceFrame(t_s=t_s, has_face=False))
            return
        emotion = None
        if self._classify is not None:
            crop = face_crop(rgb, face.landmarks)
            if crop is not None:
                emotion = self._classify(crop[None])[0]
        self.frames.append(
            FaceFrame(
                t_s=t_s,
                has_face=True,
                landmarks=face.landmarks,
                blendshapes=face.blendshapes,
                transform=face.transform,
                emotion=emotion,
            )
        )
