"""After a contact withdrew a request: a pending offer is taken back, an open kickoff date cancelled,
and the advisor concerned is told (with a calendar cancellation if the date had been confirmed)."""

from __future__ import annotations

import html

from bot.context import BotContext
from bot.services import assignment, offers
from handlers import booking_notices, cascade
from handlers.notify import Outbox
from models import Advisor, KickoffRequest, utcnow


async def after_withdrawal(context: BotContext, request: KickoffRequest) -> None:
    """Call right after ``requests.withdraw`` succeeded, in the same transaction."""
    out = Outbox.of(context)
    withdrawal = await assignment.after_withdrawal(context.db, request.id, context.user.id, utcnow())
    await cascade.announce(out, withdrawal.offer)  # the offered advisor: "withdrawn"
    holder = await offers.holder(context.db, request.id)
    r = await out.reader(holder.user_id) if holder is not None else None
    if holder is None or r is None:
        return
    text = r._("ℹ️ The contact withdrew the request {reference}. Nothing more to do for it.").format(
        reference=html.escape(request.reference)
    )
    talk = withdrawal.booking
    if talk is not None:
        text += "\n" + r._("The kickoff talk on {when} is cancelled.").format(when=r.when(talk.starts_at))
    out.send(r, text)
    if talk is not None and withdrawal.booking_was_confirmed:
        advisor = await context.db.get(Advisor, talk.advisor_id) or holder
        booking_notices.send_calendar_file(out, r, talk, request, advisor)
