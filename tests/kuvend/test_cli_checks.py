"""Command-line options are checked before any work: one line naming the option, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from kuvend.config import get_settings
from kuvend.errors import ConfigError


def test_process_refuses_an_unknown_language_a_control_character_and_a_bad_slug(
    tmp_path: Path,
) -> None:
    media = tmp_path / "session.wav"
    media.write_bytes(b"not read: the options are refused first")
    runner = CliRunner()
    for options, says in (
        (["--languages", "xx"], "unknown language code 'xx'"),
        (["--title", "Seanca\x07"], "control character U+0007"),
        (["--assembly", "../etc"], "lower-case letters"),
    ):
        result = runner.invoke(app, ["process", str(media), "--out", str(tmp_path / "o"), *options])
        assert result.exit_code == 2, result.output
        assert says in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_the_production_start_up_error_never_echoes_the_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "my-too-short-but-real-secret"
    monkeypatch.setenv("KUVEND_ENVIRONMENT", "production")
    monkeypatch.setenv("KUVEND_SECRET_KEY", secret)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError) as raised:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert "KUVEND_SECRET_KEY must be set" in str(raised.value)
    assert secret not in str(raised.value) and "\n" not in str(raised.value)
