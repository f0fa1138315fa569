"""Roles are checked here and nowhere else: a decorator for handlers that need a role."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update

from bot.context import BotContext
from bot.i18n import N_
from models import Role

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Awaitable[R]]

_REFUSALS = {
    Role.ADVISOR: N_("This is only available to advisors."),
    Role.COORDINATOR: N_("This is only available to coordinators."),
}


def requires(role: Role) -> Callable[[Handler[R]], Handler[R | None]]:
    """Run the handler only for users holding ``role`` (by the database, whatever a button says)."""

    def decorate(handler: Handler[R]) -> Handler[R | None]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> R | None:
            if context.user.has_role(role):
                return await handler(update, context)
            refusal = context.gettext(_REFUSALS.get(role, _REFUSALS[Role.COORDINATOR]))
            if update.callback_query is not None:
                context.answer(refusal, alert=True)
            else:
                context.reply(refusal)
            return None

        return guarded

    return decorate
