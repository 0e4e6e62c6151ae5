"""``Idempotency-Key`` on POST requests (IETF draft-ietf-httpapi-idempotency-key-header): a
client that retries a POST with the same key gets the first answer again instead of a second
resource.

- same key, same payload: the stored answer is sent again (status, body, ``Location``), with
  ``Idempotent-Replayed: true``; nothing runs twice;
- same key, another payload: 422 problem+json (``idempotency-key-reused``);
- same key while the first request is still being answered: 409 (``idempotency-key-in-use``);
- keys are kept 24 h (``store.IDEMPOTENCY_KEY_TTL``); a request that fails (any error) before
  it created anything frees its key, so a retry runs again;
- a request that created a job records it on its key in the job's own transaction: if it then
  fails, or dies, before its answer is stored, a retry is answered with that job (202,
  replayed), never with a second one.

The payload's fingerprint is a SHA-256 over the form fields and each file's field name, file
name and bytes, not over the raw body: two uploads of the same files by different clients (whose
multipart boundaries differ) are the same payload.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta

from flask import Response, g, request

from api.context import context
from contracts.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidHeader
from store import IDEMPOTENCY_KEY_TTL, utcnow

HEADER = "Idempotency-Key"
KEY = re.compile(r"^[\x21\x23-\x7e]{1,255}$")  # visible ASCII but the double quote
# The key is held while the handler runs, after the upload was received: seconds. A request
# that died meanwhile leaves its key unanswered; after this long a retry takes it over.
ABANDONED_AFTER = timedelta(minutes=5)
REPLAYED_HEADERS = ("Location", "Retry-After", "Content-Type")


def idempotency_key() -> str | None:
    """The request's key (a structured-field string: quoted, or bare for lenient clients).

    Raises:
        InvalidHeader (400): empty, longer than 255 characters, or not visible ASCII (a
            double quote only around the key).
    """
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not KEY.match(value):
        raise InvalidHeader(
            f"{HEADER} must be 1-255 visible ASCII characters, e.g. a UUID in double quotes"
        )
    return value


def fingerprint() -> str:
    """SHA-256 (hex) of the parsed form: fields in name order, then files (field, file name,
    bytes). The file streams are read and rewound; nothing is kept in memory."""
    h = hashlib.sha256()
    # a part without a usable name is parsed with the name None: sort names as text
    for name in sorted(request.form, key=str):
        for value in request.form.getlist(name):
            h.update(f"field\0{name}\0{len(value)}\0{value}\0".encode())
    for name in sorted(request.files, key=str):
        for storage in request.files.getlist(name):
            h.update(f"file\0{name}\0{storage.filename or ''}\0".encode())
            stream = storage.stream
            start = stream.tell()
            while chunk := stream.read(1 << 20):
                h.update(chunk)
            stream.seek(start)
    return h.hexdigest()


def idempotent(
    scope: str,
    handler: Callable[[], Response],
    created: Callable[[str], Response] | None = None,
) -> Response:
    """Answer with ``handler()`` once per Idempotency-Key of ``scope``; without the header,
    just ``handler()``. The handler finds its hold on the key in ``g.idempotency_token`` (to
    record what it creates, e.g. ``Store.create_job(idempotency_token=...)``); ``created``
    answers a retry with the job an earlier request created but never answered.

    Raises:
        InvalidHeader (400), IdempotencyKeyInUse (409), IdempotencyKeyReused (422).
    """
    key = idempotency_key()
    if key is None:
        return handler()
    store = context().store
    now = utcnow()
    found = store.begin_idempotent(
        scope,
        key,
        fingerprint(),
        expired_before=now - IDEMPOTENCY_KEY_TTL,
        abandoned_before=now - ABANDONED_AFTER,
    )
    if found.outcome == "replay":
        response = Response(found.body, status=found.status, headers=found.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    if found.outcome == "created" and created is not None:
        response = created(found.job_id)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    if found.outcome in ("in_progress", "created"):
        raise IdempotencyKeyInUse(
            "another request with this key is being answered; retry in a few seconds"
        )
    if found.outcome == "mismatch":
        raise IdempotencyKeyReused(
            "this key was sent with a different payload; use a new key for a new request"
        )
    g.idempotency_token = found.token
    try:
        response = handler()
    except BaseException:
        store.abandon_idempotent(found.token)
        raise
    if response.status_code >= 300:
        store.abandon_idempotent(found.token)
        return response
    headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
    store.finish_idempotent(
        found.token, response.status_code, headers, response.get_data(as_text=True)
    )
    return response
