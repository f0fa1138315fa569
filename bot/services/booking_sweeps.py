"""Deadlines of confirmed kickoff talks: the reminder before, the outcome question after; each once.

Rows are claimed with a compare-and-set on the ``*_at`` column, so a second worker or a second
sweep after a restart finds nothing left to send. Talks of requests that left ``scheduled``
(withdrawn, cancelled) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Advisor, Booking, BookingStatus, KickoffRequest, RequestStatus

BATCH = 200


@dataclass(frozen=True)
class BookingDue:
    """A talk whose reminder or outcome question is to be sent now (to ``advisor`` and/or the contact)."""

    booking: Booking
    request: KickoffRequest
    advisor: Advisor


async def _claim(
    session: AsyncSession, booking_id: int, column: str, condition: ColumnElement[bool], now: datetime
) -> bool:
    """Stamp a confirmed booking's column once; False when another run did it first."""
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status == BookingStatus.CONFIRMED, condition)
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def _confirmed(
    session: AsyncSession, *conditions: ColumnElement[bool]
) -> list[tuple[Booking, KickoffRequest, Advisor]]:
    """The confirmed bookings matching the conditions, with their request and advisor."""
    rows = await session.execute(
        select(Booking, KickoffRequest, Advisor)
        .join(KickoffRequest, KickoffRequest.id == Booking.request_id)
        .join(Advisor, Advisor.id == Booking.advisor_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            KickoffRequest.status == RequestStatus.SCHEDULED,
            *conditions,
        )
        .order_by(Booking.starts_at, Booking.id)
        .limit(BATCH)
    )
    return list(rows.tuples().all())


async def due_reminders(session: AsyncSession, now: datetime) -> list[BookingDue]:
    """Talks whose reminder is due and not sent yet; each is marked sent here, exactly once."""
    due: list[BookingDue] = []
    candidates = await _confirmed(
        session, Booking.remind_at <= now, Booking.reminded_at.is_(None), Booking.starts_at > now
    )
    for booking, request, advisor in candidates:
        if await _claim(session, booking.id, "reminded_at", Booking.reminded_at.is_(None), now):
            await session.refresh(booking)
            due.append(BookingDue(booking, request, advisor))
    return due


async def due_outcome_questions(session: AsyncSession, now: datetime) -> list[BookingDue]:
    """Talks that are over and whose advisor was not yet asked for the outcome; marked asked here, once."""
    due: list[BookingDue] = []
    candidates = await _confirmed(session, Booking.starts_at <= now, Booking.outcome_asked_at.is_(None))
    for booking, request, advisor in candidates:
        if booking.starts_at + timedelta(minutes=booking.duration_minutes) > now:
            continue  # still going on
        if await _claim(session, booking.id, "outcome_asked_at", Booking.outcome_asked_at.is_(None), now):
            await session.refresh(booking)
            due.append(BookingDue(booking, request, advisor))
    return due
