"""Hostile and malformed requests, generated at test time: each gets its documented status as
problem+json, the process carries on, no upload is left on disk and nothing personal (file
names, form text) reaches the log."""

from __future__ import annotations

import io
import json
import logging

import numpy as np
import pytest

from app import create_app
from models.registry import get_registry
from service.settings import Settings
from tests import hostile_factory as hf
from tests import media_factory
from tests.conftest import make_docx, make_image_pdf, make_pdf, png_bytes

SECRET = "Jane-Q-Secretname"  # in file names and form text: must never reach the log
PDF = ("resume", "application/pdf")


def _file(data: bytes, name: str = "cv.pdf"):
    return (io.BytesIO(data), f"{SECRET}_{name}")


def _truncated(data: bytes, keep: int = 3000) -> bytes:
    return data[:keep]


def _multipart(parts: int) -> dict:
    return {f"f{i}": "x" for i in range(parts)}


def _report_json(**overrides) -> bytes:
    body = {
        "schema_version": "1.3.0",
        "report_id": "r",
        "created_at": "2026-01-01T00:00:00Z",
        "inputs": {"files": []},
        "emotion_analysis": {"enabled": True, "notice": "n"},
        "timings_ms": {},
        "warnings": [],
    }
    body.update(overrides)
    return json.dumps(body).encode()


def _transcript(duration_s: float, start_s: float = 0.0) -> dict:
    word = {"word": "hi", "start_s": start_s, "end_s": start_s + 0.2, "probability": 0.9}
    return {
        "model": "m",
        "text": "hi",
        "language": "en",
        "duration_s": duration_s,
        "speech_duration_s": 1.0,
        "segments": [],
        "words": [word],
    }


