"""Booking the kickoff talk: the advisor proposes, the contact confirms or asks for another date,
either side cancels; afterwards the advisor records the outcome and the funnel moves on.

One booking row per request. Every change is a compare-and-set on its status and ``sequence``
(raised by each proposal), so a button from an older proposal changes nothing. Reminder and
outcome sweeps are in :mod:`bot.services.booking_sweeps`, the ``.ics`` in :mod:`bot.services.kickoff_ics`,
what a call answers in :mod:`bot.services.booking_results`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import funnel
from bot.services.booking_results import (
    DEFAULT_BOOKING_TIMING,
    BookingOutcome,
    BookingResult,
    BookingTiming,
)
from bot.services.offers import holder
from models import Advisor, Booking, BookingStatus, KickoffRequest, RequestStatus

DEFAULT_DURATION_MINUTES = 60
NOTE_MAX = 1000
# Where a preferred half-day starts when the advisor takes it as the proposal.
WINDOW_START = {"am": time(10, 0), "pm": time(14, 0), "day": time(10, 0)}
OPEN = (BookingStatus.PROPOSED, BookingStatus.CONFIRMED)


def window_start(window: dict[str, Any], tz: ZoneInfo) -> datetime:
    """When a preferred window ({"date": "2026-05-12", "part": "am"}) starts, as an aware datetime."""
    day = date.fromisoformat(window["date"])
    return datetime.combine(day, WINDOW_START.get(window.get("part", "day"), WINDOW_START["day"]), tz)


def suggested_starts(
    request: KickoffRequest, tz: ZoneInfo, now: datetime, windows: list[dict[str, Any]] | None = None
) -> list[datetime]:
    """Start times from the contact's preferred windows that are still ahead, earliest first: the
    days they wished when asking for another date (``windows``), else those of their request."""
    starts = [window_start(w, tz) for w in (windows or request.time_windows or ())]
    return sorted(s for s in starts if s > now)


async def for_request(session: AsyncSession, request_id: int) -> Booking | None:
    """The request's booking, freshly read."""
    return await session.scalar(
        select(Booking).where(Booking.request_id == request_id).execution_options(populate_existing=True)
    )


async def _change(session: AsyncSession, booking: Booking, where: list[Any], **values: Any) -> bool:
    """Compare-and-set a booking's columns; True if the row still matched ``where`` and changed."""
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(booking)
    return result.rowcount == 1  # type: ignore[attr-defined]


async def propose(
    session: AsyncSession,
    request_id: int,
    advisor_user_id: int,
    starts_at: datetime,
    now: datetime,
    *,
    duration_minutes: int = DEFAULT_DURATION_MINUTES,
    location: str | None = None,
) -> BookingResult:
    """The request's advisor proposes a date (first, again after "another date", or to reschedule)."""
    request = await funnel.lock_request(session, request_id)
    if request is None:
        return BookingResult(BookingOutcome.NOT_FOUND)
    advisor = await holder(session, request_id)
    if advisor is None or advisor.user_id != advisor_user_id:
        return BookingResult(BookingOutcome.NOT_YOURS, request=request)
    if request.status not in (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED):
        return BookingResult(BookingOutcome.REQUEST_CLOSED, request=request, advisor=advisor)
    if starts_at <= now:
        return BookingResult(BookingOutcome.IN_PAST, request=request, advisor=advisor)
    values: dict[str, Any] = {
        "advisor_id": advisor.id,
        "status": BookingStatus.PROPOSED,
        "starts_at": starts_at,
        "duration_minutes": duration_minutes,
        "location": location,
        "proposed_at": now,
        "confirmed_at": None,
        "remind_at": None,
        "reminded_at": None,
        "outcome_asked_at": None,
        "wished_windows": None,
        "updated_at": now,
    }
    booking = await for_request(session, request_id)
    if booking is None:
        booking = Booking(request_id=request_id, sequence=0, created_at=now, **values)
        session.add(booking)
        await session.flush()
        return BookingResult(BookingOutcome.PROPOSED, booking, request, advisor)
    standing = booking.status in (BookingStatus.PROPOSED, BookingStatus.CONFIRMED)
    if standing and booking.starts_at == starts_at and booking.advisor_id == advisor.id:
        # An old picker pressed again: "moving" a talk to its own time would only unsettle the contact.
        # (An advisor who took the request over may propose the time made with the one before.)
        return BookingResult(BookingOutcome.SAME_DATE, booking, request, advisor)
    was_confirmed, previous = booking.status == BookingStatus.CONFIRMED, booking.starts_at
    seen = booking.sequence
    if not await _change(session, booking, [Booking.sequence == seen], sequence=seen + 1, **values):
        return BookingResult(BookingOutcome.STALE, booking, request, advisor)
    if was_confirmed:
        await funnel.move(
            session, request, RequestStatus.ACCEPTED, advisor_user_id, now, (RequestStatus.SCHEDULED,)
        )
        return BookingResult(BookingOutcome.RESCHEDULED, booking, request, advisor, True, previous)
    return BookingResult(BookingOutcome.PROPOSED, booking, request, advisor)


