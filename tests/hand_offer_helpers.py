"""A request held by an advisor the coordinators chose: offered by hand, then accepted by them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import assignment, coordination_actions, offers
from bot.services.offers import OfferOutcome, OfferResult
from models import Advisor, Offer, OutboxMessage, OutboxStatus
from tests.harness import Harness, Sent, TelegramUser


async def accept_hand_offer(session: AsyncSession, offered: OfferResult, now: datetime) -> OfferResult:
    """The advisor of a hand offer accepts it (as they do with the offer's button)."""
    assert offered.kind == OfferOutcome.ASSIGNED and offered.offer is not None, offered
    advisor = await session.get(Advisor, offered.offer.advisor_id)
    assert advisor is not None and advisor.user_id is not None
    accepted = await offers.accept(session, offered.offer.id, advisor.user_id, now)
    assert accepted.kind == OfferOutcome.ACCEPTED, accepted
    return accepted


async def assign_and_accept(
    session: AsyncSession,
    request_id: int,
    advisor_id: int,
    coordinator_user_id: int,
    now: datetime,
    *,
    audited: bool = False,
) -> OfferResult:
    """Offer the request to the advisor by hand (``audited``: through the coordinator action) and
    let them accept it at once; the accepted result."""
    if audited:
        offered = await coordination_actions.assign(session, request_id, advisor_id, coordinator_user_id, now)
    else:
        offered = await assignment.assign_manually(session, request_id, advisor_id, coordinator_user_id, now)
    return await accept_hand_offer(session, offered, now)


async def deliver_outbox(h: Harness) -> None:
    """What the sender does: every pending outbox row is sent and gets a Telegram message id."""
    async with h.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        for row in list(rows):
            row.status, row.telegram_message_id = OutboxStatus.SENT, 50_000 + row.id


async def offer_message_id(h: Harness, offer_id: int) -> int:
    """The Telegram message id of the offer's message (after :func:`deliver_outbox`)."""
    async with h.runtime.db.transaction() as session:
        offer = await session.get(Offer, offer_id)
        assert offer is not None and offer.message_outbox_id is not None
        row = await session.get(OutboxMessage, offer.message_outbox_id)
        assert row is not None and row.telegram_message_id is not None
        return row.telegram_message_id


def edits_of(sent: list[Sent], person: TelegramUser, message_id: int) -> list[Sent]:
    """The edits of one message in a person's chat among ``sent``."""
    return [
        s
        for s in sent
        if s.method == "editMessageText"
        and s.chat_id == person.id
        and s.payload.get("message_id") == message_id
    ]
