"""Free text that answers a question asked outside the intake (an outcome note, a profile field).

The fallback hands text here; the open question is a ``chat_inputs`` row, so an answer that
arrives after a restart still reaches the right place, and an expired question takes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import BotContext
from bot.services import chat_inputs
from handlers import (
    booking_link,
    broadcast_wizard,
    coordinator_advisors,
    coordinator_requests,
    coordinator_roles,
    give_back,
    knowledge_admin,
    outcome,
    profile_input,
)
from handlers.intake import entry
from handlers.intake.common import is_private
from models import ChatInput, utcnow

Answer = Callable[[BotContext, ChatInput, str], Awaitable[None]]
_ANSWERS: dict[str, Answer] = {
    outcome.NOTE_INPUT: outcome.on_note,
    give_back.GIVE_BACK_INPUT: give_back.on_text,
    booking_link.LINK_INPUT: booking_link.on_text,
    entry.CONSENT_INPUT: entry.on_consent_text,
    **{
        kind: module.on_text
        for module in (
            profile_input,
            coordinator_requests,
            coordinator_advisors,
            coordinator_roles,
            broadcast_wizard,
            knowledge_admin,
        )
        for kind in module.KINDS
    },
}


async def handle_text(update: Update, context: BotContext) -> bool:
    """Use a private text message as the answer to the user's open question; False when none is open."""
    message = update.message
    if message is None or message.text is None or not is_private(update) or context.scope.user is None:
        return False
    row = await chat_inputs.current(context.db, context.user.id, utcnow())
    answer = _ANSWERS.get(row.kind) if row is not None else None
    if row is None or answer is None:
        return False
    await answer(context, row, message.text)
    return True
