"""What the two sides add to a planned kickoff talk: the days a contact would like when asking for
another date, and the video link an advisor gives an online talk.

Both are compare-and-sets like every booking change: the wished days only while the contact's
proposal (its ``sequence``) is still open, the link only by the request's current advisor.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import funnel
from bot.services.booking import OPEN, _change, sides
from bot.services.booking_results import BookingOutcome, BookingResult
from bot.services.intake_answers import DAY_PARTS, MAX_WINDOWS
from models import Booking, BookingStatus

LINK_MAX = 500
MAX_WISHES = MAX_WINDOWS


def wishes_of(booking: Booking) -> list[tuple[date, str]]:
    """The wished windows as (date, part), in date order."""
    windows = [(date.fromisoformat(w["date"]), w["part"]) for w in booking.wished_windows or ()]
    return sorted(windows, key=lambda w: (w[0], DAY_PARTS.index(w[1]) if w[1] in DAY_PARTS else 9))


def toggled(current: list[tuple[date, str]], day: date, part: str) -> list[tuple[date, str]]:
    """``current`` with ``day`` at ``part`` added, or the day removed when it was chosen already; at
    most :data:`MAX_WISHES` days (the earliest ones)."""
    if any(d == day for d, _p in current):
        return [(d, p) for d, p in current if d != day]
    return sorted([*current, (day, part)], key=lambda w: w[0])[:MAX_WISHES]


async def set_wishes(
    session: AsyncSession,
    booking_id: int,
    contact_user_id: int,
    sequence: int,
    windows: list[tuple[date, str]],
    now: datetime,
) -> BookingResult:
    """Store the days the contact would like while their date (``sequence``) is still open."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        return BookingResult(BookingOutcome.NOT_FOUND)
    request = await funnel.lock_request(session, booking.request_id)
    if request is None or request.contact_user_id != contact_user_id:
        return BookingResult(BookingOutcome.NOT_YOURS)
    advisor, booked_with = await sides(session, booking)
    stored = [{"date": d.isoformat(), "part": p} for d, p in windows if p in DAY_PARTS][:MAX_WISHES]
    changed = await _change(
        session,
        booking,
        [Booking.status.in_(OPEN), Booking.sequence == sequence],
        wished_windows=stored,
        updated_at=now,
    )
    kind = BookingOutcome.PROPOSED if changed else BookingOutcome.STALE
    return BookingResult(kind, booking, request, advisor, booked_with=booked_with)


def valid_link(text: str) -> str | None:
    """``text`` as a web link (http or https with a host, no spaces); None when it is not one."""
    link = text.strip()
    if not link or len(link) > LINK_MAX or any(c.isspace() for c in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        return None
    return link


async def set_link(
    session: AsyncSession, booking_id: int, advisor_user_id: int, link: str, now: datetime
) -> BookingResult:
    """The request's current advisor gives the planned talk its video link (proposed or confirmed)."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        return BookingResult(BookingOutcome.NOT_FOUND)
    request = await funnel.lock_request(session, booking.request_id)
    advisor, booked_with = await sides(session, booking)
    if request is None or advisor is None or advisor.user_id != advisor_user_id:
        moved_on = booked_with is not None and booked_with.user_id == advisor_user_id
        return BookingResult(BookingOutcome.MOVED_ON if moved_on else BookingOutcome.NOT_YOURS)
    changed = await _change(session, booking, [Booking.status.in_(OPEN)], video_link=link, updated_at=now)
    kind = BookingOutcome.PROPOSED if changed else BookingOutcome.STALE
    return BookingResult(
        kind, booking, request, advisor, booking.status == BookingStatus.CONFIRMED, booked_with=booked_with
    )