async def _contacts_booking(
    session: AsyncSession, booking_id: int, contact_user_id: int
) -> tuple[BookingResult | None, Booking | None, KickoffRequest | None]:
    """The booking with its request locked if the user is its contact, else the refusal."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        return BookingResult(BookingOutcome.NOT_FOUND), None, None
    request = await funnel.lock_request(session, booking.request_id)
    if request is None or request.contact_user_id != contact_user_id:
        return BookingResult(BookingOutcome.NOT_YOURS), None, None
    return None, booking, request


async def confirm(
    session: AsyncSession,
    booking_id: int,
    contact_user_id: int,
    sequence: int,
    now: datetime,
    timing: BookingTiming = DEFAULT_BOOKING_TIMING,
) -> BookingResult:
    """The contact confirms the proposal they were shown (``sequence``); reminders get scheduled."""
    refused, booking, request = await _contacts_booking(session, booking_id, contact_user_id)
    if refused is not None or booking is None or request is None:
        return refused or BookingResult(BookingOutcome.NOT_FOUND)
    advisor = await session.get(Advisor, booking.advisor_id)
    if booking.starts_at <= now and booking.status == BookingStatus.PROPOSED:
        return BookingResult(BookingOutcome.IN_PAST, booking, request, advisor)
    remind_at = booking.starts_at - timing.reminder_before
    changed = await _change(
        session,
        booking,
        [Booking.status == BookingStatus.PROPOSED, Booking.sequence == sequence, Booking.starts_at > now],
        status=BookingStatus.CONFIRMED,
        confirmed_at=now,
        # Confirmed less than a reminder-period ahead: the confirmation is the reminder.
        remind_at=remind_at if remind_at > now else None,
        updated_at=now,
    )
    if not changed:
        return BookingResult(BookingOutcome.STALE, booking, request, advisor)
    await funnel.move(
        session, request, RequestStatus.SCHEDULED, contact_user_id, now, (RequestStatus.ACCEPTED,)
    )
    return BookingResult(BookingOutcome.CONFIRMED, booking, request, advisor)


async def ask_another(
    session: AsyncSession, booking_id: int, contact_user_id: int, sequence: int, now: datetime
) -> BookingResult:
    """The contact asks for another date, for a proposal or for a confirmed date (rescheduling); the
    days they would like are already on the booking (:mod:`bot.services.booking_wishes`)."""
    refused, booking, request = await _contacts_booking(session, booking_id, contact_user_id)
    if refused is not None or booking is None or request is None:
        return refused or BookingResult(BookingOutcome.NOT_FOUND)
    advisor, booked_with = await sides(session, booking)
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    changed = await _change(
        session,
        booking,
        [Booking.status.in_(OPEN), Booking.sequence == sequence],
        status=BookingStatus.DECLINED,
        remind_at=None,
        updated_at=now,
    )
    if not changed:
        return BookingResult(BookingOutcome.STALE, booking, request, advisor, booked_with=booked_with)
    if was_confirmed:
        await funnel.move(
            session, request, RequestStatus.ACCEPTED, contact_user_id, now, (RequestStatus.SCHEDULED,)
        )
    return BookingResult(
        BookingOutcome.DECLINED, booking, request, advisor, was_confirmed, booked_with=booked_with
    )


async def sides(session: AsyncSession, booking: Booking) -> tuple[Advisor | None, Advisor | None]:
    """The request's current advisor (None while it waits for one) and the advisor the date was made
    with. The contact and the current advisor are the two sides of the talk: after a reassignment
    the previous advisor is no longer one, even while the date waits for the new advisor."""
    current = await holder(session, booking.request_id)
    booked_with = await session.get(Advisor, booking.advisor_id)
    return current, booked_with


async def cancel(session: AsyncSession, booking_id: int, actor_user_id: int, now: datetime) -> BookingResult:
    """The contact or the request's current advisor calls the date off; the advisor stays and may
    propose again. The advisor the request was taken from changes nothing (``MOVED_ON``)."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        return BookingResult(BookingOutcome.NOT_FOUND)
    request = await funnel.lock_request(session, booking.request_id)
    if request is None:
        return BookingResult(BookingOutcome.NOT_YOURS)
    advisor, booked_with = await sides(session, booking)
    if actor_user_id not in {request.contact_user_id, advisor.user_id if advisor else None}:
        moved_on = booked_with is not None and booked_with.user_id == actor_user_id
        return BookingResult(BookingOutcome.MOVED_ON if moved_on else BookingOutcome.NOT_YOURS)
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    changed = await _change(
        session,
        booking,
        [Booking.status.in_(OPEN)],
        status=BookingStatus.CANCELLED,
        remind_at=None,
        updated_at=now,
    )
    if not changed:
        return BookingResult(BookingOutcome.STALE, booking, request, advisor, booked_with=booked_with)
    if was_confirmed:
        await funnel.move(
            session, request, RequestStatus.ACCEPTED, actor_user_id, now, (RequestStatus.SCHEDULED,)
        )
    return BookingResult(
        BookingOutcome.CANCELLED, booking, request, advisor, was_confirmed, booked_with=booked_with
    )


