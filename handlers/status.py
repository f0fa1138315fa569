"""/status and /meineanfragen: a contact's requests in plain words, one opened, withdrawal confirmed.

Buttons carry the request's id only; every press is checked against the presser's own requests,
so another contact's id shows nothing (not even that it exists).
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import InGroup, private_only
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_, format_date
from bot.services import booking, intake, offers, requests
from handlers import booking_notices
from handlers import status_words as shared
from handlers.intake import callbacks, entry, summary
from handlers.intake.common import pressed_by_owner
from handlers.intake.entry import where
from handlers.menus import REQUEST, STATUS
from handlers.notify import me
from models import Booking, BookingStatus, KickoffRequest, RequestStatus, utcnow

PREFIX = "st"
SHOWN = 10

# One vocabulary with the advisors' and coordinators' screens (importers use this name).
STATUS_WORDS = shared.STATUS_WORDS
NEXT_STEPS = {
    RequestStatus.SUBMITTED: N_("We are looking for an advisor who fits your languages and your region."),
    RequestStatus.OFFERED: N_("An advisor is considering your request; you will hear from us soon."),
    RequestStatus.ACCEPTED: N_("Your advisor will propose a date for the kickoff talk."),
    RequestStatus.SCHEDULED: N_("The kickoff talk takes place as agreed."),
    RequestStatus.KICKOFF_HELD: N_("You and your advisor decide whether a consultation follows."),
    RequestStatus.CONSULTATION: N_("Your advisor accompanies you over the coming months."),
    RequestStatus.CLOSED: N_("Nothing more to do. Thank you!"),
    RequestStatus.WITHDRAWN: N_("Nothing more to do. You can send a new request at any time."),
    RequestStatus.CANCELLED: N_("Nothing more to do. You can send a new request at any time."),
    RequestStatus.NO_MATCH: N_("The coordination team is looking for a suitable advisor personally."),
}

# While a request is accepted: the next step once a date was proposed, or another one asked for.
TALK_STEPS = {
    BookingStatus.PROPOSED: N_("Please confirm the proposed date or ask for another one."),
    BookingStatus.DECLINED: N_("Your advisor will propose another date."),
}


def _button(label: str, action: str, request_id: int | None = None) -> InlineKeyboardButton:
    data = f"{PREFIX}:{action}" + (f":{request_id}" if request_id is not None else "")
    return InlineKeyboardButton(label, callback_data=data)


async def _state(context: BotContext, request: KickoffRequest, talk: Booking | None) -> str:
    """The request's status, advisor and date in plain words, and what comes next (``talk`` is
    its booking, read by the caller)."""
    _ = context.gettext
    status = RequestStatus(request.status)
    lines = [_("Status: {status}").format(status=_(STATUS_WORDS[status]))]
    step = NEXT_STEPS[status]
    if status not in (RequestStatus.WITHDRAWN, RequestStatus.CANCELLED):
        # Who advises them and when they meet is what a contact looks for first.
        advisor = await offers.holder(context.db, request.id)
        if advisor is not None:
            lines.append(_("Your advisor: {name}").format(name=html.escape(advisor.display_name)))
        if talk is not None and talk.status == BookingStatus.CONFIRMED:
            lines.append(_("Kickoff talk: {when}").format(when=me(context).when(talk.starts_at)))
        if talk is not None and talk.status == BookingStatus.PROPOSED and status == RequestStatus.ACCEPTED:
            lines.append(_("Proposed date: {when}").format(when=me(context).when(talk.starts_at)))
        if talk is not None and status == RequestStatus.ACCEPTED:
            # Between acceptance and a confirmed date the next step depends on the date's state.
            step = TALK_STEPS.get(BookingStatus(talk.status), step)
    lines.append(_("Next: {step}").format(step=_(step)))
    return "\n".join(lines)


async def _overview(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    user_id = context.user.id
    shown = await requests.list_for_contact(context.db, user_id, SHOWN)
    # Fewer than the page holds are all there are: counted only when the page is full.
    total = len(shown) if len(shown) < SHOWN else await requests.count_for_contact(context.db, user_id)
    draft = await intake.get_draft(context.db, user_id)
    parts, rows = [_("<b>Your requests</b>")], []
    if draft is not None:
        parts.append("📝 " + where(context, draft))
        rows.append(
            [InlineKeyboardButton(_("▶️ Continue"), callback_data=callbacks.data(callbacks.GENERAL, "cont"))]
        )
    for request in shown:
        when = format_date(request.created_at, context.locale, context.settings.tz, "medium")
        title = _("<b>{reference}</b> · {place}, sent on {date}").format(
            reference=html.escape(request.reference), place=html.escape(request.place_name), date=when
        )
        talk = await booking.for_request(context.db, request.id)
        parts.append(title + "\n" + await _state(context, request, talk))
        rows.append([_button(_("🔎 Open {reference}").format(reference=request.reference), "o", request.id)])
    if total > len(shown):
        parts.append(
            _("Showing the latest {shown} of {total} requests.").format(shown=len(shown), total=total)
        )
    if not shown and draft is None:
        parts.append(_("You have not sent a request yet."))
        rows.append([InlineKeyboardButton(_("📝 Request a kickoff talk"), callback_data=REQUEST)])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


async def _detail(
    context: BotContext, request: KickoffRequest, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    head = [notice] if notice else []
    talk = await booking.for_request(context.db, request.id)
    head += [f"<b>{html.escape(request.reference)}</b>", await _state(context, request, talk)]
    text = summary.render(context, summary.fields_of_request(request), head, [])
    rows = []
    proposed = talk is not None and talk.status == BookingStatus.PROPOSED
    if request.status == RequestStatus.ACCEPTED and proposed:
        rows.append([_button(_("📅 Answer the proposed date"), "d", request.id)])
    if request.status in requests.WITHDRAWABLE:
        rows.append([_button(_("↩️ Withdraw request"), "w", request.id)])
    rows.append([_button(_("⬅️ All my requests"), "l")])
    return text, InlineKeyboardMarkup(rows)


@private_only(InGroup.REFUSE, refusal=entry.private_only)
async def show_status(update: Update, context: BotContext) -> None:
    """Answer /status and /meineanfragen with the list of the contact's requests (in a group, like
    the intake, only a pointer to the private chat)."""
    context.reply(*await _overview(context))


@private_only(InGroup.REFUSE)
async def status_menu_button(update: Update, context: BotContext) -> None:
    """The menu's "My requests" button: the list in place of the menu."""
    context.answer()
    context.edit(*await _overview(context))


