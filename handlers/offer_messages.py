"""The offer messages in an advisor's chat: sent with their outbox row remembered, and edited to say
what became of the offer once it ends, without buttons, so that no ended offer looks live.

An offer has up to two messages with Accept/Decline: the offer itself and its reminder. Each is
remembered by its outbox row (``offers.message_outbox_id``, ``offers.reminder_outbox_id``); once the
sender has delivered it the row holds Telegram's message id. A message not delivered yet is taken
back instead (the advisor then only gets the notice of what happened). The one the advisor accepted
in becomes their request's message (contact details, "propose a date"); when the coordinators pass
the request on to someone else, it is edited as well (:attr:`Ending.MOVED_ON`). Outbox rows are
pruned after their retention (14 days by default, longer than any offer deadline): a pruned one is
left alone.
"""

from __future__ import annotations

import enum

from sqlalchemy import select, update
from telegram import InlineKeyboardMarkup

from bot.i18n import N_
from bot.runtime import outbox
from handlers import request_view
from handlers.notify import Outbox, Reader
from models import Advisor, KickoffRequest, Offer, OutboxLane, OutboxMessage, OutboxStatus


class Ending(enum.StrEnum):
    """Why an offer message loses its buttons."""

    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the contact withdrew or the coordinators closed the request
    TAKEN = "taken"  # the coordinators gave the request to someone else
    RENEWED = "renewed"  # the coordinators offered it to the same advisor anew (a new message follows)
    ACCEPTED = "accepted"  # answered through the other message (offer or reminder)
    DECLINED = "declined"
    RETURNED = "returned"  # the hand offer went back to the coordinators (the advisor could not be reached)
    MOVED_ON = "moved_on"  # the advisor held the request; the coordinators passed it on to someone else


ENDING_TEXTS = {
    Ending.EXPIRED: N_("⌛ The time to answer this offer has passed."),
    Ending.WITHDRAWN: N_("↩️ This offer was withdrawn; you need not answer it any more."),
    Ending.TAKEN: N_("↩️ This offer was withdrawn: the coordination team gave the request to someone else."),
    Ending.RENEWED: N_("🔁 The coordination team renewed this offer; please answer the new message."),
    Ending.ACCEPTED: N_("✅ You accepted this offer."),
    Ending.DECLINED: N_("✖️ You declined this offer."),
    Ending.RETURNED: N_("↩️ This offer went back to the coordination team."),
    Ending.MOVED_ON: N_(
        "↪️ The coordination team has passed this request on to another advisor; you no longer look "
        "after it. Nothing more to do for it here."
    ),
}


def ended_text(r: Reader, request: KickoffRequest, ending: Ending) -> str:
    """What an ended offer's message says instead of the offer (or of the accepted request)."""
    if ending == Ending.MOVED_ON:
        head = r._("📂 Request {title}").format(title=request_view.title(request))
    else:
        head = r._("📨 Offer {title}").format(title=request_view.title(request))
    return f"{head}\n{r._(ENDING_TEXTS[ending])}"


async def send_offer(
    out: Outbox,
    r: Reader,
    offer: Offer,
    text: str,
    markup: InlineKeyboardMarkup,
    *,
    reminder: bool = False,
    lane: OutboxLane = OutboxLane.INTERACTIVE,
) -> None:
    """Queue an offer message (or its reminder) and remember its outbox row on the offer."""
    row = outbox.enqueue_text(out.session, r.chat_id, text, markup, lane=lane, inbox_id=out.inbox_id)
    await out.session.flush()  # the row's id
    if reminder:
        offer.reminder_outbox_id = row.id
    else:
        offer.message_outbox_id = row.id


async def end(
    out: Outbox,
    offer: Offer,
    request: KickoffRequest,
    ending: Ending,
    *,
    keep_message_id: int | None = None,
) -> None:
    """Edit every remembered message of the offer to say ``ending``, without buttons.

    ``keep_message_id`` is the message the advisor just pressed in (their handler edits it itself).
    """
    stored = await out.session.execute(
        select(Offer.message_outbox_id, Offer.reminder_outbox_id).where(Offer.id == offer.id)
    )
    ids = [i for i in stored.one() if i is not None]
    if not ids:
        return
    advisor = await out.session.get(Advisor, offer.advisor_id)
    r = await out.reader(advisor.user_id) if advisor is not None else None
    rows = await out.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    for row in list(rows):
        if row.status == OutboxStatus.PENDING:
            # Not delivered yet: an ended offer need not arrive at all.
            await out.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.CANCELLED)
                .execution_options(synchronize_session=False)
            )
        elif (
            row.status == OutboxStatus.SENT
            and row.telegram_message_id is not None
            and row.telegram_message_id != keep_message_id
            and r is not None
        ):
            text = ended_text(r, request, ending)
            outbox.enqueue_edit(
                out.session, row.chat_id, row.telegram_message_id, text, None, inbox_id=out.inbox_id
            )
