"""The OpenAPI 3.1 document: request fields by hand, the report schema from the pydantic models
(so it cannot drift from what the service answers)."""

from __future__ import annotations

from functools import lru_cache

from contracts.report import SCHEMA_VERSION, Report
from contracts.resources import Job, JobList, ReportList, WebhookDeliveryList
from contracts.warnings import QUALITY_FLAGS, WARNING_CODES

FORMAT_PARAM = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (default) or html: the report as one self-contained HTML page.",
    "schema": {"type": "string", "enum": ["json", "html"], "default": "json"},
}
_FILE = {"type": "string", "contentMediaType": "application/octet-stream", "minLength": 1}
# The text fields: at most CAA_MAX_TEXT_CHARS characters (20,000 by default); a blank one
# counts as not sent. Blank is what the server strips (str.strip): besides the whitespace of
# a pattern's \s, the information separators U+001C-U+001F and U+0085.
_TEXT = {"type": "string", "maxLength": 20_000}
_REQUIRED_TEXT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 20_000,
    "pattern": "[^\\s\\u001c-\\u001f\\u0085]",
}
CANDIDATE_ID = {"type": "string", "pattern": "^[A-Za-z0-9._:@+\\-]{1,128}$"}
_MEDIA_DESC = (
    "Recording: video (mp4, mov, webm, mkv, avi) or audio (wav, mp3, m4a, ogg, flac, webm)."
)


def _form(properties: dict, required: list[str], one_of: tuple[str, ...] = ()) -> dict:
    """A multipart body; ``one_of``: at least one of these fields must be sent."""
    schema = {"type": "object", "properties": properties, "required": required}
    if one_of:
        schema["anyOf"] = [{"required": [name]} for name in one_of]
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


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
        (408, "The request body arrived too slowly"),
        (413, "Over a budget: upload, form, pages, text, frames, media duration"),
        (415, "Unsupported file content"),
        (422, "Corrupt file, no text, no audio track"),
        (500, "Unexpected error (logged with request_id)"),
        (503, "Analysing at capacity: retry after Retry-After, or submit a job"),
        *[(c, "See detail") for c in extra],
    ]:
        out[str(code)] = {"description": text, "content": problem}
    return out


OPEN_PATHS = ("/api/v1/health", "/api/v1/openapi.json")
SECURITY_SCHEMES = {
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (flask --app app keys create --name NAME) as a bearer token. "
        "Needed only when the operator sets CAA_AUTH=api_key; each key sees only its own jobs, "
        "reports and candidates.",
    },
    "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def _secure(document: dict) -> dict:
    """Every operation but health and this document: the API-key schemes (optional: empty
    alternative, since keys are off by default), 401 and 429 problems."""
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    for path, item in document["paths"].items():
        if path in OPEN_PATHS:
            continue
        if not path.startswith("/api/"):
            continue
        for operation in item.values():
            operation["security"] = [{"bearerKey": []}, {"headerKey": []}, {}]
            operation["responses"]["401"] = {
                "description": "No live API key (with CAA_AUTH=api_key)",
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                "content": problem,
            }
            operation["responses"]["429"] = {
                "description": "Over this key's rate limit (CAA_RATE_LIMIT_*)",
                "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
                "content": problem,
            }
    return document


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
    for model in (Job, JobList, ReportList, WebhookDeliveryList):
        sub = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(sub.pop("$defs", {}))
        components[model.__name__] = sub
    resume = {**_FILE, "description": "Resume, PDF or DOCX (judged by content)."}
    media = {**_FILE, "description": _MEDIA_DESC}
    text = _TEXT
    candidate = {**CANDIDATE_ID, "description": "The client's own id of the candidate."}
    document = {
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
                    "requestBody": _form({"resume": resume, "candidate_id": candidate}, ["resume"]),
                    "responses": _responses(),
                }
            },
            "/api/v1/video/emotion": {
                "post": {
                    "summary": "Facial emotion over a video",
                    "operationId": "videoEmotion",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form({"video": media, "candidate_id": candidate}, ["video"]),
                    "responses": _responses((403,)),
                }
            },
            "/api/v1/audio/emotion": {
                "post": {
                    "summary": "Speech emotion per chunk",
                    "operationId": "audioEmotion",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form(
                        {"video": media, "audio": media, "candidate_id": candidate},
                        [],
                        one_of=("video", "audio"),
                    ),
                    "responses": _responses((403,)),
                }
            },
            "/api/v1/answers/similarity": {
                "post": {
                    "summary": "Transcript and its similarity to the expected answer",
                    "operationId": "answerSimilarity",
                    "parameters": [FORMAT_PARAM],
                    "requestBody": _form(
                        {
                            "video": media,
                            "audio": media,
                            "expected_answer": _REQUIRED_TEXT,
                            "question": text,
                            "candidate_id": candidate,
                        },
                        ["expected_answer"],
                        one_of=("video", "audio"),
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
                            "candidate_id": candidate,
                        },
                        [],
                        one_of=("resume", "video", "audio"),
                    ),
                    "responses": _responses(),
                }
            },
            **_job_paths(resume, media, text),
            **_report_paths(),
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
        "webhooks": _webhooks(),
        "components": {"schemas": components},
    }
    return _secure(document)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _problems(*codes: int) -> dict:
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    text = {
        400: "Missing field, empty file or invalid query parameter",
        404: "No such resource",
        408: "The request body arrived too slowly",
        409: "Not in a state that allows this",
        413: "Upload too large",
        415: "Unsupported file content",
        422: "Invalid field",
        500: "Unexpected error (logged with request_id)",
    }
    return {str(c): {"description": text[c], "content": problem} for c in codes}


