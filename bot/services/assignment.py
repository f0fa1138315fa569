"""What coordinators and contacts do from outside the cascade: offer by hand, withdraw a request.

Same rules as :mod:`bot.services.offers`: the request row is locked first, every offer change is a
compare-and-set, and the result says whom to notify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import funnel
from bot.services.matching import rank
from bot.services.matching_data import advisor_facts, needs_of
from bot.services.offers import (
    DEFAULT_OFFER_TIMING,
    OfferOutcome,
    OfferResult,
    OfferTiming,
    add_offer,
    claim,
    holder,
    pending_offer,
)
from models import (
    Advisor,
    Booking,
    BookingStatus,
    KickoffRequest,
    OfferStatus,
    RequestStatus,
    Role,
    User,
)

OPEN_BOOKINGS = (BookingStatus.PROPOSED, BookingStatus.CONFIRMED)


async def assign_manually(
    session: AsyncSession,
    request_id: int,
    advisor_id: int,
    coordinator_user_id: int,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> OfferResult:
    """A coordinator offers the request to an advisor by hand, past capacity and pauses (not past
    inactivity): an offer "from the coordination team" with the usual deadline (``ASSIGNED``).

    The advisor still answers it: the request moves to ``offered`` and is theirs only once they
    accept; a decline or no answer gives it back to the coordinators (:func:`offers.carry_on`). A
    pending offer is withdrawn first (``result.withdrawn``), also one to the same advisor, whose
    new offer then replaces it.
    """
    coordinator = await session.get(User, coordinator_user_id)
    if coordinator is None or not coordinator.has_role(Role.COORDINATOR):
        return OfferResult(OfferOutcome.NOT_ALLOWED)
    request = await funnel.lock_request(session, request_id)
    if request is None:
        return OfferResult(OfferOutcome.NOT_FOUND)
    if request.status not in funnel.MATCHABLE:
        kind = (
            OfferOutcome.ALREADY_ASSIGNED
            if await holder(session, request_id)
            else OfferOutcome.REQUEST_CLOSED
        )
        return OfferResult(kind, request=request, advisor=await holder(session, request_id))
    advisor = await session.get(Advisor, advisor_id)
    if advisor is None or not advisor.active or advisor.user_id is None:
        return OfferResult(OfferOutcome.ADVISOR_UNAVAILABLE, request, advisor)
    withdrawn = []
    existing = await pending_offer(session, request_id)
    if existing is not None and await claim(
        session, existing.id, OfferStatus.WITHDRAWN, now, actor_user_id=coordinator_user_id
    ):
        await session.refresh(existing)
        withdrawn.append(existing)
    ranking = rank(needs_of(request), await advisor_facts(session, request_id), now)
    offer = await add_offer(session, request.id, advisor.id, ranking, now, timing, coordinator_user_id)
    await funnel.move(session, request, RequestStatus.OFFERED, coordinator_user_id, now, funnel.MATCHABLE)
    return OfferResult(OfferOutcome.ASSIGNED, offer, request, advisor, ranking, withdrawn=tuple(withdrawn))


async def withdraw_pending(
    session: AsyncSession, request_id: int, actor_user_id: int | None, now: datetime
) -> OfferResult | None:
    """Take back the request's pending offer (call after the contact withdrew the request).

    Returns the ``WITHDRAWN`` result (notify ``result.advisor``), or None when nothing was pending.
    """
    offer = await pending_offer(session, request_id)
    if offer is None or not await claim(
        session, offer.id, OfferStatus.WITHDRAWN, now, actor_user_id=actor_user_id
    ):
        return None
    await session.refresh(offer)
    advisor = await session.get(Advisor, offer.advisor_id)
    return OfferResult(OfferOutcome.WITHDRAWN, offer, await session.get(KickoffRequest, request_id), advisor)


@dataclass(frozen=True)
class Withdrawal:
    """What a request's withdrawal took back: whom to tell and whether calendars hold the talk."""

    offer: OfferResult | None
    booking: Booking | None
    booking_was_confirmed: bool = False


async def after_withdrawal(
    session: AsyncSession, request_id: int, actor_user_id: int | None, now: datetime
) -> Withdrawal:
    """Clean up after ``requests.withdraw``: the pending offer is withdrawn, an open booking cancelled.

    Notify ``offer.advisor`` and the booking's advisor (with a cancelling ``.ics`` when it was confirmed).
    """
    offer = await withdraw_pending(session, request_id, actor_user_id, now)
    talk = await session.scalar(
        select(Booking)
        .where(Booking.request_id == request_id, Booking.status.in_(OPEN_BOOKINGS))
        .execution_options(populate_existing=True)
    )
    if talk is None:
        return Withdrawal(offer, None)
    was_confirmed = talk.status == BookingStatus.CONFIRMED
    result = await session.execute(
        update(Booking)
        .where(Booking.id == talk.id, Booking.status == talk.status)
        .values(status=BookingStatus.CANCELLED, remind_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return Withdrawal(offer, None)
    await session.refresh(talk)
    return Withdrawal(offer, talk, was_confirmed)
