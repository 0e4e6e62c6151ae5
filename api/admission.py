"""Slow and many clients.

- :class:`BodyDeadline` (WSGI middleware): a request body must keep arriving (no read idle
  longer than ``idle_s``) and, after ``grace_s``, keep up an average of ``min_rate`` bytes per
  second since then; otherwise 408 as soon as it falls behind. With gunicorn's threaded
  workers a slow upload then holds one thread for a bounded time, never a whole worker.
- :class:`AnalysisGate`: one media analysis at a time per worker process (an analysis already
  keeps both cores busy: docs/decisions/0007); later ones wait in line, at most ``max_waiting``
  of them; beyond that 503 with Retry-After. Short requests (health, resumes, jobs, reports)
  never wait behind analyses: they run in other threads.
"""

from __future__ import annotations

import threading
import time

from werkzeug.exceptions import BadRequest, HTTPException, RequestTimeout, ServiceUnavailable


class _DeadlineInput:
    """The request body, cut (408) as soon as it falls behind: after ``grace_s`` it must have
    arrived at ``min_rate`` bytes per second on average since then."""

    def __init__(self, stream, grace_s: float, min_rate: float) -> None:
        self._stream, self._grace_s, self._min_rate = stream, grace_s, min_rate
        self._start = time.monotonic()
        self._received = 0

    def _check(self) -> None:
        late = time.monotonic() - self._start - self._grace_s
        if late > 0 and self._received < self._min_rate * late:
            raise RequestTimeout("the request body arrived too slowly")

    def read(self, *args):
        return self._guarded(self._stream.read, *args)

    def readline(self, *args):
        return self._guarded(self._stream.readline, *args)

    def _guarded(self, read, *args):
        self._check()
        try:
            data = read(*args)
            self._received += len(data)
            return data
        except TimeoutError as exc:  # socket.timeout: no byte for idle_s
            raise RequestTimeout("the request body stopped arriving") from exc
        except HTTPException:
            raise
        except Exception as exc:  # the server's parser: a malformed chunk, a cut connection
            raise BadRequest(f"the request body could not be read ({type(exc).__name__})") from exc

    def __iter__(self):
        return iter(self.readline, b"")


class BodyDeadline:
    """WSGI middleware bounding how long a request body may take to arrive.

    Args:
        app: The WSGI app.
        idle_s: Longest wait for the next bytes of the body (socket read timeout).
        grace_s: Time every body gets, whatever its size.
        min_rate: Bytes per second a large body must average beyond the grace.
    """

    def __init__(self, app, *, idle_s: float = 30.0, grace_s: float = 30.0, min_rate=20_000):
        self.app, self.idle_s, self.grace_s, self.min_rate = app, idle_s, grace_s, min_rate

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            sock.settimeout(self.idle_s)
        environ["wsgi.input"] = _DeadlineInput(environ["wsgi.input"], self.grace_s, self.min_rate)
        return self.app(environ, start_response)


class AnalysisGate:
    """At most one analysis at a time in this process, ``max_waiting`` more in line.

    Raises (from :meth:`__enter__`):
        werkzeug ServiceUnavailable (503, Retry-After): the line is full, or the wait would
            pass ``max_wait_s``.
    """

    def __init__(self, max_waiting: int = 4, max_wait_s: float = 600.0, retry_after_s=30):
        self._slot = threading.Lock()
        self._guard = threading.Lock()
        self._waiting = 0
        self.max_waiting, self.max_wait_s, self.retry_after_s = (
            max_waiting,
            max_wait_s,
            retry_after_s,
        )

    def _busy(self, why: str) -> ServiceUnavailable:
        exc = ServiceUnavailable(why)
        exc.retry_after = self.retry_after_s
        return exc

    def __enter__(self) -> AnalysisGate:
        with self._guard:
            if self._slot.acquire(blocking=False):
                return self
            if self._waiting >= self.max_waiting:
                raise self._busy(
                    "this server is analysing at capacity; retry later, or submit a background "
                    "job (POST /api/v1/jobs)"
                )
            self._waiting += 1
        try:
            if not self._slot.acquire(timeout=self.max_wait_s):
                raise self._busy("the analyses ahead of this one took too long; retry later")
        finally:
            with self._guard:
                self._waiting -= 1
        return self

    def __exit__(self, *exc) -> None:
        self._slot.release()
