"""Links in API answers follow the address served, unless a public address is configured."""

from __future__ import annotations

from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.search_api.conftest import Api


def _links(client: TestClient) -> list[str]:
    hits = client.get("/api/v1/search", params={"q": "je", "limit": 3}).json()["data"]
    sessions = client.get("/api/v1/sessions", params={"limit": 3}).json()["data"]
    links = [hit["link"] for hit in hits] + [item["link"] for item in sessions]
    assert len(links) >= 2
    return links


def _client(api: Api, base_url: str, **settings: str) -> TestClient:
    app = create_app(api.settings.model_copy(update=settings))
    return TestClient(app, base_url=base_url)


def test_links_follow_the_served_port(sqlite_api: Api) -> None:
    client = _client(sqlite_api, "http://127.0.0.1:8123")
    assert all(link.startswith("http://127.0.0.1:8123/") for link in _links(client))


def test_links_use_the_configured_public_address(sqlite_api: Api) -> None:
    client = _client(sqlite_api, "http://127.0.0.1:8123", public_base_url="https://kuvend.example")
    assert all(link.startswith("https://kuvend.example/") for link in _links(client))
