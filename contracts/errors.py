"""Domain exceptions. Each carries its HTTP status and a problem type slug as class attributes,
so the API layer turns them into RFC 9457 problem+json without this package importing Flask."""

from __future__ import annotations

PROBLEM_BASE = "https://candidate-analysis.example/problems/"
"""Prefix of every problem ``type`` URI; the slug of the error class follows."""


class AnalysisError(Exception):
    """Base class: a request that cannot be analysed as sent.

    Attributes:
        status: HTTP status code the API answers with.
        slug: Last path segment of the problem ``type`` URI.
        title: Short, human-readable summary of the problem type.
    """

    status = 422
    slug = "unprocessable-input"
    title = "The input cannot be analysed"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class MissingField(AnalysisError):
    status = 400
    slug = "missing-field"
    title = "A required field is missing"


class MalformedBody(AnalysisError):
    status = 400
    slug = "malformed-body"
    title = "The request body cannot be parsed"


class EmptyFile(AnalysisError):
    status = 400
    slug = "empty-file"
    title = "The uploaded file is empty"


class UnsupportedType(AnalysisError):
    status = 415
    slug = "unsupported-media-type"
    title = "The file's content is not a supported type"


class CorruptFile(AnalysisError):
    status = 422
    slug = "corrupt-file"
    title = "The file is corrupt or truncated"


class NoExtractableText(AnalysisError):
    status = 422
    slug = "no-extractable-text"
    title = "The document has no extractable text"


class NoAudioTrack(AnalysisError):
    status = 422
    slug = "no-audio-track"
    title = "The media has no audio track"


class NoVideoTrack(AnalysisError):
    status = 422
    slug = "no-video-track"
    title = "The media has no video track"


class MediaTooLong(AnalysisError):
    status = 413
    slug = "media-too-long"
    title = "The media is longer than the configured limit"


class TooLarge(AnalysisError):
    """An input over one of the server's budgets (document size, pages, text, form, JSON)."""

    status = 413
    slug = "too-large"
    title = "The input is larger than this server accepts"


class FeatureDisabled(AnalysisError):
    status = 403
    slug = "feature-disabled"
    title = "This analysis is turned off on this server"


class InvalidInput(AnalysisError):
    status = 422
    slug = "invalid-input"
    title = "The input is not valid"


class InvalidParameter(AnalysisError):
    status = 400
    slug = "invalid-parameter"
    title = "A query parameter is not valid"


class NotFound(AnalysisError):
    status = 404
    slug = "not-found"
    title = "No such resource"


class Conflict(AnalysisError):
    status = 409
    slug = "conflict"
    title = "The resource is not in a state that allows this"


class InvalidHeader(AnalysisError):
    status = 400
    slug = "invalid-header"
    title = "A request header is not valid"


class IdempotencyKeyInUse(AnalysisError):
    status = 409
    slug = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is still being answered"


class IdempotencyKeyReused(AnalysisError):
    status = 422
    slug = "idempotency-key-reused"
    title = "This Idempotency-Key was used with another payload"


def problem_of(exc: AnalysisError) -> dict:
    """The RFC 9457 problem object of a domain error (without the request id)."""
    return {
        "type": PROBLEM_BASE + exc.slug,
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
    }
