"""The OpenAPI document says exactly what the service accepts and refuses: a bounded
schemathesis run (every operation, schema-valid and schema-violating requests) against the app
with the repository's schemathesis.toml, which names the one thing the schema cannot say (an
upload's content is judged by what it is)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from app import create_app
from models.registry import get_registry
from service.settings import Settings
from tests.conftest import REPO


def _app():
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="caa-contract-"))
    settings_ = Settings(upload_dir=root / "uploads", var_dir=root / "var", preload_models=False)
    return create_app(settings_, models=get_registry())


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    _app(),
    config=schemathesis.Config.from_path(REPO / "schemathesis.toml"),
)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_document(case):
    case.call_and_validate()


def test_a_required_text_is_blank_exactly_when_the_server_strips_it_away():
    import re
    import sys

    from api.openapi import _REQUIRED_TEXT

    pattern = re.compile(_REQUIRED_TEXT["pattern"])
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        assert (pattern.search(c) is None) == (c.strip() == ""), hex(code)
