"""Face detection and landmarks per sampled frame (MediaPipe FaceLandmarker), and the face crop
the expression classifier reads. Consumes frames one at a time (see analyzers.media.decode)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

MIN_FACE_SIDE_PX = 24
# FER2013 framing relative to the MediaPipe landmarks, measured on 260 images of the FER2013
# *training* split (median): the FER crop is 1.07x the landmarks' larger extent and centred
# 0.05 of it higher. Cropping the same way puts live faces in the framing the classifier
# was trained on (bench/face_crop_framing.py).
CROP_MARGIN = 0.035
CROP_SHIFT_UP = 0.053


# Eye landmarks of the MediaPipe face mesh in the order of the eye aspect ratio
# (Soukupova & Cech 2016): outer corner, two upper-lid points, inner corner, two lower-lid points.
RIGHT_EYE_EAR = (33, 160, 158, 133, 153, 144)
LEFT_EYE_EAR = (362, 385, 387, 263, 373, 380)
RIGHT_EYE_CENTRE, LEFT_EYE_CENTRE = 468, 473  # iris centres


@dataclass
class FaceFrame:
    """What one sampled frame showed: small per-frame measures, no landmarks or pixels kept.

    Attributes:
        t_s: Media time of the frame, seconds.
        has_face: Whether a face was found.
        emotion: float32, shape (7,), expression probabilities in canonical order, or None.
        ear: Eye aspect ratio, mean of both eyes (unitless, ~0.25-0.35 open, < 0.15 closed).
        yaw_deg, pitch_deg, roll_deg: Head rotation from the facial transformation matrix.
        gaze_down, gaze_up, gaze_side: MediaPipe blendshapes eyeLookDown / eyeLookUp (mean of
            both eyes) and the largest of eyeLookIn / eyeLookOut, each in [0, 1].
        smile: Mean of the mouthSmileLeft / mouthSmileRight blendshapes, [0, 1].
        motion_iod_per_s: Mean landmark displacement since the previous sampled frame, in
            inter-ocular distances per second (None on the first frame or after a frame without
            a face).
        brightness: Mean grey level (0-255) of the face box, or of the frame without a face.
        sharpness: Variance of the Laplacian of that region scaled to 128 px (blur measure;
            lower is blurrier; Pech-Pacheco et al. 2000).
    """

    t_s: float
    has_face: bool
    brightness: float = 0.0
    sharpness: float = 0.0
    emotion: np.ndarray | None = None
    ear: float | None = None
    yaw_deg: float | None = None
    pitch_deg: float | None = None
    roll_deg: float | None = None
    gaze_down: float | None = None
    gaze_up: float | None = None
    gaze_side: float | None = None
    smile: float | None = None
    motion_iod_per_s: float | None = None


def eye_aspect_ratio(points_px: np.ndarray, idx: tuple[int, ...]) -> float:
    """EAR = (|p2-p6| + |p3-p5|) / (2 |p1-p4|) on pixel coordinates (Soukupova & Cech 2016)."""
    p = points_px[list(idx), :2]
    width = np.linalg.norm(p[0] - p[3])
    if width <= 1e-6:
        return 0.0
    return float((np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])) / (2.0 * width))


def head_pose_deg(transform: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from MediaPipe's 4x4 facial transformation matrix.

    The rotation part is normalised column-wise (the matrix also scales); angles follow the
    x-y-z Tait-Bryan convention: yaw about the vertical axis (turning left/right), pitch about
    the horizontal axis (nodding), roll in the image plane; 0, 0, 0 faces the camera.
    """
    r = transform[:3, :3] / np.maximum(np.linalg.norm(transform[:3, :3], axis=0), 1e-9)
    pitch = np.degrees(np.arctan2(r[2, 1], r[2, 2]))
    yaw = np.degrees(np.arcsin(-np.clip(r[2, 0], -1.0, 1.0)))
    roll = np.degrees(np.arctan2(r[1, 0], r[0, 0]))
    return float(yaw), float(pitch), float(roll)


