"""Every endpoint and every error path, through Flask's test client."""

import io
import json

import pytest

from app import create_app
from models.registry import get_registry
from service.settings import Settings
from tests.conftest import make_docx, make_image_pdf, make_pdf, png_bytes

PROBLEM = "application/problem+json"


@pytest.fixture()
def upload_root(tmp_path):
    return tmp_path / "uploads"


def _client(upload_root, **overrides):
    overrides.setdefault("var_dir", upload_root.parent / "var")
    settings = Settings(upload_dir=upload_root, preload_models=False, **overrides)
    return create_app(settings, models=get_registry()).test_client()


@pytest.fixture()
def client(upload_root):
    return _client(upload_root)


def post(client, path, **fields):
    data = {}
    for k, v in fields.items():
        if isinstance(v, tuple):
            data[k] = (io.BytesIO(v[0]), v[1])
        else:
            data[k] = v
    return client.post(path, data=data, content_type="multipart/form-data")


def assert_problem(resp, status, slug=None):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == PROBLEM
    body = resp.get_json()
    assert {"type", "title", "status", "detail", "request_id"} <= body.keys()
    assert body["status"] == status and body["request_id"]
    assert "Traceback" not in resp.get_data(as_text=True)
    if slug:
        assert body["type"].endswith("/" + slug)
    return body


def assert_uploads_cleaned(upload_root):
    assert not upload_root.exists() or not any(upload_root.iterdir())


def assert_envelope(body):
    assert body["schema_version"] and body["report_id"] and body["created_at"].endswith("Z")
    assert isinstance(body["timings_ms"], dict) and isinstance(body["warnings"], list)
    assert body["emotion_analysis"]["notice"]


# --- resumes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("maker,name", [(make_pdf, "cv.pdf"), (make_docx, "cv.docx")])
def test_resume_ok(client, upload_root, maker, name):
    resp = post(client, "/api/v1/resumes", resume=(maker(), name))
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()
    assert_envelope(body)
    skills = {s["name"]: s for s in body["resume"]["skills"]}
    assert "Python" in skills and skills["Python"]["evidence"]
    assert body["resume"]["text_chars"] > 100
    assert body["inputs"]["files"][0]["field"] == "resume"
    assert body["video_emotion"] is None
    assert_uploads_cleaned(upload_root)


def test_analyze_a_resume_against_a_posting_quotes_what_the_resume_states(client, upload_root):
    cv = make_pdf(
        "Experience\nStaff Nurse, Medical ICU\n- Administered IV medications to 6 patients\n"
        "- Monitored hemodynamics with arterial lines\nSkills\nBLS, ACLS"
    )
    resp = post(
        client,
        "/api/v1/analyze",
        resume=(cv, "cv.pdf"),
        job_description="You will administer medications. Must hold BLS. CRRT is a plus.",
    )
    assert resp.status_code == 200
    match = resp.get_json()["skills_match"]
    stated = [j for j in match["job_skills"] if j["matched_by"] == "stated_on_resume"]
    assert stated and stated[0]["on_resume"], match["job_skills"]
    assert "Administered IV medications" in stated[0]["resume_evidence"]
    assert stated[0]["name"] in match["matched"] and stated[0]["name"] not in match["missing"]
    assert any("CRRT" in n for n in match["missing"])
    assert_uploads_cleaned(upload_root)


def test_resume_errors(client, upload_root, face_rgb):
    assert_problem(post(client, "/api/v1/resumes"), 400, "missing-field")
    assert_problem(post(client, "/api/v1/resumes", resume=(b"", "cv.pdf")), 400, "empty-file")
    png = png_bytes(face_rgb[:64, :64])
    assert_problem(
        post(client, "/api/v1/resumes", resume=(png, "cv.pdf")), 415, "unsupported-media-type"
    )
    assert_problem(
        post(client, "/api/v1/resumes", resume=(make_pdf()[:400], "cv.pdf")), 422, "corrupt-file"
    )
    scanned = make_image_pdf(face_rgb[::8, ::8])
    assert_problem(
        post(client, "/api/v1/resumes", resume=(scanned, "cv.pdf")), 422, "no-extractable-text"
    )
    assert_uploads_cleaned(upload_root)