def _deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# (id, method, path, request builder(media) -> kwargs for the test client, status, slug)
CASES = [
    # --- documents -----------------------------------------------------------------------
    (
        "docx-zip-bomb",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_zip_bomb(), "a.docx")},
        413,
        "too-large",
    ),
    (
        "docx-30-mb-of-xml",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_large_xml())},
        413,
        "too-large",
    ),
    (
        "docx-xml-disguised-as-bin",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_disguised_xml())},
        413,
        "too-large",
    ),
    (
        "docx-3000-entries",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_many_entries())},
        413,
        "too-large",
    ),
    (
        "docx-billion-laughs",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_billion_laughs())},
        422,  # libxml2 refuses the entity loop (corrupt-file) or leaves it unexpanded (no text)
        None,
    ),
    (
        "docx-external-entity",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_external_entity())},
        200,
        None,
    ),
    (
        "docx-main-part-not-xml",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_not_xml())},
        422,
        "corrupt-file",
    ),
    (
        "docx-5000-nested-tables",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_deep_nesting())},
        422,
        "corrupt-file",
    ),
    (
        "docx-vertical-merge-5000-rows",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_long_vertical_merge())},
        200,
        None,
    ),
    (
        "docx-empty-main-part",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_with(b""))},
        422,
        "corrupt-file",
    ),
    (
        "docx-no-text",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf.docx_with(hf._body("<w:p/>" * 50)))},
        422,
        "no-extractable-text",
    ),
    (
        "docx-truncated",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(_truncated(make_docx(), 2000))},
        422,
        "corrupt-file",
    ),
    (
        "zip-not-docx",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(_zip({"a.txt": b"hello"}))},
        415,
        "unsupported-media-type",
    ),
    (
        "pdf-60-pages",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(hf._pdf_n(60))},
        413,
        "too-large",
    ),
    (
        "pdf-truncated",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(_truncated(make_pdf(), 400))},
        422,
        "corrupt-file",
    ),
    (
        "pdf-header-only",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(b"%PDF-1.4\n")},
        422,
        "corrupt-file",
    ),
    (
        "pdf-garbage-body",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(b"%PDF-1.7\n" + bytes(range(256)) * 40)},
        422,
        "corrupt-file",
    ),
    (
        "pdf-encrypted",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(_encrypted_pdf())},
        422,
        "corrupt-file",
    ),
    (
        "pdf-scanned-image",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(make_image_pdf(m["face_rgb"][::8, ::8]))},
        422,
        "no-extractable-text",
    ),
    ("resume-empty", "POST", "/resumes", lambda m: {"resume": _file(b"")}, 400, "empty-file"),
    (
        "resume-png",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(png_bytes(m["face_rgb"][:64, :64]))},
        415,
        "unsupported-media-type",
    ),
    (
        "resume-html",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(b"<html><script>alert(1)</script></html>", "a.html")},
        415,
        "unsupported-media-type",
    ),
    (
        "resume-plain-text",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(b"Python developer " * 50, "a.txt")},
        415,
        "unsupported-media-type",
    ),
    ("resume-missing", "POST", "/resumes", lambda m: {}, 400, "missing-field"),
    (
        "resume-field-is-text",
        "POST",
        "/resumes",
        lambda m: {"resume": "not a file"},
        400,
        "missing-field",
    ),
    # --- media ---------------------------------------------------------------------------
    (
        "video-empty",
        "POST",
        "/video/emotion",
        lambda m: {"video": _file(b"", "v.mp4")},
        400,
        "empty-file",
    ),
    (
        "video-png",
        "POST",
        "/video/emotion",
        lambda m: {"video": _file(png_bytes(m["face_rgb"][:64, :64]), "v.mp4")},
        415,
        "unsupported-media-type",
    ),
    (
        "video-random-bytes",
        "POST",
        "/video/emotion",
        lambda m: {"video": _file(np.random.default_rng(1).bytes(50_000), "v.mp4")},
        415,
        "unsupported-media-type",
    ),
    (
        "video-pdf",
        "POST",
        "/video/emotion",
        lambda m: {"video": _file(make_pdf(), "v.mp4")},
        415,
        "unsupported-media-type",
    ),
    (
        "video-truncated",
        "POST",
        "/video/emotion",
        lambda m: {"video": _file(_truncated(m["face_video"].read_bytes()), "v.mp4")},
        422,
        "corrupt-file",
    ),
    (
        "video-header-then-garbage",
        "POST",
        "/video/emotion",
        lambda m: {"video": _file(m["face_video"].read_bytes()[:64] + bytes(20_000), "v.mp4")},
        422,
        "corrupt-file",
    ),
    (
        "video-is-audio-only",
        "POST",
        "/video/emotion",
        lambda m: {"video": _file(m["speech_wav"].read_bytes(), "v.wav")},
        422,
        "no-video-track",
    ),
    (
        "audio-without-audio-track",
        "POST",
        "/audio/emotion",
        lambda m: {"video": _file(m["silent_face_video"].read_bytes(), "v.mp4")},
        422,
        "no-audio-track",
    ),
    (
        "wav-header-only",
        "POST",
        "/audio/emotion",
        lambda m: {"audio": _file(m["speech_wav"].read_bytes()[:44], "a.wav")},
        422,
        "corrupt-file",
    ),
    ("audio-missing", "POST", "/audio/emotion", lambda m: {}, 400, "missing-field"),
    (
        "analyze-video-png",
        "POST",
        "/analyze",
        lambda m: {"video": _file(png_bytes(m["face_rgb"][:64, :64]), "v.mp4")},
        415,
        "unsupported-media-type",
    ),
    (
        "similarity-no-expected-answer",
        "POST",
        "/answers/similarity",
        lambda m: {"audio": _file(m["speech_wav"].read_bytes(), "a.wav")},
        400,
        "missing-field",
    ),
    (
        "similarity-blank-expected-answer",
        "POST",
        "/answers/similarity",
        lambda m: {
            "audio": _file(m["speech_wav"].read_bytes(), "a.wav"),
            "expected_answer": "   \n ",
        },
        400,
        "missing-field",
    ),
    (
        "wav-with-nan-and-infinity",
        "POST",
        "/audio/emotion",
        lambda m: {
            "audio": _file(
                hf.wav_float(np.tile([0.1, np.nan, np.inf, -np.inf, -0.2], 16_000)), "a.wav"
            )
        },
        200,
        None,
    ),
    (
        "wav-8-channels-96-khz",
        "POST",
        "/audio/emotion",
        lambda m: {
            "audio": _file(
                hf.wav_float(np.zeros(96_000 * 8, np.float32), rate=96_000, channels=8), "a.wav"
            )
        },
        200,
        None,
    ),
    (
        "video-2x2-pixels",
        "POST",
        "/video/emotion",
        lambda m: {
            "video": _file(
                media_factory.write_video(
                    m["tmp"] / "tiny.mp4", np.zeros((2, 2, 3), np.uint8), 1.0
                ).read_bytes(),
                "v.mp4",
            )
        },
        200,
        None,
    ),
    (
        "video-one-frame",
        "POST",
        "/video/emotion",
        lambda m: {
            "video": _file(
                media_factory.write_video(
                    m["tmp"] / "one.mp4", m["face_rgb"][::4, ::4], 0.1
                ).read_bytes(),
                "v.mp4",
            )
        },
        200,
        None,
    ),
    # --- forms ---------------------------------------------------------------------------
    ("form-1500-parts", "POST", "/analyze", lambda m: _multipart(1500), 413, None),
    (
        "form-1mb-expected-answer",
        "POST",
        "/analyze",
        lambda m: {"resume": _file(make_pdf()), "expected_answer": SECRET * 60_000},
        413,
        None,
    ),
    (
        "form-expected-answer-over-limit",
        "POST",
        "/analyze",
        lambda m: {"resume": _file(make_pdf()), "expected_answer": "a" * 20_001},
        422,
        "invalid-input",
    ),
    (
        "form-question-over-limit",
        "POST",
        "/analyze",
        lambda m: {"resume": _file(make_pdf()), "question": "é" * 20_001},
        422,
        "invalid-input",
    ),
    (
        "form-bad-candidate-id",
        "POST",
        "/resumes",
        lambda m: {"resume": _file(make_pdf()), "candidate_id": "../etc/passwd"},
        422,
        "invalid-input",
    ),
    ("form-nothing", "POST", "/analyze", lambda m: {}, 400, "missing-field"),
    (
        "form-nul-bytes-in-text",
        "POST",
        "/analyze",
        lambda m: {"resume": _file(make_pdf()), "question": f"{SECRET}\x00\x00 why?"},
        200,
        None,
    ),
    (
        "json-to-analyze",
        "POST",
        "/analyze",
        lambda m: {"__json__": {"resume": "x"}},
        415,
        "unsupported-media-type",
    ),
    (
        "text-body-to-analyze",
        "POST",
        "/analyze",
        lambda m: {"__raw__": (b"resume=abc", "text/plain")},
        415,
        "unsupported-media-type",
    ),
    (
        "multipart-bad-boundary",
        "POST",
        "/analyze",
        lambda m: {"__raw__": (b"--zzz\r\ngarbage", "multipart/form-data; boundary=abc")},
        400,
        "missing-field",
    ),
    (
        "jobs-bad-callback-url",
        "POST",
        "/jobs",
        lambda m: {"resume": _file(make_pdf()), "callback_url": "javascript:alert(1)"},
        422,
        "invalid-input",
    ),
    ("jobs-no-input", "POST", "/jobs", lambda m: {"candidate_id": "c1"}, 400, "missing-field"),
    (
        "urlencoded-form-to-analyze",
        "POST",
        "/analyze",
        lambda m: {"__raw__": (b"a=&" * 100_000, "application/x-www-form-urlencoded")},
        415,
        "unsupported-media-type",
    ),
    (
        "urlencoded-form-to-jobs",
        "POST",
        "/jobs",
        lambda m: {"__raw__": (b"candidate_id=x", "application/x-www-form-urlencoded")},
        415,
        "unsupported-media-type",
    ),
    (
        "analyze-bad-format",
        "POST",
        "/analyze?format=xml",
        lambda m: {"resume": _file(make_pdf())},
        400,
        "invalid-parameter",
    ),
    (
        "json-infinity",
        "POST",
        "/reports/html",
        lambda m: {
            "__raw__": (
                _report_json(timings_ms={"total": 1.5}).replace(b"1.5", b"1e999"),
                "application/json",
            )
        },
        400,
        "malformed-body",
    ),
    (
        "json-nan",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (b'{"schema_version": NaN}', "application/json")},
        400,
        "malformed-body",
    ),
    # --- JSON bodies ---------------------------------------------------------------------
    (
        "json-deeply-nested",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (_deep_json(100_000), "application/json")},
        422,
        "invalid-input",
    ),
    (
        "json-not-json",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (b"{'a': 1", "application/json")},
        400,
        "malformed-body",
    ),
    (
        "json-invalid-utf8",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (b'{"a": "\xff\xfe"}', "application/json")},
        400,
        "malformed-body",
    ),
    (
        "json-11-mb",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (b'{"a": "' + b"x" * 11_000_000 + b'"}', "application/json")},
        413,
        "too-large",
    ),
    (
        "json-array",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (b"[1, 2, 3]", "application/json")},
        422,
        "invalid-input",
    ),
    (
        "json-empty",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (b"", "application/json")},
        400,
        "missing-field",
    ),
    (
        "json-huge-duration",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (_report_json(transcript=_transcript(1e9)), "application/json")},
        422,
        "invalid-input",
    ),
    (
        "json-negative-time",
        "POST",
        "/reports/html",
        lambda m: {
            "__raw__": (
                _report_json(transcript=_transcript(10.0, start_s=-5.0)),
                "application/json",
            )
        },
        422,
        "invalid-input",
    ),
    (
        "json-valid-report",
        "POST",
        "/reports/html",
        lambda m: {"__raw__": (_report_json(transcript=_transcript(10.0)), "application/json")},
        200,
        None,
    ),
    # --- HTTP ----------------------------------------------------------------------------
    ("get-on-post-route", "GET", "/analyze", lambda m: {}, 405, None),
    ("put-on-get-route", "PUT", "/health", lambda m: {}, 405, None),
    ("delete-resumes", "DELETE", "/resumes", lambda m: {}, 405, None),
    ("unknown-path", "GET", "/nope", lambda m: {}, 404, None),
    ("path-traversal-job", "GET", "/jobs/..%2F..%2Fetc%2Fpasswd", lambda m: {}, 404, None),
    ("unicode-report-id", "GET", "/reports/%E2%98%83" * 20, lambda m: {}, 404, "not-found"),
    ("limit-not-a-number", "GET", "/reports?limit=abc", lambda m: {}, 400, "invalid-parameter"),
    (
        "score-is-a-boolean",
        "GET",
        "/reports?min_talent_score=true",
        lambda m: {},
        400,
        "invalid-parameter",
    ),
    (
        "limit-huge",
        "GET",
        "/jobs?limit=100000000000000000000",
        lambda m: {},
        400,
        "invalid-parameter",
    ),
    ("unknown-query-parameter", "GET", "/jobs?drop=table", lambda m: {}, 400, "invalid-parameter"),
]


