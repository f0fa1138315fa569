"""Deadlines of the offer cascade, swept by a repeating job (and once right after start).

- requests submitted but never offered → first offer (a crash between submit and offer loses nothing);
- offers past ``respond_by`` → expired, next candidate (also those that fell due while the bot was down);
  an expired hand offer goes back to the coordinators instead (:func:`offers.carry_on`);
- offers past ``remind_at`` → one reminder each;
- offers to advisors who blocked the bot → skipped like a decline, so the coordinators learn it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import funnel
from bot.services.offers import (
    DEFAULT_OFFER_TIMING,
    OfferOutcome,
    OfferResult,
    OfferTiming,
    carry_on,
    claim,
    offer_next,
)
from models import Advisor, KickoffRequest, Offer, OfferStatus, RequestStatus, User

BATCH = 200
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class OfferReminder:
    """An offer whose advisor gets their one reminder now (answer by ``offer.respond_by``)."""

    offer: Offer
    request: KickoffRequest
    advisor: Advisor


async def match_submitted(
    session: AsyncSession, now: datetime, timing: OfferTiming = DEFAULT_OFFER_TIMING
) -> list[OfferResult]:
    """Start the cascade for submitted requests that have no offer yet."""
    ids = await session.scalars(
        select(KickoffRequest.id)
        .where(
            KickoffRequest.status == RequestStatus.SUBMITTED,
            ~exists().where(Offer.request_id == KickoffRequest.id, Offer.status == OfferStatus.PENDING),
        )
        .order_by(KickoffRequest.id)
        .limit(BATCH)
    )
    return [await offer_next(session, request_id, now, timing) for request_id in list(ids)]


async def _pass_on(
    session: AsyncSession,
    offer: Offer,
    to: OfferStatus,
    kind: OfferOutcome,
    now: datetime,
    timing: OfferTiming,
    reason: str | None = None,
    due: bool | None = None,
) -> OfferResult | None:
    """End an unanswered offer and offer the request to the next advisor."""
    request = await funnel.lock_request(session, offer.request_id)
    if not await claim(session, offer.id, to, now, reason=reason, due=due):
        return None  # answered or passed on by someone else meanwhile
    await session.refresh(offer)
    # A cascade offer passes on; a hand offer goes back to the coordinators.
    following = await carry_on(session, offer, request, now, timing)
    advisor = await session.get(Advisor, offer.advisor_id)
    return OfferResult(kind, offer, request, advisor, next=following)


async def expire_due(
    session: AsyncSession, now: datetime, timing: OfferTiming = DEFAULT_OFFER_TIMING
) -> list[OfferResult]:
    """Expire every pending offer past ``respond_by`` and pass each request on (``EXPIRED`` results)."""
    offers = await session.scalars(
        select(Offer)
        .where(Offer.status == OfferStatus.PENDING, Offer.respond_by <= now)
        .order_by(Offer.respond_by, Offer.id)
        .limit(BATCH)
    )
    results = []
    for offer in list(offers):
        result = await _pass_on(
            session, offer, OfferStatus.EXPIRED, OfferOutcome.EXPIRED, now, timing, due=True
        )
        if result is not None:
            results.append(result)
    return results


async def skip_unreachable(
    session: AsyncSession, now: datetime, timing: OfferTiming = DEFAULT_OFFER_TIMING
) -> list[OfferResult]:
    """Pass on pending offers whose advisor blocked the bot or lost their account (``SKIPPED``).

    Recorded as a decline with reason ``unreachable``; tell the coordinators who was skipped.
    """
    offers = await session.scalars(
        select(Offer)
        .join(Advisor, Advisor.id == Offer.advisor_id)
        .outerjoin(User, User.id == Advisor.user_id)
        .where(
            Offer.status == OfferStatus.PENDING, or_(User.id.is_(None), User.unreachable_since.is_not(None))
        )
        .order_by(Offer.id)
        .limit(BATCH)
    )
    results = []
    for offer in list(offers):
        result = await _pass_on(
            session, offer, OfferStatus.DECLINED, OfferOutcome.SKIPPED, now, timing, reason=UNREACHABLE
        )
        if result is not None:
            results.append(result)
    return results


async def due_reminders(session: AsyncSession, now: datetime) -> list[OfferReminder]:
    """Pending offers past ``remind_at`` not reminded yet; each is marked here, so it is sent once."""
    rows = await session.execute(
        select(Offer, KickoffRequest, Advisor)
        .join(KickoffRequest, KickoffRequest.id == Offer.request_id)
        .join(Advisor, Advisor.id == Offer.advisor_id)
        .where(
            Offer.status == OfferStatus.PENDING,
            Offer.remind_at <= now,
            Offer.reminded_at.is_(None),
            Offer.respond_by > now,
        )
        .order_by(Offer.remind_at, Offer.id)
        .limit(BATCH)
    )
    due = []
    for offer, request, advisor in rows.tuples().all():
        claimed = await session.execute(
            update(Offer)
            .where(Offer.id == offer.id, Offer.status == OfferStatus.PENDING, Offer.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            await session.refresh(offer)
            due.append(OfferReminder(offer, request, advisor))
    return due
