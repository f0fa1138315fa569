"""``python -m bot sandbox``: the emulator, its web chat page and the real bot, in one process.

The bot runs exactly as in production (inbox, dispatcher, outbox, sweeps) against the emulator,
with a database of its own (``./data/sandbox.db``), so trying things never touches real data.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot import commands
from bot.app import BotRuntime
from bot.config import Settings
from bot.runtime.polling import poll_forever
from bot.sandbox.server import SandboxServer
from bot.services import users
from bot.services.users import TelegramIdentity
from models import Role

log = logging.getLogger(__name__)

SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./data/sandbox.db"
SANDBOX_TOKEN = "7000000001:SANDBOX_token_not_valid_on_telegram_00"


async def run_sandbox(settings: Settings, port: int = 8081, coordinator: bool = False) -> int:
    """Serve the sandbox until Ctrl-C or SIGTERM."""
    runtime: BotRuntime | None = None

    async def make_coordinator(user_id: int) -> None:
        """The page's "make coordinator" button: grant the role in the bot's database."""
        assert runtime is not None
        sandbox_user = next((u for u in server.emulator.users if u.id == user_id), None)
        async with runtime.db.transaction() as session:
            identity = TelegramIdentity(
                user_id,
                sandbox_user.first_name if sandbox_user else "",
                None,
                sandbox_user.language_code if sandbox_user else None,
            )
            user = await users.touch(session, identity, settings.default_locale)
            if users.grant_role(user, Role.COORDINATOR):
                commands.enqueue_menu(session, user)
        runtime.sender.wake()

    server = SandboxServer(port=port, on_make_coordinator=make_coordinator)
    await server.start()
    # --coordinator: the page's coordinator column ("Coordinator …"), else the last user, coordinates.
    people = server.emulator.users
    fallback = people[-1] if people else None
    chosen = next((u for u in people if u.first_name.startswith("Coordinator")), fallback)
    coordinator_ids = settings.coordinator_ids
    if coordinator and chosen is not None:
        coordinator_ids = (*coordinator_ids, chosen.id)
        server.coordinator_ids.add(chosen.id)
    sandbox_settings = settings.model_copy(
        update={
            "database_url": SANDBOX_DATABASE_URL,
            "telegram_base_url": server.bot_api_base_url,
            "coordinator_ids": coordinator_ids,
        }
    )
    runtime = BotRuntime(sandbox_settings, SANDBOX_TOKEN)
    await runtime.start()
    print(
        f"MiGlobe sandbox is running: open {server.page_url} in your browser (Ctrl-C stops it).", flush=True
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    polling = asyncio.create_task(poll_forever(runtime.application.bot, runtime.accept), name="intake")
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([polling, stopper], return_when=asyncio.FIRST_COMPLETED)
    for task in (polling, stopper):
        task.cancel()
    await asyncio.gather(polling, stopper, return_exceptions=True)
    await runtime.stop()
    await server.stop()
    return 0
