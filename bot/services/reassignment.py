"""Moving a request away from the advisor who holds it: offered anew (the cascade goes on without
them) or given to an advisor the coordinator chooses; a confirmed kickoff date waits for the new
advisor to take it over, or is cancelled.

Same rules as :mod:`bot.services.offers`: the request row is locked first, every change is a
compare-and-set, and the results say whom to tell. A confirmed date that waits for its new advisor
is the request's booking still ``confirmed`` but held by someone who no longer holds the request;
its reminder and outcome question stay off until the new advisor takes it over.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import assignment, audit, funnel, offers
from bot.services.booking import for_request
from bot.services.booking_results import DEFAULT_BOOKING_TIMING, BookingTiming
from bot.services.coordination_actions import ActionOutcome
from bot.services.offers import DEFAULT_OFFER_TIMING, OfferOutcome, OfferResult, OfferTiming
from models import (
    HOLDING_STATUSES,
    Advisor,
    AuditAction,
    Booking,
    BookingStatus,
    KickoffRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)

# A request someone holds before its kickoff talk was held can be moved.
REASSIGNABLE = (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)
OPEN_BOOKINGS = (BookingStatus.PROPOSED, BookingStatus.CONFIRMED)


class Mode(enum.StrEnum):
    """How the request moves on: the cascade's next candidate, or an advisor the coordinator chose."""

    ANEW = "anew"
    TO = "to"


@dataclass(frozen=True)
class ReassignResult:
    """What a reassignment did.

    ``previous`` held the request (tell them, with a cancelling ``.ics`` for a confirmed date);
    ``kept`` is a confirmed date waiting for the new advisor; ``cancelled`` a date that lapsed
    (``cancelled_was_confirmed``: calendars hold it); ``next`` what followed: a new offer, an
    escalation, or the chosen advisor's assignment (announce it like the cascade's results);
    ``held`` the offer by which ``previous`` held the request (its messages lose their buttons).
    """

    kind: ActionOutcome
    request: KickoffRequest | None = None
    previous: Advisor | None = None
    kept: Booking | None = None
    cancelled: Booking | None = None
    cancelled_was_confirmed: bool = False
    next: OfferResult | None = None
    held: Offer | None = None


