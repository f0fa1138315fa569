"""Placeholder: filled in below."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.context import BotContext
from models import ChatInput

# The chat_inputs kinds whose typed answers handlers.awaiting hands to ``on_text``.
KINDS: tuple[str, ...] = ()


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """A typed answer to one of this module's questions (see ``KINDS``)."""


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return []
