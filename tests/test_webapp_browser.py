"""The web app end to end in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser) against the real service (``python -m service.serve``, what ``make serve``
runs) analysing real recordings. A recruiter uploads two candidates and watches the progress,
opens a report and rates it, filters the list and compares; a candidate records two answers to
the same question with the camera (Chromium's fake capture device fed a real webcam clip and
synthetic speech) and reads their history with the retake's differences. Pages are checked at
phone width and with the keyboard. Screenshots go to ``test-screenshots/`` (git-ignored)."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import FIXTURES, REPO, make_pdf, shared
from tests.service_process import ServiceProcess
from tests.test_report_page import CHROMIUM, FLAGS

SHOTS = REPO / "test-screenshots"
WEBCAM_CLIP = ("video", "bodylanguage_interview.mp4")
RECORD_S = 13
HISTORY = re.compile(r"^http://[^/?]+/app/candidates/practice-cleo$")
QUESTION = "Tell me about a mistake you made at work and how you handled it."


def write_y4m(source: Path, target: Path, *, seconds: float, size=(320, 240), fps=15) -> Path:
    """A Y4M clip (what Chromium's fake camera reads) of the first ``seconds`` of ``source``."""
    w, h = size
    with av.open(str(source)) as container, target.open("wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        stream = container.streams.video[0]
        step, next_t, written = 1 / fps, 0.0, 0
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if t + 1e-6 < next_t:
                continue
            if written >= seconds * fps:
                break
            planes = frame.reformat(width=w, height=h, format="yuv420p").to_ndarray()
            out.write(b"FRAME\n" + np.ascontiguousarray(planes).tobytes())
            written += 1
            next_t += step
    return target


def write_speech_wav(target: Path, repeats: int = 3) -> Path:
    """The synthetic English answer (espeak-ng) a few times, as the fake microphone's input."""
    with wave.open(str(FIXTURES / "speech_en_espeak.wav")) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    silence = b"\x00" * (params.sampwidth * params.nchannels * params.framerate // 2)
    with wave.open(str(target), "wb") as out:
        out.setparams(params)
        out.writeframes((frames + silence) * repeats)
    return target


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("webapp-e2e")
    svc = ServiceProcess(root / "var", root / "service.log", CAA_KEEP_MEDIA="true")
    svc.start(timeout_s=180)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    if CHROMIUM is None:
        from tests.conftest import require_or_skip

        require_or_skip("Chromium is not installed (make test installs it where it can)")
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("camera")
    camera = write_y4m(shared(*WEBCAM_CLIP), root / "webcam.y4m", seconds=RECORD_S + 4)
    microphone = write_speech_wav(root / "speech.wav")
    args = FLAGS + [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
        f"--use-file-for-fake-audio-capture={microphone}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield browser
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow} px wider than a {width} px screen"


def every_control_labelled(page) -> None:
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
          .filter(e => e.type !== 'hidden' && !e.closest('[hidden]'))
          .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
          .map(e => e.name || e.id)"""
    )
    assert unlabelled == [], unlabelled


def upload(page, base: str, video: Path, resume: Path, candidate: str) -> str:
    page.goto(f"{base}/app/upload")
    every_control_labelled(page)
    page.fill("#candidate_id", candidate)
    page.set_input_files("#video", str(video))
    page.set_input_files("#resume", str(resume))
    page.fill("#question", "Tell me about a database you designed.")
    page.fill("#expected_answer", "I designed the database schema\nI added indexes\nI used Kafka")
    page.fill("#job_description", "Backend engineer: Python, SQL and Kafka required.")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/app/jobs/"))
    assert page.get_by_role("progressbar").count() >= 1
    # htmx follows the job and opens the report when it is done
    page.wait_for_url(re.compile(r"/app/reports/[0-9a-f-]{36}$"), timeout=240_000)
    return page.url.rsplit("/", 1)[1]


@pytest.mark.slow
def test_recruiter_uploads_rates_filters_and_compares(
    service, chromium, tmp_path, answer_video, long_answer_video
):
    base = service.base.removesuffix("/api/v1")
    resume = tmp_path / "cv.pdf"
    resume.write_bytes(make_pdf())
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    first = upload(page, base, answer_video, resume, "cand-ada")
    assert "Your rating" in page.inner_text("main") and page.locator("video#recording").count()
    shot(page, "report-detail")
    # rate with the keyboard only: focus the select, choose with the arrows, submit with Enter
    page.focus("#rating_communication")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.focus("#rubric button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Your ratings are saved." in page.inner_text("main")
    assert page.input_value("#rating_communication") == "4"
    second = upload(page, base, long_answer_video, resume, "cand-bob")
    # the list, filtered by candidate, then both compared
    page.goto(f"{base}/app/reports")
    every_control_labelled(page)
    assert re.search(r"\b[01] of 1 within 1 point", page.inner_text("main"))  # the rating
    page.fill("#f-candidate", "cand-bob")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"candidate=cand-bob"))
    assert page.locator("input[name=report]").count() == 1
    page.goto(f"{base}/app/reports")
    page.check(f"input[value='{first}']")
    page.check(f"input[value='{second}']")
    page.click("text=Compare the selected")
    page.wait_for_url(re.compile(r"/app/compare"))
    assert "cand-ada" in page.inner_text("main") and "cand-bob" in page.inner_text("main")
    shot(page, "compare")
    # phone width: the list and a report fit the screen
    phone = chromium.new_page(viewport={"width": 390, "height": 844})
    for url, name in (
        (f"{base}/app/reports", "list-phone"),
        (f"{base}/app/reports/{first}", "report-phone"),
    ):
        phone.goto(url)
        fits(phone, 390)
        shot(phone, name)
    # keyboard: the first Tab reaches the skip link, which moves to the content
    phone.goto(f"{base}/app/reports")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
    phone.close()
    page.close()


@pytest.mark.slow
def test_candidate_records_twice_and_reads_the_history(service, chromium):
    base = service.base.removesuffix("/api/v1")
    context = chromium.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    for attempt in (1, 2):
        page.goto(f"{base}/app/practice")
        page.check("#q-failure")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/app/practice/record"))
        assert QUESTION in page.inner_text("h1")
        every_control_labelled(page)
        page.fill("#candidate_id", "practice-cleo")
        page.click("#rec-start")
        page.wait_for_selector("#rec-stop:not([disabled])")
        page.wait_for_timeout(RECORD_S * 1000)
        page.click("#rec-stop")
        page.wait_for_selector("#rec-status:has-text('Recorded')")
        assert page.eval_on_selector("#video", "e => e.files.length") == 1
        if attempt == 1:
            shot(page, "record")
        page.check("#consent")
        page.click("#send")
        page.wait_for_url(HISTORY, timeout=240_000)
    text = page.inner_text("main")
    assert "2 sessions" in text and "Retaken questions" in text
    assert "attempt 1 → 2" in text and ("within noise" in text or "beyond noise" in text)
    assert "What to work on next" in text
    assert page.locator("figure.chart svg").count() >= 5
    shot(page, "history")
    context.close()
