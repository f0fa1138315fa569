"""An advisor gives back a request they accepted, with a reason: the cascade goes on without them.

Same rules as :mod:`bot.services.offers`: the request row is locked first and the holding offer is
compare-and-set to ``returned``, so a double tap or a race with a coordinator gives it back once.
An open kickoff date is cancelled (the contact is told, calendars get a cancellation if it had been
confirmed); the request goes to ``no_match`` and on to the next-ranked advisor who was not asked
before, or to the coordinators when nobody is left.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import assignment, funnel, offers
from bot.services.advisors import by_user
from bot.services.assignment import Withdrawal
from bot.services.offer_results import DEFAULT_OFFER_TIMING, OfferOutcome, OfferResult, OfferTiming
from models import HOLDING_STATUSES, KickoffRequest, Offer, OfferStatus, RequestStatus

# A request can be given back before its kickoff talk; afterwards the coordinators decide.
GIVE_BACK_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)
REASON_MAX = offers.DECLINE_REASON_MAX


async def can_give_back(session: AsyncSession, advisor_user_id: int, request: KickoffRequest) -> bool:
    """Whether the user is the request's active advisor and it is still before the kickoff talk."""
    holder = await offers.holder(session, request.id)
    return (
        request.status in GIVE_BACK_STATUSES
        and holder is not None
        and holder.active
        and holder.user_id == advisor_user_id
    )


async def give_back(
    session: AsyncSession,
    request_id: int,
    advisor_user_id: int,
    reason: str,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> tuple[OfferResult, Withdrawal | None]:
    """The advisor hands back the request (a reason key or short text).

    Returns a ``GIVEN_BACK`` result (``next``: the new offer or the escalation) and what the
    withdrawal took back (a cancelled booking to tell the contact about), or a result saying why
    nothing changed: ``NOT_YOURS`` (not their request: answer like ``NOT_FOUND``), ``REQUEST_CLOSED``.
    """
    advisor = await by_user(session, advisor_user_id)
    request = await funnel.lock_request(session, request_id)
    if advisor is None or request is None:
        return OfferResult(OfferOutcome.NOT_YOURS), None
    held = await session.scalar(
        select(Offer)
        .where(
            Offer.request_id == request_id,
            Offer.advisor_id == advisor.id,
            Offer.status.in_(HOLDING_STATUSES),
        )
        .order_by(Offer.id.desc())
        .limit(1)
    )
    if held is None or not advisor.active:
        return OfferResult(OfferOutcome.NOT_YOURS), None
    if request.status not in GIVE_BACK_STATUSES:
        return OfferResult(OfferOutcome.REQUEST_CLOSED, held, request, advisor), None
    why = reason.strip()[:REASON_MAX] or "other"
    taken = await session.execute(
        update(Offer)
        .where(Offer.id == held.id, Offer.status.in_(HOLDING_STATUSES))
        .values(
            status=OfferStatus.RETURNED,
            decided_at=now,
            decided_by_user_id=advisor_user_id,
            decline_reason=why,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return OfferResult(OfferOutcome.NOT_YOURS), None
    await session.refresh(held)
    withdrawal = await assignment.after_withdrawal(session, request.id, advisor_user_id, now)
    await funnel.move(session, request, RequestStatus.NO_MATCH, advisor_user_id, now, GIVE_BACK_STATUSES)
    # Everyone asked before (this advisor too) is ruled out by the ranking: the next one gets it.
    following = await offers.offer_next(session, request.id, now, timing)
    return OfferResult(OfferOutcome.GIVEN_BACK, held, request, advisor, next=following), withdrawal