def test_upload_size_limit(upload_root):
    client = _client(upload_root, max_upload_mb=0.01)
    body = assert_problem(post(client, "/api/v1/resumes", resume=(make_pdf() * 20, "cv.pdf")), 413)
    assert "limit" in body["detail"]
    assert_uploads_cleaned(upload_root)


# --- media -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_video_emotion_ok(client, upload_root, face_video):
    resp = post(client, "/api/v1/video/emotion", video=(face_video.read_bytes(), "face.mp4"))
    assert resp.status_code == 200
    body = resp.get_json()
    ve = body["video_emotion"]
    assert ve["frames_with_face"] == ve["frames_sampled"] > 10
    assert sum(ve["emotion"].values()) == pytest.approx(100, abs=0.1)
    assert len(ve["timeline"]) == 8  # 0.5 s bins over 4 s
    assert body["inputs"]["files"][0]["duration_s"] == pytest.approx(4.0, abs=0.2)
    assert body["transcript"] is None
    assert_uploads_cleaned(upload_root)


@pytest.mark.slow
def test_no_face_is_reported_not_an_error(client, no_face_video):
    resp = post(client, "/api/v1/video/emotion", video=(no_face_video.read_bytes(), "x.mp4"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["video_emotion"]["frames_with_face"] == 0
    assert body["video_emotion"]["emotion"] is None
    assert "no_face_detected" in {w["code"] for w in body["warnings"]}


def test_media_errors(client, upload_root, face_rgb, face_video):
    assert_problem(post(client, "/api/v1/video/emotion"), 400, "missing-field")
    assert_problem(post(client, "/api/v1/video/emotion", video=(b"", "a.mp4")), 400, "empty-file")
    assert_problem(
        post(client, "/api/v1/video/emotion", video=(png_bytes(face_rgb[:32, :32]), "a.mp4")),
        415,
        "unsupported-media-type",
    )
    assert_problem(
        post(client, "/api/v1/audio/emotion", audio=(b"hello, I am text" * 50, "a.wav")), 415
    )
    cut = face_video.read_bytes()[:3000]
    assert_problem(
        post(client, "/api/v1/video/emotion", video=(cut, "cut.mp4")), 422, "corrupt-file"
    )
    assert_uploads_cleaned(upload_root)


@pytest.mark.slow
def test_audio_emotion_ok_and_no_audio_track(client, upload_root, speech_wav, silent_face_video):
    resp = post(client, "/api/v1/audio/emotion", audio=(speech_wav.read_bytes(), "a.wav"))
    assert resp.status_code == 200
    ae = resp.get_json()["audio_emotion"]
    assert ae["speech_chunks"] >= 2 and ae["chunk_s"] == 3.0
    # synthetic speech is unlike the acted training speech: its chunks may all be uncertain
    if ae["confident_chunks"]:
        assert ae["dominant_emotion"] in ae["emotion"] and ae["dominant_affect"] in ae["affect"]
    else:
        assert ae["dominant_emotion"] is None and ae["emotion"] is None
    assert all(c["label"] == "uncertain" or c["in_domain"] for c in ae["chunks"])
    body = assert_problem(
        post(client, "/api/v1/audio/emotion", video=(silent_face_video.read_bytes(), "v.mp4")),
        422,
        "no-audio-track",
    )
    assert "audio" in body["detail"]
    assert_uploads_cleaned(upload_root)


@pytest.mark.slow
def test_answer_similarity(client, speech_wav):
    resp = post(
        client,
        "/api/v1/answers/similarity",
        audio=(speech_wav.read_bytes(), "a.wav"),
        expected_answer="Add indexes to the database so slow queries get faster.",
        question="How do you speed up slow queries?",
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert "database" in body["transcript"]["text"].lower()
    assert body["answer_similarity"]["cosine_similarity"] > 0.4
    assert body["audio_emotion"] is None
    missing = post(client, "/api/v1/answers/similarity", audio=(speech_wav.read_bytes(), "a.wav"))
    assert_problem(missing, 400, "missing-field")


@pytest.mark.slow
def test_analyze_everything_from_one_request(client, upload_root, face_video):
    resp = post(
        client,
        "/api/v1/analyze",
        resume=(make_pdf(), "cv.pdf"),
        video=(face_video.read_bytes(), "answer.mp4"),
        expected_answer="I designed the database and added indexes.",
        question="Tell me",
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert_envelope(body)
    for section in ("resume", "video_emotion", "audio_emotion", "transcript", "answer_similarity"):
        assert body[section] is not None, section
    stages = {"decode_audio", "video_total", "face_landmarks", "delivery", "speech_to_text"}
    assert stages | {"total"} <= body["timings_ms"].keys()
    assert [f["field"] for f in body["inputs"]["files"]] == ["resume", "video"]
    assert_uploads_cleaned(upload_root)


@pytest.mark.slow
def test_analyze_video_without_audio_still_reports_the_face(client, silent_face_video):
    resp = post(
        client,
        "/api/v1/analyze",
        video=(silent_face_video.read_bytes(), "v.mp4"),
        expected_answer="anything",
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["video_emotion"]["frames_with_face"] > 0 and body["transcript"] is None
    assert "no_audio_track" in {w["code"] for w in body["warnings"]}


def test_analyze_needs_an_input(client):
    assert_problem(post(client, "/api/v1/analyze", question="hi"), 400, "missing-field")


@pytest.mark.slow
def test_emotion_can_be_turned_off(upload_root, face_video):
    client = _client(upload_root, emotion_enabled=False)
    body = assert_problem(
        post(client, "/api/v1/video/emotion", video=(face_video.read_bytes(), "v.mp4")),
        403,
        "feature-disabled",
    )
    assert "EU AI Act" in body["detail"]
    assert_problem(
        post(client, "/api/v1/audio/emotion", video=(face_video.read_bytes(), "v.mp4")), 403
    )
    resp = post(
        client,
        "/api/v1/analyze",
        resume=(make_pdf(), "cv.pdf"),
        video=(face_video.read_bytes(), "v.mp4"),
        expected_answer="database indexes",
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["video_emotion"] is None and body["audio_emotion"] is None
    assert body["resume"] and body["transcript"] and body["answer_similarity"]
    assert body["emotion_analysis"]["enabled"] is False
    assert "emotion_analysis_disabled" in {w["code"] for w in body["warnings"]}
    assert body["delivery"]["video"]["eye_contact_ratio"] is not None  # not emotion: still on
    assert body["scores"] is not None and body["delivery"]["audio"] is not None
    health = client.get("/api/v1/health").get_json()
    assert health["emotion_enabled"] is False
    assert_uploads_cleaned(upload_root)


def test_unexpected_errors_are_500_problems_without_traceback(client, upload_root, monkeypatch):
    import pipeline.orchestrator

    def boom(*a, **k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(pipeline.orchestrator, "resume_stage", boom)
    body = assert_problem(post(client, "/api/v1/resumes", resume=(make_pdf(), "cv.pdf")), 500)
    assert "secret" not in json.dumps(body)
    assert_uploads_cleaned(upload_root)
    assert client.get("/api/v1/health").status_code == 200  # still serving


def test_unknown_route_and_method_are_problems(client):
    assert_problem(client.get("/api/v1/nope"), 404)
    assert_problem(client.get("/api/v1/analyze"), 405)


def test_health_reports_models_and_versions(client):
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok"
    assert set(body["models"]) == {
        "face",
        "pose",
        "facial_expression",
        "whisper",
        "embedder",
        "speech_emotion",
        "speech_emotion_encoder",
        "parser",
        "sentiment",
        "language_id",
        "skills",
    }
    assert body["versions"]["flask"]


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    for path in (
        "/api/v1/resumes",
        "/api/v1/video/emotion",
        "/api/v1/audio/emotion",
        "/api/v1/answers/similarity",
        "/api/v1/analyze",
        "/api/v1/health",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/reports",
        "/api/v1/reports/{report_id}",
        "/api/v1/reports/{report_id}/rescore",
        "/api/v1/candidates/{candidate_id}",
    ):
        assert path in doc["paths"]
    from openapi_spec_validator import validate

    validate(doc)  # a valid OpenAPI 3.1 document
    schemas = doc["components"]["schemas"]
    assert "Report" in schemas and "Problem" in schemas and "Emotion" in schemas
    ref = doc["paths"]["/api/v1/analyze"]["post"]["responses"]["200"]["content"]
    assert ref["application/json"]["schema"]["$ref"] == "#/components/schemas/Report"


def test_cors_is_closed_by_default_and_configurable(upload_root):
    closed = _client(upload_root).get("/api/v1/health", headers={"Origin": "https://hr.example"})
    assert "Access-Control-Allow-Origin" not in closed.headers
    client = _client(upload_root, cors_origins="https://hr.example")
    open_ = client.get("/api/v1/health", headers={"Origin": "https://hr.example"})
    assert open_.headers["Access-Control-Allow-Origin"] == "https://hr.example"


def test_request_id_is_echoed(client):
    resp = client.get("/api/v1/health", headers={"X-Request-ID": "abc123"})
    assert resp.headers["X-Request-ID"] == "abc123"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,codec,fmt",
    [
        ("a.mp3", "libmp3lame", "mp3"),
        ("a.m4a", "aac", "ipod"),
        ("a.ogg", "libopus", "ogg"),
        ("a.webm", "libopus", "webm"),
        ("a.flac", "flac", "flac"),
    ],
)
def test_audio_formats(client, media_dir, speech_audio, name, codec, fmt):
    from tests.media_factory import write_audio

    path = write_audio(media_dir / name, speech_audio, codec, fmt)
    resp = post(client, "/api/v1/audio/emotion", audio=(path.read_bytes(), name))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["audio_emotion"]["speech_chunks"] >= 2
    assert body["inputs"]["files"][0]["duration_s"] == pytest.approx(7.55, abs=0.3)


@pytest.mark.slow
def test_html_report_is_self_contained(client, face_video):
    resp = post(
        client,
        "/api/v1/analyze?format=html",
        resume=(make_pdf(), "cv.pdf"),
        video=(face_video.read_bytes(), "v.mp4"),
        expected_answer="Design the schema.\nAdd indexes.\nCache the reads.",
    )
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    for part in ("Talent Score", "communication", "Transcript", "Key points", "<svg", "EU AI Act"):
        assert part in html, part
    assert "<script" not in html and 'src="http' not in html and 'href="http' not in html
    json_report = post(
        client,
        "/api/v1/analyze",
        video=(face_video.read_bytes(), "v.mp4"),
        expected_answer="Design the schema.",
    ).get_json()
    rendered = client.post("/api/v1/reports/html", json=json_report)
    assert rendered.status_code == 200 and "Key points" in rendered.get_data(as_text=True)
    by_accept = client.get("/api/v1/health", headers={"Accept": "text/html"})
    assert by_accept.mimetype == "application/json"  # only reports have an HTML form


def test_render_endpoint_errors(client):
    assert_problem(client.post("/api/v1/reports/html"), 400, "missing-field")
    assert_problem(client.post("/api/v1/reports/html", data="nope"), 400, "malformed-body")
    assert_problem(client.post("/api/v1/reports/html", json={"schema_version": "1"}), 422)


def test_health_waits_only_for_the_models_this_configuration_loads():
    from api.routes import needed_roles
    from models.registry import ModelRegistry
    from service.settings import Settings

    roles = ["face", "pose", "facial_expression", "speech_emotion", "language_id", "whisper"]
    emotion = ModelRegistry.EMOTION_ROLES
    assert needed_roles(Settings(), roles, emotion) == roles
    off = Settings(pose_fps=0, emotion_enabled=False, language_check=False)
    assert needed_roles(off, roles, emotion) == ["face", "whisper"]


def test_pose_graphs_are_counted_apart_from_face_graphs():
    from service.settings import Settings
    from service.wiring import build_registry

    registry = build_registry(Settings(face_workers=2, pose_workers=1, preload_models=False))
    assert (registry.face_workers, registry.pose_workers) == (2, 1)
    try:
        assert registry.get("pose").instances == 1
    finally:
        # closed here: a MediaPipe graph left to the garbage collector closes itself from
        # inside whatever MediaPipe call is running then, and that call never returns
        registry.close()
