"""Access is checked here and nowhere else: who may use a handler (``requires``), in which chat
(``private_only``), and who may read a request's contact details (``current_holder``).

Screens with personal data belong in the person's private chat. Typed or pressed in a group, a
``private_only`` handler either answers in the private chat and says so in the group
(``InGroup.REDIRECT``), or refuses in the group and points to the private chat
(``InGroup.REFUSE``); the group never sees the screen.
"""

from __future__ import annotations

import enum
import functools
import html
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.context import BotContext
from bot.i18n import N_
from bot.runtime.outbox import Markup
from bot.services import offers
from bot.services.matching_data import OCCUPYING_STATUSES
from bot.services.reachability import reachable_privately
from models import KickoffRequest, OutboxMessage, Role

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Awaitable[R]]

_REFUSALS = {
    Role.ADVISOR: N_("This is only available to advisors."),
    Role.COORDINATOR: N_("This is only available to coordinators."),
}
SENT_PRIVATELY = N_("We have sent it to you in our private chat.")
SENT_PRIVATELY_TO = N_("{name}, we have answered you in our private chat.")
PRIVATE_ONLY = N_("For your privacy, this is only available in our private chat.")
PRIVATE_ONLY_TO = N_("{name}, for your privacy this is only available in our private chat.")
OPEN_FIRST = N_(
    "We cannot write to you privately yet. Please open a private chat with us, send /start, and try again."
)
OPEN_FIRST_TO = N_(
    "{name}, we cannot write to you privately yet. Please open a private chat with us (button below), send "
    "/start, and try again."
)
OPEN_PRIVATE_CHAT = N_("💬 Open a private chat")


def requires(role: Role) -> Callable[[Handler[R]], Handler[R | None]]:
    """Run the handler only for users holding ``role`` (by the database, whatever a button says)."""

    def decorate(handler: Handler[R]) -> Handler[R | None]:
        """Wrap ``handler`` so that only holders of the role reach it."""

        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> R | None:
            """Run the handler for a holder of the role; refuse everyone else politely."""
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


class InGroup(enum.Enum):
    """What a ``private_only`` handler does when used in a group."""

    REDIRECT = "redirect"  # answer in the private chat; the group hears only that it was sent there
    REFUSE = "refuse"  # do nothing; the group hears that this works only in the private chat


class _PrivateReplies(BotContext):
    """The context of a group update whose answers go to the sender's private chat instead."""

    def reply(self, text: str, markup: Markup | None = None) -> OutboxMessage:
        """Answer in the sender's private chat, not in the group the update came from."""
        return self.send(self.user.telegram_id, text, markup)

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> OutboxMessage | None:
        """A pressed message in a group is never edited: the screen is sent privately."""
        return self.reply(text, markup)


def in_private_chat(update: Update) -> bool:
    """Whether the update comes from the sender's own private chat with the bot."""
    chat, user = update.effective_chat, update.effective_user
    return chat is not None and user is not None and chat.type == ChatType.PRIVATE and chat.id == user.id


def _open_chat_markup(context: BotContext) -> InlineKeyboardMarkup | None:
    """A button that opens the private chat with the bot (none without a username)."""
    username = context.bot.username or (context.settings.bot_username or "").lstrip("@")
    if not username:
        return None
    button = InlineKeyboardButton(context.gettext(OPEN_PRIVATE_CHAT), url=f"https://t.me/{username}")
    return InlineKeyboardMarkup([[button]])


def _tell_group(update: Update, context: BotContext, toast: str, message: str, button: bool) -> None:
    """Say ``toast`` to a press (unless the handler already said something) or ``message`` in the group.

    The group message carries nothing but the sender's own first name, which the group shows anyway.
    """
    _ = context.gettext
    if update.callback_query is not None:
        answered = context.scope.callback_answer
        if answered is None or not answered.text:
            context.answer(_(toast), alert=toast != SENT_PRIVATELY)
        return
    text = _(message).format(name=html.escape(context.user.first_name))
    context.reply(text, _open_chat_markup(context) if button else None)


def private_only(
    in_group: InGroup = InGroup.REDIRECT,
    refusal: Callable[[BotContext], None] | None = None,
) -> Callable[[Handler[R]], Handler[R | None]]:
    """Show the handler's screens only in the sender's private chat (see the module's docstring).

    ``refusal`` replaces the group answer of ``InGroup.REFUSE`` for typed commands.
    """

    def decorate(handler: Handler[R]) -> Handler[R | None]:
        """Wrap ``handler`` so that it runs only in a private chat."""

        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> R | None:
            """Run the handler in a private chat; in a group refuse or point to the private chat."""
            if in_private_chat(update):
                return await handler(update, context)
            if in_group is InGroup.REFUSE:
                if refusal is not None and update.callback_query is None:
                    refusal(context)
                else:
                    _tell_group(update, context, PRIVATE_ONLY, PRIVATE_ONLY_TO, button=True)
                return None
            if not await reachable_privately(context.db, context.user):
                _tell_group(update, context, OPEN_FIRST, OPEN_FIRST_TO, button=True)
                return None
            result = await handler(update, _PrivateReplies.from_update(update, context.application))
            _tell_group(update, context, SENT_PRIVATELY, SENT_PRIVATELY_TO, button=False)
            return result

        return guarded

    return decorate


async def current_holder(session: AsyncSession, user_id: int, request_id: int) -> KickoffRequest | None:
    """The request if ``user_id`` may read its contact's details now: they are its advisor (an accepted
    or assigned offer), their profile is active and the request is still under way."""
    request = await session.get(KickoffRequest, request_id, populate_existing=True)
    if request is None or request.status not in OCCUPYING_STATUSES:
        return None
    advisor = await offers.holder(session, request_id)
    if advisor is None or advisor.user_id != user_id or not advisor.active:
        return None
    return request
