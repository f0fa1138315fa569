"""The bot's process: one class runs the PTB application durably (inbox, handling, outbox, sweeps).

It knows no handler: :mod:`bot.wiring` (the top) hands it the application with every handler
registered and the feature sweeps to run, so the runtime sits below what it runs.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import commands, migrate
from bot.config import Settings
from bot.context import BotContext
from bot.db import Database
from bot.logging_setup import describe_error, stored_error
from bot.runtime import flood, inbox, metrics
from bot.runtime.dispatcher import ChatOrderedDispatcher
from bot.runtime.freed_memory import FreedMemory
from bot.runtime.health import Operations
from bot.runtime.inbox import InboxItem
from bot.runtime.liveness import Liveness
from bot.runtime.lone_update import LoneUpdates
from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.sender import OutboxSender
from bot.runtime.sender import prune as prune_outbox
from bot.runtime.shared_inbox import SharedInbox
from bot.runtime.sweeper import FeatureSweep, Sweep, schedule
from bot.runtime.update_run import UpdateRunner
from bot.services import users
from bot.services.draft_sweep import sweep_drafts
from bot.services.knowledge import knowledge_base
from bot.services.retention import sweep_retention

log = logging.getLogger(__name__)

SHUTDOWN_BUDGET_SECONDS = 8.0


class _LeaseRanOut(Exception):
    """The chat's lease ran out before the update was handled, or an earlier one of it waits."""


async def _pause_before(attempt: int) -> None:
    """Back off before running an update again after a transient database error (with jitter, so
    that updates that collided do not collide again)."""
    await asyncio.sleep(0.05 * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))


async def _record_error(update: object, context: BotContext) -> None:
    """Keep a handler's exception on the update's scope, so its transaction is rolled back."""
    if isinstance(update, Update) and context._scope is not None:
        context._scope.error = context.error
    else:
        log.error("error outside an update", exc_info=context.error)


