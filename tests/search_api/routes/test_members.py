"""The register of members through the API: one row per person, however the name is typed."""

from __future__ import annotations

from typing import Any

import pytest

from kuvend.storage.members import name_key
from tests.search_api.conftest import Api


@pytest.mark.parametrize(
    "typed",
    [
        "ARBËR ÇEKU",  # another case
        "Arbe\u0308r C\u0327eku",  # decomposed (NFD), as some keyboards and PDFs give it
        "Arbër  Çeku",  # two spaces
        " Arbër Çeku ",  # spaces around
        "Arbër\u00a0Çeku",  # a no-break space
        "Arbër Çeku\u200b",  # a zero-width space at the end
    ],
)
def test_one_person_typed_another_way_is_one_name(typed: str) -> None:
    assert name_key(typed) == name_key("Arbër Çeku")


@pytest.mark.parametrize("typed", ["Марко Јовановић", "МАРКО ЈОВАНОВИЋ", "Marko JOVANOVIĆ"])
def test_a_serbian_name_in_either_script_is_one_name(typed: str) -> None:
    assert name_key(typed) == name_key("Marko Jovanović")
    assert name_key("Љиљана Ђурић") == name_key("Ljiljana Đurić")


def test_names_that_differ_stay_different() -> None:
    assert name_key("Arbër Çeku") != name_key("Arber Ceku")  # Ë and E are different letters
    assert name_key("Arbër Çeku") != name_key("Arbëra Çeku")
    assert name_key("Марко Јовановић") != name_key("Marko Jovanovic")  # Ć is not C


def test_a_second_member_of_the_same_name_is_refused_and_a_blank_name_too(api: Api) -> None:
    # A fresh user's find: POST made a second "Arbër Çeku" (and "ARBËR ÇEKU", its NFD form,
    # "   "), and PATCH renamed a member to another member's name.
    def post(name: str) -> tuple[int, dict[str, Any]]:
        response = api.client.post(
            "/api/v1/assemblies/prishtine/members",
            json={"name": name, "party": "LVV"},
            headers=api.headers("secretariat_a"),
        )
        return response.status_code, response.json()

    status, first = post("Arbër Çeku")
    assert status == 201
    for typed in ("ARBËR ÇEKU", "Arbe\u0308r C\u0327eku", " Arbër  Çeku "):
        status, refused = post(typed)
        assert status == 409, typed
        assert refused["error"]["message"] == (
            f"Arbër Çeku is already a member of prishtine (member {first['id']})"
        )
    assert post("   ")[0] == 422
    status, serbian = post("Marko Jovanović")
    assert status == 201
    status, refused = post("Марко Јовановић")  # the same person, in Cyrillic
    assert status == 409
    assert f"(member {serbian['id']})" in refused["error"]["message"]

    status, other = post("Vjosa Zhubi")
    assert status == 201
    renamed = api.client.patch(
        f"/api/v1/members/{other['id']}",
        json={"name": "arbër çeku"},
        headers=api.headers("secretariat_a"),
    )
    assert renamed.status_code == 409
    kept = api.client.patch(  # its own name, in another case, is no conflict
        f"/api/v1/members/{other['id']}",
        json={"name": "Vjosa ZHUBI"},
        headers=api.headers("secretariat_a"),
    )
    assert kept.status_code == 200
