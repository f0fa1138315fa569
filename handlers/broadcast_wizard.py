"""/rundruf and /broadcast: coordinators write one message to many, in four steps.

1. audience: advisors, contacts who agreed to receive news, or both;
2. narrowing (optional, combinable): Regierungsbezirk, Kreis (typed, searched in the region
   registry), language, request status, with the live recipient count after every change;
3. content: a text (its Telegram formatting kept as HTML) or a photo/document with a caption;
4. preview: the message exactly as recipients get it, the count, and send now / schedule /
   change audience / change text / discard.

Everything lives in the database, so a restart mid-wizard loses nothing: until the content
arrives the choices are the data of the coordinator's ``chat_inputs`` row (which also routes
their typed Kreis names, texts and dates here); from then on the draft is a ``Broadcast`` row.
Wizard buttons carry a token of the wizard they belong to, so an old screen's buttons change
nothing; toggles say "on" or "off" rather than "flip", so a double tap does not undo itself.
Releasing, cancelling and retrying are compare-and-set in the services: a second tap is told
politely that it already happened.

This module takes the command, routes every button and typed answer to the step it belongs to
(``broadcast_wizard_audience``, ``_compose``, ``_draft``, ``_run``) and registers the handlers.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.authz import InGroup, private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs
from handlers import broadcast_texts_draft as btd
from handlers.broadcast_wizard_audience import (
    kreis_typed,
    on_audience,
    on_back_to_audience,
    on_clear,
    on_filter,
    on_screen,
    start,
)
from handlers.broadcast_wizard_compose import (
    message_of,
    on_media,
    on_next,
    take_content,
)
from handlers.broadcast_wizard_draft import (
    on_continue,
    on_draft_action,
    on_drop_wizard,
    on_start_over,
    when_typed,
)
from handlers.broadcast_wizard_run import (
    on_cancel,
    on_cancel_ask,
    on_cancel_no,
    on_progress,
    on_recent,
    on_retry,
)
from handlers.broadcast_wizard_state import (
    AUDIENCE_INPUT,
    WHEN_INPUT,
    open_question,
    own_draft,
    say,
)
from handlers.broadcast_wizard_state import KINDS as WIZARD_KINDS
from handlers.callback_data import BROADCAST, parse, pattern
from handlers.notify import me
from models import (
    ChatInput,
    Role,
)

# The chat_inputs kinds whose typed answers handlers.awaiting hands to ``on_text``.
KINDS: tuple[str, ...] = WIZARD_KINDS


def _write_privately(context: BotContext) -> None:
    """The group's answer to /rundruf: broadcasts are written in the private chat."""
    context.reply(
        context.gettext("Please write broadcasts in your private chat with us: /{command}").format(
            command=command("broadcast").name(context.locale)
        )
    )


@requires(Role.COORDINATOR)
@private_only(InGroup.REFUSE, refusal=_write_privately)
async def broadcast_command(update: Update, context: BotContext) -> None:
    """Start a broadcast, or offer to continue the unfinished one."""
    if await open_question(context) is not None or await own_draft(context) is not None:
        r = me(context)
        context.reply(btd.unfinished_text(r), btd.unfinished_markup(r))
        return
    await start(context)


DRAFT_ACTIONS = ("s", "t", "q", "w", "p", "ea", "et", "d")


@requires(Role.COORDINATOR)
@private_only()
async def on_button(update: Update, context: BotContext) -> None:
    """Every button of the wizard, the progress message, the report and the recent list."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, BROADCAST)
    if pressed is None:
        say(context, N_("This button is no longer valid."))
        return
    routes = {
        "a": on_audience,
        "m": on_screen,
        "f": on_filter,
        "c": on_clear,
        "b": on_back_to_audience,
        "n": on_next,
        "z": on_drop_wizard,
        "x": on_cancel_ask,
        "xy": on_cancel,
        "v": on_progress,
        "r": on_retry,
        **dict.fromkeys(DRAFT_ACTIONS, on_draft_action),
    }
    if pressed.action in routes:
        await routes[pressed.action](context, pressed)
    elif pressed.action == "k":
        await on_continue(context)
    elif pressed.action == "o":
        await on_start_over(context)
    elif pressed.action == "l":
        await on_recent(context)
    elif pressed.action == "xn":
        await on_cancel_no(context)
    else:
        say(context, N_("This button is no longer valid."))


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """A typed answer to one of this module's questions (see ``KINDS``)."""
    if not context.user.has_role(Role.COORDINATOR):
        await chat_inputs.take(context.db, row)
        context.reply(context.gettext("This is only available to coordinators."))
        return
    if row.kind == AUDIENCE_INPUT:
        await kreis_typed(context, row, text)
    elif row.kind == WHEN_INPUT:
        await when_typed(context, row, text)
    else:
        message = message_of(context)
        await take_content(context, row, message.text_html if message is not None else escape(text), None)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("broadcast").names, broadcast_command),
        CallbackQueryHandler(on_button, pattern=pattern(BROADCAST)),
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
            on_media,
        ),
    ]
