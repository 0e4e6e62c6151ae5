"""Decode a media file once: frames sampled at a fixed rate, streamed to a callback, and the
audio as 16 kHz mono float32, in one demuxing pass (PyAV, the FFmpeg bindings).

Frames are handed to ``on_frame`` one at a time and never all held, so memory does not grow
with the video's length; the audio (64 kB per second) is kept whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from contracts.audio import SAMPLE_RATE_HZ
from contracts.errors import CorruptFile, MediaTooLong, NoAudioTrack, NoVideoTrack, TooLarge

log = logging.getLogger(__name__)

__all__ = ["SAMPLE_RATE_HZ", "DecodedMedia", "MediaInfo", "decode", "probe"]

FrameCallback = Callable[[float, np.ndarray], None]


@dataclass(frozen=True)
class MediaInfo:
    """What the container says about a media file.

    Attributes:
        duration_s: Container duration in seconds (0.0 when unknown).
        has_video / has_audio: Whether a decodable stream of that kind exists.
        width_px, height_px, fps: Of the first video stream (None without video).
        format_name: FFmpeg demuxer name, e.g. ``mov,mp4,m4a,3gp,3g2,mj2``.
    """

    duration_s: float
    has_video: bool
    has_audio: bool
    width_px: int | None
    height_px: int | None
    fps: float | None
    format_name: str


@dataclass
class DecodedMedia:
    """Result of :func:`decode`.

    Attributes:
        info: The probe result.
        audio: float32, shape (n,), 16 kHz mono in [-1, 1]; None when not requested/absent.
        frames_sampled: Frames passed to ``on_frame``.
        sample_fps: Sampling rate used for frames (frames per second of media time).
    """

    info: MediaInfo
    audio: np.ndarray | None
    frames_sampled: int
    sample_fps: float

    @property
    def audio_duration_s(self) -> float:
        return 0.0 if self.audio is None else len(self.audio) / SAMPLE_RATE_HZ


FRAME_THREADS_ABOVE_PX = 1280 * 720


def _moving_video(container):
    """The first video stream that is not a still attached to audio (an MP3's or M4A's cover
    art is a one-frame video stream with the attached-picture disposition)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def probe(path: Path) -> MediaInfo:
    """Read stream information without decoding.

    Raises:
        CorruptFile: FFmpeg cannot open or parse the file.
    """
    try:
        with av.open(str(path)) as container:
            video = _moving_video(container)
            audio = container.streams.audio[0] if container.streams.audio else None
            duration = container.duration / av.time_base if container.duration else 0.0
            if not duration:
                for stream in (video, audio):
                    if stream is not None and stream.duration and stream.time_base:
                        duration = max(duration, float(stream.duration * stream.time_base))
            fps = float(video.average_rate) if video is not None and video.average_rate else None
            return MediaInfo(
                duration_s=round(float(duration), 3),
                has_video=video is not None and video.codec_context.width > 0,
                has_audio=audio is not None,
                width_px=video.codec_context.width if video is not None else None,
                height_px=video.codec_context.height if video is not None else None,
                fps=round(fps, 3) if fps else None,
                format_name=container.format.name,
            )
    except (av.error.FFmpegError, UnicodeDecodeError, IndexError, ValueError) as exc:
        raise CorruptFile(f"the media file cannot be read ({type(exc).__name__})") from exc


def check_video_budget(
    info: MediaInfo, max_frame_pixels: int | None, max_fps: float | None
) -> None:
    """Every frame of a video is decoded (inter-frame codecs), so its cost grows with frame
    size and rate as well as duration.

    Raises:
        TooLarge: frames or frame rate over the limits.
    """
    pixels = (info.width_px or 0) * (info.height_px or 0)
    if max_frame_pixels is not None and pixels > max_frame_pixels:
        raise TooLarge(
            f"the video's frames are {info.width_px}x{info.height_px} ({pixels / 1e6:.1f} MP); "
            f"this server decodes at most {max_frame_pixels / 1e6:.1f} MP (CAA_MAX_FRAME_MP)"
        )
    if max_fps is not None and info.fps is not None and info.fps > max_fps:
        raise TooLarge(
            f"the video has {info.fps:g} frames per second; this server decodes at most "
            f"{max_fps:g} (CAA_MAX_VIDEO_FPS)"
        )


