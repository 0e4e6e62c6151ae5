"""Reading and validating the form fields and query parameters the endpoints share."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from flask import request
from pydantic import BaseModel, ValidationError

from api.context import context
from contracts.errors import InvalidInput, InvalidParameter, MissingField, UnsupportedType
from jobs.webhooks import check_callback_url
from store import utcnow

CANDIDATE_ID = re.compile(r"^[A-Za-z0-9._:@+\-]{1,128}$")
MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 320
MAX_URL_CHARS = 2000


def require_multipart() -> None:
    """The analysis endpoints take multipart/form-data only: other bodies (a url-encoded form
    is parsed whole, at many times its size in memory) are refused before they are read.

    Raises:
        UnsupportedType (415): another content type.
    """
    if request.mimetype != "multipart/form-data":
        raise UnsupportedType(
            f"send multipart/form-data (this request is {request.mimetype or 'without a type'})"
        )


def text(field: str, *, required: bool = False) -> str | None:
    """A text form field, stripped; None when absent or blank.

    Raises:
        MissingField: required and absent. InvalidInput: longer than CAA_MAX_TEXT_CHARS.
    """
    value = request.form.get(field)
    if value is None or not value.strip():
        if required:
            raise MissingField(f"send the text field '{field}'")
        return None
    limit = context().settings.max_text_chars
    if len(value) > limit:
        raise InvalidInput(f"'{field}' is longer than {limit} characters")
    return value.strip()  # NUL characters pass: texts are stored inside JSON, escaped


def _no_nul(field: str, value: str) -> None:
    """A NUL character is text no PostgreSQL text column keeps (names, e-mails, URLs)."""
    if "\x00" in value:
        raise InvalidInput(f"'{field}' contains a NUL character")


def candidate_id() -> str | None:
    """The optional ``candidate_id`` form field: the client's own id of the candidate.

    Raises:
        InvalidInput: not 1-128 characters of letters, digits and ``. _ : @ + -``.
    """
    value = request.form.get("candidate_id")
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not CANDIDATE_ID.match(value):
        raise InvalidInput(
            "candidate_id must be 1-128 characters of letters, digits and . _ : @ + -"
        )
    return value


def short_text(field: str, limit: int) -> str | None:
    value = (request.form.get(field) or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"'{field}' is longer than {limit} characters")
    _no_nul(field, value)
    return value or None


TRUE = frozenset({"true", "yes", "on", "1"})
FALSE = frozenset({"false", "no", "off", "0"})


def consent() -> datetime | None:
    """The ``consent`` form field: the candidate agreed to the analysis (``true``, ``yes``,
    ``on`` or ``1``); its time (UTC) when given.

    Raises:
        InvalidInput (422): not a yes or a no; or CAA_REQUIRE_CONSENT is on and it is not a yes.
    """
    value = (request.form.get("consent") or "").strip()
    if value and value not in TRUE | FALSE:
        raise InvalidInput("consent must be true or false (yes/no, on/off, 1/0)")
    given = value in TRUE
    if not given and context().settings.require_consent:
        raise InvalidInput(
            "this server analyses a recording only with the candidate's consent: send the "
            "field consent=true once the candidate has agreed"
        )
    return utcnow() if given else None


def callback_url() -> str | None:
    """The optional ``callback_url``: an absolute http(s) URL whose host resolves to public
    addresses only (jobs.webhooks.check_callback_url), on a server that signs webhooks.

    Raises:
        InvalidInput (422): not such a URL, or this server sends no webhooks.
    """
    value = short_text("callback_url", MAX_URL_CHARS)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise InvalidInput("callback_url is not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("callback_url must be an absolute http or https URL")
    settings = context().settings
    if not settings.webhook_secret:
        raise InvalidInput(
            "this server sends no webhooks (its operator has not set CAA_WEBHOOK_SECRET): "
            "poll the job's Location instead"
        )
    check_callback_url(value, allow_private=settings.allow_private_callbacks)
    return value


def query(model: type[BaseModel]) -> BaseModel:
    """The request's query parameters validated by ``model``.

    Raises:
        InvalidParameter (400): a parameter is malformed or unknown.
    """
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "query"
        raise InvalidParameter(f"query parameter '{where}': {first['msg']}") from exc
