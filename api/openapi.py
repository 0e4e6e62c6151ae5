"""The OpenAPI 3.1 document: request fields by hand, the report schema from the pydantic models
(so it cannot drift from what the service answers)."""

from __future__ import annotations

from functools import lru_cache

from contracts.report import SCHEMA_VERSION, Report

FORMAT_PARAM = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (default) or html: the report as one self-contained HTML page.",
    "schema": {"type": "string", "enum": ["json", "html"], "default": "json"},
}
_FILE = {"type": "string", "contentMediaType": "application/octet-stream"}
_MEDIA_DESC = (
    "Recording: video (mp4, mov, webm, mkv, avi) or audio (wav, mp3, m4a, ogg, flac, webm)."
)


def _form(properties: dict, required: list[str]) -> dict:
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                }
            }
        },
    }


def _responses(extra: tuple[int, ...] = ()) -> dict:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    out = {
        "200": {
            "description": "The report (sections this endpoint computes); with ?format=html or "
            "Accept: text/html, the same report as one HTML page.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Report"}},
                "text/html": {},
            },
        }
    }
    for code, text in [
        (400, "Missing field or empty file"),
        (413, "Upload or media too large/long"),
        (415, "Unsupported file content"),
        (422, "Corrupt file, no text, no audio track"),
        (500, "Unexpected error (logged with request_id)"),
        *[(c, "See detail") for c in extra],
    ]:
        out[str(code)] = {"description": text, "content": problem}
    return out


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    schema = Report.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["Report"] = schema
    components["Problem"] = {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "request_id": {"type": "string"},
        },
        "required": ["type", "title", "status", "detail"],
    }
    resume = {**_FILE, "description": "Resume, PDF or DOCX (judged by content)."}
    media = {**_FILE, "description": _MEDIA_DESC}
    text = {"type": "string"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Candidate Analysis API",
            "version": SCHEMA_VERSION,
            "description": (
                "Resume skills, facial and speech emotion, transcript and answer similarity, as "
                "one JSON report. Emotion inference is contested and prohibited in workplaces by "
                "the EU AI Act; operators can turn it off (CAA_EMOTION_ENABLED=false)."
            ),
        },
        "paths": {
            "/api/v1/resumes": {
                "post": {
                    "summary": "Skills on a resume",
                    "operationId": "analyzeResume",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form({"resume": resume}, ["resume"]),
                    "responses": _responses(),
                }
            },
            "/api/v1/video/emotion": {
                "post": {
                    "summary": "Facial emotion over a video",
                    "operationId": "videoEmotion",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form({"video": media}, ["video"]),
                    "responses": _responses((403,)),
                }
            },
            "/api/v1/audio/emotion": {
                "post": {
                    "summary": "Speech emotion per chunk",
                    "operationId": "audioEmotion",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form({"video": media, "audio": media}, []),
                    "responses": _responses((403,)),
                }
            },
            "/api/v1/answers/similarity": {
                "post": {
                    "summary": "Transcript and its similarity to the expected answer",
                    "operationId": "answerSimilarity",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form(
                        {"video": media, "audio": media, "expected_answer": text, "question": text},
                        ["expected_answer"],
                    ),
                    "responses": _responses(),
                }
            },
            "/api/v1/analyze": {
                "post": {
                    "summary": "Every section the inputs allow, from one decode of the media",
                    "operationId": "analyze",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form(
                        {
                            "resume": resume,
                            "video": media,
                            "audio": media,
                            "expected_answer": text,
                            "question": text,
                            "job_description": text,
                        },
                        [],
                    ),
                    "responses": _responses(),
                }
            },
            "/api/v1/reports/html": {
                "post": {
                    "summary": "Render a report (JSON body) as one self-contained HTML page",
                    "operationId": "renderReport",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Report"}}
                        },
                    },
                    "responses": {
                        "200": {"description": "HTML page", "content": {"text/html": {}}},
                        "400": {"description": "No JSON body"},
                        "422": {"description": "Not a valid report"},
                    },
                }
            },
            "/api/v1/health": {
                "get": {
                    "summary": "Status, loaded models, versions",
                    "operationId": "health",
                    "responses": {
                        "200": {
                            "description": "Service status",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": components},
    }