class ProcessRuntime:
    """The bot's process: inbox intake, ordered handling, outbox sender and sweeps."""

    def __init__(
        self,
        settings: Settings,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        feature_sweeps: Sequence[FeatureSweep] = (),
    ) -> None:
        """Set up the runtime around ``application``: database, sender, dispatcher and flood guard."""
        self.settings = settings
        self.feature_sweeps = tuple(feature_sweeps)
        self.db = Database(settings.database_url)
        self.application = application
        application.add_error_handler(_record_error)
        self.limiter = SendRateLimiter.for_database(
            self.db, settings.send_rate_per_second, settings.reply_rate_per_second
        )
        # Several processes may share PostgreSQL: each chat is handled by the one holding its lease,
        # and what an ended process held is freed at once (its name is on its claims and leases).
        liveness = None if self.db.is_sqlite else Liveness(self.db)
        self.owner = liveness.owner if liveness else None
        self.sender = OutboxSender(self.db, self.application.bot, self.limiter, owner=self.owner)
        self.runner = UpdateRunner(settings, application, self.db, self.sender, self.owner)
        self.dispatcher = ChatOrderedDispatcher(self.handle, settings.max_concurrent_updates)
        self.shared = (
            None
            if liveness is None
            else SharedInbox(self.db, settings.chat_lease_seconds, self.dispatcher, liveness)
        )
        self.flood_guard = flood.FloodGuard(settings.flood_burst, settings.flood_rate_per_second)
        self.freed_memory = FreedMemory()
        self.lone_updates = LoneUpdates(
            self.db, self.dispatcher, self.flood_guard, self.runner, settings, self.shared
        )

    async def start(self) -> None:
        """Migrate, connect, publish menus, replay unfinished updates and start sending."""
        knowledge_base()  # broken content stops the bot here, naming its file and line
        await migrate.upgrade(self.settings.database_url)
        await self.application.initialize()
        await self.application.start()
        async with self.db.transaction() as session:
            # Roles from COORDINATOR_IDS end when an id is removed; changed menus are sent again.
            for changed in await users.grant_configured_coordinators(session, self.settings.coordinator_ids):
                commands.enqueue_menu(session, changed)
            unfinished = await inbox.pending(session)
        try:
            await commands.publish(self.application.bot, self.db, self.settings)
        except TelegramError as exc:
            log.warning("could not set the command menus: %s", exc)
        await self.sender.start()
        assert self.application.job_queue is not None
        schedule(self.application.job_queue, self.sweeps(), self.db)
        if unfinished:
            log.info("replaying %d unfinished updates", len(unfinished))
        if self.shared is not None:
            self.shared.start()  # its looks take what is pending, chat by chat
            return
        for item in unfinished:
            await self.dispatcher.submit(item)

    def sweeps(self) -> list[Sweep]:
        """Every deadline sweep of the bot: the runtime's own, then the features' (see bot.wiring)."""
        retention = self.settings
        own = [
            Sweep("wake-sender-for-due-retries", 1.0, self._wake_sender, once=False),
            Sweep("give-back-freed-memory", 1.0, self._give_back_memory, once=False),
            Sweep("prune-handled-updates", 3600.0, self._prune_inbox),
            Sweep(
                "prune-finished-outbox",
                3600.0,
                lambda: prune_outbox(self.db, timedelta(days=retention.outbox_retention_days)),
            ),
            Sweep(
                "remind-and-expire-intake-drafts",
                self.settings.sweep_interval_seconds,
                lambda: sweep_drafts(self.db, self.settings),
            ),
            # Privacy (issue 12): ended requests anonymised, old questions blanked, as /datenschutz says.
            Sweep("privacy-retention", 3600.0, lambda: sweep_retention(self.db, self.settings)),
        ]
        return own + [
            Sweep(sweep.name, sweep.interval(self.settings), self._feature_sweep(sweep))
            for sweep in self.feature_sweeps
        ]

    def _feature_sweep(self, sweep: FeatureSweep) -> Callable[[], Awaitable[str]]:
        """A job for ``sweep`` that sends what it queued right away."""
        return lambda: self._sweep_and_send(sweep.run)

    def operations(self) -> Operations:
        """What /readyz and /metrics look at: this process's database and bot."""
        return Operations(self.db, self.application.bot.get_me, self.settings.ready_telegram_minutes)

    async def _wake_sender(self) -> None:
        """Let the sender look for messages whose retry time has come."""
        self.sender.wake()

    async def _give_back_memory(self) -> bool:
        """Give freed memory back to the system after a burst (:mod:`bot.runtime.freed_memory`)."""
        return self.freed_memory.give_back_if_due(metrics.handled_so_far(), idle=self.dispatcher.pending == 0)

    async def _sweep_and_send(self, sweep: Callable[[Database, Settings], Awaitable[str]]) -> str:
        """Run a sweep (its own transaction) and send what it queued right away."""
        summary = await sweep(self.db, self.settings)
        if summary:
            self.sender.wake()
        return summary

    async def _prune_inbox(self) -> int:
        """Delete handled updates older than the inbox retention."""
        async with self.db.transaction() as session:
            return await inbox.prune(session, timedelta(days=self.settings.inbox_retention_days))

    async def accept(self, payloads: list[dict[str, Any]]) -> list[InboxItem]:
        """Commit new updates to the inbox, then queue them; returns only the new ones.

        The flood guard looks at each new update in the same transaction: a flooding person's
        update is stored (so a repeat is recognised) but marked done and never queued. A lone
        update to an idle chat is handled in that transaction too (:mod:`bot.runtime.lone_update`).
        """
        if self.shared is not None:
            await self.shared.ready()
        if len(payloads) == 1:
            alone = await self.lone_updates.store_and_handle(payloads[0])
            if alone is not None:
                return alone
        async with self.db.transaction(durable=True) as session:  # confirmed to Telegram after it
            items = await inbox.store(session, payloads)
            queued = await flood.screen(session, self.flood_guard, items, self.settings.default_locale)
            if self.shared is not None:
                queued = await self.shared.admit(session, queued)
        if len(queued) < len(items):
            self.sender.wake()  # a slow-down notice
        for item in queued:
            await self.dispatcher.submit(item)
        return items

    async def handle(self, item: InboxItem) -> None:
        """Handle one update in one transaction: state change, inbox done and outbox rows.

        An update the library cannot parse is marked failed with its reason; one without a
        person or a chat is marked done without handling. A transient database error re-runs
        the whole transaction; only the last failure counts (and is apologised for).
        """
        try:
            update = Update.de_json(item.payload, self.application.bot)
        except Exception as exc:
            log.error("update %s cannot be parsed: %s", item.update_id, describe_error(exc))
            await self.runner.record_failure(item, None, f"unparsable: {exc!r}")
            return
        if update.effective_user is None or update.effective_chat is None:
            async with self.db.transaction() as session:
                await inbox.claim(session, item.inbox_id, item.update_id, note="ignored: no user or chat")
            return
        attempt, retaken = item.attempts_made, False
        if attempt:
            await _pause_before(attempt + 1)  # its first attempt ran while it was stored, and failed
        while True:
            attempt += 1
            try:
                async with self.db.transaction() as session:
                    held = self.shared.holds(item.chat_key, item.update_id) if self.shared else None
                    if not await inbox.claim(session, item.inbox_id, item.update_id, only_if=held):
                        if held is None or retaken:
                            return  # done already (a repeat, or another process took the chat)
                        raise _LeaseRanOut
                    answer, handoff = await self.runner.run(session, item, update)
                break
            except _LeaseRanOut:
                retaken = True
                if self.shared is None or not await self.shared.retake(item.chat_key):
                    return  # another process holds the chat and answers this update
                for earlier in await self.shared.waiting_before(item):  # they go first
                    await self.handle(earlier)
                continue
            except Exception as exc:
                if self.runner.may_run_again(item.update_id, exc, attempt):
                    await _pause_before(attempt + 1)
                    continue
                await self.runner.record_failure(item, update, stored_error(exc))
                return
        await self.runner.after_commit(update, answer, handoff)

    async def stop(self) -> None:
        """Finish or safely abandon work in progress, then close everything (within 10 s)."""
        await self.dispatcher.close(timeout=SHUTDOWN_BUDGET_SECONDS / 2)
        await self.lone_updates.settle(timeout=SHUTDOWN_BUDGET_SECONDS / 8)
        if self.shared is not None:
            await self.shared.stop()
        await self.sender.stop(timeout=SHUTDOWN_BUDGET_SECONDS / 4)
        try:
            await asyncio.wait_for(self._shutdown_application(), timeout=SHUTDOWN_BUDGET_SECONDS / 8)
        except TimeoutError:
            log.warning("PTB shutdown timed out")
        await self.db.dispose()

    async def _shutdown_application(self) -> None:
        """Stop and shut down PTB (its job queue and HTTP clients)."""
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
