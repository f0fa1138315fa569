"""The kickoff talk as an iCalendar (``.ics``) invitation, in local time with its VTIMEZONE.

Texts come in already translated, so one function serves every language. The UID is stable per
booking and ``SEQUENCE`` follows the booking's, so a rescheduled or cancelled talk updates the
event already in the calendar instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from models import Booking, BookingStatus

PRODID = "-//MiGlobe Baden-Württemberg//Kickoff bot//DE"
DEFAULT_UID_DOMAIN = "miglobe-bw.bot"
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Person:
    """An organizer or attendee: e-mail address and display name."""

    email: str
    name: str | None = None


def booking_uid(booking_id: int, domain: str = DEFAULT_UID_DOMAIN) -> str:
    """The calendar UID of a booking; the same for every version of it."""
    return f"kickoff-{booking_id}@{domain}"


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    for key, value in params.items():
        address.params[key] = value
    return address


def kickoff_ics(
    booking: Booking,
    *,
    summary: str,
    description: str = "",
    location: str | None = None,
    organizer: Person | None = None,
    attendees: Sequence[Person] = (),
    tz: ZoneInfo = BERLIN,
    now: datetime,
    uid_domain: str = DEFAULT_UID_DOMAIN,
) -> bytes:
    """The ``.ics`` file for ``booking`` (cancelled bookings give a cancellation).

    With an organizer it is an iTIP ``REQUEST``/``CANCEL`` that mail and calendar programs treat
    as an invitation; without one a ``PUBLISH`` that is simply added to the calendar.
    """
    cancelled = booking.status == BookingStatus.CANCELLED
    start = booking.starts_at.astimezone(tz)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", ("CANCEL" if cancelled else "REQUEST") if organizer else "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking.id, uid_domain))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=booking.duration_minutes))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if location or booking.location:
        event.add("location", location or booking.location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organizer is not None:
        event.add("organizer", _address(organizer))
    for attendee in attendees:
        event.add("attendee", _address(attendee, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION"))
    calendar.add_component(event)
    # A VTIMEZONE covering the year around the talk keeps the file small (the default spans 1970–2038).
    day = start.date()
    calendar.add_missing_timezones(date(day.year - 1, 1, 1), date(day.year + 2, 1, 1))
    return calendar.to_ical()
