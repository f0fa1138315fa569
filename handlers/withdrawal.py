"""After a contact withdrew a request: a pending offer is taken back, an open kickoff date cancelled,
and the advisor concerned is told (with a calendar cancellation if the date had been confirmed)."""

from __future__ import annotations

import html

from bot.context import BotContext
from bot.i18n import N_
from bot.services import assignment, offers
from bot.services.assignment import Withdrawal
from handlers import booking_notices, cascade
from handlers.notify import Outbox
from models import Advisor, KickoffRequest, utcnow


async def after_withdrawal(context: BotContext, request: KickoffRequest) -> None:
    """Call right after ``requests.withdraw`` succeeded, in the same transaction."""
    out = Outbox.of(context)
    withdrawal = await assignment.after_withdrawal(context.db, request.id, context.user.id, utcnow())
    holder = await offers.holder(context.db, request.id)
    await tell_advisors(
        out,
        request,
        withdrawal,
        holder,
        N_("ℹ️ The contact withdrew the request {reference}. Nothing more to do for it."),
    )


async def tell_advisors(
    out: Outbox, request: KickoffRequest, withdrawal: Withdrawal, holder: Advisor | None, message: str
) -> None:
    """Tell the advisor with a pending offer that it was withdrawn, and the advisor who held the
    request ``message`` (an untranslated msgid with ``{reference}``), with the calendar cancellation
    if a confirmed talk was cancelled."""
    await cascade.announce(out, withdrawal.offer)  # the offered advisor: "withdrawn"
    r = await out.reader(holder.user_id) if holder is not None else None
    if holder is None or r is None:
        return
    text = r._(message).format(reference=html.escape(request.reference))
    talk = withdrawal.booking
    if talk is not None:
        text += "\n" + r._("The kickoff talk on {when} is cancelled.").format(when=r.when(talk.starts_at))
    out.send(r, text)
    # The calendar file names the contact: a deactivated advisor gets the plain notice only.
    if talk is not None and withdrawal.booking_was_confirmed and holder.active:
        advisor = await out.session.get(Advisor, talk.advisor_id) or holder
        booking_notices.send_calendar_file(out, r, talk, request, advisor)
