"""The kickoff talk's appointment: proposal, confirmation, reminders and outcome (one row per request)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class BookingStatus(enum.StrEnum):
    """Where the appointment stands."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    # The contact asked for another date; the advisor proposes again.
    DECLINED = "declined"
    CANCELLED = "cancelled"
    HELD = "held"
    NOT_HELD = "not_held"


class Booking(Base):
    """The kickoff talk of one request.

    Rescheduling changes this row and raises ``sequence`` instead of adding one, so the calendar
    invitation keeps its UID and calendars update the event rather than showing two.
    """

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("kickoff_requests.id", ondelete="CASCADE"), unique=True
    )
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.PROPOSED, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    location: Mapped[str | None] = mapped_column(String(200))
    # The days the contact would like ({"date": "2026-05-12", "part": "am"}), chosen when asking for
    # another date; cleared by the next proposal.
    wished_windows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # The advisor's link to an online talk (http or https), for the messages and the calendar file.
    video_link: Mapped[str | None] = mapped_column(String(500))
    # Raised by every new proposal; a button carries the sequence it was shown with.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held: Mapped[bool | None] = mapped_column(Boolean)
    consultation_agreed: Mapped[bool | None] = mapped_column(Boolean)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
