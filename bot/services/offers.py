"""The offer cascade: one pending offer per request, accepted, declined or passed on to the next advisor.

Every transition is a compare-and-set (``UPDATE offers … WHERE id = :id AND status = 'pending'
AND advisor_id = :me``) taken after locking the request row; only the call whose update hit the
row acts. Double taps, races with the deadline sweep, stale or forged buttons change nothing and
get a result that says why. Results say what happened and whom the caller should notify; the
sweeps (expiry, reminders, blocked advisors) are in :mod:`bot.services.offer_sweeps`, manual
assignment and withdrawal in :mod:`bot.services.assignment`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import funnel
from bot.services.advisors import by_user
from bot.services.matching import Ranking, rank
from bot.services.matching_data import advisor_facts, hold_loads_still, needs_of
from bot.services.offer_results import CHANGED, DEFAULT_OFFER_TIMING, OfferOutcome, OfferResult, OfferTiming
from models import (
    HOLDING_STATUSES,
    Advisor,
    KickoffRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)

# The result types live in offer_results; they are named here too, where callers look for them.
__all__ = [
    "CHANGED",
    "DECLINE_REASON_MAX",
    "DEFAULT_OFFER_TIMING",
    "OfferOutcome",
    "OfferResult",
    "OfferTiming",
    "accept",
    "carry_on",
    "claim",
    "decline",
    "holder",
    "offer_next",
    "pending_offer",
]

DECLINE_REASON_MAX = 200


async def add_offer(
    session: AsyncSession,
    request_id: int,
    advisor_id: int,
    ranking: Ranking,
    now: datetime,
    timing: OfferTiming,
    offered_by_user_id: int | None = None,
) -> Offer:
    """A new pending offer of the request to the advisor, with its deadline and reminder; a hand
    offer names the coordinator who made it."""
    offer = Offer(
        request_id=request_id,
        advisor_id=advisor_id,
        status=OfferStatus.PENDING,
        respond_by=now + timing.response,
        remind_at=now + timing.response / 2,
        ranking=ranking.record(advisor_id),
        created_at=now,
        offered_by_user_id=offered_by_user_id,
    )
    session.add(offer)
    await session.flush()
    return offer


async def pending_offer(session: AsyncSession, request_id: int) -> Offer | None:
    """The request's pending offer, if any."""
    return await session.scalar(
        select(Offer).where(Offer.request_id == request_id, Offer.status == OfferStatus.PENDING)
    )


async def holder(session: AsyncSession, request_id: int) -> Advisor | None:
    """The advisor who accepted (or was assigned) the request; only they may see the contact's details."""
    return await session.scalar(
        select(Advisor)
        .join(Offer, Offer.advisor_id == Advisor.id)
        .where(Offer.request_id == request_id, Offer.status.in_(HOLDING_STATUSES))
        .order_by(Offer.id.desc())
        .limit(1)
    )


