"""``python -m bot sandbox`` end to end: the real bot behind the emulator and its web page."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.sandbox_helpers import NO_CHROMIUM, browser_round_trip, chromium_available, chromium_driver

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """The sandbox command running in an empty folder (its database lands there)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port), "--coordinator"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line, line
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    assert (tmp_path / "data" / "sandbox.db").exists()


async def _state(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(f"{url}/sandbox/api/state") as response:
        return await response.json()


async def _post(http: aiohttp.ClientSession, url: str, path: str, body: dict[str, Any]) -> Any:
    async with http.post(f"{url}/sandbox/api/{path}", json=body) as response:
        assert response.status == 200, await response.text()
        body = await response.json()
        return body.get("result", body.get("user"))


async def _bot_messages(http: aiohttp.ClientSession, url: str, user_id: int) -> list[dict[str, Any]]:
    state = await _state(http, url)
    user = next(u for u in state["users"] if u["id"] == user_id)
    return [m for m in user["messages"] if m.get("from", {}).get("is_bot")]


async def _wait(predicate: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := await predicate():
            return value
        await asyncio.sleep(0.1)
    raise TimeoutError("sandbox did not answer in time")


async def test_start_in_two_languages_and_a_button_press(sandbox_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        state = await _state(http, sandbox_url)
        first = state["users"][0]
        english = await _post(http, sandbox_url, "users", {"first_name": "Jane", "language_code": "en"})
        for user_id in (first["id"], english["id"]):
            await _post(http, sandbox_url, f"users/{user_id}/text", {"text": "/start"})
        [german_reply] = await _wait(lambda: _bot_messages(http, sandbox_url, first["id"]))
        [english_reply] = await _wait(lambda: _bot_messages(http, sandbox_url, english["id"]))
        assert german_reply["text"].startswith("Hallo")
        assert "Koordinator*in" not in german_reply["text"]  # the municipality's column
        assert english_reply["text"].startswith("Hello Jane!")
        assert "coordinator" not in english_reply["text"]
        # --coordinator: the page's coordinator column coordinates, and the page says so.
        sam = next(u for u in state["users"] if u["first_name"].startswith("Koordination"))
        assert sam["coordinator"] is True and first["coordinator"] is False
        assert [u["role"] for u in state["users"]] == ["municipality", "advisor", "coordinator"]
        await _post(http, sandbox_url, f"users/{sam['id']}/text", {"text": "/start"})
        [sam_reply] = await _wait(lambda: _bot_messages(http, sandbox_url, sam["id"]))
        assert "Sie sind als Koordinator*in registriert." in sam_reply["text"]  # in German

        buttons = [b for row in english_reply["reply_markup"]["inline_keyboard"] for b in row]
        language = next(b for b in buttons if b["callback_data"] == "menu:language")
        await _post(
            http,
            sandbox_url,
            f"users/{english['id']}/press",
            {"message_id": english_reply["message_id"], "data": language["callback_data"]},
        )

        async def edited() -> dict[str, Any] | None:
            messages = await _bot_messages(http, sandbox_url, english["id"])
            return next((m for m in messages if m.get("edit_date")), None)

        message = await _wait(edited)
        assert message["message_id"] == english_reply["message_id"]
        assert message["text"] == "Which language would you like?"


@pytest.mark.skipif(not chromium_available(), reason=NO_CHROMIUM)
def test_the_page_in_a_real_browser_with_the_real_bot(sandbox_url: str) -> None:
    with chromium_driver() as driver:
        trip = browser_round_trip(driver, sandbox_url + "/", column=1, timeout=30, button_data="menu:help")
    assert trip.reply_text.startswith("Hallo")
    assert trip.edited_text.startswith("So helfen wir Ihnen")


def test_start_without_a_token_opens_the_sandbox_with_a_coordinator(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import cli, sandbox_command

    seen: dict[str, object] = {}

    async def fake_sandbox(settings: object, port: int = 8081, coordinator: bool = False) -> int:
        seen.update(port=port, coordinator=coordinator)
        return 0

    monkeypatch.setenv("BOT_TOKEN", "")
    monkeypatch.setattr(sandbox_command, "run_sandbox", fake_sandbox)
    assert cli.main(["start"]) == 0
    assert seen == {"port": 8081, "coordinator": True}
