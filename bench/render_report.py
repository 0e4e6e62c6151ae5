"""Render a real report as HTML and take a screenshot in headless Chromium (Debian's package).

    python -m bench.render_report [--video ...] [--resume ...] [--out bench/results/report]

Writes <out>.html and <out>.png and prints their paths. Needs ../shared/data and
/usr/bin/chromium (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from app import create_app
from models.registry import get_registry
from service.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def screenshot(html: Path, png: Path, width: int = 1000, height: int = 3000) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--video", type=Path, default=DATA / "video" / "sadtalker_WDA_KatieHill_000.mp4"
    )
    ap.add_argument(
        "--resume",
        type=Path,
        default=DATA / "resumes" / "samples" / "soupboss_devops-engineer-resume-example.pdf",
    )
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "report")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as uploads:
        settings = Settings(upload_dir=Path(uploads), store_reports=False)
        client = create_app(settings, models=get_registry()).test_client()
        resp = client.post(
            "/api/v1/analyze?format=html",
            data={
                "video": (io.BytesIO(args.video.read_bytes()), args.video.name),
                "resume": (io.BytesIO(args.resume.read_bytes()), args.resume.name),
                "question": "What are you doing this week?",
                "expected_answer": "I am in Washington for new member orientation.\n"
                "I am learning my way around the Capitol.\nI will fight for lower taxes.",
                "job_description": "DevOps engineer: Python, Docker, Kubernetes, Terraform.",
            },
            content_type="multipart/form-data",
        )
    if resp.status_code != 200:
        raise SystemExit(f"analyze answered {resp.status_code}: {resp.get_data(as_text=True)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    html, png = args.out.with_suffix(".html"), args.out.with_suffix(".png")
    html.write_bytes(resp.data)
    screenshot(html, png)
    print(html)
    print(png)


if __name__ == "__main__":
    main()
