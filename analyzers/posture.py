"""Upper-body posture, framing and hand gestures over the sampled frames. Methods and
thresholds: docs/DELIVERY.md ("Framing, posture and gestures").

Sources: body landmarks from MediaPipe Pose Landmarker (BlazePose GHUM, Bazarevsky et al. 2020;
models/pose_landmarker.py); face boxes from MediaPipe Face Landmarker. Gesture rate follows
the usual definition in nonverbal-behaviour coding (movements of the hands per minute, e.g.
Naim et al. 2018, "Automated Analysis and Prediction of Job Interview Performance"), detected
here from wrist speed rather than hand-coded.

Angles are in the picture plane. A single camera sees leaning towards it only as a change of
apparent size, so "leaning in / back" are changes of shoulder width against the recording's
own median, not absolute angles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from contracts.report import Framing, Gestures, Posture

if TYPE_CHECKING:
    from analyzers.face import FaceFrame

# Landmarks kept per frame, by BlazePose index ("left" = the person's left).
NOSE, LEFT_EAR, RIGHT_EAR = 0, 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_WRIST, RIGHT_WRIST = 15, 16
KEPT = (NOSE, LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_WRIST, RIGHT_WRIST)
MIN_VISIBILITY = 0.5
# A person whose shoulders span less than this share of the frame width is too far away (or
# not a person: a drawn figure on a title card passed the detector; docs/DELIVERY.md).
MIN_SHOULDER_WIDTH_SHARE = 0.08
SHOULDERS_LEVEL_DEG = 5.0
UPRIGHT_DEG = 10.0
DISTANCE_CHANGE = 0.10  # +-10 % of the median shoulder width: closer / farther
# Gestures: a wrist moving at >= 0.8 shoulder widths per second (a deliberate hand movement
# of ~30 cm takes under a second; resting wrists of real recordings jitter below 0.3:
# docs/DELIVERY.md); runs less than 0.4 s apart are one gesture; rate reported only after 5 s
# with a hand in view.
GESTURE_MIN_SPEED_SW_PER_S = 0.8
GESTURE_MERGE_S = 0.4
GESTURE_MIN_VISIBLE_S = 5.0
# Framing: face centre in the middle third of the width, 20-60 % of the height from the top.
CENTRED_MAX_DX = 1 / 6
CENTRED_Y_RANGE = (0.2, 0.6)


@dataclass(frozen=True)
class PoseFrame:
    """The few body landmarks one frame's measures need, in pixels (aspect-correct angles).

    Attributes:
        points_px: float32, shape (7, 2): x, y in pixels of nose, left ear, right ear, left
            shoulder, right shoulder, left wrist, right wrist (order of ``KEPT``).
        visible: bool, shape (7,): visibility >= 0.5 and inside the frame.
        width_px, height_px: Frame size.
    """

    points_px: np.ndarray
    visible: np.ndarray
    width_px: int
    height_px: int

    @property
    def shoulders(self) -> bool:
        """Both shoulders in view and far enough apart to be a person in front of the camera."""
        return bool(self.visible[3] and self.visible[4]) and (
            self.shoulder_width_px() >= MIN_SHOULDER_WIDTH_SHARE * self.width_px
        )

    def shoulder_width_px(self) -> float:
        return float(np.linalg.norm(self.points_px[3] - self.points_px[4]))


def pose_frame(landmarks: np.ndarray, visibility: np.ndarray, width_px: int, height_px: int):
    """A :class:`PoseFrame` from one person's landmarks.

    Args:
        landmarks: float, shape (33, 3), x / y normalised to the frame (may lie outside [0, 1]).
        visibility: float, shape (33,), [0, 1].
        width_px, height_px: Frame size in pixels.
    """
    xy = landmarks[list(KEPT), :2].astype(np.float32)
    inside = (xy >= 0).all(axis=1) & (xy[:, 0] <= 1) & (xy[:, 1] <= 1)
    visible = (visibility[list(KEPT)] >= MIN_VISIBILITY) & inside
    return PoseFrame(xy * (width_px, height_px), visible, width_px, height_px)


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(float(x), digits)


def framing(frames: Sequence[FaceFrame]) -> Framing | None:
    """Where the measured face sits in the picture over the frames with a face, or None."""
    boxes = np.array([f.face_box for f in frames if f.has_face and f.face_box is not None])
    if len(boxes) == 0:
        return None
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    centred = (
        (np.abs(cx - 0.5) <= CENTRED_MAX_DX)
        & (cy >= CENTRED_Y_RANGE[0])
        & (cy <= CENTRED_Y_RANGE[1])
    )
    return Framing(
        face_offset_x_mean=round(float(np.clip(cx.mean() - 0.5, -0.5, 0.5)), 4),
        face_offset_y_mean=round(float(np.clip(cy.mean() - 0.5, -0.5, 0.5)), 4),
        face_height_share_median=round(float(np.median(boxes[:, 3] - boxes[:, 1])), 4),
        face_centred_share=round(float(centred.mean()), 4),
    )


def _angles(poses: Sequence[PoseFrame]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shoulder tilt deg, lateral lean deg, shoulder width px) per frame with shoulders."""
    tilt, lean, width = [], [], []
    for p in poses:
        left, right = p.points_px[3], p.points_px[4]
        # the person's left shoulder is on the picture's right for a person facing the camera
        # (a mirrored selfie looks the same to the model); + = the picture's right higher
        pic_left, pic_right = (right, left) if left[0] >= right[0] else (left, right)
        dx, dy = pic_right[0] - pic_left[0], pic_left[1] - pic_right[1]
        tilt.append(np.degrees(np.arctan2(dy, max(dx, 1e-6))))
        mid = (left + right) / 2
        if p.visible[1] and p.visible[2]:
            head = (p.points_px[1] + p.points_px[2]) / 2
        elif p.visible[0]:
            head = p.points_px[0]
        else:
            head = None
        if head is not None and mid[1] - head[1] > 1e-6:
            lean.append(np.degrees(np.arctan2(head[0] - mid[0], mid[1] - head[1])))
        width.append(p.shoulder_width_px())
    return np.array(tilt), np.array(lean), np.array(width)


