"""/anfragen and /requests: coordinators list, filter and open requests, and act on them (assign,
offer anew, close with a reason, add an internal note).

The work is done by :mod:`bot.services.coordination_requests` (reading) and
:mod:`bot.services.coordination_actions` (changing, audited); this module words it. Screens opened
from the coordinators' group are sent to the presser's private chat: a request holds the contact's
personal data, and typed notes are read there. Offering anew and closing are in
:mod:`handlers.coordinator_request_actions`.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.services import chat_inputs, coordination_actions
from bot.services.coordination_actions import NOTE_MAX, REASON_MAX, ActionOutcome
from bot.services.coordination_requests import list_requests
from bot.services.matching_data import rank_request
from handlers import coordinator_assign
from handlers import coordinator_request_actions as actions
from handlers import coordinator_request_list as lists
from handlers import coordinator_request_screen as screen
from handlers import coordinator_request_views as views
from handlers.callback_data import REQUESTS, Pressed, parse, pattern
from handlers.coordinator_request_actions import NOT_FOUND, STALE
from handlers.coordinator_request_list import ListState
from handlers.notify import me
from models import ChatInput, Role, utcnow

NOTE_INPUT = "rq_note"
REASON_INPUT = "rq_close"
KINDS: tuple[str, ...] = (NOTE_INPUT, REASON_INPUT)


async def _show_list(update: Update, context: BotContext, state: ListState) -> None:
    """Show a page of the request list in the state the coordinator chose."""
    page = await list_requests(
        context.db, utcnow(), state.filter(), state.page, waiting_after=screen.waiting_after(context)
    )
    _show(update, context, *lists.list_message(me(context), page, state))


_show = screen.show
_detail = screen.detail
_show_detail = screen.show_detail


@requires(Role.COORDINATOR)
@private_only()
async def list_command(update: Update, context: BotContext) -> None:
    """Answer /anfragen and /requests: the open requests, newest first."""
    await chat_inputs.clear(context.db, context.user.id, NOTE_INPUT)
    await chat_inputs.clear(context.db, context.user.id, REASON_INPUT)
    await _show_list(update, context, ListState())


@requires(Role.COORDINATOR)
@private_only()
async def button(update: Update, context: BotContext) -> None:
    """Every button of the request screens; what it may do is decided by the database now."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, REQUESTS)
    action = _ACTIONS.get(pressed.action) if pressed is not None else None
    if pressed is None or action is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    await action(update, context, pressed)


async def _list(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Show another page or filter of the request list."""
    state = ListState.parse(pressed.arg(1), pressed.arg(0))
    if state is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    context.answer()
    await _show_list(update, context, state)


async def _filter_menu(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Show the status or region filter of the list."""
    state = ListState.parse(pressed.arg(0))
    if state is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    context.answer()
    menu = lists.status_menu if pressed.action == "fs" else lists.region_menu
    _show(update, context, *menu(me(context), state))


async def _open(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Open a request's detail view, dropping any half-typed note or reason."""
    back = ListState.parse(pressed.arg(2), pressed.arg(1)) if len(pressed.args) >= 3 else None
    if len(pressed.args) >= 3 and back is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    await chat_inputs.clear(context.db, context.user.id, NOTE_INPUT)
    await chat_inputs.clear(context.db, context.user.id, REASON_INPUT)
    context.answer()
    await _show_detail(update, context, pressed.id(0), back)


async def _history(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Send the request's full history as separate messages."""
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer()
    for text in views.full_history(me(context), detail):
        context.send(context.user.telegram_id, text)


async def _assign(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Show the advisors ranked for the request, in place of the detail view."""
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer()
    ranking = await rank_request(context.db, detail.request.id, utcnow())
    heading = await coordinator_assign.assign_heading(context, detail.request)
    ranked = ranking.to_json() if ranking else []
    # In place of the detail view: choosing an advisor brings the view back, refreshed.
    _show(update, context, *coordinator_assign.ranking_in_detail(context, detail.request, ranked, heading))


async def _ask_text(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Ask for a note or a closing reason to be typed for the request."""
    _ = context.gettext
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(_(NOT_FOUND), alert=True)
        return
    kind = NOTE_INPUT if pressed.action == "n" else REASON_INPUT
    # The prompt replaces the view; once the text is in, the view comes back in its place.
    where = {"message_id": context.pressed_message_id()} if screen.private(update) else None
    await chat_inputs.expect(context.db, context.user.id, kind, utcnow(), detail.request.id, where)
    reference = html.escape(detail.request.reference)
    if kind == NOTE_INPUT:
        prompt = _(
            "📝 Please send the note for {reference} (up to {max} characters). Only coordinators see it."
        ).format(reference=reference, max=NOTE_MAX)
    else:
        prompt = _(
            "🔒 Please send the reason for closing {reference} (up to {max} characters). Only "
            "coordinators see it; the contact is told that the request was closed, without this text."
        ).format(reference=reference, max=REASON_MAX)
    context.answer()
    _show(update, context, *views.typing_prompt(me(context), detail.request.id, prompt))


async def _stop_typing(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Drop the note or reason being typed and show the request again."""
    await chat_inputs.clear(context.db, context.user.id, NOTE_INPUT)
    await chat_inputs.clear(context.db, context.user.id, REASON_INPUT)
    context.answer()
    await _show_detail(update, context, pressed.id(0))


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """A typed note or closing reason for the request the coordinator chose."""
    _ = context.gettext
    if not context.user.has_role(Role.COORDINATOR):
        await chat_inputs.clear(context.db, context.user.id)
        context.reply(_("This is only available to coordinators."))
        return
    limit = NOTE_MAX if row.kind == NOTE_INPUT else REASON_MAX
    if not text.strip() or len(text.strip()) > limit:
        await chat_inputs.expect(context.db, context.user.id, row.kind, utcnow(), row.target_id, row.data)
        prompt = _("Please send a text of up to {max} characters.").format(max=limit)
        context.reply(*views.typing_prompt(me(context), row.target_id or 0, prompt))
        return
    if not await chat_inputs.take(context.db, row):
        return
    assert context._update is not None
    at = (row.data or {}).get("message_id")
    at = at if isinstance(at, int) else None
    if row.kind == REASON_INPUT:
        await actions.close(context._update, context, row.target_id, text.strip(), at)
        return
    result = await coordination_actions.add_note(
        context.db, row.target_id or 0, context.user.id, text, utcnow()
    )
    if result.kind != ActionOutcome.DONE:
        context.reply(_(NOT_FOUND))
        return
    await _show_detail(context._update, context, row.target_id, notice=_("📝 Note saved."), at=at)


_ACTIONS = {
    "l": _list,
    "fs": _filter_menu,
    "fr": _filter_menu,
    "d": _open,
    "h": _history,
    "a": _assign,
    "o": actions.reoffer_ask,
    "oy": actions.reoffer,
    "c": actions.close_ask,
    "cr": actions.close_with_reason,
    "ct": _ask_text,
    "n": _ask_text,
    "q": _stop_typing,
}


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("requests").names, list_command),
        CallbackQueryHandler(button, pattern=pattern(REQUESTS)),
    ]
