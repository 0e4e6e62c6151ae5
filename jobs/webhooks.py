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
non-global addresses (also inside IPv6: mapped, NAT64, 6to4) are refused (SSRF), at submission
and again before each attempt, unless ``CAA_ALLOW_PRIVATE_CALLBACKS=true``; each attempt
connects to the very address it checked (the URL's host stays in ``Host`` and TLS), ignores
proxy variables, follows no redirect and never reads the answer's body. Up to four events are
sent at once, so one slow receiver does not hold the others'.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import certifi
import urllib3
from standardwebhooks import Webhook

from contracts.errors import InvalidInput
from store import Store, utcnow

log = logging.getLogger(__name__)

BACKOFF_S = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
SEND_THREADS = 4
USER_AGENT = "candidate-analysis-api-webhooks/1"


class CallbackRefused(InvalidInput):
    slug = "callback-url-refused"
    title = "The callback URL is not allowed"


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")  # RFC 3056: the IPv4 address is bits 16-47
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible IPv6


def _embedded_ipv4(address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, IPv4-compatible)."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    value = int(address)
    if address in NAT64 or (address in IPV4_COMPATIBLE and value > 1):
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in SIX_TO_FOUR:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def _public(address) -> bool:
    inner = _embedded_ipv4(address)
    return address.is_global and (inner is None or inner.is_global)


def check_callback_url(url: str, *, allow_private: bool) -> str:
    """Resolve the URL's host once and refuse it if any address is not public (loopback,
    private, link-local with the cloud metadata service, multicast, reserved, unspecified,
    shared, or an IPv6 address carrying such an IPv4 one: mapped, NAT64, 6to4).

    Returns:
        The checked address to connect to (the caller connects to it, not to the name, so a
        second DNS answer cannot point elsewhere: DNS rebinding).

    Raises:
        CallbackRefused (422): such an address, or the host does not resolve.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise CallbackRefused("callback_url is not a valid URL") from exc
    if not host or parts.scheme not in ("http", "https"):
        raise CallbackRefused("callback_url must be an absolute http or https URL")
    try:
        infos = socket.getaddrinfo(
            host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (OSError, ValueError, UnicodeError) as exc:
        raise CallbackRefused(f"the callback host {host!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise CallbackRefused(
                    f"the callback host {host!r} resolves to {address}, a loopback, private, "
                    "link-local or otherwise non-public address (CAA_ALLOW_PRIVATE_CALLBACKS="
                    "true allows them on closed networks)"
                )
    return str(addresses[0])


def post_event(url: str, address: str, body: bytes, headers: dict, timeout_s: float) -> int:
    """POST ``body`` to ``url`` over a connection to ``address`` (already checked), with the
    URL's host in ``Host`` and in TLS (SNI and certificate check); no proxy from the
    environment, no redirect, the response body never read. Returns the HTTP status.

    Raises:
        urllib3.exceptions.HTTPError: no answer in time, TLS failure, connection refused.
    """
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
    if https:
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            timeout=timeout,
            retries=False,
            maxsize=1,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        response = pool.urlopen(
            "POST",
            target,
            body=body,
            headers={**headers, "Host": parts.netloc.rsplit("@", 1)[-1]},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        status = response.status
        response.close()  # the body is never read: a huge or endless one costs nothing
        return status
    finally:
        pool.close()


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


def _attempt(d, *, url: str | None, webhook: Webhook, allow_private: bool, timeout_s: float):
    """(HTTP status or None, error or None) of one attempt of delivery ``d``."""
    if url is None:
        return None, "no callback URL: the job has none and CAA_WEBHOOK_URL is not set"
    try:
        address = check_callback_url(url, allow_private=allow_private)
        code = post_event(
            url,
            address,
            d.payload.encode(),
            signed_headers(webhook, d.event_id, d.payload),
            timeout_s,
        )
    except CallbackRefused as exc:
        return None, exc.detail
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return None, f"{type(exc).__name__}: no answer"
    return code, None if 200 <= code < 300 else f"answered {code}"


def deliver_due(
    store: Store,
    *,
    secret: str,
    default_url: str | None,
    allow_private: bool,
    timeout_s: float = 10.0,
    max_attempts: int = 8,
    parallel: int = SEND_THREADS,
) -> int:
    """Attempt every due delivery once, ``parallel`` at a time (a slow receiver holds one
    thread, not the others' events); returns how many were attempted. Each delivery is
    claimed first (its next attempt moved past the send's deadline by one conditional update),
    so several senders (one per API machine) never POST the same attempt twice."""
    webhook = Webhook(secret)
    lease_s = 3 * timeout_s + 5
    due = [d for d in store.due_deliveries(now=utcnow()) if store.claim_delivery(d, lease_s)]

    def one(d) -> None:
        url = d.url or default_url
        attempt = d.attempts + 1
        code, error = _attempt(
            d, url=url, webhook=webhook, allow_private=allow_private, timeout_s=timeout_s
        )
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

    if due:
        with ThreadPoolExecutor(max(1, min(parallel, len(due)))) as pool:
            list(pool.map(one, due))
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
        while not self._stopping.is_set():
            try:
                deliver_due(self._store, **self._kwargs)
            except Exception:
                log.exception("webhook deliveries failed; trying again")
            self._stopping.wait(self._interval_s)

    def stop(self) -> None:
        self._stopping.set()
