"""The video link of an online kickoff talk: the advisor taps "🔗 Add video link", sends the link as
a message, and the contact gets it (with the calendar files again once the date is confirmed)."""

from __future__ import annotations

import html

from bot.context import BotContext
from bot.i18n import N_
from bot.services import booking_wishes, chat_inputs, offers
from bot.services.booking import OPEN
from bot.services.booking_results import BookingOutcome
from handlers import booking_notices
from handlers.notify import Outbox, me
from models import Booking, BookingStatus, ChatInput, KickoffRequest, MeetingFormat, utcnow

LINK_INPUT = "bk_link"
MOVED_ON = N_("This request has been passed on to another advisor; nothing more to do for it. Thank you.")


async def ask(context: BotContext, booking_id: int) -> None:
    """ "🔗 Add video link": ask the request's advisor to send the link."""
    _ = context.gettext
    talk = await context.db.get(Booking, booking_id, populate_existing=True)
    request = await context.db.get(KickoffRequest, talk.request_id) if talk else None
    holder = await offers.holder(context.db, talk.request_id) if talk else None
    if talk is None or request is None or holder is None or holder.user_id != context.user.id:
        context.answer(_("This is not available (any more)."), alert=True)
        return
    if talk.status not in OPEN or request.meeting_format != MeetingFormat.ONLINE:
        context.answer(_("This talk is not planned any more."), alert=True)
        return
    await chat_inputs.expect(context.db, context.user.id, LINK_INPUT, utcnow(), talk.id)
    context.answer()
    context.reply(
        _("🔗 Please send the link to the video meeting for {reference} (starting with https://).").format(
            reference=html.escape(request.reference)
        )
    )


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """The advisor's typed link: check it, store it and tell the contact."""
    _ = context.gettext
    link = booking_wishes.valid_link(text)
    if link is None:
        context.reply(_("This does not look like a web link. Please send a link starting with https://."))
        return
    if row.target_id is None or not await chat_inputs.take(context.db, row):
        return
    result = await booking_wishes.set_link(context.db, row.target_id, context.user.id, link, utcnow())
    talk, request, advisor = result.booking, result.request, result.advisor
    if result.kind == BookingOutcome.MOVED_ON:
        context.reply(_(MOVED_ON))
        return
    if result.kind != BookingOutcome.PROPOSED or talk is None or request is None or advisor is None:
        context.reply(_("This talk is not planned any more."))
        return
    confirmed = talk.status == BookingStatus.CONFIRMED
    context.reply(
        _("🔗 Saved. The contact gets the link now.")
        if not confirmed
        else _("🔗 Saved. The contact gets the link and both of you an updated calendar entry.")
    )
    out = Outbox.of(context)
    contact = await out.reader(request.contact_user_id)
    if contact is not None:
        note = contact._("🔗 {name} sent the video link for your kickoff talk {reference} on {when}.").format(
            name=html.escape(advisor.display_name),
            reference=html.escape(request.reference),
            when=contact.when(talk.starts_at),
        )
        out.send(contact, note + booking_notices.link_line(contact, talk))
        if confirmed:
            booking_notices.send_calendar_file(out, contact, talk, request, advisor)
    if confirmed:
        booking_notices.send_calendar_file(out, me(context), talk, request, advisor)
