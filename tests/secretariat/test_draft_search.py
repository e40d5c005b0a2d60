"""The editor's saves reach the draft's search: corrected, split and merged lines are found by
their new words, and nothing of what they replaced is left in the index."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from kuvend.search import SearchQuery
from kuvend.storage.index import open_index
from search_api.app import create_app
from tests.secretariat.conftest import SESSION_ID, seeded
from tests.secretariat.seed import EMAIL, PASSWORD
from workers.actions import PipelineActions
from workers.draft_index import index_draft

API = f"/secretariat/api/sessions/{SESSION_ID}"


def _version(html: str, segment_id: str) -> int:
    match = re.search(rf'data-segment-id="{segment_id}"[^>]*data-version="(\d+)"', html)
    assert match, html
    return int(match[1])


def test_saved_lines_are_found_by_their_new_words_only(tmp_path: Path) -> None:
    settings = seeded(tmp_path / "data")
    index_draft(settings, SESSION_ID)  # as processing leaves a session: its draft indexed
    actions = PipelineActions(settings)
    with TestClient(create_app(settings, actions=actions)) as client:
        signin = client.get("/secretariat/signin").text
        form = re.search(r'name="csrf" value="([^"]+)"', signin)
        assert form
        client.post(
            "/secretariat/signin",
            data={"email": EMAIL, "password": PASSWORD, "csrf": form[1]},
            follow_redirects=False,
        )
        editor = client.get(f"/secretariat/sessions/{SESSION_ID}").text
        config = re.search(r'id="editor-config">(.*?)</script>', editor)
        assert config
        headers = {"X-CSRF-Token": json.loads(config[1])["csrf"]}
        ids = re.findall(r'data-segment-id="([^"]+)"', editor)

        edited = client.post(
            f"{API}/segments/{ids[0]}/text",
            json={"text": "Mirëdita, e çel mbledhjen e Kuvendit.", "version": 0},
            headers=headers,
        )
        assert edited.status_code == 200, edited.text
        split = client.post(
            f"{API}/segments/{ids[3]}/split", json={"at_s": 22.0, "version": 0}, headers=headers
        )
        assert split.status_code == 200, split.text
        first, second = split.json()["ids"]
        assert first == ids[3]
        merged = client.post(
            f"{API}/merge",
            json={
                "first_id": second,
                "second_id": ids[4],
                "first_version": _version(split.json()["html"], second),
                "second_version": 0,
            },
            headers=headers,
        )
        assert merged.status_code == 200, merged.text
        assert actions.draft_indexer().flush(timeout_s=60)

    index = open_index(settings)

    def found(words: str) -> list[tuple[str, str]]:
        query = SearchQuery(words, draft_assemblies=frozenset({"prishtine"}))
        return sorted((hit.segment_id, hit.text) for hit in index.search(query).hits)

    assert found("mbledhjen") == [(ids[0], "Mirëdita, e çel mbledhjen e Kuvendit.")]
    assert found("hap") == []  # the corrected words are gone
    assert [segment_id for segment_id, _ in found("propozim")] == [ids[3]]
    (merged_id, merged_text), *others = found("shkollat")
    assert (merged_id, others) == (second, [])
    assert merged_text.endswith("Ju faleminderit shumë.")
    # The merged-away line is gone; the untouched lines are still found as they were.
    assert ids[4] not in {segment_id for segment_id, _ in found("faleminderit")}
    assert [segment_id for segment_id, _ in found("budžetu")] == [ids[1]]