def _param(name: str, schema: dict, description: str, where: str = "query") -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
    }


_LIMIT = _param(
    "limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Page size."
)
_CURSOR = _param(
    "cursor",
    {"type": "string", "pattern": "^[1-9][0-9]{0,17}$"},
    "next_cursor of the previous page.",
)
_CANDIDATE = CANDIDATE_ID


def _job_paths(resume: dict, media: dict, text: dict) -> dict:
    job_id = _param("job_id", {"type": "string", "format": "uuid"}, "The job's id.", "path")
    return {
        "/api/v1/jobs": {
            "post": {
                "summary": "Submit an analysis as a background job",
                "description": "The fields of /api/v1/analyze, plus the client's candidate_id "
                "(and, only if the client wants them stored, candidate_name and "
                "candidate_email) and callback_url (where its signed webhook events go). The job's "
                "media is kept only while it runs (CAA_KEEP_MEDIA). With an Idempotency-Key "
                "header (IETF draft-ietf-httpapi-idempotency-key-header), a retry with the "
                "same key and payload answers the same job again (Idempotent-Replayed: true) "
                "for 24 h; the same key with another payload is 422, while the first request "
                "is still being answered 409.",
                "operationId": "submitJob",
                "parameters": [
                    _param(
                        "Idempotency-Key",
                        {
                            "type": "string",
                            "pattern": '^("[\\x21\\x23-\\x7e]{1,255}"|[\\x21\\x23-\\x7e]{1,255})$',
                        },
                        "The client's key for this request (a structured-field string: a "
                        'UUID in double quotes, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"; '
                        "1-255 visible ASCII characters other than the double quote).",
                        "header",
                    )
                ],
                "requestBody": _form(
                    {
                        "resume": resume,
                        "video": media,
                        "audio": media,
                        "expected_answer": text,
                        "question": text,
                        "job_description": text,
                        "candidate_id": _CANDIDATE,
                        "candidate_name": {"type": "string", "maxLength": 200},
                        "candidate_email": {"type": "string", "maxLength": 320},
                        "callback_url": {
                            "type": "string",
                            "format": "uri",
                            "pattern": "^https?://[^/?#\\s]+",
                            "maxLength": 2000,
                        },
                        "consent": {
                            "type": "string",
                            "enum": ["true", "yes", "on", "1", "false", "no", "off", "0"],
                            "description": "The candidate agreed to the analysis; required "
                            "(a yes) when the server sets CAA_REQUIRE_CONSENT=true. Stored "
                            "with its time (the job's consent_at).",
                        },
                    },
                    [],
                    one_of=("resume", "video", "audio"),
                ),
                "responses": {
                    "202": {
                        **_json("Job", "Queued; poll Location (Retry-After says when)"),
                        "headers": {
                            "Location": {"schema": {"type": "string"}},
                            "Retry-After": {"schema": {"type": "integer"}},
                            "Idempotent-Replayed": {
                                "description": "true when this is the stored answer to an "
                                "earlier request with the same Idempotency-Key.",
                                "schema": {"type": "string", "enum": ["true"]},
                            },
                        },
                    },
                    **_problems(400, 408, 409, 413, 415, 422, 500),
                },
            },
            "get": {
                "summary": "List jobs, newest first",
                "operationId": "listJobs",
                "parameters": [
                    _param(
                        "status",
                        {
                            "type": "string",
                            "enum": ["queued", "running", "succeeded", "failed", "cancelled"],
                        },
                        "Only jobs in this status.",
                    ),
                    _param("candidate_id", _CANDIDATE, "Only this candidate's jobs."),
                    _LIMIT,
                    _CURSOR,
                ],
                "responses": {"200": _json("JobList", "A page of jobs"), **_problems(400)},
            },
        },
        "/api/v1/jobs/{job_id}": {
            "get": {
                "summary": "A job: status, stages, progress, queue position, ETA, its report",
                "operationId": "getJob",
                "parameters": [job_id],
                "responses": {"200": _json("Job", "The job"), **_problems(404)},
            },
            "delete": {
                "summary": "Cancel a queued or running job (a running one stops at its next stage)",
                "operationId": "cancelJob",
                "parameters": [job_id],
                "responses": {
                    "200": _json("Job", "The job, now cancelled"),
                    **_problems(404, 409),
                },
            },
        },
        "/api/v1/jobs/{job_id}/webhooks": {
            "get": {
                "summary": "The job's webhook events and their deliveries",
                "operationId": "listJobWebhooks",
                "parameters": [job_id],
                "responses": {
                    "200": _json("WebhookDeliveryList", "Events, oldest first"),
                    **_problems(404),
                },
            }
        },
    }


