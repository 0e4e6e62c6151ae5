"""The parallel video/speech halves give the same report as the sequential run; the face
workers keep frame order; the transcript guard re-decodes speech a prompted decode skipped."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest

import pipeline
import pipeline.orchestrator
from analyzers import transcript
from analyzers.face import FaceFrameCollector
from contracts.report import Word
from pipeline import speech, video


def _w(word, a, b):
    return Word(word=word, start_s=a, end_s=b, probability=0.9)


def test_speech_coverage_and_uncovered_stretches():
    regions = [(0.0, 10.0), (12.0, 14.0)]
    words = [_w("a", 0.5, 1.0), _w("b", 1.2, 2.0), _w("c", 12.5, 13.0)]
    # covered: [0, 2.5] and [12, 13.5] -> 2.5 + 1.5 of 12 s of speech
    assert transcript.speech_coverage(words, regions) == pytest.approx(4.0 / 12.0, abs=1e-3)
    assert transcript.uncovered_speech(words, regions) == [(2.5, 10.0)]  # 0.5 s gap is dropped
    assert transcript.speech_coverage([], []) is None
    assert transcript.speech_coverage([], regions) == 0.0


class _SkippingWhisper:
    """Whisper-like: with the prompt it transcribes only the first 2 s; without, everything."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []

    def transcribe(self, audio, *, prompt=True):
        self.calls.append((len(audio), prompt))
        n_s = len(audio) / 16_000
        ends = [2.0] if prompt else np.arange(1.0, n_s + 0.01, 1.0)
        segs = []
        for end in ends:
            w = SimpleNamespace(start=end - 0.8, end=end, word=" word", probability=0.9)
            segs.append(SimpleNamespace(start=end - 0.8, end=end, text=" word", words=[w]))
        return segs, SimpleNamespace(language="en")


def test_skipped_speech_is_decoded_again_without_the_prompt():
    whisper = _SkippingWhisper()
    audio = np.zeros(16_000 * 10, np.float32)
    section = speech.transcribe(whisper, audio, 10.0, [(0.0, 10.0)])
    assert whisper.calls[0] == (len(audio), True)
    assert all(prompt is False for _, prompt in whisper.calls[1:]) and len(whisper.calls) == 2
    assert whisper.calls[1][0] < len(audio)  # only the skipped stretch, not the whole audio
    assert section.speech_coverage >= 0.8 and section.filler_prompt is False
    starts = [w.start_s for w in section.words]
    assert starts == sorted(starts) and starts[-1] > 8.0  # shifted back to media time


def test_complete_transcript_is_kept_as_is():
    class Complete(_SkippingWhisper):
        def transcribe(self, audio, *, prompt=True):
            return super().transcribe(audio, prompt=False)

    whisper = Complete()
    section = speech.transcribe(whisper, np.zeros(16_000 * 5, np.float32), 5.0, [(0.0, 5.0)])
    assert len(whisper.calls) == 1 and section.filler_prompt is True


@pytest.mark.slow
def test_face_workers_keep_order_and_match_sequential(registry, face_rgb, no_face_rgb):
    fer = registry.get("facial_expression")
    frames = [face_rgb, no_face_rgb, face_rgb, face_rgb, no_face_rgb, face_rgb] * 2

    def collect(executor):
        c = FaceFrameCollector(
            registry.get("face").detect,
            fer.predict,
            crop_size=fer.input_size,
            classify_fps=5.0,
            executor=executor,
            max_in_flight=3,
        )
        for i, img in enumerate(frames):
            c(round(i * 0.1, 1), img)
        return c.finish()

    sequential = collect(None)
    with ThreadPoolExecutor(2) as pool:
        parallel = collect(pool)
    assert [f.t_s for f in parallel] == [round(i * 0.1, 1) for i in range(len(frames))]
    for a, b in zip(sequential, parallel, strict=True):
        assert a.has_face == b.has_face and a.ear == b.ear and a.yaw_deg == b.yaw_deg
        assert a.motion_iod_per_s == b.motion_iod_per_s
        assert (a.emotion is None) == (b.emotion is None)
        if a.emotion is not None:
            np.testing.assert_allclose(a.emotion, b.emotion, rtol=1e-5)
    # 5 per second at 10 frames per second: the first frame of each 0.2 s bin, when it has a face
    assert [f.emotion is not None for f in parallel] == [
        f.has_face and round(f.t_s * 10) % 2 == 0 for f in parallel
    ]


@pytest.mark.slow
def test_parallel_and_sequential_reports_agree(registry, face_video):
    req = pipeline.AnalysisRequest(
        media=pipeline.UploadedFile(
            "video", face_video, "v.mp4", face_video.stat().st_size, "video/mp4"
        ),
        expected_answer="I added indexes to the database.",
    )
    a = pipeline.run(req, pipeline.PipelineOptions(parallel=True), registry)
    b = pipeline.run(req, pipeline.PipelineOptions(parallel=False), registry)
    assert a.transcript.text == b.transcript.text
    assert a.video_emotion.model_dump() == b.video_emotion.model_dump()
    assert a.delivery.model_dump() == b.delivery.model_dump()
    assert a.answer_similarity == b.answer_similarity
    assert [w.code for w in a.warnings] == [w.code for w in b.warnings]


