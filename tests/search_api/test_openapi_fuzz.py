"""Schemathesis over the OpenAPI document, in-process on the ASGI app: no 5xx, no response that
breaks the document (status codes, content types, bodies, headers).

Run as the public and as a signed-in secretariat, ~10 cases per operation each (a few hundred
in all, seconds). The app is seeded with the real-text corpus, so searches find things.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.storage.db import migrate
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from search_api.app import create_app
from tests.search_api.seed import PASSWORD, TEST_HASH_MEMORY_KIB, Accounts, seed
from workers.actions import PipelineActions

# Excluded: "schema-valid data must be accepted". The search language is richer than a JSON
# schema can say (q="*" or q="\x1a" are valid strings but not valid queries), and 400 with a
# message is the documented answer; every other check runs, including no 5xx.

#: Cases per operation and caller: ~25 operations x 2 callers x 8 = a few hundred requests.
EXAMPLES = 8


@pytest.fixture(scope="module")
def app_and_token(
    tmp_path_factory: pytest.TempPathFactory, corpus: list[Minutes]
) -> Iterator[tuple[FastAPI, str]]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url="",
        anonymous_rate_limit="1000000/minute",
        password_hash_memory_kib=TEST_HASH_MEMORY_KIB,
    )
    migrate(config.resolved_database_url)
    index = SqliteFtsIndex(sqlite_index_path(config))
    seed(config, corpus, index)
    app = create_app(config, index=index, actions=PipelineActions(config))
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/auth/token", data={"username": Accounts().email_a, "password": PASSWORD}
        )
    yield app, response.json()["access_token"]
    index.close()


def _fuzz(app: FastAPI, headers: dict[str, str]) -> int:
    """Run every operation's generated cases; returns how many operations were exercised."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the OpenAPI document is invalid: {result}"
        operations.append(result.ok())
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Case[Any]) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
    return len(operations)


def test_public_requests_never_fail_or_break_the_schema(app_and_token: tuple[FastAPI, str]) -> None:
    assert _fuzz(app_and_token[0], {}) >= 20


def test_secretariat_requests_never_fail_or_break_the_schema(
    app_and_token: tuple[FastAPI, str],
) -> None:
    app, token = app_and_token
    assert _fuzz(app, {"Authorization": f"Bearer {token}"}) >= 20
