"""Script conversion and search folding of the core (kuvend.text)."""

import pytest

from kuvend.text import (
    fold_for_search,
    has_cyrillic,
    has_latin,
    serbian_in_script,
    serbian_to_cyrillic,
    serbian_to_latin,
)


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [("Đorđe Džajić", "Ђорђе Џајић"), ("Njegoš i Ljubljana", "Његош и Љубљана")],
)
def test_serbian_round_trips_between_scripts(latin: str, cyrillic: str) -> None:
    assert serbian_to_cyrillic(latin) == cyrillic
    assert serbian_to_latin(cyrillic) == latin
    assert serbian_in_script(latin, "cyrillic") == cyrillic
    assert serbian_in_script(cyrillic, "latin") == latin


def test_letters_foreign_to_serbian_do_not_stay_latin_in_cyrillic() -> None:
    # Whisper sometimes writes í or é in Serbian; Cyrillic has no such letters.
    converted = serbian_to_cyrillic("mítos će Đorđe")
    assert converted == "митос ће Ђорђе"
    assert has_cyrillic(converted) and not has_latin(converted)


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Këshilli", "keshilli"), ("Ђорђе", "djordje"), ("čćšž", "ccsz"), ("Çështja", "ceshtja")],
)
def test_search_folding_is_script_and_accent_blind(text: str, folded: str) -> None:
    assert fold_for_search(text) == folded
