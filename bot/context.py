"""The callback context handlers receive: typed access to the transaction, user, locale and replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot import i18n
from bot.config import Settings
from bot.runtime import outbox
from bot.runtime.outbox import Markup
from bot.runtime.scope import CallbackAnswer, UpdateScope, lookup
from models import OutboxLane, OutboxMessage, User

if TYPE_CHECKING:
    from datetime import datetime


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the current update's scope (set by the dispatcher)."""

    _scope: UpdateScope | None = None
    _update: Update | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> BotContext:
        """Build the context and attach the scope the dispatcher registered for this update."""
        context: BotContext = super().from_update(update, application)
        if isinstance(update, Update):
            context._scope = lookup(update.update_id)
            context._update = update
        return context

    @property
    def scope(self) -> UpdateScope:
        """The scope of the update being handled; handlers only run inside one."""
        if self._scope is None:
            raise RuntimeError("handler called outside the dispatcher's transaction")
        return self._scope

    @property
    def db(self) -> AsyncSession:
        """The session of this update's transaction."""
        return self.scope.session

    @property
    def user(self) -> User:
        """The stored user who sent this update."""
        if self.scope.user is None:
            raise RuntimeError("update without a user")
        return self.scope.user

    @property
    def settings(self) -> Settings:
        """The bot's settings."""
        return self.scope.settings

    @property
    def locale(self) -> str:
        """The locale to answer in."""
        return self.scope.locale

    def set_locale(self, locale: str) -> None:
        """Answer the rest of this update in ``locale``."""
        self.scope.locale = locale

    def gettext(self, message: str) -> str:
        """Translate ``message`` into this update's locale."""
        return i18n.translate(self.locale, message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Translate a plural message into this update's locale."""
        return i18n.translate_plural(self.locale, singular, plural, count)

    def format_datetime(self, moment: datetime, fmt: str = "medium") -> str:
        """Format ``moment`` for this update's locale in the configured time zone."""
        return i18n.format_datetime(moment, self.locale, self.settings.tz, fmt)

    def send(
        self,
        chat_id: int,
        text: str,
        markup: Markup | None = None,
        *,
        lane: OutboxLane = OutboxLane.INTERACTIVE,
    ) -> OutboxMessage:
        """Send an HTML message to ``chat_id`` once this update's transaction commits."""
        return outbox.enqueue_text(self.db, chat_id, text, markup, lane=lane, inbox_id=self.scope.inbox_id)

    def reply(self, text: str, markup: Markup | None = None) -> OutboxMessage:
        """Answer in the chat this update came from."""
        update = self._update
        if update is None or update.effective_chat is None:
            raise RuntimeError("update without a chat")
        return self.send(update.effective_chat.id, text, markup)

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> OutboxMessage | None:
        """Edit the message whose button was pressed (after the commit); else send anew."""
        update = self._update
        message = update.callback_query.message if update and update.callback_query else None
        if message is None:
            return self.reply(text, markup)
        return outbox.enqueue_edit(
            self.db, message.chat.id, message.message_id, text, markup, inbox_id=self.scope.inbox_id
        )

    def pressed_message_id(self) -> int | None:
        """The id of the message whose button was pressed (None for a typed message)."""
        update = self._update
        message = update.callback_query.message if update and update.callback_query else None
        return message.message_id if message is not None else None

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the pressed button (right after the commit, so the spinner stops)."""
        update = self._update
        if update is None or update.callback_query is None:
            return
        self.scope.callback_answer = CallbackAnswer(update.callback_query.id, text, alert)
