"""Load what :mod:`bot.services.matching` ranks: a request's needs and every advisor's facts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.advisors import profile_gaps
from bot.services.matching import AdvisorFacts, Ranking, RequestNeeds, rank
from models import HOLDING_STATUSES, Advisor, KickoffRequest, Offer, OfferStatus, RequestStatus, User

# A request occupies its advisor from acceptance until it is closed (a consultation runs for months).
OCCUPYING_STATUSES = (
    RequestStatus.ACCEPTED,
    RequestStatus.SCHEDULED,
    RequestStatus.KICKOFF_HELD,
    RequestStatus.CONSULTATION,
)


def needs_of(request: KickoffRequest) -> RequestNeeds:
    """What matching needs from a stored request."""
    return RequestNeeds(
        place_ags=request.place_ags,
        kreis_ags=request.kreis_ags,
        languages=tuple(request.languages or ()),
        topics=tuple(request.topics or ()),
    )


async def open_loads(session: AsyncSession) -> dict[int, int]:
    """Advisor id → requests they hold that are not closed, plus offers awaiting their answer."""
    held = await session.execute(
        select(Offer.advisor_id, func.count())
        .join(KickoffRequest, KickoffRequest.id == Offer.request_id)
        .where(Offer.status.in_(HOLDING_STATUSES), KickoffRequest.status.in_(OCCUPYING_STATUSES))
        .group_by(Offer.advisor_id)
    )
    pending = await session.execute(
        select(Offer.advisor_id, func.count())
        .where(Offer.status == OfferStatus.PENDING)
        .group_by(Offer.advisor_id)
    )
    loads: dict[int, int] = {}
    for advisor_id, count in [*held.all(), *pending.all()]:
        loads[advisor_id] = loads.get(advisor_id, 0) + int(count)
    return loads


async def earlier_offers(session: AsyncSession, request_id: int) -> dict[int, str]:
    """Advisor id → status of their latest offer of this request."""
    rows = await session.execute(
        select(Offer.advisor_id, Offer.status).where(Offer.request_id == request_id).order_by(Offer.id)
    )
    return dict(rows.tuples().all())


def facts_of(
    advisor: Advisor, user: User | None, load: int, offered_before: str | None = None
) -> AdvisorFacts:
    """Matching's view of one stored advisor."""
    return AdvisorFacts(
        advisor_id=advisor.id,
        name=advisor.display_name,
        languages=tuple(advisor.languages or ()),
        kreise=tuple(advisor.kreise or ()),
        regierungsbezirke=tuple(advisor.regierungsbezirke or ()),
        home_ags=advisor.home_ags,
        topics=tuple(advisor.topics or ()),
        capacity=advisor.capacity,
        open_load=load,
        active=advisor.active,
        linked=user is not None,
        reachable=user is not None and user.unreachable_since is None,
        paused_until=advisor.paused_until,
        last_assigned_at=advisor.last_assigned_at,
        offered_before=offered_before,
        profile_gaps=profile_gaps(advisor),
    )


async def advisor_facts(session: AsyncSession, request_id: int | None = None) -> list[AdvisorFacts]:
    """Every advisor's facts; with ``request_id``, earlier offers of that request are noted."""
    rows = await session.execute(
        select(Advisor, User).outerjoin(User, User.id == Advisor.user_id).order_by(Advisor.id)
    )
    loads = await open_loads(session)
    offered = await earlier_offers(session, request_id) if request_id is not None else {}
    return [
        facts_of(advisor, user, loads.get(advisor.id, 0), offered.get(advisor.id))
        for advisor, user in rows.tuples().all()
    ]


async def rank_request(session: AsyncSession, request_id: int, now: datetime) -> Ranking | None:
    """The ranking of every advisor for a stored request; None when the request does not exist."""
    request = await session.get(KickoffRequest, request_id)
    if request is None:
        return None
    return rank(needs_of(request), await advisor_facts(session, request_id), now)
