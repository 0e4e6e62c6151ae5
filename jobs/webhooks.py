"""Webhook deliveries from the outbox (store table ``webhook_deliveries``), signed the Standard
Webhooks way (standardwebhooks.com: headers ``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed with the
base64 part of ``CAA_WEBHOOK_SECRET``, ``whsec_...``; the ``standardwebhooks`` library signs).

Events (``job.succeeded``, ``job.failed``, ``report.deleted``) are written by the store in the
transaction that changes what they report, so none is lost and none is sent for a change that
rolled back. A sender thread of the service's supervisor POSTs each due one; a 2xx answer
delivers it, anything else (or no answer) is retried after 5 s, 30 s, 2 min, 10 min, 30 min,
1 h, 3 h ... up to ``CAA_WEBHOOK_MAX_ATTEMPTS``, then the delivery is ``failed``. The same
``webhook-id`` is sent on every attempt, so a receiver can drop duplicates.

Callback URLs that resolve to loopback, private, link-local (cloud metadata), multicast or other
non-global addresses are refused (SSRF), at submission and again before each attempt, unless
``CAA_ALLOW_PRIVATE_CALLBACKS=true``; redirects are not followed.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from standardwebhooks import Webhook

from contracts.errors import InvalidInput
from store import Store, utcnow

log = logging.getLogger(__name__)

BACKOFF_S = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
USER_AGENT = "candidate-analysis-api-webhooks/1"


class CallbackRefused(InvalidInput):
    slug = "callback-url-refused"
    title = "The callback URL is not allowed"


def check_callback_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host resolves to a non-global address (loopback, private, link-local
    with the cloud metadata service, multicast, reserved, unspecified, shared).

    Raises:
        CallbackRefused (422): such an address, or the host does not resolve.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in ("http", "https"):
        raise CallbackRefused("callback_url must be an absolute http or https URL")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise CallbackRefused(f"the callback host {host!r} does not resolve") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not address.is_global or (mapped is not None and not mapped.is_global):
            raise CallbackRefused(
                f"the callback host {host!r} resolves to {address}, a loopback, private, "
                "link-local or otherwise non-public address (CAA_ALLOW_PRIVATE_CALLBACKS=true "
                "allows them on closed networks)"
            )


def signed_headers(webhook: Webhook, event_id: str, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (the timestamp is the attempt's)."""
    now = datetime.now(UTC)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhook.sign(event_id, now, body),
    }


def deliver_due(
    store: Store,
    *,
    secret: str,
    default_url: str | None,
    allow_private: bool,
    timeout_s: float = 10.0,
    max_attempts: int = 8,
    session: requests.Session | None = None,
) -> int:
    """Attempt every due delivery once; returns how many were attempted."""
    webhook = Webhook(secret)
    http = session or requests.Session()
    due = store.due_deliveries(now=utcnow())
    for d in due:
        url = d.url or default_url
        attempt = d.attempts + 1
        code, error = None, None
        if url is None:
            error = "no callback URL: the job has none and CAA_WEBHOOK_URL is not set"
        else:
            try:
                check_callback_url(url, allow_private=allow_private)
                answer = http.post(
                    url,
                    data=d.payload.encode(),
                    headers=signed_headers(webhook, d.event_id, d.payload),
                    timeout=timeout_s,
                    allow_redirects=False,
                )
                code = answer.status_code
                answer.close()
                if not 200 <= code < 300:
                    error = f"answered {code}"
            except CallbackRefused as exc:
                error = exc.detail
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: no answer"
        if error is None:
            status, next_at = "delivered", None
        elif attempt >= max_attempts or url is None:
            status, next_at = "failed", None
        else:
            status = "pending"
            next_at = utcnow() + timedelta(seconds=BACKOFF_S[min(attempt, len(BACKOFF_S)) - 1])
        store.record_delivery(
            d.id,
            attempts=attempt,
            status=status,
            status_code=code,
            error=error,
            next_attempt_at=next_at,
        )
        if error is not None:
            log.info("webhook %s attempt %d: %s", d.event_id, attempt, error)
    return len(due)


class WebhookSender(threading.Thread):
    """Sends due deliveries every ``interval_s`` until :meth:`stop` (a daemon thread of the
    service's supervisor; any number may run against one store: an attempt is recorded only
    once)."""

    def __init__(self, store: Store, *, interval_s: float = 1.0, **deliver_kwargs) -> None:
        super().__init__(name="caa-webhooks", daemon=True)
        self._store = store
        self._interval_s = interval_s
        self._kwargs = deliver_kwargs
        self._stopping = threading.Event()

    def run(self) -> None:
        with requests.Session() as session:
            while not self._stopping.is_set():
                try:
                    deliver_due(self._store, session=session, **self._kwargs)
                except Exception:
                    log.exception("webhook deliveries failed; trying again")
                self._stopping.wait(self._interval_s)

    def stop(self) -> None:
        self._stopping.set()
