"""/anfragen and /requests: coordinators list, filter and open requests, and act on them (assign,
offer anew, close with a reason, add an internal note).

The work is done by :mod:`bot.services.coordination_requests` (reading) and
:mod:`bot.services.coordination_actions` (changing, audited); this module words it. Screens opened
from the coordinators' group are sent to the presser's private chat: a request holds the contact's
personal data, and typed notes are read there.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs, coordination_actions
from bot.services.coordination_actions import NOTE_MAX, REASON_MAX, ActionOutcome
from bot.services.coordination_requests import list_requests
from bot.services.matching_data import rank_request
from bot.services.offers import OfferTiming
from handlers import cascade, closing_notices, coordinator_assign, withdrawal
from handlers import coordinator_request_list as lists
from handlers import coordinator_request_screen as screen
from handlers import coordinator_request_views as views
from handlers.callback_data import REQUESTS, Pressed, parse, pattern
from handlers.coordinator_request_list import ListState
from handlers.notify import Outbox, me
from models import ChatInput, Role, utcnow

NOTE_INPUT = "rq_note"
REASON_INPUT = "rq_close"
KINDS: tuple[str, ...] = (NOTE_INPUT, REASON_INPUT)
STALE = N_("This button is no longer valid.")
NOT_FOUND = N_("This request was not found.")
CANNOT_REOFFER = N_("This request cannot be offered anew in its current state.")
ALREADY_FINISHED = N_("This request is already finished.")


async def _show_list(update: Update, context: BotContext, state: ListState) -> None:
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
    state = ListState.parse(pressed.arg(1), pressed.arg(0))
    if state is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    context.answer()
    await _show_list(update, context, state)


async def _filter_menu(update: Update, context: BotContext, pressed: Pressed) -> None:
    state = ListState.parse(pressed.arg(0))
    if state is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    context.answer()
    menu = lists.status_menu if pressed.action == "fs" else lists.region_menu
    _show(update, context, *menu(me(context), state))


async def _open(update: Update, context: BotContext, pressed: Pressed) -> None:
    back = ListState.parse(pressed.arg(2), pressed.arg(1)) if len(pressed.args) >= 3 else None
    if len(pressed.args) >= 3 and back is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    await chat_inputs.clear(context.db, context.user.id, NOTE_INPUT)
    await chat_inputs.clear(context.db, context.user.id, REASON_INPUT)
    context.answer()
    await _show_detail(update, context, pressed.id(0), back)


async def _history(update: Update, context: BotContext, pressed: Pressed) -> None:
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer()
    for text in views.full_history(me(context), detail):
        context.send(context.user.telegram_id, text)


async def _assign(update: Update, context: BotContext, pressed: Pressed) -> None:
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


async def _reoffer_ask(update: Update, context: BotContext, pressed: Pressed) -> None:
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer()
    _show(update, context, *views.reoffer_confirmation(me(context), detail))


async def _refused(
    update: Update, context: BotContext, kind: ActionOutcome, request_id: int, why: str
) -> bool:
    """Answer an action the service did not do (``why`` when the status did not allow it, then the
    request as it is now); False when it was done."""
    if kind == ActionOutcome.DONE:
        return False
    context.answer(context.gettext(NOT_FOUND if kind == ActionOutcome.NOT_FOUND else why), alert=True)
    if kind != ActionOutcome.NOT_FOUND:
        await _show_detail(update, context, request_id)
    return True


async def _reoffer(update: Update, context: BotContext, pressed: Pressed) -> None:
    _ = context.gettext
    request_id = pressed.id(0)
    if request_id is None:
        context.answer(_(STALE), alert=True)
        return
    timing = OfferTiming.from_settings(context.settings)
    result = await coordination_actions.reoffer(context.db, request_id, context.user.id, utcnow(), timing)
    if await _refused(update, context, result.kind, request_id, CANNOT_REOFFER):
        return
    out = Outbox.of(context)
    await cascade.announce(out, result.withdrawn)
    await cascade.announce(out, result.next)
    following = result.next
    if following is not None and following.advisor is not None and following.offer is not None:
        context.answer(_("Offered to {name}.").format(name=following.advisor.display_name))
    else:
        context.answer(_("No advisor is available; the request waits for you to assign it."), alert=True)
    await _show_detail(update, context, request_id)


async def _close_ask(update: Update, context: BotContext, pressed: Pressed) -> None:
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer()
    _show(update, context, *views.close_menu(me(context), detail.request.id, detail.request.reference))


async def _close_with_reason(update: Update, context: BotContext, pressed: Pressed) -> None:
    label = views.CLOSE_REASONS.get(pressed.arg(1))
    if label is None or pressed.id(0) is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    # The reason is recorded in the closing coordinator's language, as they chose it; the contact
    # reads the code's own sentence in theirs.
    await _close(update, context, pressed.id(0), context.gettext(label), code=pressed.arg(1))


async def _close(
    update: Update,
    context: BotContext,
    request_id: int | None,
    reason: str,
    at: int | None = None,
    code: str | None = None,
) -> None:
    _ = context.gettext
    if request_id is None:
        context.answer(_(STALE), alert=True)
        return
    result = await coordination_actions.close_request(
        context.db, request_id, context.user.id, reason, utcnow(), code=code
    )
    if await _refused(update, context, result.kind, request_id, ALREADY_FINISHED) or result.request is None:
        return
    out = Outbox.of(context)
    if result.withdrawal is not None:
        await withdrawal.tell_advisors(
            out, result.request, result.withdrawal, result.holder, closing_notices.CLOSED_FOR_HOLDER
        )
    await closing_notices.tell_contact(out, result.request, code)
    context.answer(_("Closed."))
    await _show_detail(update, context, request_id, notice=_("🔒 Closed."), at=at)


async def _ask_text(update: Update, context: BotContext, pressed: Pressed) -> None:
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
        await _close(context._update, context, row.target_id, text.strip(), at)
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
    "o": _reoffer_ask,
    "oy": _reoffer,
    "c": _close_ask,
    "cr": _close_with_reason,
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
