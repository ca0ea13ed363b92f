"""The API's OpenAPI schema (issue 12): the committed copy is current, valid and public.

``docs/api/openapi.yaml`` is what suppliers read and diff between releases, so it must be what
the code serves. When this fails, run ``scripts/api-schema`` and commit the result.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver
from drf_spectacular.drainage import reset_generator_stats

from tests.test_no_get_writes import _targets

COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"
SCHEMA = "/api/v1/schema/"
NOT_IN_THE_SCHEMA = {"api-schema", "api-docs"}  # the schema and its page describe the rest


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    """The schema as ``scripts/api-schema`` makes it: validated, and failing on any warning."""
    out = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    reset_generator_stats()  # warnings are counted process-wide: count this run's only
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    return out.read_text()


def test_the_committed_schema_is_current(generated: str) -> None:
    assert COMMITTED.exists(), "docs/api/openapi.yaml is missing: run scripts/api-schema"
    assert COMMITTED.read_text() == generated, (
        "docs/api/openapi.yaml is stale: run scripts/api-schema and commit the result"
    )


def test_the_schema_is_openapi_3_1_and_names_the_key_scheme(generated: str) -> None:
    schema = yaml.safe_load(generated)
    assert schema["openapi"] == "3.1.0"
    scheme = schema["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Your organisation\'s key, as "Api-Key <key>".',
    }


def test_every_api_endpoint_is_in_the_schema(generated: str) -> None:
    paths = set(yaml.safe_load(generated)["paths"])
    api = {
        "/" + target.route
        for target in _targets(get_resolver().url_patterns)
        if target.name.startswith("api-") and target.name not in NOT_IN_THE_SCHEMA
    }
    assert api, "no API patterns found"
    assert api <= paths, f"endpoints missing from the schema: {sorted(api - paths)}"


def test_every_operation_answers_errors_in_the_one_shape(generated: str) -> None:
    schema = yaml.safe_load(generated)
    errors = schema["components"]["schemas"]
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                body = response.get("content", {}).get("application/json", {}).get("schema", {})
                ref = body.get("$ref", "")
                if not ref or "errors" not in errors[ref.rsplit("/", 1)[-1]]["properties"]:
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == [], "error answers not documented as {errors: [...]}: " + ", ".join(missing)


@pytest.mark.django_db
def test_the_schema_is_served_to_anyone_without_touching_the_database(
    django_assert_num_queries,
) -> None:
    with django_assert_num_queries(0):
        response = Client().get(SCHEMA)
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"] == "3.1.0"
    as_json = Client().get(SCHEMA, {"format": "json"})
    assert as_json.status_code == 200 and as_json.json()["openapi"] == "3.1.0"
    # A wrong key is not a 401 here: the schema authenticates nobody.
    stale = Client(HTTP_AUTHORIZATION="Api-Key abcdefgh.revoked-long-ago")
    assert stale.get(SCHEMA).status_code == 200
