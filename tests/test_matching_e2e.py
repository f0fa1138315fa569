"""Matching and booking end to end: the real bot process against the sandbox's Bot API emulator."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from icalendar import Calendar

from models import Booking, KickoffRequest, Offer, Role, utcnow
from tests.bot_process import running_bot, sandbox
from tests.matching_e2e_helpers import (
    TIMEOUT,
    data_of,
    documents,
    message_with,
    move_booking,
    move_offers,
    prepared,
    press,
    read,
    request_of,
    seed_advisor,
    seed_request,
    seed_user,
)

CONTACT, MEHMET, LEYLA, OMID, CORA = 5000, 5001, 5002, 5003, 5900
MOESSINGEN, REUTLINGEN, ULM = "08416025", "08415061", "08421000"
NOT_AVAILABLE = "This offer is not available."


async def test_request_offer_decline_accept_date_ics_reminder_and_outcome(
    database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    db = await prepared(database_url)
    await seed_advisor(db, MEHMET, "Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await seed_advisor(db, LEYLA, "Leyla", languages=["tr"], home_ags=REUTLINGEN)
    # A submitted request, as the intake leaves it: the first sweep after start offers it. (Sending it
    # through the intake here would cost ~20 s of Telegram's per-chat pacing; the submit-time offer is
    # covered offline in test_matching_chat.)
    await seed_request(db, await seed_user(db, CONTACT, "Ana", "de"))
    async with sandbox() as server:
        emulator = server.emulator
        for uid, name, lang in [(CONTACT, "Ana", "de"), (MEHMET, "Mehmet", "en"), (LEYLA, "Leyla", "en")]:
            emulator.add_user(name, lang, user_id=uid)
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            emulator.send_text(CONTACT, "/start")
            request = await request_of(db)
            offer = await message_with(emulator, MEHMET, request.reference, "Tigrinya", button="of:a:")
            assert "ana@tuebingen.example" not in (offer.text or "")
            # Authorisation: another advisor, the contact and a forged id change nothing, reveal nothing.
            emulator.send_text(LEYLA, "/start")
            leyla_start = await message_with(emulator, LEYLA, "Hello")
            accept = data_of(offer, "of:a:")
            assert (await press(emulator, LEYLA, leyla_start, accept, forge=True))["text"] == NOT_AVAILABLE
            contact_message = await message_with(emulator, CONTACT, "Hallo")
            answer = await press(emulator, CONTACT, contact_message, accept, forge=True)
            assert "Berater*innen" in answer["text"]
            assert (await press(emulator, MEHMET, offer, "of:a:999999", forge=True))["text"] == NOT_AVAILABLE
            assert (await read(db, Offer, Offer.request_id == request.id)).status == "pending"
            # Decline with a reason: the next advisor gets the offer; she accepts and sees the details.
            await press(emulator, MEHMET, offer, data_of(offer, "of:d:"))
            reasons = await message_with(emulator, MEHMET, "Why are you declining", button="of:r:")
            await press(emulator, MEHMET, reasons, data_of(reasons, "of:r:"))
            second = await message_with(emulator, LEYLA, request.reference, button="of:a:")
            await press(emulator, LEYLA, second, data_of(second, "of:a:"))
            held = await message_with(emulator, LEYLA, "ana@tuebingen.example", button="bk:p:")
            await message_with(emulator, CONTACT, "Gute Nachricht", "Leyla")
            assert not any("ana@tuebingen" in (m.text or "") for m in emulator.messages_in(MEHMET))
            # The date: Leyla proposes the contact's preferred window, the contact confirms.
            await press(emulator, LEYLA, held, data_of(held, "bk:p:"))
            options = await message_with(emulator, LEYLA, "Propose a date", button="bk:s:")
            await press(emulator, LEYLA, options, data_of(options, "bk:s:"))
            proposal = await message_with(emulator, CONTACT, "Leyla", button="bk:y:")
            await press(emulator, CONTACT, proposal, data_of(proposal, "bk:y:"))
            await emulator.wait_for(
                lambda: documents(emulator, CONTACT) and documents(emulator, LEYLA), TIMEOUT, "ics"
            )
            talk = await read(db, Booking, Booking.request_id == request.id)
            event = Calendar.from_ical(documents(emulator, CONTACT)[0]).walk("VEVENT")[0]
            assert event.decoded("dtstart") == talk.starts_at
            assert str(event["dtstart"].params["TZID"]) == "Europe/Berlin" and request.reference in str(
                event["summary"]
            )
            # Time passes: the reminder (once), then the outcome question after the talk.
            await move_booking(db, request.id, remind_at=utcnow() - timedelta(seconds=1))
            await message_with(emulator, CONTACT, "Erinnerung", request.reference)
            await message_with(emulator, LEYLA, "Reminder", request.reference)
            await move_booking(db, request.id, starts_at=utcnow() - timedelta(hours=2))
            question = await message_with(emulator, LEYLA, "How did the kickoff talk", button="oc:h:")
            await press(emulator, LEYLA, question, data_of(question, "oc:h:").rsplit(":", 1)[0] + ":1")
            consult = await message_with(emulator, LEYLA, "consultation over several months", button="oc:c:")
            await press(emulator, LEYLA, consult, data_of(consult, "oc:c:").rsplit(":", 1)[0] + ":1")
            await message_with(emulator, LEYLA, "short note", button="oc:s:")
            emulator.send_text(LEYLA, "Sehr gutes Gespräch, Folgetermin im Mai.")
            await message_with(emulator, LEYLA, "Thank you! Recorded")
            await message_with(emulator, CONTACT, "stattgefunden", "Beratung läuft")
        reminders = [m for m in emulator.messages_in(CONTACT) if "⏰" in (m.text or "")]
        assert len(reminders) == 1
    assert (await read(db, KickoffRequest, KickoffRequest.id == request.id)).status == "consultation"
    assert (await read(db, Booking, Booking.request_id == request.id)).outcome_note.startswith("Sehr gutes")
    await db.dispose()
    print(f"\nwhole path end to end in {time.monotonic() - started:.1f} s")


async def test_an_offer_due_while_the_bot_was_stopped_passes_on_right_after_the_restart(
    database_url: str, tmp_path: Path
) -> None:
    db = await prepared(database_url)
    await seed_advisor(db, MEHMET, "Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await seed_advisor(db, LEYLA, "Leyla", languages=["tr"], home_ags=REUTLINGEN)
    request_id = await seed_request(db, await seed_user(db, CONTACT, "Ana", "de"))
    async with sandbox() as server:
        emulator = server.emulator
        for uid, name in [(CONTACT, "Ana"), (MEHMET, "Mehmet"), (LEYLA, "Leyla")]:
            emulator.add_user(name, "en", user_id=uid)
        async with running_bot(server, database_url, tmp_path / "bot1.log", OFFER_RESPONSE_HOURS="48"):
            await message_with(emulator, MEHMET, "New request", button="of:a:")  # the safety-net sweep
        await move_offers(db, request_id, respond_by=utcnow() - timedelta(minutes=5))
        restarted = time.monotonic()
        async with running_bot(server, database_url, tmp_path / "bot2.log", OFFER_RESPONSE_HOURS="48"):
            await message_with(emulator, LEYLA, "New request", button="of:a:")
            passed_on = time.monotonic() - restarted
            await message_with(emulator, MEHMET, "has passed")
        # One offer, not sent again after the restart; it now says it has passed, without buttons.
        offered = [
            m
            for m in emulator.messages_in(MEHMET)
            if any("New request" in str(d.get("text", "")) for d in [m.data, *m.history])
        ]
        assert len(offered) == 1 and not offered[0].buttons()
    offers = [
        o.status
        for o in [
            await read(db, Offer, Offer.request_id == request_id, Offer.status == s)
            for s in ("expired", "pending")
        ]
    ]
    assert offers == ["expired", "pending"]
    await db.dispose()
    print(f"\noffer passed on {passed_on:.1f} s after the restart (process start included)")
    assert passed_on < 12


async def test_a_blocked_advisor_is_skipped_then_escalation_and_assignment_by_hand(
    database_url: str, tmp_path: Path
) -> None:
    db = await prepared(database_url)
    await seed_advisor(db, MEHMET, "Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await seed_advisor(db, LEYLA, "Leyla", languages=["tr"], home_ags=REUTLINGEN)
    omid = await seed_advisor(
        db, OMID, "Omid", languages=["fa"], home_ags=ULM, paused_until=utcnow() + timedelta(days=9)
    )
    await seed_user(db, CORA, "Cora", "en", [Role.COORDINATOR])
    request_id = await seed_request(db, await seed_user(db, CONTACT, "Ana", "de"))
    async with sandbox() as server:
        emulator = server.emulator
        for uid, name in [
            (CONTACT, "Ana"),
            (MEHMET, "Mehmet"),
            (LEYLA, "Leyla"),
            (OMID, "Omid"),
            (CORA, "Cora"),
        ]:
            emulator.add_user(name, "de" if uid == CONTACT else "en", user_id=uid)
        emulator.block_chat(MEHMET)
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            skipped = await message_with(emulator, CORA, "Mehmet cannot be reached", "offered to Leyla")
            offer = await message_with(emulator, LEYLA, "New request", button="of:d:")
            await press(emulator, LEYLA, offer, data_of(offer, "of:d:"))
            reasons = await message_with(emulator, LEYLA, "Why are you declining", button="of:r:")
            await press(emulator, LEYLA, reasons, data_of(reasons, "of:r:"))
            escalation = await message_with(
                emulator, CORA, "No advisor found", "paused until", button="ca:a:"
            )
            assign = f"ca:a:{request_id}:{omid}"
            assert assign in [b["callback_data"] for b in escalation.buttons()]
            await press(emulator, CORA, escalation, assign)
            await message_with(emulator, CORA, "offered to Omid")
            # By hand it is an offer Omid answers; the contact hears his name once he accepts.
            offer = await message_with(emulator, OMID, "coordination team offers you", button="of:a:")
            assert not any("Omid" in (m.text or "") for m in emulator.messages_in(CONTACT))
            await press(emulator, OMID, offer, data_of(offer, "of:a:"))
            await message_with(emulator, OMID, "accepted", "ana@tuebingen.example", button="bk:p:")
            await message_with(emulator, CONTACT, "Gute Nachricht", "Omid")
            await message_with(emulator, CORA, "Omid accepted")
        assert emulator.messages_in(MEHMET) == [] and skipped.text
    assert (await read(db, KickoffRequest, KickoffRequest.id == request_id)).status == "accepted"
    await db.dispose()
