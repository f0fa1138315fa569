"""/loeschen and /delete: after the confirmation nothing of the person is left in any table (but the one
ephemeral goodbye), the statistics still count their request, the advisor is told; stale, forged and
repeated presses erase nothing twice; advisors' work goes back to the programme; the last
coordinator is refused; coordinators erase on a person's behalf (audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.services import funnel_stats, users
from models import (
    Advisor,
    AuditAction,
    Base,
    Booking,
    BookingStatus,
    CoordinatorAction,
    KickoffRequest,
    OutboxMessage,
    RequestStatus,
    Role,
    User,
    utcnow,
)
from tests.harness import Harness, Sent, TelegramUser, bot_harness, drain_outbox
from tests.intake_helpers import Entry, IntakeStep, requests_of, tap, walk_to
from tests.matching_chat_helpers import COORDINATOR, MOESSINGEN, button, onboard
from tests.test_own_data import file_of


@dataclass
class Person(TelegramUser):
    """A test user with a Telegram username."""

    username: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "username": self.username}


CONTACT = Person(987654321, "Zoltanika", "de", username="zolta_quast")
ADVISOR = TelegramUser(555000111, "Adalbert", "en")
ENTRY = Entry(
    name="Zoltanika Quasthoff",
    role="Amt fuer Quastenwesen",
    email="zoltanika@quasten.example",
    phone="07071 998877",
    expected_phone="+497071998877",
    own_topic="Quastenpartnerschaft Moshi",
    goals="Unser Quastenfest interkulturell oeffnen",
)
QUESTION = "Gibt es Foerdergeld fuer Quastenvereine?"
TYPED = [ENTRY.name, ENTRY.role, ENTRY.email, ENTRY.phone, ENTRY.expected_phone, ENTRY.own_topic, ENTRY.goals]
SECRETS = [str(CONTACT.id), CONTACT.first_name, CONTACT.username, QUESTION, *TYPED]


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """The shared harness, with room for the many quick steps of a whole intake (no flood guard)."""
    async with bot_harness(database_url, coordinator_ids="900", flood_burst=100_000) as h:
        yield h


def yes_button(message: Sent) -> str:
    """The confirm button of a confirmation screen."""
    return button(message, "pv:y:")


async def rows_as_text(h: Harness) -> list[tuple[str, str]]:
    """Every row of every table, as (table, text)."""
    found = []
    async with h.runtime.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                found.append((table.name, " ".join(str(v) for v in row)))
    return found


async def leaks(h: Harness, goodbye_id: int | None = None) -> list[tuple[str, str]]:
    """(table, secret) for every row that still holds something of the contact (but the goodbye)."""
    return [
        (table, secret)
        for table, row in await rows_as_text(h)
        for secret in SECRETS
        if secret.casefold() in row.casefold()
        and not (table == "outbox" and row.split()[0] == str(goodbye_id))
    ]


async def contact_with_everything(h: Harness) -> KickoffRequest:
    """The contact asks, subscribes to news and sends a request that the advisor accepts; a kickoff
    date is confirmed."""
    await onboard(h, ADVISOR, display_name="Adalbert", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await h.text(CONTACT, QUESTION)
    await h.press(CONTACT, "nw:on")
    summary = await walk_to(h, CONTACT, IntakeStep.SUMMARY, ENTRY)
    sent = await tap(h, CONTACT, summary, "📨")
    [request] = await requests_of(h, CONTACT.id)
    offer = next(s for s in sent if s.chat_id == ADVISOR.id and s.buttons)
    await h.press(ADVISOR, button(offer, "of:a:"))
    async with h.runtime.db.transaction() as session:
        advisor_id = await session.scalar(select(Advisor.id).where(Advisor.display_name == "Adalbert"))
        session.add(
            Booking(
                request_id=request.id,
                advisor_id=advisor_id,
                status=BookingStatus.CONFIRMED,
                starts_at=utcnow() + timedelta(days=7),
                location="Rathaus, Saal 2",
                confirmed_at=utcnow(),
            )
        )
        await session.execute(
            KickoffRequest.__table__.update()
            .where(KickoffRequest.id == request.id)
            .values(status=RequestStatus.SCHEDULED)
        )
    return request


async def test_erasure_leaves_nothing_of_the_person_but_keeps_the_statistics(harness: Harness) -> None:
    h = harness
    request = await contact_with_everything(h)
    assert any(CONTACT.first_name in t for _n, t in await rows_as_text(h))
    [screen] = await h.text(CONTACT, "/loeschen")
    assert "Daten löschen?" in screen.text and "zurückgezogen" in screen.text
    assert [label for label, _d in screen.buttons] == ["Ja, alles löschen", "Abbrechen"]
    await h.press(CONTACT, yes_button(screen))
    async with h.runtime.db.transaction() as session:
        outbox = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        stored = await session.get(KickoffRequest, request.id)
        assert stored is not None
        assert stored.status == RequestStatus.WITHDRAWN and stored.anonymized_at is not None
        assert stored.place_name.startswith("Tübingen") and stored.topics == ["festival"]
        booking = await session.scalar(select(Booking).where(Booking.request_id == request.id))
        assert booking is not None and booking.status == BookingStatus.CANCELLED and booking.location is None
        period = funnel_stats.Period(utcnow() - timedelta(days=1), utcnow() + timedelta(days=1))
        stats = await funnel_stats.compute(session, period)
    [goodbye] = [m for m in outbox if m.chat_id == CONTACT.id]
    assert goodbye.ephemeral and goodbye.inbox_id is None and "gelöscht" in goodbye.payload["text"]
    # The advisor learns that the request was withdrawn, with its reference only.
    told = [m for m in outbox if m.chat_id == ADVISOR.id and request.reference in str(m.payload.get("text"))]
    assert told and all(CONTACT.first_name not in str(m.payload) for m in told)
    assert await leaks(h, goodbye.id) == []
    # The statistics still count the request as sent, offered and accepted.
    assert (stats.total.requests, stats.total.offered, stats.total.accepted) == (1, 1, 1)


async def test_statistics_still_count_the_erased_request(harness: Harness) -> None:
    h = harness
    await contact_with_everything(h)
    async with h.runtime.db.transaction() as session:
        before = await session.scalar(select(func.count()).select_from(KickoffRequest))
    [screen] = await h.text(CONTACT, "/delete")
    await h.press(CONTACT, yes_button(screen))
    async with h.runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(KickoffRequest)) == before == 1
        events = await session.scalar(text("SELECT count(*) FROM request_events"))
        assert events and events >= 3  # submitted, offered, accepted … withdrawn: the funnel adds up
        assert await session.scalar(select(User).where(User.telegram_id == CONTACT.id)) is None


async def test_a_double_tap_erases_once_and_leaves_no_new_user(harness: Harness) -> None:
    h = harness
    person = TelegramUser(700700700, "Quirin", "en")
    await h.text(person, "Is there money for municipalities?")
    [screen] = await h.text(person, "/delete")
    assert "Delete your data?" in screen.text
    assert [label for label, _d in screen.buttons] == ["Yes, delete everything", "Cancel"]
    await h.press(person, yes_button(screen))
    assert await h.press(person, yes_button(screen)) == []
    assert "out of date" in h.answered_callbacks()[-1]["text"]
    async with h.runtime.db.transaction() as session:
        assert await session.scalar(select(User).where(User.telegram_id == person.id)) is None
        mentioned = await session.scalar(text(f"SELECT count(*) FROM inbox WHERE chat_key = {person.id}"))
        assert mentioned == 0


async def test_cancel_and_forged_presses_erase_nothing(harness: Harness) -> None:
    h = harness
    person, stranger = TelegramUser(700700701, "Rosa", "de"), TelegramUser(700700702, "Mallory", "de")
    await h.text(stranger, "/start")
    [screen] = await h.text(person, "/loeschen")
    [edited] = await h.press(person, button(screen, "pv:n:"))
    assert "Es wurde nichts gelöscht." in edited.text
    assert await h.press(stranger, yes_button(screen)) == []
    assert "nicht mehr gültig" in h.answered_callbacks()[-1]["text"]
    assert await h.press(person, "pv:y:1x") == []
    _p, _y, target, _shown, fingerprint = yes_button(screen).split(":")
    old = f"pv:y:{target}:{int(utcnow().timestamp() // 60) - 2 * 24 * 60}:{fingerprint}"
    await h.press(person, old)
    assert "veraltet" in h.answered_callbacks()[-1]["text"]
    async with h.runtime.db.transaction() as session:
        ids = set(await session.scalars(select(User.telegram_id)))
    assert {person.id, stranger.id} <= ids


async def test_an_advisors_erasure_hands_back_their_request(harness: Harness) -> None:
    h = harness
    request = await contact_with_everything(h)
    [screen] = await h.text(ADVISOR, "/delete")
    assert "As an advisor" in screen.text and "go back to the coordination team" in screen.text
    await h.press(ADVISOR, yes_button(screen))
    async with h.runtime.db.transaction() as session:
        advisor = await session.scalar(select(Advisor))
        assert advisor is not None and advisor.user_id is None and not advisor.active
        assert advisor.display_name == f"#{advisor.id}" and "Adalbert" not in str(
            list(await session.scalars(text("SELECT ranking FROM offers")))
        )
        stored = await session.get(KickoffRequest, request.id)
        assert stored is not None and stored.status == RequestStatus.NO_MATCH
        assert stored.contact_name == ENTRY.name  # the contact's request is theirs, not the advisor's
        outbox = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    to_coordinator = " ".join(str(m.payload.get("text")) for m in outbox if m.chat_id == COORDINATOR.id)
    assert "An advisor deleted their data" in to_coordinator and request.reference in to_coordinator
    to_contact = " ".join(str(m.payload.get("text")) for m in outbox if m.chat_id == CONTACT.id)
    assert "nicht mehr verfügbar" in to_contact
    rows = await rows_as_text(h)
    goodbye = [m.id for m in outbox if m.chat_id == ADVISOR.id]
    assert len(goodbye) == 1
    assert not [
        t for t, r in rows if "Adalbert" in r and not (t == "outbox" and r.split()[0] == str(goodbye[0]))
    ]


async def test_the_last_coordinator_is_refused_and_another_can_go(harness: Harness) -> None:
    h = harness
    [refusal] = await h.text(COORDINATOR, "/delete")
    assert "only coordinator" in refusal.text and refusal.buttons == []
    second = TelegramUser(901, "Cleo", "en")
    await h.text(second, "/start")
    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, second.id)
        assert user is not None
        users.grant_role(user, Role.COORDINATOR)
    [screen] = await h.text(second, "/delete")
    assert "As a coordinator: your coordinator role ends." in screen.text
    await h.press(second, yes_button(screen))
    async with h.runtime.db.transaction() as session:
        assert await session.scalar(select(User).where(User.telegram_id == second.id)) is None


async def test_a_coordinator_erases_on_a_persons_behalf_in_private_only(harness: Harness) -> None:
    h = harness
    request = await contact_with_everything(h)
    [group] = await h.text_in_group(COORDINATOR, f"/delete {request.reference}")
    assert "private chat" in group.text and not group.buttons
    [refused] = await h.text(CONTACT, f"/loeschen {ADVISOR.id}")
    assert refused.text == "Das steht nur der Koordination zur Verfügung."
    _name, data, _document = file_of(await h.text(COORDINATOR, f"/mydata {CONTACT.id}"))
    assert data["profile"]["username"] == CONTACT.username
    [screen] = await h.text(COORDINATOR, f"/delete {CONTACT.id}")
    assert "Delete all data of Zoltanika?" in screen.text
    pressed = await h.press(COORDINATOR, yes_button(screen))
    [done] = [s for s in pressed if s.chat_id == COORDINATOR.id]
    assert "Deleted: 1 requests anonymised, 1 questions blanked." in done.text
    async with h.runtime.db.transaction() as session:
        assert await session.scalar(select(User).where(User.telegram_id == CONTACT.id)) is None
        action = await session.scalar(
            select(CoordinatorAction).where(CoordinatorAction.action == AuditAction.DATA_ERASURE.value)
        )
        assert action is not None and CONTACT.first_name not in str(action.details)
        goodbye = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == CONTACT.id))
        assert goodbye is not None and goodbye.ephemeral and "auf Ihren Wunsch" in goodbye.payload["text"]
    # Not even the coordinator's own chat keeps what it showed or was typed about the person.
    assert await leaks(h, goodbye.id) == []


async def test_withdrawing_consent_on_the_privacy_screen_leads_to_the_confirmation(harness: Harness) -> None:
    h = harness
    person = TelegramUser(700700703, "Uwe", "de")
    [notice] = await h.text(person, "/datenschutz")
    withdraw = [d for label, d in notice.buttons if label == "Widerrufen und Daten löschen"]
    assert withdraw == ["pv:w"]
    [screen] = await h.press(person, "pv:w")
    assert "Daten löschen?" in screen.text and yes_button(screen)


async def test_once_the_sender_ran_not_even_the_goodbye_is_left(harness: Harness) -> None:
    h = harness
    await contact_with_everything(h)
    [screen] = await h.text(CONTACT, "/loeschen")
    await h.press(CONTACT, yes_button(screen))
    await drain_outbox(h.runtime.db, h.runtime.sender)
    # The goodbye replaces the confirmation screen, so no live "delete" button stays behind.
    goodbye = [p for m, p in h.api.calls if m == "editMessageText" and p.get("chat_id") == str(CONTACT.id)]
    assert any("Ihre Daten sind gelöscht" in p["text"] and "reply_markup" not in p for p in goodbye)
    assert await leaks(h) == []
