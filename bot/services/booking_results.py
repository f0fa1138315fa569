"""What the booking calls answer: the outcome of a call with the rows involved, and the timing.

The calls themselves are in :mod:`bot.services.booking`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from models import Advisor, Booking, KickoffRequest


@dataclass(frozen=True)
class BookingTiming:
    """How long before a confirmed talk the reminder goes out."""

    reminder_before: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> BookingTiming:
        """The timing configured by ``KICKOFF_REMINDER_HOURS``."""
        return cls(timedelta(hours=settings.kickoff_reminder_hours))


DEFAULT_BOOKING_TIMING = BookingTiming()


class BookingOutcome(enum.StrEnum):
    """What a booking call did; the last group changed nothing."""

    PROPOSED = "proposed"  # notify the contact: confirm / ask for another
    RESCHEDULED = "rescheduled"  # a confirmed date was replaced: as PROPOSED, say it moved
    CONFIRMED = "confirmed"  # send both sides the .ics and the confirmation
    DECLINED = "declined"  # the contact asked for another date: notify the advisor
    CANCELLED = "cancelled"  # notify the other side (a CANCEL .ics if it had been confirmed)
    OUTCOME_RECORDED = "outcome_recorded"  # tell the contact the request's new status
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    STALE = "stale"  # the booking moved on (another proposal, already answered or recorded)
    SAME_DATE = "same_date"  # the time proposed is the one already proposed or agreed
    IN_PAST = "in_past"
    TOO_EARLY = "too_early"  # outcome before the talk's start
    REQUEST_CLOSED = "request_closed"
    MOVED_ON = "moved_on"  # the presser advised the request before it was passed on to another advisor


@dataclass(frozen=True)
class BookingResult:
    """The outcome and the rows involved; ``was_confirmed`` tells whether calendars hold the old date."""

    kind: BookingOutcome
    booking: Booking | None = None
    request: KickoffRequest | None = None
    advisor: Advisor | None = None
    was_confirmed: bool = False
    previous_start: datetime | None = None
    # The advisor the date was made with; differs from ``advisor`` (the request's current advisor, or
    # None while it waits for one) after a reassignment, until the new advisor takes the date over.
    booked_with: Advisor | None = None

    @property
    def changed(self) -> bool:
        """Whether this call changed anything."""
        return self.kind in {
            BookingOutcome.PROPOSED,
            BookingOutcome.RESCHEDULED,
            BookingOutcome.CONFIRMED,
            BookingOutcome.DECLINED,
            BookingOutcome.CANCELLED,
            BookingOutcome.OUTCOME_RECORDED,
        }
