"""Configuration: typed, validated in one place, one clear line naming a bad setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = (
    "BOT_TOKEN",
    "DATABASE_URL",
    "TELEGRAM_BASE_URL",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "PORT",
    "COORDINATOR_IDS",
    "DEFAULT_LOCALE",
    "TIMEZONE",
)


def _run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.default_locale == "de"
    assert settings.timezone == "Europe/Berlin"
    assert settings.coordinator_ids == ()
    assert settings.token is None


def test_reads_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("COORDINATOR_IDS=11, 22 ,33\nPORT=9000\n")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/miglobe")
    settings = load_settings()
    assert settings.coordinator_ids == (11, 22, 33)
    assert settings.port == 9000
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.database_url == "postgresql+asyncpg://u@db/miglobe"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_BASE_URL", "ftp://example.org"),
        ("WEBHOOK_URL", "example.org/hook"),
        ("COORDINATOR_IDS", "12,abc"),
        ("PORT", "99999"),
        ("DEFAULT_LOCALE", "fr"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://x"),
        ("COORDINATOR_GROUP_ID", "12345"),  # a person's chat, not a group
    ],
)
def test_invalid_setting_names_itself(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"Invalid setting {name}:")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"BOT_TOKEN": "nope"}, "Invalid setting BOT_TOKEN"),
        (
            {"TELEGRAM_BASE_URL": "not a url", "BOT_TOKEN": "1:" + "a" * 30},
            "Invalid setting TELEGRAM_BASE_URL",
        ),
        ({"COORDINATOR_IDS": "1;x"}, "Invalid setting COORDINATOR_IDS"),
    ],
)
def test_cli_prints_one_line_without_traceback(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    result = _run_cli(tmp_path, "run", **env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_run_without_token_points_to_botfather_and_the_sandbox(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "run")
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "python -m bot sandbox" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_the_subcommands(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("run", "webhook", "sandbox", "migrate"):
        assert command in result.stdout


def test_webhook_mode_requires_url_and_secret(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "webhook", BOT_TOKEN="1:" + "a" * 30)
    assert result.returncode == 2
    assert result.stderr.strip() == "Invalid setting WEBHOOK_URL: required for webhook mode"
