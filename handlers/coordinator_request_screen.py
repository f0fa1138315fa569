"""Showing a coordinator a request screen where they are: in place of the pressed message in the
private chat, as a new message for a typed command, and privately when pressed in the group (a
request holds the contact's personal data). Every action taken from a detail view ends here, so
that the view shows the request as it now is."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.context import BotContext
from bot.i18n import N_
from bot.runtime import outbox
from bot.services.coordination_requests import RequestDetail, request_detail
from handlers import coordinator_request_views as views
from handlers.coordinator_request_list import ListState
from handlers.notify import me
from models import utcnow

NOT_FOUND = N_("This request was not found.")


def waiting_after(context: BotContext) -> timedelta:
    """How long a request may wait for the programme's next step (``REQUEST_WAITING_DAYS``)."""
    return timedelta(days=context.settings.request_waiting_days)


def private(update: Update) -> bool:
    """Whether the update comes from a private chat."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def show(update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message in a private chat; from the group, write to the presser privately."""
    if update.callback_query is not None and private(update):
        context.edit(text, markup)
    elif private(update):
        context.reply(text, markup)
    else:
        context.send(context.user.telegram_id, text, markup)
        if update.callback_query is not None:
            context.answer(context.gettext("We have sent it to you in our private chat."))


async def detail(context: BotContext, request_id: int | None) -> RequestDetail | None:
    """The request's detail as it is now; None when there is no such request."""
    if request_id is None:
        return None
    return await request_detail(context.db, request_id, utcnow(), waiting_after(context))


async def show_detail(
    update: Update,
    context: BotContext,
    request_id: int | None,
    back: ListState | None = None,
    notice: str | None = None,
    at: int | None = None,
) -> None:
    """The request's detail view, as it is now, with ``notice`` (what just happened) above it; after
    typed text, in place of the message ``at`` (the prompt that had replaced the view)."""
    found = await detail(context, request_id)
    if found is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    text, markup = views.detail_message(me(context), found, back or ListState(), notice=notice)
    if at is not None and update.callback_query is None and private(update):
        # A typed note or reason: the prompt that replaced the view becomes the view again.
        chat = context.user.telegram_id
        outbox.enqueue_edit(context.db, chat, at, text, markup, inbox_id=context.scope.inbox_id)
        return
    show(update, context, text, markup)
