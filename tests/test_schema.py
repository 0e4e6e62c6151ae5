import json

from contracts.report import SCHEMA_VERSION
from scripts.export_schema import DOCS, openapi_document, render, report_schema
from tests.conftest import REPO


def test_committed_schema_matches_the_code():
    assert (DOCS / "report.schema.json").read_text() == render(report_schema()), (
        "docs/report.schema.json drifted from contracts/report.py: run `make schema` and add a "
        "CHANGELOG entry"
    )
    assert (DOCS / "openapi.json").read_text() == render(openapi_document())


def test_changelog_names_the_schema_version():
    assert f"schema {SCHEMA_VERSION}" in (REPO / "CHANGELOG.md").read_text()


def test_schema_is_valid_json_schema_shape():
    schema = json.loads((DOCS / "report.schema.json").read_text())
    assert schema["title"] == "Report" and "emotion_analysis" in schema["required"]