def test_an_error_in_the_speech_thread_reaches_the_request(registry, face_video):
    class Broken:
        def get(self, role):
            if role == "whisper":
                raise RuntimeError("speech model exploded")
            return registry.get(role)

    req = pipeline.AnalysisRequest(
        media=pipeline.UploadedFile(
            "video", face_video, "v.mp4", face_video.stat().st_size, "video/mp4"
        ),
    )
    with pytest.raises(RuntimeError, match="exploded"):
        pipeline.run(req, pipeline.PipelineOptions(parallel=True), Broken())


def test_transcription_blocks_are_cut_at_pauses_and_bounded():
    spans = [(0.0, 50.0), (51.0, 100.0), (101.0, 130.0), (131.0, 400.0)]
    blocks = speech.blocks(spans, 120.0)
    assert blocks[0] == [(0.0, 50.0), (51.0, 100.0)]
    assert blocks[1] == [(101.0, 130.0)]
    for block in blocks:
        assert block[-1][1] - block[0][0] <= 120.0
    covered = [s for block in blocks for s in block]
    assert covered[0][0] == 0.0 and covered[-1][1] == 400.0  # nothing lost in the split


def test_long_media_is_transcribed_block_by_block_in_media_time(monkeypatch):
    monkeypatch.setattr(speech, "TRANSCRIBE_BLOCK_S", 4.0)
    whisper = _SkippingWhisper()
    whisper.transcribe = lambda audio, prompt=True: _SkippingWhisper.transcribe(
        whisper, audio, prompt=False
    )
    audio = np.zeros(16_000 * 10, np.float32)
    section = speech.transcribe(whisper, audio, 10.0, [(0.5, 3.5), (4.5, 7.5), (8.0, 9.5)])
    assert len(whisper.calls) == 3  # one decode per block, each shorter than the audio
    assert all(n < len(audio) // 2 for n, _ in whisper.calls)
    starts = [w.start_s for w in section.words]
    assert starts == sorted(starts) and starts[-1] >= 7.9


@pytest.mark.slow
def test_embeddings_in_batches_equal_one_by_one(registry):
    embed = registry.get("embedder").embed
    texts = [("word " * (i % 17 + 1)).strip() + f" {i}" for i in range(70)]
    together = embed(texts)
    alone = np.stack([embed([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


@pytest.mark.slow
def test_f0_block_by_block_matches_one_pass(monkeypatch, speech_audio):
    from analyzers import delivery_audio

    regions = [(0.0, len(speech_audio) / 16_000)]
    whole = delivery_audio.f0_stats(speech_audio, regions)
    monkeypatch.setattr(delivery_audio, "F0_BLOCK_SAMPLES", 16_000 * 2)
    blocks = delivery_audio.f0_stats(speech_audio, regions)
    assert blocks.mean_hz == pytest.approx(whole.mean_hz, rel=0.05)
    assert blocks.voiced_s == pytest.approx(whole.voiced_s, rel=0.1)


def test_face_workers_can_be_made_nicer_than_the_speech_thread():
    import os
    import threading

    seen = {}

    def worker():
        tid = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, tid)
        video.nicer_thread()
        seen["delta"] = os.getpriority(os.PRIO_PROCESS, tid) - before

    me = threading.get_native_id()
    mine = os.getpriority(os.PRIO_PROCESS, me)
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["delta"] in (video.FACE_WORKER_NICE, 0)  # 0 where niceness is capped (19)
    assert os.getpriority(os.PRIO_PROCESS, me) == mine  # the request thread is untouched


def test_a_failing_video_half_stops_the_speech_half_early(monkeypatch, face_video):
    import time as _time

    import models.whisper
    from contracts.errors import CorruptFile

    transcribed = []

    class Whisper:
        name = "fake"

        def transcribe(self, audio, *, prompt=True):
            transcribed.append(len(audio))
            return [], SimpleNamespace(language="en")

    class Models:
        def get(self, role):
            return Whisper()

    def slow_vad(audio):
        _time.sleep(0.5)  # the video half fails meanwhile
        return [(0, len(audio))]

    def broken_video(*args, **kwargs):
        raise CorruptFile("the video stream is corrupt")

    monkeypatch.setattr(models.whisper, "speech_regions", slow_vad)
    monkeypatch.setattr(pipeline.orchestrator, "analyze_video", broken_video)
    req = pipeline.AnalysisRequest(
        media=pipeline.UploadedFile(
            "video", face_video, "v.mp4", face_video.stat().st_size, "video/mp4"
        ),
        sections={"transcript", "video_emotion"},
    )
    with pytest.raises(CorruptFile):
        pipeline.run(req, pipeline.PipelineOptions(parallel=True), Models())
    assert transcribed == []  # cancelled after voice activity, before speech-to-text
