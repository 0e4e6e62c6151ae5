"""Face detection and landmarks per sampled frame (MediaPipe FaceLandmarker), and the face crop
the expression classifier reads. Consumes frames one at a time (see analyzers.media.decode)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from analyzers.posture import PoseFrame, pose_frame

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
        faces: Faces found in the frame (the largest is the one measured).
        brightness: Mean grey level (0-255) of the face box, or of the frame without a face.
        sharpness: Variance of the Laplacian of that region scaled to 128 px (blur measure;
            lower is blurrier; Pech-Pacheco et al. 2000).
        face_box: (x0, y0, x1, y1) of the measured face's landmarks, in [0, 1] of the frame's
            width / height, or None without a face.
        pose_read: Whether the body-landmark model read this frame.
        pose: The person's body landmarks (analyzers.posture.PoseFrame), or None when the
            frame was not read or showed no person.
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
    faces: int = 0
    face_box: tuple[float, float, float, float] | None = None
    pose_read: bool = False
    pose: PoseFrame | None = None


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


def measure_frame(
    t_s: float,
    rgb: np.ndarray,
    detect: Callable[[np.ndarray], object],
    classify: Callable[[np.ndarray], np.ndarray] | None,
    crop_size: int = 64,
    detect_pose: Callable[[np.ndarray], object] | None = None,
) -> tuple[FaceFrame, np.ndarray | None, tuple[float, float, float]]:
    """Detect and measure the face (and the body, when asked) of one frame (no state: safe to
    run in worker threads).

    Args:
        t_s: Media time of the frame, seconds.
        rgb: uint8, shape (H, W, 3).
        detect: ``rgb -> FaceLandmarks | None``.
        classify: ``(n, s, s) uint8 -> (n, 7)`` expression probabilities, or None to skip.
        crop_size: The classifier's input side ``s`` in pixels.
        detect_pose: ``rgb -> PoseLandmarks | None`` (models.pose_landmarker), or None to skip.

    Returns:
        (the frame's FaceFrame without ``motion_iod_per_s``, landmark pixel positions of shape
        (478, 2) or None without a face, (seconds in ``detect``, in ``classify``, in
        ``detect_pose``)); the caller fills motion from consecutive frames.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = rgb.shape[:2]
    pose, pose_s = None, 0.0
    if detect_pose is not None:
        t0 = time.perf_counter()
        person = detect_pose(rgb)
        pose_s = time.perf_counter() - t0
        if person is not None:
            pose = pose_frame(person.landmarks, person.visibility, w, h)
    t0 = time.perf_counter()
    face = detect(rgb)
    detect_s = time.perf_counter() - t0
    classify_s = 0.0
    if face is None:
        brightness, sharpness = region_quality(gray, None)
        frame = FaceFrame(
            t_s, False, brightness, sharpness, pose_read=detect_pose is not None, pose=pose
        )
        return frame, None, (detect_s, classify_s, pose_s)
    pts = face.landmarks * np.array([w, h, w], dtype=np.float32)
    box = (
        int(pts[:, 0].min()),
        int(pts[:, 1].min()),
        int(pts[:, 0].max()),
        int(pts[:, 1].max()),
    )
    brightness, sharpness = region_quality(gray, box)
    if pose is not None and not same_person(pose, box):
        pose = None  # the body model found someone else (a second person in the picture)
    emotion = None
    if classify is not None:
        crop = face_crop(gray, face.landmarks, size=crop_size)
        if crop is not None:
            t0 = time.perf_counter()
            emotion = classify(crop[None])[0]
            classify_s = time.perf_counter() - t0
    b = face.blendshapes
    yaw, pitch, roll = head_pose_deg(face.transform)
    frame = FaceFrame(
        t_s=t_s,
        has_face=True,
        brightness=brightness,
        sharpness=sharpness,
        emotion=emotion,
        ear=(eye_aspect_ratio(pts, RIGHT_EYE_EAR) + eye_aspect_ratio(pts, LEFT_EYE_EAR)) / 2,
        yaw_deg=yaw,
        pitch_deg=pitch,
        roll_deg=roll,
        gaze_down=(b.get("eyeLookDownLeft", 0) + b.get("eyeLookDownRight", 0)) / 2,
        gaze_up=(b.get("eyeLookUpLeft", 0) + b.get("eyeLookUpRight", 0)) / 2,
        gaze_side=max(
            b.get(k, 0)
            for k in ("eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight")
        ),
        smile=(b.get("mouthSmileLeft", 0) + b.get("mouthSmileRight", 0)) / 2,
        faces=getattr(face, "faces", 1),
        face_box=(
            float(np.clip(box[0] / w, 0, 1)),
            float(np.clip(box[1] / h, 0, 1)),
            float(np.clip(box[2] / w, 0, 1)),
            float(np.clip(box[3] / h, 0, 1)),
        ),
        pose_read=detect_pose is not None,
        pose=pose,
    )
    return frame, np.ascontiguousarray(pts[:, :2]), (detect_s, classify_s, pose_s)


SAME_PERSON_MARGIN = 0.25  # of the face box's size, on each side


