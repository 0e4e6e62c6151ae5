"""Imports flow one way: contracts <- models, resume <- analyzers <- pipeline <- jobs <- service
<- api <- webapp <- app. Only the web layers (api, webapp) import Flask; the contract imports
nothing of ours."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO

OURS = {
    "contracts",
    "models",
    "resume",
    "analyzers",
    "pipeline",
    "store",
    "jobs",
    "service",
    "api",
    "webapp",
    "app",
    "wsgi",
}
# package -> the packages of ours it may import
ALLOWED = {
    "contracts": set(),
    "models": {"contracts"},
    "resume": {"contracts"},
    "analyzers": {"contracts", "resume"},
    "pipeline": {"contracts", "analyzers", "resume", "models"},
    "store": {"contracts"},
    "jobs": {"contracts", "pipeline", "store"},
    "service": {"contracts", "models", "resume", "pipeline", "store", "jobs"},
    "api": {"contracts", "analyzers", "resume", "pipeline", "store", "jobs", "service"},
    "webapp": {"contracts", "analyzers", "pipeline", "store", "jobs", "service", "api"},
    "app": {"api", "service", "webapp"},
    "wsgi": {"app"},
}
WEB = {"flask", "flask_cors", "flask_wtf", "werkzeug", "jinja2"}


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _files(package: str):
    single = REPO / f"{package}.py"
    if single.exists():
        return [single]
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(package):
    files = _files(package)
    assert files or package in {"store", "jobs"}, f"no source found for {package}"
    for path in files:
        used = _imports(path) & OURS - {package}
        assert used <= ALLOWED[package], (
            f"{path.relative_to(REPO)} imports {sorted(used - ALLOWED[package])}, "
            f"which {package} may not use"
        )


@pytest.mark.parametrize("package", sorted(set(ALLOWED) - {"api", "webapp", "app", "wsgi"}))
def test_only_the_api_layer_imports_flask(package):
    for path in _files(package):
        web = _imports(path) & WEB
        assert not web, f"{path.relative_to(REPO)} imports {sorted(web)}"


def test_importing_the_factory_has_no_side_effects(tmp_path):
    code = (
        "import sys, app\n"
        "assert not hasattr(app, 'app'), 'app.py must not build an app at import'\n"
        "heavy = [m for m in ('faster_whisper', 'mediapipe', 'onnxruntime', 'spacy') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    env = {"PATH": "/usr/bin:/bin", "CAA_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "var").exists()