async def held_offer(session: AsyncSession, request_id: int) -> Offer | None:
    """The offer by which an advisor holds the request (accepted or assigned), if any."""
    return await session.scalar(
        select(Offer)
        .where(Offer.request_id == request_id, Offer.status.in_(HOLDING_STATUSES))
        .order_by(Offer.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def _chosen_advisor(session: AsyncSession, advisor_id: int | None, previous_id: int) -> bool:
    """Whether the chosen advisor can take the request: active, in Telegram, not the one leaving."""
    if advisor_id is None or advisor_id == previous_id:
        return False
    advisor = await session.get(Advisor, advisor_id)
    return advisor is not None and advisor.active and advisor.user_id is not None


async def _release_booking(
    session: AsyncSession, request_id: int, now: datetime
) -> tuple[Booking | None, Booking | None, bool]:
    """A confirmed date still ahead is kept for the next advisor (reminder and outcome question off,
    its sequence raised so that the contact's older buttons and the leaving advisor's calendar see
    a new version); any other open date is cancelled. (kept, cancelled, cancelled_was_confirmed)."""
    talk = await for_request(session, request_id)
    if talk is None or talk.status not in OPEN_BOOKINGS:
        return None, None, False
    confirmed = talk.status == BookingStatus.CONFIRMED
    keep = confirmed and talk.starts_at > now
    values: dict[str, Any] = {"sequence": talk.sequence + 1, "remind_at": None, "updated_at": now}
    if keep:
        values["outcome_asked_at"] = now
    else:
        values["status"] = BookingStatus.CANCELLED
    changed = await session.execute(
        update(Booking)
        .where(Booking.id == talk.id, Booking.status == talk.status, Booking.sequence == talk.sequence)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None, None, False
    await session.refresh(talk)
    return (talk, None, False) if keep else (None, talk, confirmed)


async def reassign(
    session: AsyncSession,
    request_id: int,
    coordinator_user_id: int,
    now: datetime,
    mode: Mode,
    advisor_id: int | None = None,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> ReassignResult:
    """Take the request from its advisor and offer it anew (``Mode.ANEW``: the cascade's next
    candidate, never the one leaving) or give it to ``advisor_id`` (``Mode.TO``, through
    :func:`assignment.assign_manually`). Audited; ``NOT_POSSIBLE`` when nobody holds it any more
    or its kickoff talk was held, ``INVALID`` for an advisor who cannot take it."""
    if not await audit.is_coordinator(session, coordinator_user_id):
        return ReassignResult(ActionOutcome.NOT_ALLOWED)
    request = await funnel.lock_request(session, request_id)
    if request is None:
        return ReassignResult(ActionOutcome.NOT_FOUND)
    held = await held_offer(session, request_id)
    if request.status not in REASSIGNABLE or held is None:
        return ReassignResult(ActionOutcome.NOT_POSSIBLE, request)
    if mode == Mode.TO and not await _chosen_advisor(session, advisor_id, held.advisor_id):
        return ReassignResult(ActionOutcome.INVALID, request)
    held_status, held_since = held.status, held.decided_at
    taken = await session.execute(
        update(Offer)
        .where(Offer.id == held.id, Offer.status == held_status)
        .values(status=OfferStatus.WITHDRAWN, decided_at=now, decided_by_user_id=coordinator_user_id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return ReassignResult(ActionOutcome.NOT_POSSIBLE, request)
    previous = await session.get(Advisor, held.advisor_id)
    kept, cancelled, was_confirmed = await _release_booking(session, request_id, now)
    await funnel.move(session, request, RequestStatus.NO_MATCH, coordinator_user_id, now, REASSIGNABLE)
    following: OfferResult | None = None
    if mode == Mode.TO and advisor_id is not None:
        following = await assignment.assign_manually(
            session, request_id, advisor_id, coordinator_user_id, now, timing
        )
    if following is None or not following.changed:
        # Offered anew, or the chosen advisor could not take it after all: the cascade goes on.
        following = await offers.offer_next(session, request_id, now, timing)
    row = audit.record(
        session,
        coordinator_user_id,
        AuditAction.REASSIGN,
        now,
        request_id=request_id,
        advisor_id=held.advisor_id,
        details={
            "mode": mode.value,
            "to_advisor_id": following.advisor.id if following.advisor else None,
            "outcome": following.kind.value,
            "held_status": held_status,
            "held_since": held_since.isoformat() if held_since else None,
            "held_by_user_id": held.decided_by_user_id,
            "kept_booking": kept is not None,
        },
    )
    await session.refresh(request)
    result = ReassignResult(
        ActionOutcome.DONE, request, previous, kept, cancelled, was_confirmed, following, held
    )
    row.details = {**row.details, "assigned_now": assigned_now(result)}
    return result


async def waiting_date(session: AsyncSession, request_id: int) -> tuple[Booking, Advisor] | None:
    """A confirmed date kept for the request's new advisor to take over, with that advisor; None
    when there is none (no date, or its advisor still holds the request)."""
    talk = await for_request(session, request_id)
    holder = await offers.holder(session, request_id)
    if talk is None or holder is None or talk.status != BookingStatus.CONFIRMED:
        return None
    return None if talk.advisor_id == holder.id else (talk, holder)


class TakeoverOutcome(enum.StrEnum):
    """What the new advisor's answer to a waiting date did; the last group changed nothing."""

    TAKEN = "taken"  # the date stands with the new advisor: tell the contact, send both the .ics
    DECLINED = "declined"  # the date is cancelled: tell the contact (CANCEL .ics); advisor proposes
    NOT_YOURS = "not_yours"
    STALE = "stale"  # the date moved on (taken, declined, cancelled, passed or proposed anew)


@dataclass(frozen=True)
class TakeoverResult:
    """The answer's outcome with the booking, its request, the new and the previous advisor."""

    kind: TakeoverOutcome
    booking: Booking | None = None
    request: KickoffRequest | None = None
    advisor: Advisor | None = None
    previous: Advisor | None = None


async def answer_waiting_date(
    session: AsyncSession,
    booking_id: int,
    advisor_user_id: int,
    sequence: int,
    take: bool,
    now: datetime,
    timing: BookingTiming = DEFAULT_BOOKING_TIMING,
) -> TakeoverResult:
    """The new advisor takes the waiting date over (``take``; the request is ``scheduled`` again and
    the reminder set) or not (the date is cancelled and they propose another)."""
    talk = await session.get(Booking, booking_id, populate_existing=True)
    if talk is None:
        return TakeoverResult(TakeoverOutcome.STALE)
    request = await funnel.lock_request(session, talk.request_id)
    holder = await offers.holder(session, talk.request_id)
    if request is None or holder is None or holder.user_id != advisor_user_id:
        return TakeoverResult(TakeoverOutcome.NOT_YOURS)
    previous = await session.get(Advisor, talk.advisor_id)
    where = [
        Booking.id == talk.id,
        Booking.status == BookingStatus.CONFIRMED,
        Booking.sequence == sequence,
        Booking.advisor_id != holder.id,
        Booking.starts_at > now,
    ]
    values: dict[str, Any] = {"sequence": sequence + 1, "updated_at": now}
    if take:
        remind_at = talk.starts_at - timing.reminder_before
        values |= {"advisor_id": holder.id, "remind_at": remind_at if remind_at > now else None}
        values |= {"outcome_asked_at": None, "reminded_at": None}
    else:
        values |= {"status": BookingStatus.CANCELLED, "remind_at": None}
    changed = await session.execute(
        update(Booking).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    await session.refresh(talk)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return TakeoverResult(TakeoverOutcome.STALE, talk, request, holder, previous)
    if take:
        await funnel.move(
            session, request, RequestStatus.SCHEDULED, advisor_user_id, now, (RequestStatus.ACCEPTED,)
        )
    kind = TakeoverOutcome.TAKEN if take else TakeoverOutcome.DECLINED
    return TakeoverResult(kind, talk, request, holder, previous)


def assigned_now(result: ReassignResult) -> bool:
    """Whether the chosen advisor holds the request at once (not an offer they still answer)."""
    following = result.next
    if following is None or following.kind != OfferOutcome.ASSIGNED or following.offer is None:
        return False
    return following.offer.status in HOLDING_STATUSES
