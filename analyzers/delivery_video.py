"""Delivery measures from the face in each sampled frame: eye contact, smiles, blinks, head
movement, landmark motion and frame quality. Methods and thresholds: docs/DELIVERY.md.

Sources: eye aspect ratio, Soukupova & Cech 2016 ("Real-Time Eye Blink Detection using Facial
Landmarks"); blendshapes and head pose, MediaPipe Face Landmarker model card; blur as the
variance of the Laplacian, Pech-Pacheco et al. 2000.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analyzers import posture as body
from analyzers.face import FaceFrame
from contracts.report import (
    DeliveryVideo,
    FrameQuality,
    HeadMovement,
    LandmarkStability,
    VideoTimelinePoint,
)

# Eye contact: head within +-20 degrees of the camera axis and eyes not turned away.
EYE_CONTACT_MAX_YAW_DEG = 20.0
EYE_CONTACT_MAX_PITCH_DEG = 20.0
EYE_CONTACT_MAX_GAZE_DOWN = 0.4
EYE_CONTACT_MAX_GAZE_UP = 0.45
EYE_CONTACT_MAX_GAZE_SIDE = 0.6
# Blinks: eyes closed when EAR < 60 % of the clip's median EAR; a closure of at most 0.5 s is a
# blink (longer: eyes closed); closures starting within 0.25 s of the last blink's end merge.
BLINK_EAR_RATIO = 0.6
BLINK_MAX_S = 0.5
BLINK_REFRACTORY_S = 0.25
MIN_FPS_FOR_BLINKS = 8.0
SMILE_THRESHOLD = 0.5
TOO_DARK_BELOW = 40.0  # mean grey level of the face box, 0-255
BLURRED_BELOW = 10.0  # variance of the Laplacian at 128 px (a 2 % Gaussian blur gives 3-20)
TIMELINE_STEP_S = 1.0


def _eye_contact(f: FaceFrame) -> bool:
    return (
        abs(f.yaw_deg) <= EYE_CONTACT_MAX_YAW_DEG
        and abs(f.pitch_deg) <= EYE_CONTACT_MAX_PITCH_DEG
        and f.gaze_down <= EYE_CONTACT_MAX_GAZE_DOWN
        and f.gaze_up <= EYE_CONTACT_MAX_GAZE_UP
        and f.gaze_side <= EYE_CONTACT_MAX_GAZE_SIDE
    )


def detect_blinks(
    times_s: np.ndarray, ear: np.ndarray, sample_fps: float
) -> tuple[list[float], float, np.ndarray]:
    """Blink onsets from the eye aspect ratio of consecutive face frames.

    Args:
        times_s: float, shape (n,), frame times of face frames, increasing.
        ear: float, shape (n,), eye aspect ratio per frame.
        sample_fps: Sampling rate; gaps longer than 2 / sample_fps split closures.

    Returns:
        (blink onset times in s, seconds with eyes closed longer than a blink, closed mask (n,)).
    """
    if len(ear) == 0:
        return [], 0.0, np.zeros(0, bool)
    closed = ear < BLINK_EAR_RATIO * float(np.median(ear))
    onsets: list[float] = []
    closed_long_s = 0.0
    last_end = -np.inf
    i, step = 0, 1.0 / sample_fps
    while i < len(closed):
        if not closed[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(closed) and closed[j + 1] and times_s[j + 1] - times_s[j] <= 2 * step:
            j += 1
        duration = times_s[j] - times_s[i] + step
        if duration <= BLINK_MAX_S:
            if times_s[i] - last_end > BLINK_REFRACTORY_S:
                onsets.append(round(float(times_s[i]), 2))
            last_end = times_s[j]
        else:
            closed_long_s += duration
        i = j + 1
    return onsets, round(closed_long_s, 2), closed


def multiple_faces(frames: Sequence[FaceFrame]) -> tuple[int, float]:
    """(most faces in one frame, share of frames with a face that show two or more)."""
    with_face = [f.faces for f in frames if f.has_face]
    if not with_face:
        return 0, 0.0
    return max(with_face), round(sum(n >= 2 for n in with_face) / len(with_face), 4)


def delivery_video(
    frames: Sequence[FaceFrame],
    *,
    sample_fps: float,
    pose_fps: float | None = None,
    pose_model: str | None = None,
) -> DeliveryVideo:
    """Delivery measures over the sampled frames.

    Args:
        frames: One FaceFrame per sampled frame, in time order.
        sample_fps: Frames sampled per second of media time.
        pose_fps: Frames per second the body-landmark model read (None: not read; no posture).
        pose_model: Name of the body-landmark model.

    Returns:
        The ``delivery.video`` section; ratios are over frames with a face (eye contact over
        face frames with open eyes); measures needing a face are None when no frame had one.
        Blinks are None when ``sample_fps`` is below 8 (blinks last 100-400 ms).
    """
    face = [f for f in frames if f.has_face]
    n = len(frames)
    quality = _frame_quality(frames)
    timeline = _timeline(frames)
    faces_max, multi_share = multiple_faces(frames)
    posture = (
        body.posture(frames, pose_fps=pose_fps, model_name=pose_model or "") if pose_fps else None
    )
    if not face:
        return DeliveryVideo(
            sample_fps=sample_fps,
            frames_sampled=n,
            frames_with_face=0,
            face_coverage=0.0,
            faces_max=0,
            eye_contact_ratio=None,
            smile_ratio=None,
            blink_count=None,
            blink_rate_per_min=None,
            blink_times_s=[],
            eyes_closed_s=None,
            face_visible_s=0.0,
            head_movement=None,
            landmark_stability=None,
            frame_quality=quality,
            timeline=timeline,
            posture=posture,
        )
    t = np.array([f.t_s for f in face])
    ear = np.array([f.ear for f in face])
    onsets, closed_s, closed = detect_blinks(t, ear, sample_fps)
    open_frames = [f for f, c in zip(face, closed, strict=True) if not c]
    contact = [_eye_contact(f) for f in open_frames]
    visible_s = len(face) / sample_fps
    blinks_ok = sample_fps >= MIN_FPS_FOR_BLINKS
    motion = np.array([f.motion_iod_per_s for f in face if f.motion_iod_per_s is not None])
    return DeliveryVideo(
        sample_fps=sample_fps,
        frames_sampled=n,
        frames_with_face=len(face),
        face_coverage=round(len(face) / n, 4),
        faces_max=faces_max,
        multiple_faces_share=multi_share,
        eye_contact_ratio=round(float(np.mean(contact)), 4) if contact else None,
        smile_ratio=round(float(np.mean([f.smile >= SMILE_THRESHOLD for f in face])), 4),
        blink_count=len(onsets) if blinks_ok else None,
        blink_rate_per_min=round(len(onsets) / visible_s * 60, 1) if blinks_ok else None,
        blink_times_s=onsets if blinks_ok else [],
        eyes_closed_s=closed_s,
        face_visible_s=round(visible_s, 2),
        head_movement=HeadMovement(
            yaw_std_deg=round(float(np.std([f.yaw_deg for f in face])), 2),
            pitch_std_deg=round(float(np.std([f.pitch_deg for f in face])), 2),
            roll_std_deg=round(float(np.std([f.roll_deg for f in face])), 2),
            yaw_mean_deg=round(float(np.mean([f.yaw_deg for f in face])), 2),
            pitch_mean_deg=round(float(np.mean([f.pitch_deg for f in face])), 2),
        ),
        landmark_stability=LandmarkStability(
            mean_motion_iod_per_s=round(float(motion.mean()), 3),
            p95_motion_iod_per_s=round(float(np.percentile(motion, 95)), 3),
        )
        if len(motion)
        else None,
        frame_quality=quality,
        timeline=timeline,
        framing=body.framing(face),
        posture=posture,
    )


def _frame_quality(frames: Sequence[FaceFrame]) -> FrameQuality:
    if not frames:
        return FrameQuality(
            brightness_mean=0,
            sharpness_median=0,
            too_dark_share=0,
            blurred_share=0,
            unusable_share=0,
        )
    b = np.array([f.brightness for f in frames])
    s = np.array([f.sharpness for f in frames])
    dark, blurred = b < TOO_DARK_BELOW, s < BLURRED_BELOW
    return FrameQuality(
        brightness_mean=round(float(b.mean()), 1),
        sharpness_median=round(float(np.median(s)), 1),
        too_dark_share=round(float(dark.mean()), 4),
        blurred_share=round(float(blurred.mean()), 4),
        unusable_share=round(float((dark | blurred).mean()), 4),
    )


def _timeline(frames: Sequence[FaceFrame]) -> list[VideoTimelinePoint]:
    """Per 1 s bin: share of frames with a face, eye contact share and mean smile over them."""
    bins: dict[int, list[FaceFrame]] = {}
    for f in frames:
        bins.setdefault(int(f.t_s // TIMELINE_STEP_S), []).append(f)
    out = []
    for k in sorted(bins):
        fs = bins[k]
        face = [f for f in fs if f.has_face]
        out.append(
            VideoTimelinePoint(
                t_s=k * TIMELINE_STEP_S,
                face=round(len(face) / len(fs), 3),
                eye_contact=round(float(np.mean([_eye_contact(f) for f in face])), 3)
                if face
                else None,
                smile=round(float(np.mean([f.smile for f in face])), 3) if face else None,
            )
        )
    return out