async def record_outcome(
    session: AsyncSession,
    booking_id: int,
    advisor_user_id: int,
    held: bool,
    consultation_agreed: bool,
    note: str | None,
    now: datetime,
) -> BookingResult:
    """The advisor reports the talk: held (→ kickoff held, then consultation or closed) or not
    (→ back to accepted, a new date can be proposed). Recorded once."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        return BookingResult(BookingOutcome.NOT_FOUND)
    request = await funnel.lock_request(session, booking.request_id)
    advisor = await session.get(Advisor, booking.advisor_id)
    if request is None or advisor is None or advisor.user_id != advisor_user_id:
        return BookingResult(BookingOutcome.NOT_YOURS)
    if booking.status == BookingStatus.CONFIRMED and booking.starts_at > now:
        return BookingResult(BookingOutcome.TOO_EARLY, booking, request, advisor)
    changed = await _change(
        session,
        booking,
        [Booking.status == BookingStatus.CONFIRMED, Booking.starts_at <= now],
        status=BookingStatus.HELD if held else BookingStatus.NOT_HELD,
        held=held,
        consultation_agreed=held and consultation_agreed,
        outcome_note=(note or "").strip()[:NOTE_MAX] or None,
        outcome_recorded_at=now,
        remind_at=None,
        updated_at=now,
    )
    if not changed:
        return BookingResult(BookingOutcome.STALE, booking, request, advisor)
    await _move_after_outcome(session, request, held, consultation_agreed, advisor_user_id, now)
    return BookingResult(BookingOutcome.OUTCOME_RECORDED, booking, request, advisor, True)


async def _move_after_outcome(
    session: AsyncSession, request: KickoffRequest, held: bool, consultation: bool, actor: int, now: datetime
) -> None:
    """Move the request on after the recorded talk: held and consultation, held, or not held."""
    if not held:
        await funnel.move(session, request, RequestStatus.ACCEPTED, actor, now, (RequestStatus.SCHEDULED,))
        return
    await funnel.move(session, request, RequestStatus.KICKOFF_HELD, actor, now, (RequestStatus.SCHEDULED,))
    after = RequestStatus.CONSULTATION if consultation else RequestStatus.CLOSED
    await funnel.move(session, request, after, actor, now, (RequestStatus.KICKOFF_HELD,))
