"""The kickoff talk as an iCalendar (``.ics``) file, in local time with its VTIMEZONE.

A planned talk is a ``PUBLISH`` (an entry for the reader's own calendar, not an invitation to
answer); a cancelled one a ``CANCEL``. Texts come in already translated and name the people as the
reader needs them, so one function serves every language and both sides. The UID is stable per
booking; the calendar ``SEQUENCE`` is twice the booking's, and one more for a cancellation, so every
new date and every cancellation updates the entry already in the calendar instead of adding a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from models import Booking, BookingStatus

# icalendar is imported at the first calendar file: most processes never make one, and it would
# stay in their memory (3 MB) from the start.
if TYPE_CHECKING:
    from icalendar import vCalAddress

PRODID = "-//MiGlobe Baden-Württemberg//Kickoff bot//DE"
DEFAULT_UID_DOMAIN = "miglobe-bw.bot"
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Person:
    """The organizer: e-mail address and display name."""

    email: str
    name: str | None = None


def booking_uid(booking_id: int, domain: str = DEFAULT_UID_DOMAIN) -> str:
    """The calendar UID of a booking; the same for every version of it."""
    return f"kickoff-{booking_id}@{domain}"


def _address(person: Person) -> vCalAddress:
    """A person as a calendar attendee."""
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    return address


def calendar_sequence(booking: Booking) -> int:
    """The event's ``SEQUENCE``: raised by every new proposal, and once more by a cancellation."""
    cancelled = booking.status == BookingStatus.CANCELLED
    return 2 * booking.sequence + (1 if cancelled else 0)


def kickoff_ics(
    booking: Booking,
    *,
    summary: str,
    description: str = "",
    location: str | None = None,
    url: str | None = None,
    organizer: Person | None = None,
    tz: ZoneInfo = BERLIN,
    now: datetime,
    uid_domain: str = DEFAULT_UID_DOMAIN,
) -> bytes:
    """The ``.ics`` file for ``booking``: ``PUBLISH`` for a planned talk, ``CANCEL`` for a cancelled
    one (same UID, higher ``SEQUENCE``). ``url`` is an online talk's video link."""
    from icalendar import Calendar, Event

    cancelled = booking.status == BookingStatus.CANCELLED
    start = booking.starts_at.astimezone(tz)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking.id, uid_domain))
    event.add("sequence", calendar_sequence(booking))
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=booking.duration_minutes))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if location or booking.location:
        event.add("location", location or booking.location)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organizer is not None:
        event.add("organizer", _address(organizer))
    calendar.add_component(event)
    # A VTIMEZONE covering the year around the talk keeps the file small (the default spans 1970–2038).
    day = start.date()
    calendar.add_missing_timezones(date(day.year - 1, 1, 1), date(day.year + 2, 1, 1))
    return calendar.to_ical()