def _parse(data: str | None) -> tuple[str, int | None] | None:
    parts = (data or "").split(":")
    if len(parts) == 2 and parts[1] == "l":
        return "l", None
    if len(parts) == 3 and parts[1] in ("o", "w", "y", "d") and parts[2].isdigit() and len(parts[2]) <= 12:
        return parts[1], int(parts[2])
    return None


async def status_button(update: Update, context: BotContext) -> None:
    """Open a request, ask to confirm a withdrawal, withdraw, or go back to the list."""
    assert update.callback_query is not None
    _ = context.gettext
    parsed = _parse(update.callback_query.data)
    if parsed is None or not pressed_by_owner(update):
        context.answer(
            _("This button is not for you.") if parsed else _("This button is no longer valid."), alert=True
        )
        return
    action, request_id = parsed
    if action == "l":
        context.answer()
        context.edit(*await _overview(context))
        return
    assert request_id is not None
    request = await requests.get_for_contact(context.db, request_id, context.user.id)
    if request is None:
        context.answer(_("This request was not found."), alert=True)
        return
    context.answer()
    if action == "o":
        context.edit(*await _detail(context, request))
    elif action == "w":
        await _confirm_withdrawal(context, request)
    elif action == "d":
        await _proposal_again(context, request)
    elif await requests.withdraw(context.db, request.id, context.user.id, utcnow()):
        # Issue 6: take back a pending offer or an open kickoff date, and tell the advisor.
        from handlers.withdrawal import after_withdrawal

        await after_withdrawal(context, request)
        notice = _("↩️ Your request {reference} has been withdrawn.").format(
            reference=html.escape(request.reference)
        )
        context.edit(*await _detail(context, request, notice))
    else:
        notice = "⚠️ " + _("This request can no longer be withdrawn.")
        context.edit(*await _detail(context, request, notice))


async def _proposal_again(context: BotContext, request: KickoffRequest) -> None:
    """The open proposal once more as a new message, with its Confirm and Another date buttons
    (the first one may be far up the chat); if it was answered meanwhile, the request as it is."""
    talk = await booking.for_request(context.db, request.id)
    advisor = await offers.holder(context.db, request.id)
    if talk is None or talk.status != BookingStatus.PROPOSED or advisor is None:
        context.edit(*await _detail(context, request))
        return
    context.reply(*booking_notices.proposal_for_contact(me(context), talk, request, advisor))


async def _confirm_withdrawal(context: BotContext, request: KickoffRequest) -> None:
    _ = context.gettext
    if request.status not in requests.WITHDRAWABLE:
        context.edit(*await _detail(context, request, "⚠️ " + _("This request can no longer be withdrawn.")))
        return
    text = _("Do you really want to withdraw your request {reference}? This cannot be undone.").format(
        reference=html.escape(request.reference)
    )
    markup = InlineKeyboardMarkup(
        [[_button(_("Yes, withdraw"), "y", request.id), _button(_("No, keep it"), "o", request.id)]]
    )
    context.edit(text, markup)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("status").names, show_status),
        CallbackQueryHandler(status_menu_button, pattern=f"^{STATUS}$"),
        CallbackQueryHandler(status_button, pattern=f"^{PREFIX}:"),
    ]
