"""``python -m bot sandbox``: the emulator, its web chat page and the real bot, in one process.

The bot runs exactly as in production (inbox, dispatcher, outbox, sweeps) against the emulator,
with a database of its own (``./data/sandbox.db``), so trying things never touches real data.
For a demo the page can also let time pass for the bot (its clock, :mod:`models.clock`, may be
moved only here), remove users and start over with a fresh database; the advisor column is an
advisor with a complete profile from the start (:mod:`bot.sandbox_seed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta
from pathlib import Path

from bot import commands
from bot.config import Settings
from bot.runtime.polling import poll_forever
from bot.sandbox.hooks import ADVISOR, COORDINATOR, MUNICIPALITY, SandboxHooks
from bot.sandbox.models import SandboxUser
from bot.sandbox.server import SandboxServer
from bot.sandbox_seed import roles_by_telegram_id, seed_advisor
from bot.services import users
from bot.services.users import TelegramIdentity
from bot.wiring import BotRuntime
from models import Role, utcnow
from models.clock import CLOCK

log = logging.getLogger(__name__)

SANDBOX_DATABASE_PATH = Path("data/sandbox.db")
# How far the clock was moved, kept beside the database: after a restart the bot's time must not
# fall back behind the times the database already holds.
SANDBOX_CLOCK_PATH = Path("data/sandbox-clock.txt")
SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./data/sandbox.db"
SANDBOX_TOKEN = "7000000001:SANDBOX_token_not_valid_on_telegram_00"
# The sweeps whose deadlines the clock control is there to show (see BotRuntime.sweeps).
DEADLINE_SWEEPS = ("remind-and-expire-intake-drafts", "offer-cascade", "kickoff-bookings")
ROLE_REFRESH_SECONDS = 1.0
PAGE_ROLES = {Role.ADVISOR: ADVISOR, Role.COORDINATOR: COORDINATOR}


def _identity(user: SandboxUser) -> TelegramIdentity:
    """The bot's view of a sandbox user."""
    return TelegramIdentity(user.id, user.first_name, user.username, user.language_code)


def _column(people: list[SandboxUser], prefixes: tuple[str, ...]) -> SandboxUser | None:
    """The page's column whose name starts with one of ``prefixes``."""
    return next((u for u in people if u.first_name.startswith(prefixes)), None)


def _remove_database() -> None:
    """Delete the sandbox database with SQLite's side files and the clock's offset."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SANDBOX_DATABASE_PATH}{suffix}").unlink(missing_ok=True)
    SANDBOX_CLOCK_PATH.unlink(missing_ok=True)


def _saved_offset() -> int:
    """The clock's offset in seconds from an earlier run on the same database (0 if none)."""
    try:
        return max(0, int(SANDBOX_CLOCK_PATH.read_text().strip()))
    except (OSError, ValueError):
        return 0


def _save_offset(seconds: int) -> None:
    """Keep the clock's offset beside the database."""
    SANDBOX_CLOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
    SANDBOX_CLOCK_PATH.write_text(f"{seconds}\n")


