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
