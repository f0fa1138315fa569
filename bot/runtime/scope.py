"""What one update's handling knows: its transaction, its user and locale, its pending answers.

The dispatcher registers a scope per update before calling PTB's ``process_update`` and removes it
afterwards; the context class looks it up by ``update_id``. Keeping it explicit avoids the
context-variable leaks between updates that PTB's sequential mode has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
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


_SCOPES: dict[int, UpdateScope] = {}


def register(update_id: int, scope: UpdateScope) -> None:
    """Make ``scope`` the scope of the update ``update_id``."""
    _SCOPES[update_id] = scope


def release(update_id: int) -> None:
    """Forget the scope of ``update_id``."""
    _SCOPES.pop(update_id, None)


def lookup(update_id: int) -> UpdateScope | None:
    """The scope of ``update_id``, if it is being handled."""
    return _SCOPES.get(update_id)
