"""Build small test media with PyAV: videos from a still image (optionally with audio), WAVs."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SR = 16_000


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getframerate() == SR and w.getnchannels() == 1
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0


def write_wav(path: Path, audio: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def write_video(
    path: Path,
    image: np.ndarray,
    duration_s: float,
    *,
    fps: int = 10,
    audio: np.ndarray | None = None,
) -> Path:
    """An mp4 (mpeg4 video, AAC audio when given) showing ``image`` for ``duration_s``."""
    h, w = (image.shape[0] // 2) * 2, (image.shape[1] // 2) * 2
    frame_rgb = np.ascontiguousarray(image[:h, :w, :3])
    with av.open(str(path), "w") as out:
        vs = out.add_stream("mpeg4", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        a_s = None
        if audio is not None:
            a_s = out.add_stream("aac", rate=SR)
            a_s.layout = "mono"
        for i in range(int(duration_s * fps)):
            frame = av.VideoFrame.from_ndarray(frame_rgb, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if a_s is not None:
            pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
            step = 1024
            for i in range(0, len(pcm), step):
                block = pcm[i : i + step]
                af = av.AudioFrame.from_ndarray(block[None, :], format="s16", layout="mono")
                af.sample_rate = SR
                af.pts = i
                af.time_base = Fraction(1, SR)
                for p in a_s.encode(af):
                    out.mux(p)
            for p in a_s.encode():
                out.mux(p)
    return path


def write_audio(
    path: Path, audio: np.ndarray, codec: str, container_format: str | None = None
) -> Path:
    """Encode mono 16 kHz ``audio`` with an FFmpeg encoder (e.g. libmp3lame, libopus, aac)."""
    rate = 48_000 if codec == "libopus" else SR
    with av.open(str(path), "w", format=container_format) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        pts = 0
        for i in range(0, len(pcm), 1024):
            frame = av.AudioFrame.from_ndarray(pcm[None, i : i + 1024], format="s16", layout="mono")
            frame.sample_rate = SR
            for r in resampler.resample(frame):
                r.pts = pts
                pts += r.samples
                for p in stream.encode(r):
                    out.mux(p)
        for r in resampler.resample(None):
            r.pts = pts
            pts += r.samples
            for p in stream.encode(r):
                out.mux(p)
        for p in stream.encode():
            out.mux(p)
    return path


def concat_clips(paths: list[Path], out: Path, *, fps: int = 10, height: int = 360) -> Path:
    """One mp4 of several real clips one after another (frames at ``fps``, scaled to
    ``height``; audio as 16 kHz mono AAC): a longer recording made from short ones."""
    frames: list[np.ndarray] = []
    audio: list[np.ndarray] = []
    for path in paths:
        with av.open(str(path)) as c:
            v, a = c.streams.video[0], c.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SR)
            clip, next_t = [], 0.0
            for packet in c.demux(v, a):
                for frame in packet.decode():
                    if isinstance(frame, av.VideoFrame):
                        t = float(frame.time or 0.0)
                        while next_t <= t + 1e-6:
                            w = int(round(frame.width * height / frame.height / 2)) * 2
                            clip.append(frame.to_ndarray(format="rgb24", width=w, height=height))
                            next_t += 1.0 / fps
                    else:
                        audio += [r.to_ndarray()[0] for r in resampler.resample(frame)]
            audio += [r.to_ndarray()[0] for r in resampler.resample(None)]
            frames += clip
    width = min(f.shape[1] for f in frames)
    sound = np.concatenate(audio).astype(np.float32)
    with av.open(str(out), "w") as container:
        vs = container.add_stream("mpeg4", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        a_s = container.add_stream("aac", rate=SR)
        a_s.layout = "mono"
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:, :width]), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for p in vs.encode(frame):
                container.mux(p)
        for p in vs.encode():
            container.mux(p)
        pcm = (np.clip(sound, -1, 1) * 32767).astype(np.int16)
        for i in range(0, len(pcm), 1024):
            af = av.AudioFrame.from_ndarray(pcm[None, i : i + 1024], format="s16", layout="mono")
            af.sample_rate, af.pts, af.time_base = SR, i, Fraction(1, SR)
            for p in a_s.encode(af):
                container.mux(p)
        for p in a_s.encode():
            container.mux(p)
    return out
