"""The analysis runs as named stages that report their progress."""

from __future__ import annotations

import pytest

import pipeline
from pipeline import StageTracker


def _request(path, **kw):
    media = pipeline.UploadedFile("video", path, "v.mp4", path.stat().st_size, "video/mp4")
    return pipeline.AnalysisRequest(media=media, **kw)


@pytest.mark.slow
def test_progress_rises_stage_by_stage_to_one(registry, face_video):
    req = _request(face_video, expected_answer="I added indexes to the database.")
    options = pipeline.PipelineOptions()
    seen = []
    tracker = StageTracker(
        pipeline.plan_stages(req, options),
        listener=lambda t: seen.append((t.overall, t.snapshot())),
        min_interval_s=0.0,
    )
    report = pipeline.run(req, options, registry, tracker)
    overall = [o for o, _ in seen]
    assert overall == sorted(overall) and overall[-1] == 1.0
    final = {s["name"]: s for s in seen[-1][1]}
    assert list(final) == pipeline.plan_stages(req, options)
    assert {"ingest", "speech_to_text", "video", "language", "scoring"} <= final.keys()
    assert all(s["status"] == "succeeded" and s["duration_ms"] is not None for s in final.values())
    video = [dict((s["name"], s) for s in snap)["video"]["progress"] for _, snap in seen]
    assert any(0.0 < p < 1.0 for p in video)  # the frames advance the video stage
    assert report.scores is not None


def test_stages_a_file_cannot_feed_are_skipped(registry, silent_face_video):
    req = _request(silent_face_video, sections={"transcript", "video_emotion"})
    options = pipeline.PipelineOptions()
    tracker = StageTracker(pipeline.plan_stages(req, options))
    report = pipeline.run(req, options, registry, tracker)
    states = {s["name"]: s["status"] for s in tracker.snapshot()}
    assert states["speech_to_text"] == "skipped" and states["video"] == "succeeded"
    assert tracker.overall == 1.0
    assert "no_audio_track" in {w.code for w in report.warnings}


def test_a_listener_that_raises_stops_the_analysis(registry, face_video):
    class Cancelled(Exception):
        pass

    def listener(tracker):
        if tracker.overall > 0.1:
            raise Cancelled

    req = _request(face_video)
    options = pipeline.PipelineOptions()
    tracker = StageTracker(pipeline.plan_stages(req, options), listener, min_interval_s=0.0)
    with pytest.raises(Cancelled):
        pipeline.run(req, options, registry, tracker)
    assert "failed" in {s["status"] for s in tracker.snapshot()}


def test_every_warning_code_is_catalogued():
    import re

    from contracts.warnings import WARNING_CODES
    from tests.conftest import REPO

    used = set()
    for path in [*REPO.glob("pipeline/*.py"), *REPO.glob("analyzers/*.py")]:
        used |= set(re.findall(r'warning\(\s*"([a-z_]+)"', path.read_text()))
    assert used and used <= WARNING_CODES.keys()
    with pytest.raises(KeyError):
        from contracts.warnings import warning

        warning("not_a_code", "x")
