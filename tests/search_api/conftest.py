"""An API over the search corpus, on SQLite and on PostgreSQL (``database_url``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from publish import search_page
from search_api.accounts import create_api_key
from search_api.app import create_app
from tests.search_api.corpus import build_corpus
from tests.search_api.seed import PASSWORD, TEST_HASH_MEMORY_KIB, Accounts, seed
from workers.actions import PipelineActions


@dataclass
class Api:
    """A client of the seeded API and the credentials of each role."""

    client: TestClient
    settings: Settings
    accounts: Accounts
    api_key: str
    corpus: list[Minutes]
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, email: str) -> str:
        if email in self._tokens:
            return self._tokens[email]
        response = self.client.post(
            "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        self._tokens[email] = str(response.json()["access_token"])
        return self._tokens[email]

    def headers(self, role: str) -> dict[str, str]:
        """Request headers of ``role``: anonymous, journalist, secretariat_a, secretariat_b."""
        if role == "anonymous":
            return {}
        if role == "journalist":
            return {"X-API-Key": self.api_key}
        email = self.accounts.email_a if role == "secretariat_a" else self.accounts.email_b
        return {"Authorization": f"Bearer {self.token(email)}"}


@pytest.fixture(scope="module")
def corpus() -> list[Minutes]:
    return build_corpus()


def make_api(settings: Settings, corpus: list[Minutes]) -> Iterator[Api]:
    settings = settings.model_copy(update={"password_hash_memory_kib": TEST_HASH_MEMORY_KIB})
    index = SqliteFtsIndex(sqlite_index_path(settings))
    accounts = seed(settings, corpus, index)
    with session_scope(settings.resolved_database_url) as db:
        _, api_key = create_api_key(session=db, owner="Koha Ditore")
    app = create_app(
        settings, index=index, actions=PipelineActions(settings), search_pages=search_page
    )
    with TestClient(app) as client:
        yield Api(client, settings, accounts, api_key, corpus)
    index.close()


@pytest.fixture
def api(settings: Settings, database_url: str, corpus: list[Minutes]) -> Iterator[Api]:
    """The seeded API on SQLite, then on PostgreSQL."""
    yield from make_api(settings.model_copy(update={"database_url": database_url}), corpus)


@pytest.fixture(scope="module")
def sqlite_api(tmp_path_factory: pytest.TempPathFactory, corpus: list[Minutes]) -> Iterator[Api]:
    """The seeded API on SQLite, shared by a module's read-only tests."""
    data_dir = tmp_path_factory.mktemp("kuvend-api")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url="",
        search_backend="sqlite",
        anonymous_rate_limit="100000/minute",  # many requests from one test client
        page_rate_limit="100000/minute",
    )
    migrate(settings.resolved_database_url)
    yield from make_api(settings, corpus)
