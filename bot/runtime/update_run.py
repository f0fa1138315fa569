"""One update's handlers run inside a transaction the caller opened: the sender's user, PTB and the
rows handed to the sender, then (after the commit) the answer to a button press.

The transaction is the runtime's business (:mod:`bot.app`): usually its own after the update was
stored, for a lone update to an idle chat the one that stores it too.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import commands
from bot.config import Settings
from bot.context import BotContext
from bot.db import Database, is_transient
from bot.logging_setup import describe_error, safe_traceback
from bot.runtime import failures
from bot.runtime.handoff import HandOff, lease_fresh
from bot.runtime.inbox import InboxItem
from bot.runtime.scope import CallbackAnswer, UpdateScope, identity_of, register, release
from bot.runtime.sender import OutboxSender
from bot.services import users

log = logging.getLogger(__name__)

# A transient database error (lost connection, serialisation failure, deadlock, a unique race,
# SQLite busy) re-runs the whole update this many times in all before it counts as failed.
HANDLE_ATTEMPTS = 4


class UpdateRunner:
    """Runs handlers for updates whose inbox rows the caller's transaction has claimed."""

    def __init__(
        self,
        settings: Settings,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        db: Database,
        sender: OutboxSender,
        owner: str | None,
    ) -> None:
        """A runner for ``application``'s handlers, leasing fresh replies to ``sender``."""
        self.settings = settings
        self.application = application
        self.db = db
        self.sender = sender
        self.owner = owner

    async def run(
        self, session: AsyncSession, item: InboxItem, update: Update
    ) -> tuple[CallbackAnswer | None, HandOff]:
        """Touch the sender's user, let PTB run the handlers in the update's scope and lease the
        replies for the sender; raises what a handler raised (the caller rolls back)."""
        identity = identity_of(update)
        user = None
        if identity is not None:
            user = await users.touch(session, identity, self.settings.default_locale)
            if users.grant_if_configured(user, self.settings.coordinator_ids):
                commands.enqueue_menu(session, user)
        locale = user.locale if user else self.settings.default_locale
        scope = UpdateScope(session, self.settings, user, locale, item.inbox_id, chat_key=item.chat_key)
        register(update.update_id, scope)
        try:
            await self.application.process_update(update)
        finally:
            release(update.update_id)
        if scope.error is not None:
            raise scope.error
        handoff = HandOff(others_waiting=True)  # for the sender's claim to find
        if self.sender.running:
            handoff = await lease_fresh(session, item.chat_key, self.owner, item.replies_waiting)
        return scope.callback_answer, handoff

    async def after_commit(self, update: Update, answer: CallbackAnswer | None, handoff: HandOff) -> None:
        """Hand the leased replies to the sender, and stop a pressed button's spinner."""
        self.sender.hand_off(handoff)
        if update.callback_query is not None:
            await self.answer_callback(answer or CallbackAnswer(update.callback_query.id))

    def may_run_again(self, update_id: int, error: BaseException, attempt: int) -> bool:
        """Whether the update is worth running again after its ``attempt``-th run raised ``error``
        (a transient database error, attempts left); says so in the log either way."""
        if attempt < HANDLE_ATTEMPTS and is_transient(error):
            log.warning(
                "update %s: transient database error (%s), attempt %d; running it again",
                update_id,
                describe_error(error),
                attempt,
            )
            return True
        # Only the update id and the error's type: never the update or what it quoted.
        log.error("update %s failed: %s\n%s", update_id, describe_error(error), safe_traceback(error))
        return False

    async def record_failure(self, item: InboxItem, update: Update | None, error: str) -> None:
        """Mark the update failed, apologise (:mod:`bot.runtime.failures`) and stop the spinner."""
        async with self.db.transaction() as session:
            await failures.record(session, item, update, error, self.settings.default_locale)
        self.sender.wake()
        if update is not None and update.callback_query is not None:
            await self.answer_callback(CallbackAnswer(update.callback_query.id))

    async def answer_callback(self, answer: CallbackAnswer) -> None:
        """Stop the button's spinner, with the handler's text or alert if it set one."""
        try:
            await self.application.bot.answer_callback_query(
                answer.callback_query_id, text=answer.text, show_alert=answer.show_alert
            )
        except TelegramError as exc:
            # Only the spinner is affected; the update's effects are committed.
            log.warning("answerCallbackQuery failed: %s", exc)
