"""What one update's handling knows: its transaction, its user and locale, its pending answers.

The dispatcher registers a scope per update before calling PTB's ``process_update`` and removes it
afterwards; the context class looks it up by ``update_id``. Keeping it explicit avoids the
context-variable leaks between updates that PTB's sequential mode has. The one context variable,
the chat being answered (:data:`bot.runtime.outbox.replying_to_chat`), is set here too and
reset by the same task: PTB awaits a blocking handler in the task that called
``process_update``, and a non-blocking one starts from a copy of its context.
"""

from __future__ import annotations

from contextvars import Token
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.config import Settings
from bot.runtime.outbox import replying_to_chat
from bot.services.users import TelegramIdentity
from models import User


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery to make right after the commit."""

    callback_query_id: str
    text: str | None = None
    show_alert: bool = False


@dataclass
class UpdateScope:
    """Per-update state shared between the dispatcher and the handlers."""

    session: AsyncSession
    settings: Settings
    user: User | None
    locale: str
    inbox_id: int | None
    callback_answer: CallbackAnswer | None = None
    error: BaseException | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # The chat whose order the update keeps: interactive calls to it are replies.
    chat_key: int | None = None


_SCOPES: dict[int, UpdateScope] = {}
_REPLYING: dict[int, Token[int | None]] = {}


def register(update_id: int, scope: UpdateScope) -> None:
    """Make ``scope`` the scope of the update ``update_id``, and its chat the one being answered."""
    _SCOPES[update_id] = scope
    _REPLYING[update_id] = replying_to_chat.set(scope.chat_key)


def release(update_id: int) -> None:
    """Forget the scope of ``update_id``; calls queued afterwards answer nobody."""
    _SCOPES.pop(update_id, None)
    token = _REPLYING.pop(update_id, None)
    if token is None:
        return
    try:
        replying_to_chat.reset(token)
    except ValueError:
        # Released in another context than the one it was registered in: the value set there
        # ends with that context; none may linger in this one.
        replying_to_chat.set(None)


def lookup(update_id: int) -> UpdateScope | None:
    """The scope of ``update_id``, if it is being handled."""
    return _SCOPES.get(update_id)


def identity_of(update: Update) -> TelegramIdentity | None:
    """The sender of ``update`` as the services see it."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return TelegramIdentity(user.id, user.first_name, user.username, user.language_code)
