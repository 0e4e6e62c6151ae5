"""Malformed HTTP framing against the real service (gunicorn in front): each gets a 4xx or a
closed connection, never a 5xx, and the service keeps answering; nothing personal reaches its
log."""

from __future__ import annotations

import socket

import pytest
import requests

from tests.conftest import make_pdf
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.slow

SECRET = "Jane-Q-Secretname"


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    root = tmp_path_factory.mktemp("framing")
    service = ServiceProcess(root / "var", root / "service.log", CAA_BODY_IDLE_TIMEOUT_S="3")
    service.start()
    yield service
    service.stop()


def _raw(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


CASES = [
    (
        "body-shorter-than-length",
        b"POST /api/v1/resumes HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n",
    ),
    (
        "bad-chunked",
        b"POST /api/v1/resumes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n\r\nZZZ\r\nnot a chunk\r\n",
    ),
    (
        "length-and-chunked",
        b"POST /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ),
    ("huge-request-line", b"GET /api/v1/" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    (
        "200-headers",
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(200))
        + b"\r\n",
    ),
    (
        "huge-header",
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 20_000 + b"\r\n\r\n",
    ),
    ("not-http", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(200)),
    ("nul-in-path", b"GET /api/v1/he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n"),
    (
        "bad-content-length",
        b"POST /api/v1/resumes HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    ),
    (
        "header-injection-request-id",
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Request-ID: a\r\nSet-Cookie: x=1\r\n\r\n",
    ),
]


@pytest.mark.parametrize("name,data", CASES, ids=[c[0] for c in CASES])
def test_malformed_framing_is_refused_and_the_service_carries_on(svc, name, data):
    answer = _raw(svc.port, data)
    if answer:
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        assert status < 500 or status == 0, answer[:300]
    assert b"Set-Cookie" not in answer
    assert requests.get(f"{svc.base}/health", timeout=10).status_code == 200


def test_nothing_personal_reaches_the_service_log(svc):
    files = {"resume": (f"{SECRET}_cv.pdf", make_pdf())}
    data = {"expected_answer": f"{SECRET} said this", "question": SECRET}
    assert requests.post(f"{svc.base}/analyze", files=files, data=data, timeout=30).ok
    bad = {"resume": (f"{SECRET}_cv.pdf", b"not a document")}
    assert requests.post(f"{svc.base}/resumes", files=bad, timeout=30).status_code == 415
    job = svc.submit({"resume": _tmp_pdf(svc)}, expected_answer=f"{SECRET} again")
    svc.wait([job["job_id"]])
    assert SECRET not in svc.log_path.read_text()


def _tmp_pdf(svc):
    path = svc.var_dir.parent / f"{SECRET}_resume.pdf"
    path.write_bytes(make_pdf())
    return path