def _zip(files: dict[str, bytes]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 10, "Python developer with SQL and Docker experience")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    settings = Settings(upload_dir=root / "uploads", var_dir=root / "var", preload_models=False)
    return create_app(settings, models=get_registry()).test_client(), root


@pytest.fixture(scope="module")
def media(face_rgb, face_video, speech_wav, silent_face_video, tmp_path_factory):
    return {
        "tmp": tmp_path_factory.mktemp("hostile-media"),
        "face_rgb": face_rgb,
        "face_video": face_video,
        "speech_wav": speech_wav,
        "silent_face_video": silent_face_video,
    }


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_request(hostile, media, caplog, case):
    client, root = hostile
    name, method, path, build, status, slug = case
    fields = build(media)
    caplog.set_level(logging.INFO)
    kwargs = {"method": method, "path": "/api/v1" + path, "headers": {"X-Request-ID": name}}
    if "__json__" in fields:
        kwargs["json"] = fields["__json__"]
    elif "__raw__" in fields:
        kwargs["data"], kwargs["content_type"] = fields["__raw__"]
    elif fields or method == "POST":
        kwargs["data"], kwargs["content_type"] = fields, "multipart/form-data"
    resp = client.open(**kwargs)
    text = resp.get_data(as_text=True)
    assert resp.status_code == status, text[:500]
    if status >= 400:
        assert resp.mimetype == "application/problem+json"
        body = resp.get_json()
        assert body["status"] == status and body["request_id"] == name
        assert "Traceback" not in text and 'File "' not in text
        if slug:
            assert body["type"].endswith("/" + slug), body
    if status == 405:
        assert resp.headers.get("Allow"), "a 405 names the allowed methods"
    if status == 413 and path == "/analyze":
        assert "200 MB" not in resp.get_json()["detail"]  # names the real limit
    assert "root:x:" not in text  # no external entity was resolved
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    uploads = root / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir()), "uploads left on disk"
    assert SECRET not in caplog.text, "personal data in the log"
    assert client.get("/api/v1/health").status_code == 200  # still serving