def gestures(
    times_s: np.ndarray, poses: Sequence[PoseFrame | None], pose_fps: float
) -> Gestures | None:
    """Hand movements from wrist speed between consecutive pose frames.

    Args:
        times_s: float, shape (n,), times of the frames the pose model read, increasing.
        poses: One entry per such frame: the person's PoseFrame, or None without a person.
        pose_fps: Pose frames per media second; steps longer than 2.5 / pose_fps are gaps.

    Returns:
        Gestures, or None when no frame was read. Speeds are the smaller of the wrist's own
        and its motion relative to the shoulders' midpoint (when both frames show the
        shoulders: body sway, a moving camera and a body rocking over resting hands are not
        gestures), in shoulder widths per second (the recording's median shoulder
        width, so the measure does not depend on the distance from the camera); without a
        frame with shoulders, the frame width / 3 stands in.
    """
    n = len(poses)
    if n == 0:
        return None
    widths = [p.shoulder_width_px() for p in poses if p is not None and p.shoulders]
    visible = np.array([p is not None and bool(p.visible[5] or p.visible[6]) for p in poses])
    step_s = 1.0 / pose_fps
    # each frame stands for the time until the next one (a source slower than pose_fps gives
    # fewer frames, each longer), at most 2.5 steps (longer: a gap)
    spans = np.clip(np.diff(times_s, append=times_s[-1] + step_s), 0, 2.5 * step_s)
    visible_s = float(spans[visible].sum())
    if visible_s < GESTURE_MIN_VISIBLE_S:
        return Gestures(
            hands_visible_share=round(float(visible.mean()), 4),
            hands_visible_s=round(visible_s, 2),
            gesture_count=None,
            gesture_rate_per_min=None,
        )
    frame_width = next(p.width_px for p in poses if p is not None)
    unit = float(np.median(widths)) if widths else frame_width / 3
    moving_steps: list[tuple[float, float]] = []  # (start, end) of steps with a hand moving
    steps = 0
    for i in range(1, n):
        a, b = poses[i - 1], poses[i]
        dt = times_s[i] - times_s[i - 1]
        if a is None or b is None or dt <= 0 or dt > 2.5 * step_s:
            continue
        # the hand's motion relative to the shoulders: a swaying body or a moving camera
        # carries the wrists along without a gesture
        carried = (
            (b.points_px[3] + b.points_px[4] - a.points_px[3] - a.points_px[4]) / 2
            if a.shoulders and b.shoulders
            else 0.0
        )
        # ... nor does a rocking body over hands resting on a desk: the smaller of the wrist's
        # own motion and its motion relative to the shoulders
        speeds = [
            min(
                np.linalg.norm(b.points_px[k] - a.points_px[k]),
                np.linalg.norm(b.points_px[k] - a.points_px[k] - carried),
            )
            / unit
            / dt
            for k in (5, 6)
            if a.visible[k] and b.visible[k]
        ]
        if not speeds:
            continue
        steps += 1
        if max(speeds) >= GESTURE_MIN_SPEED_SW_PER_S:
            moving_steps.append((float(times_s[i - 1]), float(times_s[i])))
    count, last_end = 0, -np.inf
    for start, end in moving_steps:
        if start - last_end >= GESTURE_MERGE_S:
            count += 1
        last_end = end
    return Gestures(
        hands_visible_share=round(float(visible.mean()), 4),
        hands_visible_s=round(visible_s, 2),
        gesture_count=count,
        gesture_rate_per_min=round(count / visible_s * 60, 1),
        gesturing_share=round(len(moving_steps) / steps, 4) if steps else None,
    )


