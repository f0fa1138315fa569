"""What an advisor's erasure does to their work: offers pass on, held requests go back, the profile
is anonymised.

Pending offers pass to the next candidate as when a coordinator deactivates an advisor; one a
coordinator made by hand goes back to the coordinators instead. A request
the advisor holds before its kickoff goes back to the programme: the holding offer is withdrawn,
an open kickoff date cancelled, the request moves to ``no_match`` and the cascade offers it to the
next candidate or escalates it. A request after its kickoff keeps its status; the coordinators are
told it has no advisor any more. The profile stays as an inactive row without a person, so that
the statistics and the requests' histories still add up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import advisors, assignment, funnel, offers
from bot.services.assignment import Withdrawal
from bot.services.offers import DEFAULT_OFFER_TIMING, OfferOutcome, OfferResult, OfferTiming
from models import HOLDING_STATUSES, Advisor, KickoffRequest, Offer, OfferStatus, RequestStatus

# Held requests that go back to the cascade; later ones stay with the coordinators.
BEFORE_KICKOFF = (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)
AFTER_KICKOFF = (RequestStatus.KICKOFF_HELD, RequestStatus.CONSULTATION)


def placeholder(advisor_id: int) -> str:
    """The neutral name of an erased advisor's profile (no language: coordinators read both)."""
    return f"#{advisor_id}"


@dataclass(frozen=True)
class HandedBack:
    """A request the advisor held: what its withdrawal took back (a cancelled kickoff date) and what
    the cascade did then (``next``: a new offer or an escalation; None after the kickoff)."""

    request: KickoffRequest
    withdrawal: Withdrawal | None = None
    next: OfferResult | None = None


@dataclass(frozen=True)
class AdvisorRelease:
    """The advisor's offers passed on and requests handed back."""

    passed_on: tuple[OfferResult, ...] = ()
    handed_back: tuple[HandedBack, ...] = ()


async def pass_on_offers(
    session: AsyncSession, advisor: Advisor, actor_user_id: int | None, now: datetime, timing: OfferTiming
) -> list[OfferResult]:
    """Withdraw every pending offer of the advisor (erased or deactivated) and carry each on as an
    unanswered offer: a cascade offer goes to the next candidate, a hand offer back to the
    coordinators (``next`` is then ``RETURNED``), as when the advisor declines it."""
    passed: list[OfferResult] = []
    for offer, _request in await advisors.pending_offers(session, advisor.id):
        # Same lock order as the cascade: the request first, then its offer.
        request = await funnel.lock_request(session, offer.request_id)
        if not await offers.claim(session, offer.id, OfferStatus.WITHDRAWN, now, actor_user_id=actor_user_id):
            continue
        await session.refresh(offer)
        following = await offers.carry_on(session, offer, request, now, timing)
        passed.append(OfferResult(OfferOutcome.WITHDRAWN, offer, request, advisor, next=following))
    return passed


async def _hand_back(
    session: AsyncSession, offer: Offer, actor_user_id: int | None, now: datetime, timing: OfferTiming
) -> HandedBack | None:
    """Give one held request back to the programme (compare-and-set on request and offer)."""
    request = await funnel.lock_request(session, offer.request_id)
    if request is None or request.status not in (*BEFORE_KICKOFF, *AFTER_KICKOFF):
        return None
    if request.status in AFTER_KICKOFF:
        return HandedBack(request)
    taken = await session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status.in_(HOLDING_STATUSES))
        .values(status=OfferStatus.WITHDRAWN, decided_at=now, decided_by_user_id=actor_user_id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    withdrawal = await assignment.after_withdrawal(session, request.id, actor_user_id, now)
    await funnel.move(session, request, RequestStatus.NO_MATCH, actor_user_id, now, BEFORE_KICKOFF)
    following = await offers.offer_next(session, request.id, now, timing)
    return HandedBack(request, withdrawal, following)


async def release(
    session: AsyncSession,
    advisor: Advisor,
    actor_user_id: int | None,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> AdvisorRelease:
    """Deactivate and anonymise the advisor, pass their offers on, hand their open requests back.

    The name goes first, so that the rankings made for the handed-back requests never show it.
    """
    old_name = advisor.display_name
    await anonymize_profile(session, advisor, now)
    passed = await pass_on_offers(session, advisor, actor_user_id, now, timing)
    handed: list[HandedBack] = []
    for offer, _request in await advisors.assignments(session, advisor.id):
        back = await _hand_back(session, offer, actor_user_id, now, timing)
        if back is not None:
            handed.append(back)
    await forget_name_in_rankings(session, advisor, old_name)
    return AdvisorRelease(tuple(passed), tuple(handed))


async def anonymize_profile(session: AsyncSession, advisor: Advisor, now: datetime) -> None:
    """Keep an inactive profile without a person: a placeholder name and no matching profile."""
    advisor.display_name = placeholder(advisor.id)
    advisor.user_id = None
    advisor.active = False
    advisor.languages, advisor.kreise, advisor.regierungsbezirke, advisor.topics = [], [], [], []
    advisor.home_ags, advisor.paused_until, advisor.updated_at = None, None, now
    await session.flush()


async def forget_name_in_rankings(session: AsyncSession, advisor: Advisor, old_name: str) -> int:
    """Replace the advisor's old name in the rankings stored with every offer; returns how many."""
    # Rankings are JSON text with non-ASCII characters escaped; search for the name as stored.
    stored = json.dumps(old_name)[1:-1]
    rankings = await session.scalars(
        select(Offer).where(cast(Offer.ranking, String).contains(stored, autoescape=True))
    )
    changed = 0
    for offer in rankings:
        offer.ranking = [
            {**entry, "name": advisor.display_name} if entry.get("advisor_id") == advisor.id else entry
            for entry in offer.ranking or []
        ]
        changed += 1
    return changed
