"""Warnings where a finding would mislead: several faces, speech that is not English, media
cut short, recordings too short to judge."""

from __future__ import annotations

import numpy as np
import pytest

import pipeline
from tests import media_factory


def _run(registry, path, **kw):
    media = pipeline.UploadedFile("video", path, path.name, path.stat().st_size, "video/mp4")
    return pipeline.run(
        pipeline.AnalysisRequest(media=media, **kw), pipeline.PipelineOptions(), registry
    )


@pytest.fixture(scope="module")
def crowd_video(tmp_path_factory, face_rgb, speech_audio):
    """3 s: three copies of the portrait side by side."""
    f = face_rgb[::3, ::3]
    canvas = np.concatenate([f, f[:, ::-1], f], axis=1)
    path = tmp_path_factory.mktemp("crowd") / "crowd.mp4"
    return media_factory.write_video(path, canvas, 3.0, audio=speech_audio[: 3 * 16000])


@pytest.mark.slow
def test_several_faces_are_counted_and_warned_about(registry, crowd_video, face_video):
    crowd = _run(registry, crowd_video, sections={"delivery", "video_emotion"})
    video = crowd.delivery.video
    assert video.faces_max >= 2 and video.multiple_faces_share > 0.9
    warning = next(w for w in crowd.warnings if w.code == "multiple_faces")
    assert "largest face" in warning.message
    alone = _run(registry, face_video, sections={"delivery"})
    assert alone.delivery.video.faces_max == 1 and alone.delivery.video.multiple_faces_share == 0
    assert "multiple_faces" not in {w.code for w in alone.warnings}


@pytest.mark.slow
@pytest.mark.data
def test_speech_that_is_not_english_is_named_and_not_scored(registry, tmp_path):
    from tests.conftest import shared

    german = shared("speech_emotion", "emodb", "03a01Fa.flac")
    english = shared("asr", "whisper_jfk")
    media = pipeline.UploadedFile("audio", german, german.name, german.stat().st_size, "audio/flac")
    report = pipeline.run(
        pipeline.AnalysisRequest(media=media, expected_answer="Ich habe ein Buch gelesen."),
        pipeline.PipelineOptions(),
        registry,
    )
    spoken = report.transcript.spoken_language
    assert spoken.code == "de" and not spoken.english and spoken.english_probability < 0.2
    assert report.delivery.audio.spoken_language == spoken
    warning = next(w for w in report.warnings if w.code == "non_english_speech")
    assert "'de'" in warning.message
    assert report.scores.communication.score is None
    assert "not English" in report.scores.communication.null_reason
    jfk = next(p for p in english.iterdir() if p.suffix in (".flac", ".wav", ".mp3"))
    media = pipeline.UploadedFile("audio", jfk, jfk.name, jfk.stat().st_size, "audio/flac")
    report = pipeline.run(
        pipeline.AnalysisRequest(media=media, sections={"transcript"}),
        pipeline.PipelineOptions(),
        registry,
    )
    assert report.transcript.spoken_language.code == "en"
    assert report.transcript.spoken_language.english
    assert "non_english_speech" not in {w.code for w in report.warnings}


def test_without_the_language_model_the_report_says_it_was_not_checked(registry, speech_wav):
    from models.paths import ModelFileMissing

    class NoLanguageModel:
        def get(self, role):
            if role == "language_id":
                raise ModelFileMissing("Whisper base is not installed")
            return registry.get(role)

    media = pipeline.UploadedFile("audio", speech_wav, "a.wav", 1, "audio/wav")
    report = pipeline.run(
        pipeline.AnalysisRequest(media=media, sections={"transcript"}),
        pipeline.PipelineOptions(),
        NoLanguageModel(),
    )
    assert report.transcript.spoken_language is None and report.transcript.text
    assert "language_not_checked" in {w.code for w in report.warnings}


def test_media_cut_short_is_said(registry, tmp_path, face_rgb, speech_audio):
    whole = media_factory.write_video(
        tmp_path / "answer.mkv",
        face_rgb[::2, ::2],
        8.0,
        audio=np.tile(speech_audio, 2)[: 8 * 16000],
    )
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    report = _run(registry, cut, sections={"delivery"})
    warnings = [w for w in report.warnings if w.code == "media_truncated"]
    assert len(warnings) == 1 and "lasts 8." in warnings[0].message
    assert "media_truncated" not in {
        w.code for w in _run(registry, whole, sections={"delivery"}).warnings
    }