async def claim(
    session: AsyncSession,
    offer_id: int,
    to_status: OfferStatus,
    now: datetime,
    *,
    advisor_id: int | None = None,
    actor_user_id: int | None = None,
    reason: str | None = None,
    due: bool | None = None,
) -> bool:
    """Compare-and-set a pending offer to ``to_status``; True only for the call that changed it.

    ``advisor_id`` restricts it to that advisor's offer; ``due`` True/False requires
    ``respond_by`` to have passed / not yet.
    """
    conditions = [Offer.id == offer_id, Offer.status == OfferStatus.PENDING]
    if advisor_id is not None:
        conditions.append(Offer.advisor_id == advisor_id)
    if due is not None:
        conditions.append(Offer.respond_by <= now if due else Offer.respond_by > now)
    result = await session.execute(
        update(Offer)
        .where(*conditions)
        .values(status=to_status, decided_at=now, decided_by_user_id=actor_user_id, decline_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def offer_next(
    session: AsyncSession, request_id: int, now: datetime, timing: OfferTiming = DEFAULT_OFFER_TIMING
) -> OfferResult:
    """Offer the request to the best remaining candidate, or escalate it when nobody is left.

    Idempotent: while an offer is pending it is returned as ``ALREADY_PENDING``. Escalation moves
    the request to ``no_match``; the ranking (everybody, with what rules them out) goes with it.
    """
    request = await funnel.lock_request(session, request_id)
    if request is None:
        return OfferResult(OfferOutcome.NOT_FOUND)
    if request.status not in funnel.MATCHABLE:
        return OfferResult(OfferOutcome.REQUEST_CLOSED, request=request)
    existing = await pending_offer(session, request_id)
    if existing is not None:
        advisor = await session.get(Advisor, existing.advisor_id)
        return OfferResult(OfferOutcome.ALREADY_PENDING, existing, request, advisor)
    await hold_loads_still(session)  # after the request's lock, as every offer change takes them
    ranking = rank(needs_of(request), await advisor_facts(session, request_id), now)
    best = ranking.best
    if best is None:
        await funnel.move(
            session,
            request,
            RequestStatus.NO_MATCH,
            None,
            now,
            (RequestStatus.SUBMITTED, RequestStatus.OFFERED),
        )
        return OfferResult(OfferOutcome.ESCALATED, request=request, ranking=ranking)
    offer = await add_offer(session, request.id, best.advisor_id, ranking, now, timing)
    await funnel.move(
        session, request, RequestStatus.OFFERED, None, now, (RequestStatus.SUBMITTED, RequestStatus.NO_MATCH)
    )
    advisor = await session.get(Advisor, best.advisor_id)
    return OfferResult(OfferOutcome.OFFERED, offer, request, advisor, ranking)


async def carry_on(
    session: AsyncSession,
    offer: Offer,
    request: KickoffRequest | None,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> OfferResult | None:
    """What follows an offer that ended unaccepted while its request was still offered.

    A cascade offer passes on to the next candidate (:func:`offer_next`). A hand offer goes back to
    the coordinators who chose that advisor: the request moves to ``no_match`` and a ``RETURNED``
    result carries the ranking to assign it again. The cascade does not pick someone in their place.
    """
    if request is None or request.status != RequestStatus.OFFERED:
        return None
    if offer.offered_by_user_id is None:
        return await offer_next(session, request.id, now, timing)
    if not await funnel.move(session, request, RequestStatus.NO_MATCH, None, now, (RequestStatus.OFFERED,)):
        return None
    ranking = rank(needs_of(request), await advisor_facts(session, request.id), now)
    advisor = await session.get(Advisor, offer.advisor_id)
    return OfferResult(OfferOutcome.RETURNED, offer, request, advisor, ranking)


async def _own_offer(
    session: AsyncSession, offer_id: int, advisor_user_id: int
) -> tuple[OfferResult | None, Offer | None, Advisor | None]:
    """The offer and the caller's advisor profile, or a result saying why the caller may not act."""
    offer = await session.get(Offer, offer_id, populate_existing=True)
    if offer is None:
        return OfferResult(OfferOutcome.NOT_FOUND), None, None
    advisor = await by_user(session, advisor_user_id)
    if advisor is None or advisor.id != offer.advisor_id:
        # No offer in the result: the caller learns nothing about someone else's offer.
        return OfferResult(OfferOutcome.NOT_YOURS), None, None
    return None, offer, advisor


async def _gone(
    session: AsyncSession,
    offer: Offer,
    kind: OfferOutcome,
    request: KickoffRequest | None,
    advisor: Advisor | None,
) -> OfferResult:
    """The offer as it now is, after a compare-and-set found it no longer pending."""
    await session.refresh(offer)
    return OfferResult(kind, offer, request, advisor)


async def accept(
    session: AsyncSession,
    offer_id: int,
    advisor_user_id: int,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> OfferResult:
    """The advisor takes the request: offer accepted, request ``offered → accepted``.

    After ``respond_by`` the answer comes too late: the offer expires here and passes on (``TOO_LATE``).
    """
    refused, offer, advisor = await _own_offer(session, offer_id, advisor_user_id)
    if refused is not None or offer is None or advisor is None:
        return refused or OfferResult(OfferOutcome.NOT_FOUND)
    request = await funnel.lock_request(session, offer.request_id)
    if request is None or request.status != RequestStatus.OFFERED:
        if await claim(session, offer.id, OfferStatus.WITHDRAWN, now):
            return await _gone(session, offer, OfferOutcome.REQUEST_CLOSED, request, advisor)
        return await _gone(session, offer, OfferOutcome.ALREADY_DECIDED, request, advisor)
    if not await claim(
        session,
        offer.id,
        OfferStatus.ACCEPTED,
        now,
        advisor_id=advisor.id,
        actor_user_id=advisor_user_id,
        due=False,
    ):
        return await _late_or_decided(session, offer, request, advisor, now, timing)
    await session.refresh(offer)
    await funnel.move(
        session, request, RequestStatus.ACCEPTED, advisor_user_id, now, (RequestStatus.OFFERED,)
    )
    advisor.last_assigned_at = now
    advisor.updated_at = now
    return OfferResult(OfferOutcome.ACCEPTED, offer, request, advisor)


async def _late_or_decided(
    session: AsyncSession,
    offer: Offer,
    request: KickoffRequest,
    advisor: Advisor,
    now: datetime,
    timing: OfferTiming,
) -> OfferResult:
    """The outcome for an answer to an offer that expired or was decided already."""
    # Still pending but past its deadline: expire it now rather than wait for the sweep.
    if await claim(session, offer.id, OfferStatus.EXPIRED, now, due=True):
        await session.refresh(offer)
        following = await carry_on(session, offer, request, now, timing)
        return OfferResult(OfferOutcome.TOO_LATE, offer, request, advisor, next=following)
    return await _gone(session, offer, OfferOutcome.ALREADY_DECIDED, request, advisor)


async def decline(
    session: AsyncSession,
    offer_id: int,
    advisor_user_id: int,
    reason: str,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> OfferResult:
    """The advisor declines (with a reason key or short text); the next candidate gets the offer."""
    refused, offer, advisor = await _own_offer(session, offer_id, advisor_user_id)
    if refused is not None or offer is None or advisor is None:
        return refused or OfferResult(OfferOutcome.NOT_FOUND)
    request = await funnel.lock_request(session, offer.request_id)
    reason = reason.strip()[:DECLINE_REASON_MAX] or "other"
    if not await claim(
        session,
        offer.id,
        OfferStatus.DECLINED,
        now,
        advisor_id=advisor.id,
        actor_user_id=advisor_user_id,
        reason=reason,
    ):
        return await _gone(session, offer, OfferOutcome.ALREADY_DECIDED, request, advisor)
    await session.refresh(offer)
    following = await carry_on(session, offer, request, now, timing)
    return OfferResult(OfferOutcome.DECLINED, offer, request, advisor, next=following)
