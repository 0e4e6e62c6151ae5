"""Slow and many clients.

- :class:`BodyDeadline` (WSGI middleware): a request body must keep arriving (no pause longer
  than ``idle_s``) and, after ``grace_s``, keep up an average of ``min_rate`` bytes per second
  since then; otherwise 408 as soon as it falls behind. A watchdog thread enforces it even while
  a read is blocked (a client trickling one byte every 29 s never returns a read): it shuts the
  connection's read side, and the blocked read ends. With gunicorn's threaded workers a slow
  upload then holds one thread for a bounded time, never a whole worker.
- :class:`AnalysisGate`: one media analysis at a time per worker process (an analysis already
  keeps both cores busy: docs/decisions/0007); later ones wait in line, at most ``max_waiting``
  of them; beyond that 503 with Retry-After. Short requests (health, resumes, jobs, reports)
  never wait behind analyses: they run in other threads.
"""

from __future__ import annotations

import collections
import socket
import threading
import time

from werkzeug.exceptions import BadRequest, HTTPException, RequestTimeout, ServiceUnavailable

PIECE = 64 * 1024  # reads are split into pieces this big, so progress is seen between them


class _DeadlineInput:
    """The request body, cut (408) as soon as it falls behind: after ``grace_s`` it must have
    arrived at ``min_rate`` bytes per second on average since then (a read in progress may
    hold one more piece)."""

    def __init__(self, stream, grace_s: float, min_rate: float, sock=None) -> None:
        self._stream, self._grace_s, self._min_rate = stream, grace_s, min_rate
        self._sock = sock
        self._start = time.monotonic()
        self._received = 0
        self.cut = False

    def behind(self, now: float) -> bool:
        late = now - self._start - self._grace_s
        return late > 0 and self._received + PIECE < self._min_rate * late

    def cut_off(self) -> None:
        """Called by the watchdog: end a blocked read."""
        self.cut = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while piece := self._guarded(self._stream.read, PIECE):
                chunks.append(piece)
            return b"".join(chunks)
        chunks, left = [], size
        while left > 0:
            piece = self._guarded(self._stream.read, min(left, PIECE))
            if not piece:
                break
            chunks.append(piece)
            left -= len(piece)
        return b"".join(chunks)

    def readline(self, size: int = -1) -> bytes:
        return self._guarded(self._stream.readline, size if size and size > 0 else PIECE)

    def _guarded(self, read, *args) -> bytes:
        if self.cut or self.behind(time.monotonic()):
            self.cut_off()
            raise RequestTimeout("the request body arrived too slowly")
        try:
            data = read(*args)
        except TimeoutError as exc:  # socket.timeout: no byte for idle_s
            raise RequestTimeout("the request body stopped arriving") from exc
        except HTTPException:
            raise
        except Exception as exc:  # the server's parser: a malformed chunk, a cut connection
            if self.cut:
                raise RequestTimeout("the request body arrived too slowly") from exc
            raise BadRequest(f"the request body could not be read ({type(exc).__name__})") from exc
        if self.cut:
            raise RequestTimeout("the request body arrived too slowly")
        self._received += len(data)
        return data

    def __iter__(self):
        return iter(self.readline, b"")


class _Watchdog:
    """One thread per process that cuts request bodies that fell behind, every 0.5 s."""

    def __init__(self) -> None:
        self._active: set[_DeadlineInput] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, body: _DeadlineInput) -> None:
        with self._lock:
            self._active.add(body)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="caa-body", daemon=True)
                self._thread.start()

    def forget(self, body: _DeadlineInput) -> None:
        with self._lock:
            self._active.discard(body)

    def _run(self) -> None:
        while True:
            time.sleep(0.5)
            now = time.monotonic()
            with self._lock:
                late = [b for b in self._active if not b.cut and b.behind(now)]
            for body in late:
                body.cut_off()


_watchdog = _Watchdog()


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
        previous = None
        if sock is not None:
            previous = sock.gettimeout()
            sock.settimeout(self.idle_s)
        body = _DeadlineInput(environ["wsgi.input"], self.grace_s, self.min_rate, sock)
        environ["wsgi.input"] = body
        if sock is not None:
            _watchdog.watch(body)
        try:
            return self.app(environ, start_response)
        finally:
            _watchdog.forget(body)
            if sock is not None:  # the response is written without the body's timeout
                try:
                    sock.settimeout(previous)
                except OSError:
                    pass


class AnalysisGate:
    """At most one analysis at a time in this process, ``max_waiting`` more in line, served
    first come, first served (the slot is handed to the longest waiter).

    Raises (from :meth:`__enter__`):
        werkzeug ServiceUnavailable (503, Retry-After): the line is full, or the wait would
            pass ``max_wait_s``.
    """

    def __init__(self, max_waiting: int = 4, max_wait_s: float = 600.0, retry_after_s=30):
        self._guard = threading.Lock()
        self._busy_now = False
        self._line: collections.deque[threading.Event] = collections.deque()
        self.max_waiting, self.max_wait_s = max_waiting, max_wait_s
        self.retry_after_s = retry_after_s

    def _busy(self, why: str) -> ServiceUnavailable:
        exc = ServiceUnavailable(why)
        exc.retry_after = self.retry_after_s
        return exc

    def __enter__(self) -> AnalysisGate:
        with self._guard:
            if not self._busy_now and not self._line:
                self._busy_now = True
                return self
            if len(self._line) >= self.max_waiting:
                raise self._busy(
                    "this server is analysing at capacity; retry later, or submit a background "
                    "job (POST /api/v1/jobs)"
                )
            turn = threading.Event()
            self._line.append(turn)
        try:
            if turn.wait(timeout=self.max_wait_s):
                return self  # the slot was handed over
        except BaseException:  # interrupted while waiting: leave the line, pass a slot on
            with self._guard:
                if turn.is_set():
                    self._hand_over()
                else:
                    self._line.remove(turn)
            raise
        with self._guard:
            if turn.is_set():  # handed over just as the wait ended
                return self
            self._line.remove(turn)
        raise self._busy("the analyses ahead of this one took too long; retry later")

    def __exit__(self, *exc) -> None:
        with self._guard:
            self._hand_over()

    def _hand_over(self) -> None:
        """Give the slot to the next in line (still busy), or free it; under the guard."""
        if self._line:
            self._line.popleft().set()
        else:
            self._busy_now = False
