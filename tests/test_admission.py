"""Slow and many clients: a slow upload holds one thread for a bounded time and health keeps
answering; analyses beyond a worker's line get 503 with Retry-After, never a timeout."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from werkzeug.exceptions import ServiceUnavailable

from api.admission import AnalysisGate
from tests.conftest import make_pdf
from tests.service_process import ServiceProcess


def test_the_gate_lets_one_run_queues_a_few_and_refuses_the_rest():
    gate = AnalysisGate(max_waiting=1, max_wait_s=5)
    order = []
    gate.__enter__()  # the running analysis

    def waiter():
        with gate:
            order.append("waited")

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    with pytest.raises(ServiceUnavailable) as refused:
        gate.__enter__()
    assert refused.value.retry_after and "jobs" in refused.value.description
    gate.__exit__(None, None, None)
    t.join(5)
    assert order == ["waited"]
    with gate:  # free again
        pass


def test_the_gate_serves_its_line_first_come_first_served():
    gate = AnalysisGate(max_waiting=3, max_wait_s=10)
    order = []
    gate.__enter__()

    def waiter(name):
        with gate:
            order.append(name)
            time.sleep(0.05)

    threads = []
    for name in ("first", "second", "third"):
        threads.append(threading.Thread(target=waiter, args=(name,)))
        threads[-1].start()
        time.sleep(0.2)  # each joins the line after the one before
    gate.__exit__(None, None, None)
    for t in threads:
        t.join(10)
    assert order == ["first", "second", "third"]


def test_a_waiter_that_gives_up_leaves_the_line():
    gate = AnalysisGate(max_waiting=1, max_wait_s=0.3)
    gate.__enter__()
    with pytest.raises(ServiceUnavailable) as late:
        gate.__enter__()
    assert "too long" in late.value.description
    gate.__exit__(None, None, None)
    with gate:  # free, not handed to the waiter that left
        pass


def _slow_upload(port: int, hold: threading.Event, result: dict) -> None:
    """Send the headers and the first bytes of a 5 MB upload, then nothing."""
    s = socket.create_connection(("127.0.0.1", port))
    boundary = "XYZ"
    head = (
        f"POST /api/v1/resumes HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="resume"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    s.sendall(head.encode())
    s.settimeout(30)
    try:
        result["answer"] = s.recv(200).decode(errors="replace")
    except OSError as exc:
        result["answer"] = repr(exc)
    hold.set()
    s.close()


def _trickle(port: int, result: dict) -> None:
    """Headers, then one byte of body every 2 s: each read of the server blocks for long."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(
        b"POST /api/v1/resumes HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n\r\n"
    )
    s.settimeout(2)
    t0 = time.monotonic()
    answer = b""
    while time.monotonic() - t0 < 40 and not answer:
        try:
            s.sendall(b"x")
            answer = s.recv(200)
        except TimeoutError:
            continue
        except OSError:
            break
    result["answer"] = answer.decode(errors="replace")
    result["after_s"] = time.monotonic() - t0
    s.close()


@pytest.mark.slow
def test_a_trickling_upload_is_cut_even_while_a_read_blocks(tmp_path):
    svc = ServiceProcess(
        tmp_path / "var",
        tmp_path / "service.log",
        CAA_HTTP_THREADS="4",
        CAA_ANALYSIS_WAITING_MAX="2",
        CAA_BODY_GRACE_S="2",
    ).start()
    try:
        result: dict = {}
        _trickle(svc.port, result)
        assert result["answer"].startswith("HTTP/1.1 408"), result
        assert result["after_s"] < 10
    finally:
        svc.stop()


@pytest.mark.slow
def test_slow_uploads_do_not_starve_the_service(tmp_path):
    svc = ServiceProcess(
        tmp_path / "var",
        tmp_path / "service.log",
        CAA_HTTP_THREADS="4",
        CAA_ANALYSIS_WAITING_MAX="2",
        CAA_BODY_IDLE_TIMEOUT_S="3",
    ).start()
    try:
        results = [{} for _ in range(3)]
        done = [threading.Event() for _ in results]
        threads = [
            threading.Thread(target=_slow_upload, args=(svc.port, d, r), daemon=True)
            for d, r in zip(done, results, strict=True)
        ]
        for t in threads:
            t.start()
        time.sleep(0.5)  # three threads of the worker's four now wait for bodies
        t0 = time.monotonic()
        assert requests.get(f"{svc.base}/health", timeout=5).status_code == 200
        resume = requests.post(
            f"{svc.base}/resumes", files={"resume": ("cv.pdf", make_pdf())}, timeout=10
        )
        assert resume.status_code == 200 and time.monotonic() - t0 < 3
        for d in done:
            assert d.wait(20)
        assert all(r["answer"].startswith("HTTP/1.1 408") for r in results), results
        assert requests.get(f"{svc.base}/health", timeout=5).status_code == 200
    finally:
        svc.stop()


def test_a_body_that_falls_behind_the_minimum_rate_is_cut():
    import io

    from werkzeug.exceptions import BadRequest, RequestTimeout

    from api.admission import _DeadlineInput

    fast = _DeadlineInput(io.BytesIO(b"x" * 200_000), grace_s=0.1, min_rate=1000)
    assert len(fast.read(150_000)) == 150_000  # read in 64 KiB pieces
    time.sleep(0.3)
    assert fast.read(10)  # far ahead of 1000 B/s after the grace
    slow = _DeadlineInput(io.BytesIO(b"x" * 10_000), grace_s=0.1, min_rate=1_000_000)
    slow.read(10)
    time.sleep(0.3)
    with pytest.raises(RequestTimeout):
        slow.read(10)  # 10 bytes in 0.3 s: far behind

    class Broken:
        def read(self, *args):
            raise ValueError("Invalid chunk size")

    with pytest.raises(BadRequest):
        _DeadlineInput(Broken(), grace_s=30, min_rate=1).read(10)