WEBHOOK_HEADERS = {
    name: {"required": True, "schema": {"type": "string"}, "description": text}
    for name, text in (
        ("webhook-id", "The event's id (the same on every retry: drop duplicates)."),
        ("webhook-timestamp", "Seconds since the epoch when this attempt was sent."),
        (
            "webhook-signature",
            'v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">, keyed with '
            "the base64-decoded part of CAA_WEBHOOK_SECRET after whsec_ (Standard Webhooks).",
        ),
    )
}


def _webhooks() -> dict:
    """OpenAPI 3.1 ``webhooks``: what the service POSTs to a job's callback_url."""
    event = {
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "enum": ["job.succeeded", "job.failed", "report.deleted"]},
            "timestamp": {"type": "string", "format": "date-time"},
            "data": {
                "type": "object",
                "properties": {
                    "event_id": {"type": "string"},
                    "job_id": {"type": ["string", "null"]},
                    "report_id": {"type": ["string", "null"]},
                    "candidate_id": {"type": ["string", "null"]},
                    "status": {"type": "string"},
                    "links": {
                        "type": "object",
                        "properties": {"job": {"type": "string"}, "report": {"type": "string"}},
                    },
                },
            },
        },
    }
    out = {}
    for name, text in (
        ("job.succeeded", "A job finished with its report (fetch it from data.links.report)."),
        ("job.failed", "A job failed (fetch the job for its error)."),
        ("report.deleted", "A report was deleted (by a client, an erasure or retention)."),
    ):
        out[name] = {
            "post": {
                "summary": text,
                "description": "Sent to the job's callback_url, else to CAA_WEBHOOK_URL; "
                "retried with backoff until a 2xx answer (CAA_WEBHOOK_MAX_ATTEMPTS).",
                "parameters": [
                    {"name": h, "in": "header", **spec} for h, spec in WEBHOOK_HEADERS.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": event}},
                },
                "responses": {"2XX": {"description": "Received; anything else is retried."}},
            }
        }
    return out


def _report_paths() -> dict:
    report_id = _param(
        "report_id", {"type": "string", "format": "uuid"}, "The report's id.", "path"
    )
    score = {"type": "number", "minimum": 0, "maximum": 100}
    when = {
        "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]
    }
    return {
        "/api/v1/reports": {
            "get": {
                "summary": "Report summaries, newest first",
                "operationId": "listReports",
                "parameters": [
                    _param("candidate_id", _CANDIDATE, "Only this candidate's reports."),
                    _param("min_talent_score", score, "Talent score at least this."),
                    _param("max_talent_score", score, "Talent score at most this."),
                    _param(
                        "skill",
                        {"type": "string", "maxLength": 200},
                        "Has this resume skill (any case).",
                    ),
                    _param(
                        "warning",
                        {"type": "string", "enum": sorted(WARNING_CODES)},
                        "Carries this warning code.",
                    ),
                    _param(
                        "quality_flag",
                        {"type": "string", "enum": list(QUALITY_FLAGS)},
                        "Has this quality flag.",
                    ),
                    _param("since", when, "Created at or after (ISO 8601 date or time; UTC)."),
                    _param("until", when, "Created before."),
                    _LIMIT,
                    _CURSOR,
                ],
                "responses": {"200": _json("ReportList", "A page of summaries"), **_problems(400)},
            }
        },
        "/api/v1/reports/{report_id}": {
            "get": {
                "summary": "A stored report (JSON as answered, or the HTML page)",
                "operationId": "getReport",
                "parameters": [report_id, FORMAT_PARAM],
                "responses": {
                    "200": {
                        "description": "The report",
                        "content": {
                            "application/json": {"schema": _ref("Report")},
                            "text/html": {},
                        },
                    },
                    **_problems(404),
                },
            },
            "delete": {
                "summary": "Delete a report, the job that made it and any media kept with it",
                "operationId": "deleteReport",
                "parameters": [report_id],
                "responses": {"204": {"description": "Deleted"}, **_problems(404)},
            },
        },
        "/api/v1/reports/{report_id}/rescore": {
            "post": {
                "summary": "Recompute the scores from the stored measures (no media needed)",
                "operationId": "rescoreReport",
                "parameters": [report_id],
                "responses": {
                    "200": _json("Report", "The re-scored report (both scoring versions)"),
                    **_problems(404, 422),
                },
            }
        },
        "/api/v1/candidates/{candidate_id}": {
            "delete": {
                "summary": "Erase a candidate: every job, report and file of theirs",
                "operationId": "eraseCandidate",
                "parameters": [_param("candidate_id", _CANDIDATE, "The client's id.", "path")],
                "responses": {"204": {"description": "Erased"}, **_problems(404)},
            }
        },
    }
