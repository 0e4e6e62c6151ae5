"""Write docs/report.schema.json (JSON Schema of the report) and docs/openapi.json from the code.

python -m scripts.export_schema
"""

from __future__ import annotations

import json
from pathlib import Path

from api.openapi import openapi_document
from contracts.report import Report

DOCS = Path(__file__).resolve().parents[1] / "docs"


def report_schema() -> dict:
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def render(obj: dict) -> str:
    return json.dumps(obj, indent=2, sort_keys=True) + "\n"


def main() -> None:
    (DOCS / "report.schema.json").write_text(render(report_schema()))
    (DOCS / "openapi.json").write_text(render(openapi_document()))


if __name__ == "__main__":
    main()