def decode(
    path: Path,
    *,
    info: MediaInfo,
    want_video: bool,
    want_audio: bool,
    sample_fps: float = 4.0,
    max_side_px: int = 640,
    max_duration_s: float | None = None,
    on_frame: FrameCallback | None = None,
    max_frame_pixels: int | None = None,
    max_fps: float | None = None,
) -> DecodedMedia:
    """Decode video frames (sampled) and audio (resampled) in one pass.

    Args:
        path: Media file.
        info: Its :func:`probe` result.
        want_video: Sample frames and pass them to ``on_frame``.
        want_audio: Collect 16 kHz mono audio.
        sample_fps: Frames per second of media time to sample (> 0).
        max_side_px: Frames are scaled down so their longer side is at most this.
        max_duration_s: Refuse media longer than this (None: no limit).
        on_frame: Called as ``on_frame(t_s, rgb)`` with ``rgb`` uint8, shape (H, W, 3), upright
            (a rotation in the stream's display matrix, as phones record, is applied).
        max_frame_pixels: Refuse video whose frames have more pixels (None: no limit).
        max_fps: Refuse video with a higher native frame rate (every frame is decoded).

    Raises:
        NoVideoTrack / NoAudioTrack: a wanted stream is absent.
        MediaTooLong: the duration exceeds ``max_duration_s``.
        TooLarge: frames over ``max_frame_pixels`` or a frame rate over ``max_fps``.
        CorruptFile: decoding fails or yields nothing.
    """
    if want_video and not info.has_video:
        raise NoVideoTrack("the file has no video stream; send a video for face analysis")
    if want_audio and not info.has_audio:
        raise NoAudioTrack(
            "the file has no audio track; speech analysis (transcript, speech emotion) needs one"
        )
    if max_duration_s is not None and info.duration_s > max_duration_s:
        raise MediaTooLong(
            f"the media lasts {info.duration_s:.0f} s; this server accepts at most "
            f"{max_duration_s:.0f} s"
        )
    if want_video:
        check_video_budget(info, max_frame_pixels, max_fps)
    step = 1.0 / sample_fps
    # every decoded frame costs, sampled or not: a stream whose timestamps never advance would
    # decode for ever without reaching a duration check
    max_decoded = None
    if max_duration_s is not None:
        max_decoded = int((max_duration_s + 1) * (max_fps or 240.0) * 1.1)
    decoded_frames = 0
    last_bin = -1  # frames are sampled as the first frame in each 1 / sample_fps bin
    n_frames = 0
    chunks: list[np.ndarray] = []
    n_samples = 0
    max_samples = None if max_duration_s is None else int((max_duration_s + 1) * SAMPLE_RATE_HZ)
    decoded_any = False
    try:
        with av.open(str(path)) as container:
            streams = []
            vstream = _moving_video(container) if want_video else None
            astream = container.streams.audio[0] if want_audio else None
            if vstream is not None:
                # Up to 720p the face workers, not decoding, bound the video half: slice
                # threads cost ~15 % less CPU than frame threads (2.06 vs 2.45 s for a 60 s
                # 720p30 H.264 file). Above it decoding becomes the bottleneck and frame
                # threads finish it sooner (4K: 0.30 vs 0.50 s per media second).
                pixels = (info.width_px or 0) * (info.height_px or 0)
                vstream.thread_type = "SLICE" if pixels <= FRAME_THREADS_ABOVE_PX else "AUTO"
                streams.append(vstream)
                scale = min(1.0, max_side_px / max(info.width_px or 1, info.height_px or 1))
                out_w = max(2, int(round((info.width_px or 2) * scale / 2)) * 2)
                out_h = max(2, int(round((info.height_px or 2) * scale / 2)) * 2)
            if astream is not None:
                streams.append(astream)
                resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE_HZ)
            for packet in container.demux(*streams):
                for frame in packet.decode():
                    decoded_any = True
                    if isinstance(frame, av.VideoFrame):
                        decoded_frames += 1
                        if max_decoded is not None and decoded_frames > max_decoded:
                            raise TooLarge(
                                f"the video holds more than {max_decoded} frames; this server "
                                "decodes at most its duration limit times its frame-rate limit"
                            )
                        t = frame.time if frame.time is not None else n_frames * step
                        time_bin = int(np.floor(t * sample_fps + 1e-6))
                        if time_bin <= last_bin:
                            continue
                        last_bin = time_bin
                        n_frames += 1
                        if max_duration_s is not None and t > max_duration_s:
                            raise MediaTooLong(
                                f"the media is longer than the {max_duration_s:.0f} s limit"
                            )
                        if on_frame is not None:
                            rgb = frame.to_ndarray(format="rgb24", width=out_w, height=out_h)
                            if frame.rotation:  # phone videos: display matrix, not pixels
                                rgb = np.ascontiguousarray(
                                    np.rot90(rgb, round(frame.rotation / 90) % 4)
                                )
                            on_frame(round(float(t), 3), rgb)
                    else:
                        for r in resampler.resample(frame):
                            chunks.append(r.to_ndarray()[0].copy())
                            n_samples += r.samples
                        if max_samples is not None and n_samples > max_samples:
                            raise MediaTooLong(
                                f"the media is longer than the {max_duration_s:.0f} s limit"
                            )
            if astream is not None:
                for r in resampler.resample(None):
                    chunks.append(r.to_ndarray()[0].copy())
    except av.error.FFmpegError as exc:
        raise CorruptFile(f"the media file is corrupt or truncated ({exc.strerror})") from exc
    except (ValueError, IndexError, UnicodeDecodeError, OverflowError) as exc:
        # PyAV's conversions on a stream FFmpeg decoded but cannot convert (odd pixel or
        # sample formats, frames that change size mid-stream)
        raise CorruptFile(f"the media file cannot be decoded ({type(exc).__name__})") from exc
    if not decoded_any or (want_video and n_frames == 0):
        raise CorruptFile("no frame could be decoded from the media file")
    audio = None
    if want_audio:
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        audio = np.clip(np.nan_to_num(audio, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
        audio = audio.astype(np.float32, copy=False)
        if len(audio) == 0:
            raise CorruptFile("the audio track holds no decodable samples")
    return DecodedMedia(info=info, audio=audio, frames_sampled=n_frames, sample_fps=sample_fps)
