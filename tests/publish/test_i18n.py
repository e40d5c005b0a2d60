"""The interface catalogs: same keys in each language, Cyrillic on request."""

from __future__ import annotations

import pytest

from publish.i18n import UI_LANGUAGES, Translator, catalog


def test_catalogs_have_the_same_keys() -> None:
    keys = {language: set(catalog(language)) for language in UI_LANGUAGES}
    assert keys["sq"] == keys["sr"] == keys["en"]


def test_serbian_cyrillic_keeps_placeholders() -> None:
    t = Translator("sr", "cyrillic")
    assert t("play_from", time="00:01:02") == "Пусти од 00:01:02"
    assert t("download_json").endswith("(JSON)")


def test_durations_read_naturally() -> None:
    t = Translator("en")
    assert t.duration(5.4) == "5 s"
    assert t.duration(125) == "2 min 5 s"
    assert t.duration(3725) == "1 h 2 min 5 s"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown interface language"):
        catalog("de")