def same_person(pose, box: tuple[int, int, int, int]) -> bool:
    """Whether a body's nose (analyzers.posture.PoseFrame) lies on the measured face (its
    landmarks' box in pixels, widened by a quarter on each side); True when the nose is not
    visible (nothing says otherwise)."""
    if not pose.visible[0]:
        return True
    x, y = pose.points_px[0]
    mx, my = (box[2] - box[0]) * SAME_PERSON_MARGIN, (box[3] - box[1]) * SAME_PERSON_MARGIN
    return box[0] - mx <= x <= box[2] + mx and box[1] - my <= y <= box[3] + my


class _RateGate:
    """True for the first frame of each 1 / fps bin of media time (None: every frame)."""

    def __init__(self, fps: float | None) -> None:
        self._fps = fps
        self._last_bin = -1

    def due(self, t_s: float) -> bool:
        if self._fps is None:
            return True
        time_bin = int(np.floor(t_s * self._fps + 1e-6))
        if time_bin <= self._last_bin:
            return False
        self._last_bin = time_bin
        return True


class FaceFrameCollector:
    """Frame callback: detects the face, measures it, classifies its expression, and reads the
    body landmarks at their own rate; keeps one small FaceFrame per sampled frame (never the
    frame or its landmarks).

    With an ``executor``, frames are measured in its worker threads (``detect`` and
    ``classify`` must then be thread-safe) while the caller decodes the next ones; results are
    taken back in frame order, at most ``max_in_flight`` frames are pending (memory stays
    flat), and the output is identical to the sequential one. Call :meth:`finish` after the
    last frame.

    Args:
        detect: ``rgb -> FaceLandmarks | None`` (models.face_landmarker.FaceLandmarkerModel.detect).
        classify: ``(n, s, s) uint8 -> (n, 7)`` probabilities, or None to skip expressions.
        crop_size: The classifier's input side ``s`` in pixels.
        classify_fps: Classify the first sampled frame of each 1 / classify_fps bin of media
            time (when it shows a face); None classifies every face. Expressions are reported
            per 0.5 s, so 5 per second keeps two or three per bin while landmarks (blinks need
            them) run at the full sampling rate.
        executor: A concurrent.futures.Executor, or None to measure in the calling thread.
        max_in_flight: Pending frames at most (with an executor).
        detect_pose: ``rgb -> PoseLandmarks | None`` (thread-safe with an executor), or None.
        pose_fps: Read the body landmarks of the first sampled frame of each 1 / pose_fps bin.
    """

    def __init__(
        self,
        detect: Callable[[np.ndarray], object],
        classify: Callable[[np.ndarray], np.ndarray] | None,
        crop_size: int = 64,
        classify_fps: float | None = None,
        executor=None,
        max_in_flight: int = 4,
        detect_pose: Callable[[np.ndarray], object] | None = None,
        pose_fps: float | None = None,
    ) -> None:
        self._detect = detect
        self._classify = classify
        self._crop_size = crop_size
        self._classify_gate = _RateGate(classify_fps)
        self._detect_pose = detect_pose
        self._pose_gate = _RateGate(pose_fps)
        self._executor = executor
        self._max_in_flight = max(1, max_in_flight)
        self._pending: deque = deque()
        self.frames: list[FaceFrame] = []
        self.detect_s = 0.0  # time spent in detect / classify / pose, summed over threads
        self.classify_s = 0.0
        self.pose_s = 0.0
        self._previous: tuple[float, np.ndarray] | None = None

    def __call__(self, t_s: float, rgb: np.ndarray) -> None:
        classify = self._classify if self._classify and self._classify_gate.due(t_s) else None
        pose = self._detect_pose if self._detect_pose and self._pose_gate.due(t_s) else None
        args = (t_s, rgb, self._detect, classify, self._crop_size, pose)
        if self._executor is None:
            self._add(*measure_frame(*args))
            return
        self._pending.append(self._executor.submit(measure_frame, *args))
        while len(self._pending) > self._max_in_flight:
            self._add(*self._pending.popleft().result())

    def finish(self) -> list[FaceFrame]:
        """Wait for pending frames; returns :attr:`frames`."""
        while self._pending:
            self._add(*self._pending.popleft().result())
        return self.frames

    def cancel(self) -> None:
        """Drop pending frames (after an error)."""
        for future in self._pending:
            future.cancel()
        for future in self._pending:
            if not future.cancelled():
                future.exception()  # wait: the worker still holds the frame
        self._pending.clear()

    def _add(
        self, frame: FaceFrame, pts: np.ndarray | None, seconds: tuple[float, float, float]
    ) -> None:
        self.detect_s += seconds[0]
        self.classify_s += seconds[1]
        self.pose_s += seconds[2]
        if pts is None:
            self._previous = None
        else:
            iod = float(np.linalg.norm(pts[RIGHT_EYE_CENTRE] - pts[LEFT_EYE_CENTRE]))
            if self._previous is not None and iod > 1e-6 and frame.t_s > self._previous[0]:
                shift = np.linalg.norm(pts - self._previous[1], axis=1).mean()
                frame.motion_iod_per_s = float(shift / iod / (frame.t_s - self._previous[0]))
            self._previous = (frame.t_s, pts)
        self.frames.append(frame)
