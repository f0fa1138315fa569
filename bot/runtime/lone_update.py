"""A lone update to an idle chat, stored and handled in one transaction.

Usually an update takes two transactions: one stores it (and commits before Telegram is told it
arrived), a second one, in the chat's worker, handles it. When a person writes to a chat with
nothing in hand, the handling can join the transaction that stores it: one commit instead of
two, and no hop through the dispatcher, on the way every reply to a single message takes. The
row is stored as handled at once (only the update's id kept), in one statement.

The update is confirmed to Telegram only after that commit, so nothing is lost: if handling it
raises, the whole attempt is rolled back and the update is stored on its own: a transient database
error runs it again the usual way, with the attempts left; a bug marks it failed, with the usual
apology, and is not run again. With several processes on PostgreSQL the statement that stores it
checks the chat's lease (:mod:`bot.runtime.shared_inbox`): a chat another process holds, or one
with earlier updates pending, takes the usual way; so does a person whose flood allowance might
not do without looking up their role (:mod:`bot.runtime.flood`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from telegram import Update

from bot.config import Settings
from bot.db import Database
from bot.logging_setup import stored_error
from bot.runtime import flood, inbox, lone_store, metrics
from bot.runtime.dispatcher import ChatOrderedDispatcher
from bot.runtime.inbox import InboxItem
from bot.runtime.scope import CallbackAnswer, identity_of
from bot.runtime.shared_inbox import SharedInbox
from bot.runtime.update_run import UpdateRunner


class LoneUpdates:
    """Stores and handles a lone update to an idle chat in one transaction."""

    def __init__(
        self,
        db: Database,
        dispatcher: ChatOrderedDispatcher,
        flood_guard: flood.FloodGuard,
        runner: UpdateRunner,
        settings: Settings,
        shared: SharedInbox | None,
    ) -> None:
        """Joined to the runtime's database, dispatcher, flood guard, update runner and, with
        several processes on PostgreSQL, the shared inbox that says which chats are ours."""
        self._db = db
        self._shared = shared
        self._dispatcher = dispatcher
        self._flood_guard = flood_guard
        self._runner = runner
        self._locale = settings.default_locale
        self._answering: set[asyncio.Task[None]] = set()

    async def store_and_handle(self, payload: dict[str, Any]) -> list[InboxItem] | None:
        """Store ``payload`` and, its chat being idle, handle it before the one commit; returns
        what was stored, or None when it must take the usual way (its chat has updates in hand,
        it cannot be parsed, or it has no person or chat, whose marking the usual way does)."""
        try:
            update = Update.de_json(payload, self._runner.application.bot)
        except Exception:
            return None  # the usual way records why
        if update.effective_user is None or update.effective_chat is None:
            return None
        chat_key = inbox.chat_key_of(payload)
        sender = flood.sender_id(payload)
        if sender is not None and not self._flood_guard.surely_handles(sender, 1):
            return None  # the usual way screens it, with the person's role
        if not self._dispatcher.hold(chat_key):
            return None  # earlier updates of the chat go first
        if sender is not None:
            self._flood_guard.check(sender)  # counted; its token was there (surely_handles)
        answering = False
        try:
            items, answer = await self._in_one_transaction(payload, update, chat_key)
            if answer is not None:
                # The spinner waits for Telegram's answer and the chat's next update for the
                # spinner, as they do the usual way; the intake goes on at once.
                task = asyncio.create_task(self._answer_then_release(chat_key, answer), name="answer-button")
                self._answering.add(task)
                task.add_done_callback(self._answering.discard)
                answering = True
            return items
        finally:
            if not answering:
                self._dispatcher.release(chat_key)

    async def _in_one_transaction(
        self, payload: dict[str, Any], update: Update, chat_key: int
    ) -> tuple[list[InboxItem], CallbackAnswer | None]:
        """Store and handle the update in one durable transaction (see
        :meth:`_stored_after_failing` for when handling it raises); returns what was stored and
        the answer a pressed button still waits for."""
        started = time.monotonic()
        try:
            async with self._db.transaction(durable=True) as session:  # confirmed to Telegram after it
                item = None
                # PostgreSQL reads the sender in the storing statement (a round trip less);
                # SQLite's statements run in place and gain nothing from it.
                sender = None if self._db.is_sqlite else identity_of(update)
                if self._shared is None:
                    item = await lone_store.store_handled(session, payload, sender=sender)
                elif await self._shared.admit_alone(session, chat_key):
                    # Ours only while this process holds the chat and no earlier update of it
                    # waits (one another process stored): the storing statement checks both.
                    held = self._shared.holds(chat_key, update.update_id)
                    item = await lone_store.store_handled(session, payload, held, sender)
                if item is None:
                    # Seen before, or a chat held elsewhere or with earlier updates: the usual way.
                    items = await inbox.store(session, [payload])
                    queued = items if self._shared is None else await self._shared.admit(session, items)
                    outcome = None
                else:
                    items = [item]
                    outcome = await self._runner.run(session, item, update)
        except Exception as exc:
            return await self._stored_after_failing(payload, update, exc), None
        if outcome is None:
            for queued_item in queued:
                await self._dispatcher.submit(queued_item)  # they run once the chat's hold ends
            return items, None
        answer, handoff = outcome
        self._runner.sender.hand_off(handoff)
        metrics.UPDATES_HANDLED.inc()
        metrics.HANDLING_SECONDS.observe(time.monotonic() - started)
        if update.callback_query is None:
            return items, None
        return items, answer or CallbackAnswer(update.callback_query.id)

    async def _answer_then_release(self, chat_key: int, answer: CallbackAnswer) -> None:
        """Stop a pressed button's spinner, then let the chat's next updates be handled."""
        try:
            await self._runner.answer_callback(answer)
        finally:
            self._dispatcher.release(chat_key)

    async def settle(self, timeout: float) -> None:
        """Let the answers to pressed buttons still on their way finish (when the bot stops)."""
        if self._answering:
            await asyncio.wait(set(self._answering), timeout=timeout)

    async def _stored_after_failing(
        self, payload: dict[str, Any], update: Update, error: BaseException
    ) -> list[InboxItem]:
        """After the first run raised (and was rolled back with the storing): store the update,
        then either queue it for the usual handling, which runs it (again, after a transient
        database error) once the chat's hold ends, or mark it failed and apologise (a bug is not
        run again)."""
        async with self._db.transaction(durable=True) as session:
            items = await inbox.store(session, [payload])  # counted by the flood guard already
            queued = items if self._shared is None else await self._shared.admit(session, items)
        ours = {item.inbox_id for item in items}
        for item in queued:
            if item.inbox_id not in ours:
                await self._dispatcher.submit(item)  # an earlier update of the chat, not run yet
            elif self._runner.may_run_again(item.update_id, error, attempt=1):
                await self._dispatcher.submit(replace(item, attempts_made=1))
            else:
                await self._runner.record_failure(item, update, stored_error(error))
        return items
