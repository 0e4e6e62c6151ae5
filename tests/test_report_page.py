"""The HTML report as a recruiter reads it, in headless Chromium (Debian's, driven by
Playwright; no browser is downloaded): resume skills always shown, warnings only about what the
page shows, human labels, charts with ticks on both axes, and a page that fits a phone."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from PIL import Image

from app import create_app
from models.registry import get_registry
from service.settings import Settings
from tests.conftest import make_pdf, require_or_skip

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        require_or_skip("Chromium is not installed (make test installs it where it can)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report_html(tmp_path_factory, answer_video):
    root = tmp_path_factory.mktemp("page")
    settings = Settings(upload_dir=root / "u", var_dir=root / "v", preload_models=False)
    client = create_app(settings, models=get_registry()).test_client()
    resp = client.post(
        "/api/v1/analyze?format=html",
        data={
            "video": (io.BytesIO(answer_video.read_bytes()), "answer.mp4"),
            "resume": (io.BytesIO(make_pdf()), "cv.pdf"),
            "expected_answer": "I designed the schema.\nI added indexes.\nI used Kubernetes.",
            "job_description": "Backend engineer: Python, SQL, Ansible.",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200 and "script-src" not in resp.headers["Content-Security-Policy"]
    return resp.get_data(as_text=True)


@pytest.mark.slow
@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_report_page_reads_well(browser, report_html, tmp_path, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_content(report_html)
    text = page.inner_text("main")
    # resume skills are shown beside the job match
    assert "On the resume" in text and "Python" in text and "Asked for by the job" in text
    # each job skill with how it is asked and whether the resume has it
    rows = page.eval_on_selector_all(
        "table:has(th:text('skill the job asks for')) tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
    )
    asked = {row[0]: row for row in rows[1:]}
    assert asked["Python"][1] == "required" and asked["Python"][2].startswith("yes")
    assert "Ansible" in asked and asked["Ansible"][2] == "missing"
    assert "missing required: " in text
    # human labels, not identifiers
    assert "Eye contact with the camera" in text or "Pace (words per minute)" in text
    for raw in ("head_yaw_std_deg", "fillers_per_min", "eye_contact_ratio", "skill_relevance"):
        assert raw not in text, raw
    # no warning about a section the page does not show
    assert "speech_emotion_out_of_domain" not in text
    # charts: ticks on both axes, the pace window the legend names is the one drawn
    ticks = page.eval_on_selector_all("svg text", "els => els.map(e => e.textContent)")
    assert any(re.fullmatch(r"\d+:\d\d", t) for t in ticks)  # time ticks
    assert any(t.endswith(" %") for t in ticks)  # percentage ticks
    legend = page.inner_text(".legend")
    assert re.search(r"words per minute, \d+(\.\d+)? s windows", legend)
    # fits the screen: nothing wider than the viewport
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow} px wider than a {width} px screen"
    shot = tmp_path / f"report-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    image = Image.open(shot).convert("L")
    assert image.width == width and image.height > height / 2
    assert len(set(image.getdata())) > 20  # drawn, not blank
    page.close()
