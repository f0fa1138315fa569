"""A polling process imports only what it runs with (libraries needed by a few paths wait for them),
and keeps nothing in memory for each person it has seen."""

from __future__ import annotations

import subprocess
import sys

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
