"""A lone update to an idle chat, stored and handled in one transaction.

Usually an update takes two transactions: one stores it (and commits before Telegram is told it
arrived), a second one, in the chat's worker, handles it. When a person writes to a chat with
nothing in hand, the handling can join the transaction that stores it: one commit instead of
two, and no hop through the dispatcher, on the way every reply to a single message takes.

The update is confirmed to Telegram only after that commit, so nothing is lost: if handling it
raises, the whole attempt is rolled back and the update is stored on its own: a transient database
error runs it again the usual way, with the attempts left; a bug marks it failed, with the usual
apology, and is not run again. With several processes on PostgreSQL the transaction takes the
chat's lease first (:mod:`bot.runtime.shared_inbox`): a chat another process holds, or one just
taken over with earlier updates pending, takes the usual way.
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
from bot.runtime import flood, inbox, metrics
from bot.runtime.dispatcher import ChatOrderedDispatcher
from bot.runtime.inbox import InboxItem
from bot.runtime.scope import CallbackAnswer
from bot.runtime.shared_inbox import SharedInbox
from bot.runtime.update_run import UpdateRunner


class _NotClaimed(Exception):
    """The update just stored could not be claimed: an earlier update of its chat, stored by
    another process, is pending after all. Not a failure: the usual way keeps the order."""


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
        if not self._dispatcher.hold(chat_key):
            return None  # earlier updates of the chat go first
        answering = False
        try:
            items, answer = await self._in_one_transaction(payload, update)
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
        self, payload: dict[str, Any], update: Update
    ) -> tuple[list[InboxItem], CallbackAnswer | None]:
        """Store, screen and handle the update in one durable transaction (see
        :meth:`_stored_after_failing` for when handling it raises); returns what was stored and
        the answer a pressed button still waits for."""
        started = time.monotonic()
        try:
            async with self._db.transaction(durable=True) as session:  # confirmed to Telegram after it
                items = await inbox.store(session, [payload])
                screened = await flood.screen(session, self._flood_guard, items, self._locale)
                queued = screened
                if (
                    self._shared is not None
                    and screened
                    and not await self._shared.admit_alone(session, screened[0])
                ):
                    queued = []  # another process holds the chat and picks the update up
                outcome = None
                if queued:
                    item = queued[0]
                    # Ours only while this process holds the chat and no earlier update of it
                    # waits (one another process stored); otherwise it takes the usual way.
                    held = self._shared.holds(item.chat_key, item.update_id) if self._shared else None
                    if not await inbox.claim(session, item.inbox_id, item.update_id, only_if=held):
                        raise _NotClaimed
                    outcome = await self._runner.run(session, item, update)
        except Exception as exc:
            return await self._stored_after_failing(payload, update, exc), None
        if outcome is None:
            if len(screened) < len(items):
                self._runner.sender.wake()  # the flood guard's slow-down notice
            for item in queued:
                await self._dispatcher.submit(item)  # they run once the chat's hold ends
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
            items = await inbox.store(session, [payload])  # screened already: not again
            queued = items if self._shared is None else await self._shared.admit(session, items)
        ours = {item.inbox_id for item in items}
        for item in queued:
            if item.inbox_id not in ours or isinstance(error, _NotClaimed):
                await self._dispatcher.submit(item)  # not run yet, or an earlier update of the chat
            elif self._runner.may_run_again(item.update_id, error, attempt=1):
                await self._dispatcher.submit(replace(item, attempts_made=1))
            else:
                await self._runner.record_failure(item, update, stored_error(error))
        return items
