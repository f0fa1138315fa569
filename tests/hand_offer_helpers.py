"""A request held by an advisor the coordinators chose: offered by hand, then accepted by them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import assignment, coordination_actions, offers
from bot.services.offers import OfferOutcome, OfferResult
from models import Advisor


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
