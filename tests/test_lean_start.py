"""A polling process imports only what it runs with (libraries needed by a few paths wait for them),
and keeps nothing in memory for each person it has seen."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
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


class _Runtime:
    """Stands in for the bot: its start loads objects that live as long as the process."""

    def __init__(self, settings: object, token: str) -> None:
        """No bot behind it; its Bot API client only answers the webhook calls."""
        bot = SimpleNamespace(delete_webhook=AsyncMock(), set_webhook=AsyncMock(), username="b")
        self.application = SimpleNamespace(bot=bot)
        self.db = SimpleNamespace(transaction=self._transaction)
        self.loaded: list[list[int]] = []

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        """A transaction with nothing behind it."""
        yield None

    async def start(self) -> None:
        """Start-up's lasting objects."""
        self.loaded = [[n] for n in range(5000)]

    async def stop(self) -> None:
        """Nothing to stop."""

    async def accept(self, update: object) -> None:
        """Never called."""

    def operations(self) -> SimpleNamespace:
        """The health routes' view, never asked."""
        return SimpleNamespace()


@pytest.mark.parametrize("entry", ["polling", "webhook"])
async def test_what_start_loaded_is_kept_out_of_full_collections(
    entry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection walked every object the libraries and the knowledge base hold (60 to
    80 ms with the event loop stopped); once started, the process freezes them, the knowledge
    base that answers now (with the team's entries) included."""
    import bot.runtime.polling
    import bot.services.knowledge_live
    import bot.wiring
    from bot.cli import serve_polling, serve_webhook

    runtimes: list[_Runtime] = []
    live: list[list[int]] = []
    walked: dict[str, bool] = {}

    def runtime(settings: object, token: str) -> _Runtime:
        """A stand-in runtime, remembered."""
        runtimes.append(_Runtime(settings, token))
        return runtimes[-1]

    async def knowledge_for(session: object) -> list[int]:
        """The live knowledge base, loaded when asked."""
        live.append([0, 1])
        return live[-1]

    def note_and_stop() -> None:
        """Note whether the collector still walks start-up's objects; then stop as SIGTERM does."""
        listed = {id(found) for found in gc.get_objects()}
        walked["loaded"] = id(runtimes[0].loaded) in listed
        walked["live"] = id(live[0]) in listed
        os.kill(os.getpid(), signal.SIGTERM)

    async def poll(bot: object, accept: object, standby_seconds: float) -> None:
        """Polling that ends at once."""
        note_and_stop()

    monkeypatch.setattr(bot.wiring, "BotRuntime", runtime)
    monkeypatch.setattr(bot.runtime.polling, "poll_forever", poll)
    monkeypatch.setattr(bot.services.knowledge_live, "knowledge_for", knowledge_for)
    settings = SimpleNamespace(
        health_port=0,
        polling_standby_seconds=1,
        webhook_url="https://example.org/hook",
        webhook_secret=SimpleNamespace(get_secret_value=lambda: "s"),
        port=0,
    )
    loop = asyncio.get_running_loop()
    try:
        if entry == "polling":
            assert await serve_polling(settings, "t") == 0  # type: ignore[arg-type]
        else:
            set_webhook = AsyncMock(side_effect=lambda *args, **kwargs: note_and_stop())
            real_runtime = runtime

            def with_webhook(settings: object, token: str) -> _Runtime:
                """A stand-in whose webhook registration notes and stops."""
                made = real_runtime(settings, token)
                made.application.bot.set_webhook = set_webhook
                return made

            monkeypatch.setattr(bot.wiring, "BotRuntime", with_webhook)
            assert await serve_webhook(settings, "t") == 0  # type: ignore[arg-type]
    finally:
        gc.unfreeze()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    assert walked == {"loaded": False, "live": False}
