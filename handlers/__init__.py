"""Telegram-facing adapters, one module per flow or audience; ``register`` adds them in order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import fallback, intake, language, privacy, start, status


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler. Order matters: the first matching handler in a group wins,
    so specific flows come before the fallbacks that catch whatever is left.
    """
    # The intake first: its deep link ``/start anfrage`` must win over the plain /start.
    for module in (intake, status, start, privacy, language):
        application.add_handlers(module.handlers())
    application.add_handlers(fallback.handlers())
