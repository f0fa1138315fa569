"""Booking the kickoff: proposals, confirmation, another date, rescheduling, cancelling, the .ics
invitation in Europe/Berlin, reminders and outcome questions once, and the outcome's funnel steps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.db import Database
from bot.services import assignment, booking, booking_sweeps, offers, requests
from bot.services.booking_results import BookingOutcome, BookingTiming
from bot.services.kickoff_ics import Person, booking_uid, kickoff_ics
from models import Advisor, Booking, BookingStatus, RequestStatus, Role
from tests.hand_offer_helpers import assign_and_accept
from tests.matching_helpers import NOW, add_advisor, add_request, add_user, events_of, migrated, status_of

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 10, 10, 0, tzinfo=BERLIN)  # the request's window: Tuesday morning
HOUR = timedelta(hours=1)


@dataclass
class Accepted:
    """A request the advisor has accepted, ready to be booked."""

    db: Database
    request_id: int
    contact_id: int
    advisor: Advisor
    advisor_user_id: int
    other_advisor_user_id: int


@pytest.fixture
async def accepted(database_url: str) -> AsyncIterator[Accepted]:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            contact = await add_user(session, "Ana")
            coordinator = await add_user(session, "Cora", [Role.COORDINATOR])
            advisor = await add_advisor(session, "Mehmet")
            other = await add_advisor(session, "Leyla", active=False)
            request = await add_request(session, contact)
            result = await assign_and_accept(session, request.id, advisor.id, coordinator.id, NOW)
            assert result.kind == offers.OfferOutcome.ACCEPTED
        assert advisor.user_id is not None and other.user_id is not None
        yield Accepted(db, request.id, contact.id, advisor, advisor.user_id, other.user_id)


async def propose(a: Accepted, start: datetime = START, now: datetime = NOW) -> Booking:
    async with a.db.transaction() as session:
        result = await booking.propose(session, a.request_id, a.advisor_user_id, start, now)
    assert result.kind in (BookingOutcome.PROPOSED, BookingOutcome.RESCHEDULED) and result.booking is not None
    return result.booking


async def confirmed(a: Accepted, start: datetime = START) -> Booking:
    proposal = await propose(a, start)
    async with a.db.transaction() as session:
        result = await booking.confirm(session, proposal.id, a.contact_id, proposal.sequence, NOW)
    assert result.kind == BookingOutcome.CONFIRMED and result.booking is not None
    return result.booking


def parse_event(ics: bytes) -> tuple[Calendar, dict[str, object]]:
    """The calendar and its one event: dates decoded, SEQUENCE an int, text properties as str."""
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    values: dict[str, object] = {key: str(event[key]) for key in event}
    values.update({key: event.decoded(key) for key in ("DTSTART", "DTEND", "DTSTAMP", "SEQUENCE")})
    return calendar, values | {"_params": event["DTSTART"].params}


async def test_proposal_from_a_window_confirmed_by_the_contact(accepted: Accepted) -> None:
    a = accepted
    async with a.db.transaction() as session:
        stored = await requests.get_for_contact(session, a.request_id, a.contact_id)
        assert stored is not None
        assert booking.suggested_starts(stored, BERLIN, NOW) == [START]
        assert booking.suggested_starts(stored, BERLIN, START) == []
    proposal = await propose(a)
    assert (proposal.status, proposal.sequence, proposal.starts_at) == (BookingStatus.PROPOSED, 0, START)
    async with a.db.transaction() as session:
        assert await status_of(session, a.request_id) == RequestStatus.ACCEPTED
        done = await booking.confirm(session, proposal.id, a.contact_id, 0, NOW + HOUR)
    assert done.kind == BookingOutcome.CONFIRMED and done.booking is not None
    assert done.booking.remind_at == START - 24 * HOUR and done.booking.confirmed_at == NOW + HOUR
    async with a.db.transaction() as session:
        assert await status_of(session, a.request_id) == RequestStatus.SCHEDULED
        assert (await events_of(session, a.request_id))[-1] == ("accepted", "scheduled", a.contact_id)
        twice = await booking.confirm(session, proposal.id, a.contact_id, 0, NOW + HOUR)
    assert twice.kind == BookingOutcome.STALE and not twice.changed


@pytest.mark.parametrize(
    ("start", "utc_hour"),
    [(START, 9), (datetime(2026, 7, 14, 10, 0, tzinfo=BERLIN), 8)],
    ids=["winter CET", "summer CEST"],
)
async def test_ics_parses_back_with_the_local_time_in_berlin(
    accepted: Accepted, start: datetime, utc_hour: int
) -> None:
    talk = await confirmed(accepted, start)
    ics = kickoff_ics(
        talk,
        summary="Auftaktgespräch MiGlobe – Tübingen",
        description="Mit Mehmet Öztürk.\nSprachen: Türkisch",
        location="Rathaus Tübingen, Am Markt 1",
        organizer=Person("miglobe@example.org", "MiGlobe Baden-Württemberg"),
        now=NOW,
    )
    calendar, event = parse_event(ics)
    assert calendar["METHOD"] == "PUBLISH"  # an entry for one's own calendar, not an invitation
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    dtstart = event["DTSTART"]
    assert isinstance(dtstart, datetime)
    assert event["_params"]["TZID"] == "Europe/Berlin"
    assert (dtstart.hour, dtstart.minute, dtstart.utcoffset()) == (10, 0, start.utcoffset())
    assert dtstart.astimezone(ZoneInfo("UTC")).hour == utc_hour
    assert event["DTEND"] == dtstart + timedelta(minutes=60)
    assert event["UID"] == booking_uid(talk.id) and event["SEQUENCE"] == 2 * talk.sequence
    assert event["SUMMARY"] == "Auftaktgespräch MiGlobe – Tübingen"
    assert event["DESCRIPTION"] == "Mit Mehmet Öztürk.\nSprachen: Türkisch"
    assert event["LOCATION"] == "Rathaus Tübingen, Am Markt 1" and event["STATUS"] == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:miglobe@example.org" and "ATTENDEE" not in event


async def test_rescheduling_keeps_the_uid_and_raises_the_sequence(accepted: Accepted) -> None:
    a = accepted
    first = await confirmed(a)
    later = START + timedelta(days=2, hours=4)
    async with a.db.transaction() as session:
        moved = await booking.propose(session, a.request_id, a.advisor_user_id, later, NOW + HOUR)
    assert moved.kind == BookingOutcome.RESCHEDULED and moved.previous_start == START and moved.was_confirmed
    assert moved.booking is not None and moved.booking.id == first.id and moved.booking.sequence == 1
    assert moved.booking.remind_at is None and moved.booking.status == BookingStatus.PROPOSED
    async with a.db.transaction() as session:
        assert await status_of(session, a.request_id) == RequestStatus.ACCEPTED
        stale = await booking.confirm(session, first.id, a.contact_id, 0, NOW + HOUR)
        assert stale.kind == BookingOutcome.STALE  # a button from the first proposal
        fresh = await booking.confirm(session, first.id, a.contact_id, 1, NOW + HOUR)
    assert fresh.kind == BookingOutcome.CONFIRMED and fresh.booking is not None
    _calendar, event = parse_event(kickoff_ics(fresh.booking, summary="Kickoff", now=NOW))
    assert (event["UID"], event["SEQUENCE"]) == (booking_uid(first.id), 2)
    assert event["DTSTART"] == later


async def test_another_date_then_a_new_proposal(accepted: Accepted) -> None:
    a = accepted
    proposal = await propose(a)
    async with a.db.transaction() as session:
        asked = await booking.ask_another(session, proposal.id, a.contact_id, 0, NOW)
        assert asked.kind == BookingOutcome.DECLINED and not asked.was_confirmed
        assert (
            await booking.confirm(session, proposal.id, a.contact_id, 0, NOW)
        ).kind == BookingOutcome.STALE
    again = await propose(a, START + timedelta(days=1))
    assert (again.id, again.sequence, again.status) == (proposal.id, 1, BookingStatus.PROPOSED)


async def test_only_the_parties_can_act(accepted: Accepted) -> None:
    a = accepted
    async with a.db.transaction() as session:
        contact_proposes = await booking.propose(session, a.request_id, a.contact_id, START, NOW)
        other_proposes = await booking.propose(session, a.request_id, a.other_advisor_user_id, START, NOW)
        past = await booking.propose(session, a.request_id, a.advisor_user_id, NOW - HOUR, NOW)
        forged = await booking.propose(session, 999, a.advisor_user_id, START, NOW)
    assert contact_proposes.kind == other_proposes.kind == BookingOutcome.NOT_YOURS
    assert (past.kind, forged.kind) == (BookingOutcome.IN_PAST, BookingOutcome.NOT_FOUND)
    proposal = await propose(a)
    async with a.db.transaction() as session:
        advisor_confirms = await booking.confirm(session, proposal.id, a.advisor_user_id, 0, NOW)
        stranger_cancels = await booking.cancel(session, proposal.id, a.other_advisor_user_id, NOW)
        stranger_outcome = await booking.record_outcome(
            session, proposal.id, a.contact_id, True, True, None, START + HOUR
        )
        missing = await booking.confirm(session, proposal.id + 50, a.contact_id, 0, NOW)
    assert advisor_confirms.kind == stranger_cancels.kind == stranger_outcome.kind == BookingOutcome.NOT_YOURS
    assert missing.kind == BookingOutcome.NOT_FOUND
    async with a.db.transaction() as session:
        unchanged = await booking.for_request(session, a.request_id)
    assert unchanged is not None and (unchanged.status, unchanged.sequence) == (BookingStatus.PROPOSED, 0)


async def test_either_side_cancels_and_the_advisor_stays(accepted: Accepted) -> None:
    a = accepted
    talk = await confirmed(a)
    async with a.db.transaction() as session:
        cancelled = await booking.cancel(session, talk.id, a.contact_id, NOW + HOUR)
        assert cancelled.kind == BookingOutcome.CANCELLED and cancelled.was_confirmed
        assert (await booking.cancel(session, talk.id, a.advisor_user_id, NOW)).kind == BookingOutcome.STALE
        assert await status_of(session, a.request_id) == RequestStatus.ACCEPTED
        holder = await offers.holder(session, a.request_id)
    assert holder is not None and holder.id == a.advisor.id
    assert cancelled.booking is not None
    calendar, event = parse_event(
        kickoff_ics(cancelled.booking, summary="Kickoff", organizer=Person("m@example.org"), now=NOW)
    )
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    renewed = await propose(a, START + timedelta(days=3))
    assert renewed.id == talk.id and renewed.status == BookingStatus.PROPOSED
    async with a.db.transaction() as session:
        by_advisor = await booking.cancel(session, renewed.id, a.advisor_user_id, NOW)
    assert by_advisor.kind == BookingOutcome.CANCELLED and not by_advisor.was_confirmed


async def test_reminder_before_the_talk_is_sent_once(accepted: Accepted) -> None:
    a = accepted
    talk = await confirmed(a)
    checks = [
        (START - 25 * HOUR, []),
        (START - 23 * HOUR, [talk.id]),
        (START - 22 * HOUR, []),
        (START - HOUR, []),
    ]
    for now, expected in checks:
        async with a.db.transaction() as session:
            due = await booking_sweeps.due_reminders(session, now)
        assert [d.booking.id for d in due] == expected, now
    async with a.db.transaction() as session:
        stored = await booking.for_request(session, a.request_id)
    assert stored is not None and stored.reminded_at == START - 23 * HOUR


async def test_no_reminder_when_confirmed_shortly_before_and_withdrawal_cancels(accepted: Accepted) -> None:
    a = accepted
    soon = NOW + 5 * HOUR
    talk = await confirmed(a, soon)
    assert talk.remind_at is None
    async with a.db.transaction() as session:
        assert await booking_sweeps.due_reminders(session, soon - HOUR) == []
    async with a.db.transaction() as session:
        assert await requests.withdraw(session, a.request_id, a.contact_id, NOW) is not None
        assert await booking_sweeps.due_outcome_questions(session, soon + 2 * HOUR) == []
        cleanup = await assignment.after_withdrawal(session, a.request_id, a.contact_id, NOW)
    assert cleanup.offer is None and cleanup.booking_was_confirmed
    assert cleanup.booking is not None and cleanup.booking.status == BookingStatus.CANCELLED


async def test_outcome_question_after_the_talk_once_then_consultation(accepted: Accepted) -> None:
    a = accepted
    talk = await confirmed(a)
    for now, expected in [
        (START + 30 * timedelta(minutes=1), []),
        (START + 61 * timedelta(minutes=1), [talk.id]),
    ]:
        async with a.db.transaction() as session:
            assert [
                d.booking.id for d in await booking_sweeps.due_outcome_questions(session, now)
            ] == expected
    async with a.db.transaction() as session:
        assert await booking_sweeps.due_outcome_questions(session, START + 3 * HOUR) == []
        early = await booking.record_outcome(
            session, talk.id, a.advisor_user_id, True, True, "", START - HOUR
        )
        assert early.kind == BookingOutcome.TOO_EARLY
        done = await booking.record_outcome(
            session, talk.id, a.advisor_user_id, True, True, " Beratung ab Mai ", START + 2 * HOUR
        )
    assert done.kind == BookingOutcome.OUTCOME_RECORDED and done.booking is not None
    assert (done.booking.status, done.booking.held, done.booking.consultation_agreed) == ("held", True, True)
    assert done.booking.outcome_note == "Beratung ab Mai"
    async with a.db.transaction() as session:
        assert await status_of(session, a.request_id) == RequestStatus.CONSULTATION
        assert (await events_of(session, a.request_id))[-2:] == [
            ("scheduled", "kickoff_held", a.advisor_user_id),
            ("kickoff_held", "consultation", a.advisor_user_id),
        ]
        again = await booking.record_outcome(
            session, talk.id, a.advisor_user_id, False, False, None, START + 3 * HOUR
        )
    assert again.kind == BookingOutcome.STALE


@pytest.mark.parametrize(
    ("held", "consultation", "booking_status", "request_status"),
    [
        (True, False, BookingStatus.HELD, RequestStatus.CLOSED),
        (False, True, BookingStatus.NOT_HELD, RequestStatus.ACCEPTED),
    ],
)
async def test_outcome_moves_the_request(
    accepted: Accepted, held: bool, consultation: bool, booking_status: str, request_status: str
) -> None:
    a = accepted
    talk = await confirmed(a)
    async with a.db.transaction() as session:
        done = await booking.record_outcome(
            session, talk.id, a.advisor_user_id, held, consultation, None, START + 2 * HOUR
        )
        assert done.booking is not None and done.booking.status == booking_status
        assert done.booking.consultation_agreed is (held and consultation)
        assert await status_of(session, a.request_id) == request_status
    if not held:  # the talk did not happen: the advisor proposes a new date
        assert (await propose(a, START + timedelta(days=7), START + 2 * HOUR)).sequence == 1


async def test_reminder_timing_comes_from_the_settings(accepted: Accepted) -> None:
    from bot.config import load_settings

    timing = BookingTiming.from_settings(load_settings(kickoff_reminder_hours=2))
    proposal = await propose(accepted)
    async with accepted.db.transaction() as session:
        done = await booking.confirm(session, proposal.id, accepted.contact_id, 0, NOW, timing)
    assert done.booking is not None and done.booking.remind_at == START - 2 * HOUR
