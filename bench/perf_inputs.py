"""Build the performance benchmark's inputs from ``../shared/data`` (never committed).

* ``interview_60s.mp4``: the real talking-head clips of ``video/`` (people speaking to the
  camera, with their own audio) one after another, each scaled to 720 px high and centred on a
  1280x720 canvas, re-encoded with PyAV (FFmpeg's libx264, 30 fps, a key frame every 2 s, AAC
  48 kHz stereo) until 60 s are filled: the shape of a webcam recording.
* ``interview_600s.mp4``: that minute ten times, remuxed packet by packet with shifted
  timestamps (no re-encode), so the 10-minute file has exactly the same content per minute.
* a two-page real resume from ``resumes/``, used in place.

Usage: ``python -m bench.perf_inputs [--out bench/.cache]`` (``make bench-perf`` calls it).
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).resolve().parent / ".cache"
# The clips of video/ that carry real speech (MANIFEST.md), in a fixed order.
TALKING_CLIPS = (
    "videoretalking_face_1.mp4",
    "sadtalker_WDA_KatieHill_000.mp4",
    "videoretalking_face_2.mp4",
    "videoretalking_face_3.mp4",
    "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4",
    "videoretalking_face_4.mp4",
    "videoretalking_face_5.mp4",
)
RESUME_TWO_PAGES = "resumes/livecareer_by_category/ENGINEERING/10219099.pdf"
WIDTH, HEIGHT, FPS = 1280, 720, 30
AUDIO_RATE = 48_000


def _clip_frames(path: Path):
    """(rgb 720x720-scaled frames at 30 fps, float32 stereo 48 kHz audio) of one clip."""
    frames: list[np.ndarray] = []
    audio: list[np.ndarray] = []
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0]
        side = HEIGHT
        next_t = 0.0
        for packet in c.demux(v, a):
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    t = float(frame.time or 0.0)
                    # resample the clip's frame rate to 30 fps by repeating / dropping frames
                    while next_t <= t + 1e-6:
                        h, w = frame.height, frame.width
                        scale = side / h
                        frames.append(
                            frame.to_ndarray(
                                format="rgb24",
                                width=int(round(w * scale / 2)) * 2,
                                height=side,
                            )
                        )
                        next_t += 1.0 / FPS
                else:
                    for r in resampler.resample(frame):
                        audio.append(r.to_ndarray())
        for r in resampler.resample(None):
            audio.append(r.to_ndarray())
    return frames, np.concatenate(audio, axis=1)


def build_60s(out: Path, duration_s: float = 60.0) -> Path:
    """Write the 60 s 1280x720 30 fps recording (skips work when it exists)."""
    if out.exists():
        return out
    tmp = out.with_suffix(".part.mp4")
    n_video = int(duration_s * FPS)
    n_audio = int(duration_s * AUDIO_RATE)
    with av.open(str(tmp), "w") as c:
        vs = c.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        vs.options = {"preset": "veryfast", "crf": "23", "g": str(2 * FPS)}
        as_ = c.add_stream("aac", rate=AUDIO_RATE)
        as_.layout = "stereo"
        written_v = written_a = 0
        clip = 0
        while written_v < n_video:
            frames, audio = _clip_frames(DATA / "video" / TALKING_CLIPS[clip % len(TALKING_CLIPS)])
            clip += 1
            canvas = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
            for rgb in frames:
                if written_v >= n_video:
                    break
                w = rgb.shape[1]
                x0 = (WIDTH - w) // 2
                canvas[:, x0 : x0 + w] = rgb
                vf = av.VideoFrame.from_ndarray(canvas, format="rgb24")
                vf.pts = written_v
                vf.time_base = Fraction(1, FPS)
                c.mux(vs.encode(vf))
                written_v += 1
            # keep the audio aligned with the video of the same clip
            want = min(n_audio, round(written_v / FPS * AUDIO_RATE)) - written_a
            if want > 0:
                piece = audio[:, :want]
                if piece.shape[1] < want:
                    piece = np.pad(piece, ((0, 0), (0, want - piece.shape[1])))
                for i in range(0, want, 1024):
                    part = np.ascontiguousarray(piece[:, i : i + 1024])
                    af = av.AudioFrame.from_ndarray(part, format="fltp", layout="stereo")
                    af.sample_rate = AUDIO_RATE
                    af.pts = written_a
                    af.time_base = Fraction(1, AUDIO_RATE)
                    c.mux(as_.encode(af))
                    written_a += part.shape[1]
        c.mux(vs.encode(None))
        c.mux(as_.encode(None))
    tmp.rename(out)
    return out


def build_repeated(src: Path, out: Path, times: int) -> Path:
    """Concatenate ``src`` with itself ``times`` times by remuxing (no re-encode)."""
    if out.exists():
        return out
    tmp = out.with_suffix(".part.mp4")
    span: dict[int, int] = {}  # per stream: last dts + duration - first dts (stream time base)
    with av.open(str(src)) as probe:
        first_dts: dict[int, int] = {}
        for packet in probe.demux():
            if packet.dts is None:
                continue
            i = packet.stream.index
            first_dts.setdefault(i, packet.dts)
            span[i] = packet.dts + (packet.duration or 0) - first_dts[i]
    with av.open(str(tmp), "w") as dst:
        with av.open(str(src)) as first:
            outs = {s.index: dst.add_stream_from_template(s) for s in first.streams}
        for k in range(times):
            with av.open(str(src)) as c:
                for packet in c.demux():
                    if packet.dts is None:
                        continue
                    shift = k * span[packet.stream.index]
                    packet.pts += shift
                    packet.dts += shift
                    tb = packet.time_base
                    packet.stream = outs[packet.stream.index]
                    packet.time_base = tb
                    dst.mux(packet)
    tmp.rename(out)
    return out


def duration_s(path: Path) -> float:
    """Container duration of a media file, seconds."""
    with av.open(str(path)) as c:
        return round(c.duration / av.time_base, 3)


def build_all(out_dir: Path = OUT) -> dict[str, Path]:
    """Build (or reuse) every input; returns name -> path."""
    if not (DATA / "video").is_dir():
        raise SystemExit(f"{DATA} is not there: the benchmark needs ../shared/data")
    out_dir.mkdir(parents=True, exist_ok=True)
    v60 = build_60s(out_dir / "interview_60s.mp4")
    v600 = build_repeated(v60, out_dir / "interview_600s.mp4", 10)
    return {"video_60s": v60, "video_600s": v600, "resume_2p": DATA / RESUME_TWO_PAGES}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    for name, path in build_all(ap.parse_args().out).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