def posture(frames: Sequence[FaceFrame], *, pose_fps: float, model_name: str) -> Posture | None:
    """Posture and gestures over the frames the pose model read.

    Args:
        frames: The sampled frames in time order; those with ``pose_read`` were read by the
            pose model and carry ``pose`` (None where it found no person).
        pose_fps: Pose frames per media second.
        model_name: Name of the body-landmark model.

    Returns:
        The ``delivery.video.posture`` section, or None when no frame was read. Measures that
        need the shoulders are None when no frame showed both.
    """
    read = [f for f in frames if f.pose_read]
    if not read:
        return None
    poses = [f.pose for f in read]
    shoulder_frames = [p for p in poses if p is not None and p.shoulders]
    tilt, lean, width = _angles(shoulder_frames)
    has = len(shoulder_frames) > 0
    median_width = float(np.median(width)) if has else None
    return Posture(
        pose_fps=pose_fps,
        frames_sampled=len(read),
        frames_with_shoulders=len(shoulder_frames),
        shoulders_coverage=round(len(shoulder_frames) / len(read), 4),
        shoulder_tilt_mean_deg=_round(tilt.mean(), 2) if has else None,
        shoulder_tilt_std_deg=_round(tilt.std(), 2) if has else None,
        shoulders_level_share=_round((np.abs(tilt) <= SHOULDERS_LEVEL_DEG).mean(), 4)
        if has
        else None,
        lateral_lean_mean_deg=_round(lean.mean(), 2) if len(lean) else None,
        lateral_lean_std_deg=_round(lean.std(), 2) if len(lean) else None,
        upright_share=_round((np.abs(lean) <= UPRIGHT_DEG).mean(), 4) if len(lean) else None,
        shoulder_width_share_median=_round(
            np.median(width / np.array([p.width_px for p in shoulder_frames])), 4
        )
        if has
        else None,
        distance_change_cv=_round(width.std() / width.mean(), 4) if has else None,
        closer_share=_round((width >= (1 + DISTANCE_CHANGE) * median_width).mean(), 4)
        if has
        else None,
        farther_share=_round((width <= (1 - DISTANCE_CHANGE) * median_width).mean(), 4)
        if has
        else None,
        gestures=gestures(np.array([f.t_s for f in read]), poses, pose_fps),
        model=model_name,
    )