def region_quality(gray: np.ndarray, box: tuple[int, int, int, int] | None) -> tuple[float, float]:
    """(brightness 0-255, Laplacian variance at 128 px) of ``box`` (x0, y0, x1, y1) or the frame."""
    if box is not None:
        x0, y0, x1, y1 = box
        region = gray[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
        if region.size < 64:
            region = gray
    else:
        region = gray
    small = cv2.resize(region, (128, 128), interpolation=cv2.INTER_AREA)
    return float(small.mean()), float(cv2.Laplacian(small, cv2.CV_64F).var())


def face_crop(
    image: np.ndarray,
    landmarks: np.ndarray,
    size: int = 64,
    margin: float = CROP_MARGIN,
    shift_up: float = CROP_SHIFT_UP,
) -> np.ndarray | None:
    """Square grayscale crop of the face, rotated so the eyes are level, for the classifier.

    The landmarks are turned about the face centre by the angle of the line through the two
    iris centres; the crop is the square around the turned landmarks (larger extent plus
    ``margin`` on each side, centre moved up by ``shift_up``), sampled with one affine warp.

    Args:
        image: uint8, shape (H, W, 3) RGB or (H, W) grey.
        landmarks: float32, shape (478, 3), x/y normalised to [0, 1].
        size: Output side in pixels.
        margin: Extra border on each side, as a fraction of the landmarks' larger extent.
        shift_up: Move the crop's centre up by this fraction of that extent.

    Returns:
        uint8, shape (size, size), or None when the face is smaller than 24 px.
    """
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    pts = landmarks[:, :2].astype(np.float64) * (w, h)
    eye_vec = pts[LEFT_EYE_CENTRE] - pts[RIGHT_EYE_CENTRE]
    theta = float(np.arctan2(eye_vec[1], eye_vec[0]))
    cos, sin = np.cos(theta), np.sin(theta)
    rot = np.array([[cos, sin], [-sin, cos]])  # turns the eye line level
    centre = (pts.min(axis=0) + pts.max(axis=0)) / 2
    aligned = (pts - centre) @ rot.T + centre
    lo, hi = aligned.min(axis=0), aligned.max(axis=0)
    extent = float(max(hi - lo))
    side = extent * (1 + 2 * margin)
    if side < MIN_FACE_SIDE_PX:
        return None
    box_centre = (lo + hi) / 2 - (0.0, shift_up * extent)
    scale = size / side
    # Downscale first when the face is much larger than the output, to avoid aliasing.
    pre = min(1.0, 2.0 * size / side)
    if pre < 1.0:
        gray = cv2.resize(
            gray, (max(1, round(w * pre)), max(1, round(h * pre))), interpolation=cv2.INTER_AREA
        )
        scale /= pre
        centre, box_centre = centre * pre, box_centre * pre
        side *= pre
    origin = box_centre - side / 2
    m = scale * rot
    t = scale * (centre - rot @ centre - origin)
    return cv2.warpAffine(
        gray,
        np.hstack([m, t[:, None]]),
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


class FaceFrameCollector:
    """Frame callback: detects the face, measures it, classifies its expression; keeps one
    small FaceFrame per sampled frame (never the frame or its landmarks).

    Args:
        detect: ``rgb -> FaceLandmarks | None`` (models.face_landmarker.FaceLandmarkerModel.detect).
        classify: ``(n, s, s) uint8 -> (n, 7)`` probabilities, or None to skip expressions.
        crop_size: The classifier's input side ``s`` in pixels.
    """

    def __init__(
        self,
        detect: Callable[[np.ndarray], object],
        classify: Callable[[np.ndarray], np.ndarray] | None,
        crop_size: int = 64,
    ) -> None:
        self._detect = detect
        self._classify = classify
        self._crop_size = crop_size
        self.frames: list[FaceFrame] = []
        self._previous: tuple[float, np.ndarray] | None = None

    def __call__(self, t_s: float, rgb: np.ndarray) -> None:
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        face = self._detect(rgb)
        if face is None:
            brightness, sharpness = region_quality(gray, None)
            self.frames.append(FaceFrame(t_s, False, brightness, sharpness))
            self._previous = None
            return
        h, w = rgb.shape[:2]
        pts = face.landmarks * np.array([w, h, w], dtype=np.float32)
        box = (
            int(pts[:, 0].min()),
            int(pts[:, 1].min()),
            int(pts[:, 0].max()),
            int(pts[:, 1].max()),
        )
        brightness, sharpness = region_quality(gray, box)
        emotion = None
        if self._classify is not None:
            crop = face_crop(gray, face.landmarks, size=self._crop_size)
            if crop is not None:
                emotion = self._classify(crop[None])[0]
        iod = float(np.linalg.norm(pts[RIGHT_EYE_CENTRE, :2] - pts[LEFT_EYE_CENTRE, :2]))
        motion = None
        if self._previous is not None and iod > 1e-6 and t_s > self._previous[0]:
            shift = np.linalg.norm(pts[:, :2] - self._previous[1], axis=1).mean()
            motion = float(shift / iod / (t_s - self._previous[0]))
        self._previous = (t_s, pts[:, :2].copy())
        b = face.blendshapes
        yaw, pitch, roll = head_pose_deg(face.transform)
        self.frames.append(
            FaceFrame(
                t_s=t_s,
                has_face=True,
                brightness=brightness,
                sharpness=sharpness,
                emotion=emotion,
                ear=(eye_aspect_ratio(pts, RIGHT_EYE_EAR) + eye_aspect_ratio(pts, LEFT_EYE_EAR))
                / 2,
                yaw_deg=yaw,
                pitch_deg=pitch,
                roll_deg=roll,
                gaze_down=(b.get("eyeLookDownLeft", 0) + b.get("eyeLookDownRight", 0)) / 2,
                gaze_up=(b.get("eyeLookUpLeft", 0) + b.get("eyeLookUpRight", 0)) / 2,
                gaze_side=max(
                    b.get(k, 0)
                    for k in (
                        "eyeLookInLeft",
                        "eyeLookInRight",
                        "eyeLookOutLeft",
                        "eyeLookOutRight",
                    )
                ),
                smile=(b.get("mouthSmileLeft", 0) + b.get("mouthSmileRight", 0)) / 2,
                motion_iod_per_s=motion,
            )
        )
