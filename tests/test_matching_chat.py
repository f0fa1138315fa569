"""Matching and booking in the chat, offline: invitations, the offer cascade, authorisation,
escalation with manual assignment, the kickoff date with its .ics, reminders and the outcome."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select, update

from handlers import deadlines
from models import AdvisorInvitation, Booking, Offer, OutboxMessage, User
from tests.harness import Harness, TelegramUser
from tests.matching_chat_helpers import (
    COORDINATOR,
    MOESSINGEN,
    REUTLINGEN,
    ULM,
    booking_of,
    button,
    offers_of,
    onboard,
    one_to,
    request_status,
    submit_request,
    sweep,
    to,
)

CONTACT = TelegramUser(600, "Ana", "de")
MEHMET = TelegramUser(601, "Mehmet", "en")
LEYLA = TelegramUser(602, "Leyla", "en")
OMID = TelegramUser(603, "Omid", "de")


async def _two_advisors(h: Harness) -> None:
    # Mehmet fits best (both languages, same Kreis); Leyla speaks only Turkish.
    await onboard(h, MEHMET, display_name="Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await onboard(h, LEYLA, display_name="Leyla", languages=["tr"], home_ags=REUTLINGEN)


async def test_an_invitation_makes_one_advisor_and_refuses_everyone_else(harness: Harness) -> None:
    h = harness
    [refused] = await h.text(CONTACT, "/einladen")
    assert "Koordination" in refused.text
    [link] = await h.text(COORDINATOR, "/invite")
    assert "https://t.me/miglobe_test_bot?start=inv_" in link.text
    token = link.text.split("start=inv_")[1].split()[0]
    welcome = await h.text(MEHMET, f"/start inv_{token}")
    async with h.runtime.db.transaction() as session:  # the advisor menu in their chat
        menus = await session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.method == "setMyCommands")
        )
        assert any("profile" in json.dumps(p) and p["scope"]["chat_id"] == MEHMET.id for p in menus)
    profile = to(welcome, MEHMET)[0]
    assert "Welcome to MiGlobe" in profile.text and "ob:s:l" in [d for _t, d in profile.buttons]
    [again] = await h.text(MEHMET, f"/start inv_{token}")
    assert "already used this invitation" in again.text
    [used] = await h.text(LEYLA, f"/start inv_{token}")
    assert "already been used" in used.text
    [unknown] = await h.text(LEYLA, "/start inv_notARealToken123")
    assert "not valid" in unknown.text
    [link2] = await h.text(COORDINATOR, "/invite")
    async with h.runtime.db.transaction() as session:
        await session.execute(update(AdvisorInvitation).values(expires_at=AdvisorInvitation.created_at))
    [expired] = await h.text(LEYLA, "/start " + link2.text.split("start=")[1].split()[0])
    assert "expired" in expired.text
    [denied] = await h.text(LEYLA, "/profile")
    assert "only available to advisors" in denied.text


async def test_offer_decline_next_accept_date_ics_reminder_and_outcome(harness: Harness) -> None:
    h = harness
    await _two_advisors(h)
    request, sent = await submit_request(h, CONTACT)
    offer = one_to(sent, MEHMET)
    assert request.reference in offer.text and "Tübingen" in offer.text and "Tigrinya" in offer.text
    assert "ana@tuebingen.de" not in offer.text and "Ana Müller" not in offer.text  # no personal data yet
    assert "Why you" in offer.text and "same district (Kreis)" in offer.text
    reasons = await h.press(MEHMET, button(offer, "of:d:"))
    declined = await h.press(MEHMET, button(reasons[0], "of:r:").rsplit(":", 1)[0] + ":time")
    assert "You declined" in declined[0].text
    second = one_to(declined, LEYLA)
    assert request.reference in second.text and "ana@tuebingen.de" not in second.text
    accepted = await h.press(LEYLA, button(second, "of:a:"))
    mine = one_to(accepted, LEYLA)
    assert "ana@tuebingen.de" in mine.text and "Ana Müller" in mine.text and "You accepted" in mine.text
    assert "Leyla" in one_to(accepted, CONTACT).text and "Türkisch" in one_to(accepted, CONTACT).text
    assert await offers_of(h, request.id) == [("Mehmet", "declined"), ("Leyla", "accepted")]
    # Double tap: nothing changes, a clear answer.
    assert await h.press(LEYLA, button(second, "of:a:")) == []
    assert "already accepted" in h.answered_callbacks()[-1]["text"]

    options = await h.press(LEYLA, button(mine, "bk:p:"))
    proposed = await h.press(LEYLA, button(options[0], "bk:s:"))
    proposal = one_to(proposed, CONTACT)
    assert "Leyla" in proposal.text and "Bestätigen" in str(proposal.buttons)
    confirmed = await h.press(CONTACT, button(proposal, "bk:y:"))
    documents = [s for s in confirmed if s.method == "sendDocument"]
    assert {d.chat_id for d in documents} == {CONTACT.id, LEYLA.id}
    ics = Calendar.from_ical(base64.b64decode(documents[0].payload["document"]["content_b64"]))
    event = ics.walk("VEVENT")[0]
    talk = await booking_of(h, request.id)
    assert (
        event.decoded("dtstart") == talk.starts_at and str(event["dtstart"].params["TZID"]) == "Europe/Berlin"
    )
    assert request.reference in str(event["summary"])
    assert await request_status(h, request.id) == "scheduled"
    assert await h.press(CONTACT, button(proposal, "bk:y:")) == []  # double confirmation
    assert "bereits bestätigt" in h.answered_callbacks()[-1]["text"]
    [status] = await h.text(CONTACT, "/meineanfragen")
    assert "Ihre Berater*in: Leyla" in status.text and "Auftaktgespräch: " in status.text

    reminders = await sweep(h, deadlines.sweep_bookings, talk.starts_at - timedelta(hours=23))
    assert {s.chat_id for s in reminders} == {CONTACT.id, LEYLA.id}
    assert await sweep(h, deadlines.sweep_bookings, talk.starts_at - timedelta(hours=22)) == []  # once
    [question] = await sweep(h, deadlines.sweep_bookings, talk.starts_at + timedelta(hours=2))
    async with h.runtime.db.transaction() as session:  # the talk is over (the service checks the clock)
        await session.execute(update(Booking).values(starts_at=talk.starts_at - timedelta(days=60)))
    held = await h.press(LEYLA, button(question, "oc:h:").rsplit(":", 1)[0] + ":1")
    note_prompt = await h.press(LEYLA, button(held[0], "oc:c:").rsplit(":", 1)[0] + ":1")
    assert "note" in note_prompt[0].text
    # Each follow-up replaces the question that named the talk, so each names it again.
    assert all(f"Kickoff talk {request.reference}</b> on " in m.text for m in (held[0], note_prompt[0]))
    recorded = await h.text(LEYLA, "Very good talk <b>, next meeting in May")
    assert "Recorded" in one_to(recorded, LEYLA).text or "recorded" in one_to(recorded, LEYLA).text.lower()
    assert "Beratung läuft" in one_to(recorded, CONTACT).text
    assert await request_status(h, request.id) == "consultation"
    assert (await booking_of(h, request.id)).outcome_note == "Very good talk <b>, next meeting in May"


async def test_another_advisor_a_contact_and_a_forged_button_cannot_touch_an_offer(harness: Harness) -> None:
    h = harness
    await _two_advisors(h)
    request, sent = await submit_request(h, CONTACT)
    offer = one_to(sent, MEHMET)
    accept, decline = button(offer, "of:a:"), button(offer, "of:d:")
    offer_id = int(accept.rsplit(":", 1)[1])
    for person, data in [
        (LEYLA, accept),
        (LEYLA, f"of:r:{offer_id}:time"),
        (LEYLA, decline),
        (LEYLA, f"of:v:{offer_id}"),
    ]:
        assert await h.press(person, data) == []
        assert h.answered_callbacks()[-1]["text"] == "This offer is not available."
    assert await h.press(LEYLA, "of:a:999999") == []  # unknown: the same words as someone else's
    assert h.answered_callbacks()[-1]["text"] == "This offer is not available."
    assert await h.press(CONTACT, accept) == []
    assert "Berater" in h.answered_callbacks()[-1]["text"]
    assert await h.press(MEHMET, "of:a:1x") == [] and await h.press(MEHMET, f"of:r:{offer_id}:nonsense") == []
    assert await offers_of(h, request.id) == [("Mehmet", "pending")]
    # Leyla cannot see the contact's details through the booking buttons either.
    assert await h.press(LEYLA, f"bk:p:{request.id}") == []
    assert await h.press(CONTACT, f"bk:p:{request.id}") == []


async def test_escalation_lists_everyone_and_a_coordinator_assigns_by_hand(harness: Harness) -> None:
    h = harness
    await onboard(h, OMID, display_name="Omid", languages=["fa"], home_ags=ULM, capacity=1)
    await h.text(COORDINATOR, "/start")
    async with h.runtime.db.transaction() as session:  # Omid is on holiday
        await session.execute(update(User).where(User.telegram_id == OMID.id).values(first_name="Omid"))
    [pause] = await h.text(OMID, "/pause 31.12.2099")
    assert "Bitte geben Sie ein Datum" in pause.text  # more than a year ahead is refused
    pause_week = button(pause, "pa:u:")
    await h.press(OMID, pause_week)
    request, sent = await submit_request(h, CONTACT)
    escalation = one_to(sent, COORDINATOR)
    assert (
        "No advisor found" in escalation.text
        and "Omid" in escalation.text
        and "paused until" in escalation.text
    )
    assign = button(escalation, "ca:a:")
    assert await h.press(LEYLA, assign) == []  # not a coordinator
    assigned = await h.press(COORDINATOR, assign)
    # By hand it is an offer from the coordination team; the contact hears nothing before it is accepted.
    assert "offered to omid" in assigned[0].text.lower()
    offer = one_to(assigned, OMID)
    assert "Koordinationsteam" in offer.text and "ana@tuebingen.de" not in offer.text
    assert to(assigned, CONTACT) == [] and await request_status(h, request.id) == "offered"
    accepted = await h.press(OMID, button(offer, "of:a:"))
    assert "ana@tuebingen.de" in one_to(accepted, OMID).text and "Omid" in one_to(accepted, CONTACT).text
    assert "Omid accepted" in one_to(accepted, COORDINATOR).text
    assert await request_status(h, request.id) == "accepted"
    again = await h.press(COORDINATOR, assign)
    assert "already has an advisor" in again[0].text
    [listing] = await h.text(COORDINATOR, f"/assign {request.reference.lower()}")
    assert "is with Omid" in listing.text  # held: it can be reassigned, not assigned
    assert not [d for _label, d in listing.buttons if d.startswith("ca:")]
    assert [d for _label, d in listing.buttons if d.startswith("ra:o:")]
    [unknown] = await h.text(COORDINATOR, "/assign MG-2026-9999")
    assert unknown.text.startswith("There is no request MG-2026-9999.")
    # Without a reference (or with a wrong one) the lists to choose from are a tap away.
    [bare] = await h.text(COORDINATOR, "/assign")
    assert "choose the request from a list" in bare.text and button(unknown, "rq:l:0:o")
    [waiting] = await h.press(COORDINATOR, button(bare, "rq:l:0:n"))
    [listed] = await h.press(COORDINATOR, button(bare, "rq:l:0:o"))
    assert "no advisor found yet" in waiting.text and request.reference not in waiting.text
    assert request.reference in listed.text


async def test_expiry_reminder_and_a_blocked_advisor_pass_the_offer_on(harness: Harness) -> None:
    h = harness
    await _two_advisors(h)
    await onboard(h, OMID, display_name="Omid", languages=["tr"], home_ags=ULM)
    request, sent = await submit_request(h, CONTACT)
    offer = one_to(sent, MEHMET)
    async with h.runtime.db.transaction() as session:
        row = await session.get(Offer, int(button(offer, "of:a:").rsplit(":", 1)[1]))
        assert row is not None
        remind_at, respond_by = row.remind_at, row.respond_by
    assert remind_at is not None
    [reminder] = await sweep(h, deadlines.sweep_offers, remind_at + timedelta(minutes=1))
    assert reminder.chat_id == MEHMET.id and "Reminder" in reminder.text and "of:a:" in str(reminder.buttons)
    passed = await sweep(h, deadlines.sweep_offers, respond_by + timedelta(minutes=1))
    assert "has passed" in one_to(passed, MEHMET).text and request.reference in one_to(passed, LEYLA).text
    # Leyla blocked the bot: the sender marked her unreachable; the next sweep skips her.
    async with h.runtime.db.transaction() as session:
        await session.execute(
            update(User).where(User.telegram_id == LEYLA.id).values(unreachable_since=respond_by)
        )
    skipped = await sweep(h, deadlines.sweep_offers, respond_by + timedelta(minutes=2))
    note = one_to(skipped, COORDINATOR)
    assert "Leyla cannot be reached" in note.text and "offered to Omid" in note.text
    assert request.reference in one_to(skipped, OMID).text
    assert [s for _n, s in await offers_of(h, request.id)] == ["expired", "declined", "pending"]
    # The late answer of the first advisor changes nothing.
    [late] = await h.press(MEHMET, button(offer, "of:a:"))
    assert late.chat_id == MEHMET.id and "passed" in h.answered_callbacks()[-1]["text"]
