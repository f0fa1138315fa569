"""A polling process imports only what it runs with (libraries needed by a few paths wait for them),
and keeps nothing in memory for each person it has seen."""

from __future__ import annotations

import asyncio
import gc
import signal
import subprocess
import sys
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest

from tests.harness import Harness, TelegramUser


def test_a_polling_process_loads_no_server_migration_or_calendar_library() -> None:
    """What a polling process imports to run leaves out the HTTP server (health routes and the
    webhook load it; only aiohttp's client part makes the Bot API calls), Alembic (only when the
    schema is behind), icalendar (the first calendar file) and NumPy (only training needs it)."""
    code = (
        "import sys, bot.cli, bot.wiring, bot.runtime.polling; "
        "print(sorted(m for m in ('aiohttp.web', 'alembic', 'icalendar', 'numpy') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


async def test_ptb_keeps_no_ids_of_the_people_it_has_seen(harness: Harness) -> None:
    """PTB notes every chat and user id for a persistence flush; the bot has no PTB persistence, so
    those notes would only grow with every new person."""
    for n in range(30):
        await harness.text(TelegramUser(id=7000 + n), "/start")
    application = harness.runtime.application
    assert application.persistence is None
    assert not application._chat_ids_to_be_updated_in_persistence
    assert not application._user_ids_to_be_updated_in_persistence


async def test_what_start_loaded_is_kept_out_of_full_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full collection walked every object the libraries and the knowledge base hold (60 to
    80 ms with the event loop stopped); the polling process freezes them once it has started."""
    import bot.runtime.polling
    import bot.wiring
    from bot.cli import serve_polling

    seen: dict[str, int] = {}

    class Runtime:
        """Stands in for the bot: its start loads objects that live as long as the process."""

        def __init__(self, settings: object, token: str) -> None:
            """No bot behind it; its Bot API client only answers the webhook deletion."""
            self.application = SimpleNamespace(bot=SimpleNamespace(delete_webhook=AsyncMock(), username="b"))
            self.loaded: list[list[int]] = []

        async def start(self) -> None:
            """Start-up's lasting objects."""
            self.loaded = [[n] for n in range(5000)]

        async def stop(self) -> None:
            """Nothing to stop."""

        async def accept(self, update: object) -> None:
            """Never called: polling stops at once."""

    async def poll(bot: object, accept: object, standby_seconds: float) -> None:
        """Polling that notes how many objects the collector no longer walks, then ends."""
        seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(bot.wiring, "BotRuntime", Runtime)
    monkeypatch.setattr(bot.runtime.polling, "poll_forever", poll)
    loop = asyncio.get_running_loop()
    try:
        assert gc.get_freeze_count() == 0
        assert await serve_polling(SimpleNamespace(health_port=0, polling_standby_seconds=1), "t") == 0
    finally:
        gc.unfreeze()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    assert seen["frozen"] >= 5000
