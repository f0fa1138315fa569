"""/auftraege, /assignments: the advisor's pending offers and the requests they hold, each to open.

An opened request shows the contact's details only to its current advisor (``authz.current_holder``:
holding offer, active profile, request under way), with the next step for its kickoff date: propose,
move, cancel or record the outcome; before the kickoff talk they can give it back with a reason
(:mod:`handlers.give_back`). A deactivated advisor sees their requests listed but cannot open
them. Everything is shown in the private chat only.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import current_holder, private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.services import advisors, booking, chat_inputs
from bot.services.give_back import GIVE_BACK_STATUSES
from bot.services.matching_data import OCCUPYING_STATUSES
from handlers import booking_notices, cascade, give_back, outcome
from handlers.advisor_profile import own_profile
from handlers.callback_data import MINE, OFFER, data, parse, pattern
from handlers.notify import Reader, me
from handlers.status import STATUS_WORDS
from models import Booking, BookingStatus, KickoffRequest, RequestStatus, Role, utcnow

SHOWN = 10


async def _overview(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup] | None:
    """The advisor's list of requests they hold, or None without a profile."""
    advisor = await own_profile(update, context)
    if advisor is None:
        return None
    r = me(context)
    _ = r._
    pending = await advisors.pending_offers(context.db, advisor.id)
    held = await advisors.assignments(context.db, advisor.id, OCCUPYING_STATUSES)
    parts, rows = [_("📋 <b>Your offers and requests</b>")], []
    if pending:
        lines = [_("<b>Waiting for your answer</b>")]
        for offer, request in pending[:SHOWN]:
            lines.append(
                _("• {title} – answer by {deadline}").format(
                    title=cascade.request_view.title(request), deadline=r.when(offer.respond_by)
                )
            )
            rows.append(
                [InlineKeyboardButton(f"📨 {request.reference}", callback_data=data(OFFER, "v", offer.id))]
            )
        parts.append("\n".join(lines))
    if held:
        lines = [_("<b>Your requests</b>")]
        for _offer, request in held[:SHOWN]:
            status = _(STATUS_WORDS[RequestStatus(request.status)])
            lines.append(f"• {cascade.request_view.title(request)} – {html.escape(status)}")
            if advisor.active:  # a deactivated advisor no longer reads the contact's details
                opened = data(MINE, "v", request.id)
                rows.append([InlineKeyboardButton(f"📂 {request.reference}", callback_data=opened)])
        parts.append("\n".join(lines))
    if not pending and not held:
        parts.append(_("Nothing at the moment. New offers arrive here in the chat."))
    parts.append(_("Your profile: /{command}").format(command=command("profile").name(context.locale)))
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def _booking_state(
    r: Reader, request: KickoffRequest, talk: Booking | None
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """Where the kickoff date stands and what the advisor can do next."""
    propose = [[booking_notices.propose_button(r, request)]]
    if talk is None or talk.status in (
        BookingStatus.DECLINED,
        BookingStatus.CANCELLED,
        BookingStatus.NOT_HELD,
    ):
        return r._(
            "<b>Kickoff date:</b> not agreed yet"
        ), propose if request.status == RequestStatus.ACCEPTED else []
    when = r.when(talk.starts_at)
    if talk.status == BookingStatus.PROPOSED:
        return r._("<b>Kickoff date:</b> {when} proposed, waiting for the contact").format(when=when), list(
            booking_notices.advisor_buttons(r, talk, request).inline_keyboard
        )
    if talk.status == BookingStatus.CONFIRMED and talk.starts_at <= utcnow():
        return r._("<b>Kickoff date:</b> {when} – please record the outcome").format(when=when), list(
            outcome.question(r, talk, request)[1].inline_keyboard
        )
    if talk.status == BookingStatus.CONFIRMED:
        return r._("<b>Kickoff date:</b> {when}, confirmed").format(when=when), list(
            booking_notices.advisor_buttons(r, talk, request).inline_keyboard
        )
    return r._("<b>Kickoff talk:</b> {when}, outcome recorded").format(when=when), []


async def _detail(context: BotContext, request_id: int) -> None:
    """Show one request the advisor holds, with its actions."""
    # Back on the page: a reason for giving it back that was asked for is no longer expected.
    await chat_inputs.clear(context.db, context.user.id, give_back.GIVE_BACK_INPUT)
    request = await current_holder(context.db, context.user.id, request_id)
    if request is None:
        context.answer(context.gettext("This is not available (any more)."), alert=True)
        return
    r = me(context)
    status = html.escape(r._(STATUS_WORDS[RequestStatus(request.status)]))
    heading = f"📂 {cascade.request_view.title(request)}\n" + r._("Status: {status}").format(status=status)
    text, _markup = cascade.held_message(r, request, heading, propose=False)
    state, rows = _booking_state(r, request, await booking.for_request(context.db, request.id))
    if request.status in GIVE_BACK_STATUSES:
        rows.append([give_back.button(r, request)])
    rows = [*rows, [InlineKeyboardButton(r._("⬅️ All my offers and requests"), callback_data=data(MINE, "l"))]]
    context.answer()
    context.edit(f"{text}\n\n{state}", InlineKeyboardMarkup(rows))


@requires(Role.ADVISOR)
@private_only()
async def show_assignments(update: Update, context: BotContext) -> None:
    """Answer /auftraege and /assignments."""
    overview = await _overview(update, context)
    if overview is not None:
        context.reply(*overview)


@requires(Role.ADVISOR)
@private_only()
async def assignments_button(update: Update, context: BotContext) -> None:
    """Open a held request, go back to the list, or give a request back (reason, then done)."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, MINE)
    if pressed is not None and pressed.action == "l":
        overview = await _overview(update, context)
        if overview is not None:
            context.answer()
            context.edit(*overview)
    elif pressed is not None and pressed.action == "v" and (request_id := pressed.id(0)) is not None:
        await _detail(context, request_id)
    elif pressed is not None and pressed.action == "g" and (request_id := pressed.id(0)) is not None:
        await give_back.ask_reason(context, request_id)
    elif pressed is not None and pressed.action == "gr" and (request_id := pressed.id(0)) is not None:
        await give_back.confirm(context, request_id, pressed.arg(1))
    elif pressed is not None and pressed.action == "go" and (request_id := pressed.id(0)) is not None:
        await give_back.ask_typed(context, request_id)
    else:
        context.answer(context.gettext("This button is no longer valid."), alert=True)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("assignments").names, show_assignments),
        CallbackQueryHandler(assignments_button, pattern=pattern(MINE)),
    ]