class SandboxBot:
    """The real bot behind the page, which the page can reset, and whose time it can move."""

    def __init__(self, settings: Settings, server: SandboxServer, coordinator: bool) -> None:
        """Choose the page's coordinator and advisor columns for the bot behind the sandbox."""
        self.server = server
        people = server.emulator.users
        # --coordinator: the page's coordinator column (else the last user) coordinates.
        chosen = _column(people, ("Koordination", "Coordinator")) or (people[-1] if people else None)
        self.coordinator = chosen if coordinator else None
        self.advisor = _column(people, ("Berater",))
        coordinator_ids = settings.coordinator_ids
        if self.coordinator is not None:
            coordinator_ids = (*coordinator_ids, self.coordinator.id)
        self.settings = settings.model_copy(
            update={
                "database_url": SANDBOX_DATABASE_URL,
                "telegram_base_url": server.bot_api_base_url,
                "coordinator_ids": coordinator_ids,
            }
        )
        self.runtime: BotRuntime | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()
        server.hooks.make_coordinator = self.make_coordinator
        server.hooks.advance_clock = self.advance_clock
        server.hooks.reset = self.reset
        CLOCK.allow_moving()

    async def start(self) -> None:
        """Start the bot on the sandbox database, seed the advisor and poll the emulator."""
        saved = await asyncio.to_thread(_saved_offset)
        if saved > CLOCK.offset.total_seconds():
            CLOCK.advance(timedelta(seconds=saved) - CLOCK.offset)
        runtime = BotRuntime(self.settings, SANDBOX_TOKEN)
        await runtime.start()
        self.runtime = runtime
        async with runtime.db.transaction() as session:
            if self.advisor is not None:
                await seed_advisor(session, _identity(self.advisor), self.settings.default_locale)
            if self.coordinator is not None:  # known to the bot at once: its column says so
                user = await users.touch(session, _identity(self.coordinator), self.settings.default_locale)
                if users.grant_if_configured(user, self.settings.coordinator_ids):
                    commands.enqueue_menu(session, user)
        runtime.sender.wake()
        await self.refresh_roles()
        self._show_clock()
        self._tasks = [
            asyncio.create_task(self._poll(runtime), name="intake"),
            asyncio.create_task(self._watch_roles(), name="sandbox-roles"),
        ]

    async def _poll(self, runtime: BotRuntime) -> None:
        """Let the bot poll the emulator for updates."""
        await poll_forever(runtime.application.bot, runtime.accept)

    async def stop(self) -> None:
        """Stop polling and the bot."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    @property
    def polling(self) -> asyncio.Task[None] | None:
        """The task that fetches updates (it ends only on a fatal error)."""
        return self._tasks[0] if self._tasks else None

    async def make_coordinator(self, user_id: int) -> None:
        """The page's "make coordinator" button: grant the role in the bot's database."""
        assert self.runtime is not None
        person = next((u for u in self.server.emulator.users if u.id == user_id), None)
        identity = _identity(person) if person else TelegramIdentity(user_id, "", None, None)
        async with self.runtime.db.transaction() as session:
            user = await users.touch(session, identity, self.settings.default_locale)
            if users.grant_role(user, Role.COORDINATOR):
                commands.enqueue_menu(session, user)
        self.runtime.sender.wake()

    async def advance_clock(self, seconds: int) -> None:
        """The clock control: let ``seconds`` pass for the bot, then run the deadline sweeps once
        so that reminders, expired offers and outcome questions arrive right away."""
        async with self._lock:
            CLOCK.advance(timedelta(seconds=seconds))
            await asyncio.to_thread(_save_offset, int(CLOCK.offset.total_seconds()))
            self._show_clock()
            await self.run_deadline_sweeps()

    async def run_deadline_sweeps(self) -> None:
        """Run the deadline sweeps now (their scheduled runs may overlap: each is one transaction)."""
        assert self.runtime is not None
        for sweep in self.runtime.sweeps():
            if sweep.name in DEADLINE_SWEEPS:
                try:
                    result = await sweep.run()
                    if result:
                        log.info("sweep %s: %s", sweep.name, result)
                except Exception:
                    log.exception("sweep %s failed", sweep.name)
        self.runtime.sender.wake()

    def _show_clock(self) -> None:
        """Tell the page (and the emulator's message dates) the bot's time."""
        offset = CLOCK.offset.total_seconds()
        self.server.emulator.clock_offset = offset
        self.server.bot_view.clock_offset_seconds = int(offset)
        self.server.bot_view.clock_now = utcnow().isoformat(timespec="seconds")
        self.server.bot_view.timezone = self.settings.timezone
        self.server.emulator.notify()

    async def reset(self) -> None:
        """Start over: a fresh database, the real time, the advisor seeded again."""
        async with self._lock:
            await self.stop()
            self.server.clear()
            await asyncio.to_thread(_remove_database)
            CLOCK.reset()
            await self.start()

    async def refresh_roles(self) -> None:
        """Show each column's role as the bot's database has it."""
        if self.runtime is None:
            return
        async with self.runtime.db.transaction() as session:
            roles = await roles_by_telegram_id(session)
        for person in self.server.emulator.users:
            role = roles.get(person.id)
            self.server.set_role(person.id, PAGE_ROLES[role] if role else MUNICIPALITY)

    async def _watch_roles(self) -> None:
        """Keep the column headers in step with roles granted in the chat (invitations, /rollen)."""
        while True:
            await asyncio.sleep(ROLE_REFRESH_SECONDS)
            try:
                await self.refresh_roles()
            except Exception:  # a busy database: try again next time
                log.debug("could not read the roles", exc_info=True)


async def run_sandbox(settings: Settings, port: int = 8081, coordinator: bool = False) -> int:
    """Serve the sandbox until Ctrl-C or SIGTERM."""
    server = SandboxServer(port=port, hooks=SandboxHooks())
    await server.start()
    bot = SandboxBot(settings, server, coordinator)
    await bot.start()
    print(
        f"MiGlobe sandbox is running: open {server.page_url} in your browser (Ctrl-C stops it).", flush=True
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stopper = asyncio.create_task(stop.wait())
    while not stop.is_set():
        polling = bot.polling
        waiting = [stopper, polling] if polling else [stopper]
        # With a timeout: a reset replaces the polling task while we wait.
        await asyncio.wait(waiting, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
        if polling is not None and polling.done() and polling is bot.polling:
            with contextlib.suppress(asyncio.CancelledError):
                polling.result()  # a fatal polling error ends the sandbox, as before
            break
    stopper.cancel()
    await bot.stop()
    await server.stop()
    return 0
