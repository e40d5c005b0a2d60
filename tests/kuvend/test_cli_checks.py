"""Command-line options are checked before any work: one line naming the option, exit 2."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from cli import app, logs
from kuvend.config import Settings, get_settings
from kuvend.errors import ConfigError
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.sessions import ensure_assembly
from kuvend.storage.tables import AssemblyRow


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


def _kuvend(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """The command line as a user runs it (its entry point, not Typer's test runner), from a
    script: standard input is no terminal."""
    env = {**os.environ, "KUVEND_DATA_DIR": str(data_dir)}
    for key in (
        "KUVEND_DATABASE_URL", "KUVEND_MEDIA_DIR", "KUVEND_SITE_DIR", "KUVEND_NEW_USER_PASSWORD"
    ):  # fmt: skip
        env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "kuvend", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2026-02-30", "'2026-02-30' is not a date (day is out of range for month)"),
        ("tomorrow", "'tomorrow' is not a date: write it as YYYY-MM-DD"),
    ],
)
def test_a_date_that_is_no_date_is_one_line_and_exit_2(
    tmp_path: Path, value: str, says: str
) -> None:
    media = tmp_path / "session.wav"
    media.write_bytes(b"not read: the options are refused first")
    result = _kuvend(
        "process", str(media), "--out", str(tmp_path / "o"), "--date", value,
        data_dir=tmp_path / "data",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kuvend: error:"), result.stderr
    assert says in lines[0] and "--date" in lines[0]
    assert not (tmp_path / "o").exists()


def test_a_missing_audio_stream_names_the_users_file_and_leaves_no_session(
    tmp_path: Path,
) -> None:
    media = tmp_path / "one.wav"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
         str(media)],
        check=True,
    )  # fmt: skip
    data = tmp_path / "data"
    result = _kuvend(
        "process", str(media), "--out", str(tmp_path / "o"), "--audio-stream", "3",
        data_dir=data,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "kuvend: error: one.wav has no audio stream 3: it has 1 (numbered 0 to 0)"
    )
    listed = _kuvend("sessions", "list", "--json", data_dir=data)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    assert not [path for path in (data / "media").rglob("*") if path.is_file()]
    assert not (tmp_path / "o").exists()


def test_a_command_group_without_a_command_prints_its_help(tmp_path: Path) -> None:
    result = _kuvend("users", data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert "Secretariat accounts." in result.stderr and "kuvend: error" not in result.stderr
    assert "add" in result.stderr and "disable" in result.stderr


def test_a_new_session_in_an_unknown_assembly_is_refused_once_there_is_one(
    tmp_path: Path,
) -> None:
    # A typo in --assembly used to create a public assembly (`users add` already refused it).
    media = tmp_path / "session.wav"
    media.write_bytes(b"not media: what matters is which error comes first")
    data = tmp_path / "data"

    def first_error(*options: str) -> str:
        result = _kuvend("process", str(media), "--out", str(tmp_path / "o"), *options,
                         data_dir=data)  # fmt: skip
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kuvend: error: "), result.stderr
        return lines[0]

    # First use: any assembly may be created while there is none but demo.
    assert "no assembly" not in first_error("--assembly", "prishtine")
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    migrate(settings.resolved_database_url)
    with session_scope(settings.resolved_database_url) as db:
        ensure_assembly(session=db, slug="demo")
        ensure_assembly(session=db, slug="prishtine")
    assert first_error("--assembly", "prishtin") == (
        "kuvend: error: no assembly 'prishtin' (known: demo, prishtine): did you mean "
        "'prishtine'? To add a new assembly, give --new-assembly"
    )
    assert first_error("--assembly", "gjilan").endswith(
        "(known: demo, prishtine); to add a new assembly, give --new-assembly"
    )
    for allowed in (["--assembly", "demo"], ["--assembly", "gjilan", "--new-assembly"]):
        assert "no assembly" not in first_error(*allowed)
    recorded = _kuvend("record", "srt://127.0.0.1:9?mode=caller", "--assembly", "prishtin",
                       "--title", "Seanca", data_dir=data)  # fmt: skip
    assert recorded.returncode == 2
    assert recorded.stderr.startswith("kuvend: error: no assembly 'prishtin'"), recorded.stderr
    with session_scope(settings.resolved_database_url) as db:
        assert db.get(AssemblyRow, "prishtin") is None


def test_users_add_without_a_terminal_or_a_password_says_how_to_give_one(
    tmp_path: Path,
) -> None:
    # It used to print getpass's GetPassWarning, then "kuvend: interrupted", exit 130.
    result = _kuvend(
        "users", "add", "ana@prishtine.example", "--assembly", "prishtine", "--new-assembly",
        data_dir=tmp_path / "data",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "kuvend: error: no password given: pass --password or run in a terminal\n"
    )


def test_the_stages_log_is_shown_only_with_verbose(tmp_path: Path) -> None:
    # Log warnings ("decoding 0.7–4.0 s again: repetition loop …") were printed before the
    # progress bars of every run; the first command of a data folder migrates its database,
    # which logs at INFO level.
    quiet = _kuvend("sessions", "list", "--json", data_dir=tmp_path / "quiet")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    verbose = _kuvend("-v", "sessions", "list", "--json", data_dir=tmp_path / "verbose")
    assert verbose.returncode == 0
    assert "INFO alembic.runtime.migration: Running upgrade" in verbose.stderr
    assert "DEBUG" not in verbose.stderr


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("--bogus", ""),
        ("--assembl", " (did you mean --assembly?)"),
        ("--titel", " (did you mean --title?)"),
    ],
)
def test_an_unknown_option_suggests_only_a_close_one(
    typed: str, suggestion: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # "--bogus" used to be "(Possible options: --out)": click compared the dashes too.
    monkeypatch.setattr(sys, "argv", ["kuvend", "process", "session.wav", typed])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        f"kuvend: error: No such option: {typed}{suggestion} (see kuvend process --help)\n"
    )


def test_a_stop_that_lands_in_a_librarys_cleanup_is_no_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # CI caught it: Ctrl-C landed while SQLAlchemy reset a pooled connection being collected,
    # and SQLAlchemy logged the KeyboardInterrupt's traceback before "kuvend: interrupted".
    root = logging.getLogger()
    configured = any(handler is logs._handler for handler in root.handlers)
    logs.configure()
    pool = logging.getLogger("sqlalchemy.pool.impl.QueuePool")
    try:
        for caught in (KeyboardInterrupt("SIGINT"), OSError("disk full")):
            try:
                raise caught
            except BaseException:
                pool.error("Exception during reset or similar", exc_info=True)
    finally:
        if not configured:
            logs.leave_to_the_command()
    shown = capsys.readouterr().err
    assert "KeyboardInterrupt" not in shown
    assert shown.count("Exception during reset or similar") == 1
    assert "OSError: disk full" in shown  # a real failure is still reported, traceback and all


def test_demo_never_writes_into_a_folder_of_someone_elses_files(tmp_path: Path) -> None:
    # A fresh user's find: `kuvend demo --out dm` replaced their own dm/session.wav.
    mine = tmp_path / "dm"
    mine.mkdir()
    (mine / "session.wav").write_bytes(b"my own recording")
    refused = _kuvend("demo", "--out", str(mine), data_dir=tmp_path / "data")
    assert refused.returncode == 2
    assert refused.stderr == (
        f"kuvend: error: {mine} holds files that are not a Kuvend demo; choose a new or empty "
        "folder for --out\n"
    )
    assert (mine / "session.wav").read_bytes() == b"my own recording"
