import numpy as np
import pytest

from analyzers import media
from contracts.errors import CorruptFile, MediaTooLong, NoAudioTrack
from tests.conftest import FIXTURES


def test_probe_reads_streams(face_video):
    info = media.probe(face_video)
    assert info.has_video and info.has_audio
    assert info.duration_s == pytest.approx(4.0, abs=0.2)
    assert info.width_px > 0 and info.fps == pytest.approx(10, abs=0.5)


def test_decode_samples_frames_and_resamples_audio_in_one_pass(face_video):
    info = media.probe(face_video)
    seen = []
    out = media.decode(
        face_video,
        info=info,
        want_video=True,
        want_audio=True,
        sample_fps=2.0,
        max_side_px=200,
        on_frame=lambda t, rgb: seen.append((t, rgb.shape)),
    )
    times = [t for t, _ in seen]
    assert len(seen) == out.frames_sampled == 8  # 4 s at 2 fps
    assert times == sorted(times) and times[0] == 0.0
    assert max(seen[0][1][:2]) <= 200 and seen[0][1][2] == 3
    assert out.audio.dtype == np.float32 and out.audio.ndim == 1
    assert out.audio_duration_s == pytest.approx(4.0, abs=0.15)
    assert np.abs(out.audio).max() <= 1.0 and np.abs(out.audio).max() > 0.05


def test_missing_audio_track_is_reported(silent_face_video):
    info = media.probe(silent_face_video)
    assert not info.has_audio
    with pytest.raises(NoAudioTrack):
        media.decode(silent_face_video, info=info, want_video=False, want_audio=True)


def test_corrupt_and_truncated_files_raise(tmp_path, face_video):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(CorruptFile):
        media.decode(junk, info=media.probe(junk), want_video=True, want_audio=False)
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(face_video.read_bytes()[:3000])
    with pytest.raises(CorruptFile):
        media.decode(truncated, info=media.probe(truncated), want_video=True, want_audio=True)


def test_duration_limit(face_video):
    info = media.probe(face_video)
    with pytest.raises(MediaTooLong):
        media.decode(face_video, info=info, want_video=True, want_audio=False, max_duration_s=1.0)


def test_rotation_metadata_is_applied():
    """A 96x64 frame with a red band on top, stored with a 90-degree display rotation (as
    phones record portrait video): the decoded frame is upright, 64 wide and 96 high, with the
    band on the left as a player shows it."""
    path = FIXTURES / "rotated90_pattern.mp4"
    seen = []
    media.decode(
        path,
        info=media.probe(path),
        want_video=True,
        want_audio=False,
        sample_fps=10,
        on_frame=lambda t, rgb: seen.append(rgb),
    )
    frame = seen[0]
    assert frame.shape[:2] == (96, 64)
    assert frame[:, :8, 0].mean() > 150 and frame[:, -8:, 0].mean() < 60


def test_sampling_rate_is_exact(media_dir, face_rgb):
    """25 fps for 4 s sampled at 10 per second: exactly 40 frames, one per 0.1 s bin (float
    rounding of times like 0.3 must not sample a bin twice)."""
    from tests.media_factory import write_video

    path = write_video(media_dir / "f25.mp4", face_rgb[::4, ::4], 4.0, fps=25)
    times = []
    out = media.decode(
        path,
        info=media.probe(path),
        want_video=True,
        want_audio=False,
        sample_fps=10.0,
        on_frame=lambda t, rgb: times.append(t),
    )
    assert out.frames_sampled == len(times) == 40
    assert len({int(t * 10 + 1e-6) for t in times}) == 40
