import numpy as np
import pytest

from analyzers.delivery_video import delivery_video, detect_blinks
from analyzers.face import FaceFrame, FaceFrameCollector, head_pose_deg


def _frame(t, ear=0.3, **kw):
    base = dict(
        yaw_deg=0.0,
        pitch_deg=0.0,
        roll_deg=0.0,
        gaze_down=0.1,
        gaze_up=0.05,
        gaze_side=0.1,
        smile=0.0,
        motion_iod_per_s=0.2,
        brightness=120.0,
        sharpness=200.0,
    )
    base.update(kw)
    return FaceFrame(t_s=t, has_face=True, ear=ear, **base)


def test_blinks_count_once_with_refractory_period():
    t = np.arange(0, 6, 0.1)
    ear = np.full_like(t, 0.3)
    ear[[10, 11]] = 0.05  # one blink over two frames
    ear[[13]] = 0.05  # re-closure 0.2 s after: same blink (refractory 0.25 s)
    ear[[30]] = 0.05  # second blink
    ear[45:55] = 0.05  # eyes closed for 1 s: not a blink
    onsets, closed_s, closed = detect_blinks(t, ear, 10.0)
    assert onsets == [1.0, 3.0]
    assert closed_s == pytest.approx(1.0, abs=0.11)
    assert closed.sum() == 14


def test_measures_from_frames():
    frames = [
        _frame(i / 10, smile=0.8 if i < 20 else 0.1, gaze_down=0.7 if i >= 50 else 0.1)
        for i in range(100)
    ]
    frames += [
        FaceFrame(t_s=10 + i / 10, has_face=False, brightness=10, sharpness=1) for i in range(20)
    ]
    d = delivery_video(frames, sample_fps=10)
    assert d.face_coverage == pytest.approx(100 / 120, abs=1e-3)
    assert d.eye_contact_ratio == pytest.approx(0.5)
    assert d.smile_ratio == pytest.approx(0.2)
    assert d.blink_count == 0 and d.blink_rate_per_min == 0
    assert d.head_movement.yaw_std_deg == 0
    assert d.frame_quality.too_dark_share == pytest.approx(20 / 120, abs=1e-3)
    assert len(d.timeline) == 12 and d.timeline[-1].face == 0 and d.timeline[-1].eye_contact is None


def test_no_face_and_low_fps():
    d = delivery_video([FaceFrame(t_s=0, has_face=False)], sample_fps=10)
    assert d.eye_contact_ratio is None and d.head_movement is None and d.blink_count is None
    low = delivery_video([_frame(i / 4) for i in range(20)], sample_fps=4)
    assert low.blink_rate_per_min is None  # 4 fps cannot see blinks


def test_head_pose_of_identity_and_rotation():
    assert head_pose_deg(np.eye(4)) == pytest.approx((0, 0, 0), abs=1e-6)
    a = np.radians(30)
    yaw = np.eye(4)
    yaw[:3, :3] = [[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]]
    y, p, r = head_pose_deg(yaw * 2.5)  # the matrix also scales
    assert (y, p, r) == pytest.approx((30, 0, 0), abs=1e-4)


@pytest.mark.slow
def test_collector_measures_a_real_face(registry, face_rgb):
    c = FaceFrameCollector(registry.get("face").detect, None)
    c(0.0, face_rgb)
    c(0.1, face_rgb)
    f = c.frames[1]
    assert 0.15 < f.ear < 0.45 and abs(f.yaw_deg) < 25 and f.emotion is None
    assert f.motion_iod_per_s == pytest.approx(0, abs=1e-3)  # same image twice
    assert 0 <= f.smile <= 1 and 0 < f.brightness < 255 and f.sharpness > 0
