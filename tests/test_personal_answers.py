"""Answers that know the asker: "Can I move the date?" answered from their own request (reference,
status, advisor's first name, date) with the buttons that act on it; the generic entry for anybody
without an open request; "contact person" always the programme's contact plus their advisor."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.services import booking, knowledge, knowledge_live, personal_answers, users
from bot.services.knowledge import Match, Outcome
from bot.services.personal_answers import Topic, first_name, topic_of
from models import KickoffRequest, Role, User, utcnow
from tests.faq_helpers import CONTACT, CONTACT_EN, faq_bot, only_question
from tests.hand_offer_helpers import assign_and_accept
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_helpers import add_advisor, add_request, add_user, migrated

BERLIN = ZoneInfo("Europe/Berlin")
RESCHEDULE_DE = "Kann ich den Termin noch verschieben?"
STATUS_DE = "Wie ist der Stand meiner Anfrage?"


def test_the_personal_entries_are_mapped_and_nothing_else() -> None:
    ids = ["reschedule", "cancel-request", "request-status", "my-advisor", "response-time", "contact-person"]
    assert [topic_of(i) for i in ids] == list(Topic)
    assert topic_of("costs") is None and topic_of(None) is None and topic_of("") is None


def test_first_names_leave_out_titles() -> None:
    assert first_name("Mehmet Yılmaz") == "Mehmet"
    assert first_name("Dr. Leyla Aydın") == "Leyla"
    assert first_name("Amina") == "Amina"


@dataclass
class Booked:
    """A contact's request with an accepted advisor and a proposed or confirmed date."""

    request_id: int
    reference: str
    booking_id: int
    sequence: int
    starts_at: datetime


def _start(days: int) -> datetime:
    local = (utcnow() + timedelta(days=days)).astimezone(BERLIN)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


async def _booked(
    session: Any, contact: User, *, confirm: bool, days: int = 8, name: str = "Mehmet Yılmaz"
) -> Booked:
    """A request of ``contact`` assigned to a new advisor ``name`` with a date ``days`` ahead."""
    now, start = utcnow(), _start(days)
    coordinator = await add_user(session, "Cora", [Role.COORDINATOR])
    advisor = await add_advisor(session, name)
    windows = [{"date": start.date().isoformat(), "part": "am"}]
    request = await add_request(session, contact, windows=windows, now=now)
    await assign_and_accept(session, request.id, advisor.id, coordinator.id, now)
    assert advisor.user_id is not None
    proposal = await booking.propose(session, request.id, advisor.user_id, start, now)
    talk = proposal.booking
    assert talk is not None
    if confirm:
        confirmed = await booking.confirm(session, talk.id, contact.id, talk.sequence, now)
        assert confirmed.booking is not None
        talk = confirmed.booking
    return Booked(request.id, request.reference, talk.id, talk.sequence, start)


async def test_open_requests_leave_out_finished_ones_and_carry_advisor_and_date(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            contact = await add_user(session, "Ana")
            withdrawn = await add_request(session, contact, now=utcnow())
            withdrawn.status = "withdrawn"
            waiting = await add_request(session, contact, now=utcnow())
            booked = await _booked(session, contact, confirm=True)
        async with db.transaction() as session:
            found = await personal_answers.open_requests(session, contact.id)
    assert [s.request.id for s in found] == [booked.request_id, waiting.id]
    talk, plain = found
    assert talk.confirmed and talk.date == booked.starts_at and talk.advisor_first_name == "Mehmet"
    assert talk.withdrawable and not talk.proposed
    assert plain.advisor is None and plain.talk is None and plain.date is None


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with faq_bot(database_url, tmp_path) as harness:
        yield harness


async def _contact(h: Harness, person: TelegramUser) -> User:
    await h.text(person, "/start")
    async with h.runtime.db.transaction() as session:
        found = await users.get_by_telegram_id(session, person.id)
        assert found is not None
        return found


async def _book(h: Harness, person: TelegramUser, *, confirm: bool = True, days: int = 8) -> Booked:
    contact = await _contact(h, person)
    async with h.runtime.db.transaction() as session:
        return await _booked(session, contact, confirm=confirm, days=days)


class _Routed:
    """The real knowledge base, but every question answered confidently with one entry."""

    def __init__(self, base: knowledge.KnowledgeBase, entry: knowledge.Entry) -> None:
        self.base, self.entry = base, entry

    def answer(self, question: str, locale: str) -> knowledge.AnswerResult:
        real = self.base.answer(question, locale)
        others = tuple(m for m in real.matches if m.entry.id != self.entry.id)
        best = Match(self.entry, 1.0, locale, None)
        return dataclasses.replace(real, matches=(best, *others), outcome=Outcome.ANSWER)

    def get(self, entry_id: str) -> knowledge.Entry | None:
        return self.entry if entry_id == self.entry.id else self.base.get(entry_id)


def _route_to(
    monkeypatch: pytest.MonkeyPatch, entry_id: str, stand_in: str = "request-status"
) -> knowledge.Entry:
    """Let every question reach ``entry_id`` – the shipped entry, or a copy of ``stand_in`` under its id
    until the content has it."""
    base = knowledge.knowledge_base()
    entry = base.get(entry_id) or base.get(stand_in)
    assert entry is not None
    entry = dataclasses.replace(entry, id=entry_id)

    async def routed(db: Any) -> _Routed:
        return _Routed(base, entry)

    monkeypatch.setattr(knowledge_live, "knowledge_for", routed)
    return entry


def _data(reply: Any) -> list[str]:
    return [data for _label, data in reply.buttons]


async def test_the_status_question_is_answered_from_the_contacts_own_request(h: Harness) -> None:
    booked = await _book(h, CONTACT)
    [reply] = await h.text(CONTACT, STATUS_DE)
    question = await only_question(h, CONTACT)
    assert question.shown_entry_id == "request-status"
    assert booked.reference in reply.text and "Auftaktgespräch vereinbart" in reply.text
    assert "Mehmet" in reply.text and "Yılmaz" not in reply.text
    assert "10:00" in reply.text and str(booked.starts_at.day) in reply.text
    assert "Stand:" not in reply.text and "Quelle" not in reply.text, "a personal answer has no Stand"
    assert f"st:o:{booked.request_id}" in _data(reply) and f"faq:h:{question.id}" in _data(reply)


async def test_a_contact_without_an_open_request_gets_the_generic_entry(h: Harness) -> None:
    await _contact(h, CONTACT)
    [reply] = await h.text(CONTACT, STATUS_DE)
    entry = knowledge.knowledge_base().get("request-status")
    assert entry is not None and entry.text("de").title in reply.text
    assert "Stand:" in reply.text and not any(d.startswith("st:") for d in _data(reply))


async def test_moving_the_date_shows_it_and_asks_for_another_with_the_booking_button(h: Harness) -> None:
    """With the real knowledge base: the question must reach the "reschedule" entry."""
    booked = await _book(h, CONTACT)
    [reply] = await h.text(CONTACT, RESCHEDULE_DE)
    assert (await only_question(h, CONTACT)).shown_entry_id == "reschedule"
    assert booked.reference in reply.text and "10:00" in reply.text
    assert f"bk:n:{booked.booking_id}:{booked.sequence}" in _data(reply)


def _button(message: Sent, prefix: str) -> str:
    [found] = [d for _label, d in message.buttons if d.startswith(prefix)]
    return found


async def test_the_another_date_button_of_a_personal_answer_reaches_the_advisor(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _route_to(monkeypatch, "reschedule")
    booked = await _book(h, CONTACT)
    [reply] = await h.text(CONTACT, RESCHEDULE_DE)
    assert booked.reference in reply.text and "10:00" in reply.text and "Mehmet" in reply.text
    assert "Stand:" not in reply.text
    labels = [label for label, _data in reply.buttons]
    assert "🔁 Anderen Termin erbitten" in labels and "✖️ Gespräch absagen" in labels
    another = f"bk:n:{booked.booking_id}:{booked.sequence}"
    assert another in _data(reply) and f"st:o:{booked.request_id}" in _data(reply)
    asked = await h.press(CONTACT, another)
    assert any("anderen Termin" in s.text for s in asked if s.chat_id == CONTACT.id)
    assert all(s.chat_id == CONTACT.id for s in asked), "asked first: nobody else is told yet"
    [question] = [s for s in asked if s.chat_id == CONTACT.id]
    [days] = [s for s in await h.press(CONTACT, _button(question, "bk:na:")) if s.chat_id == CONTACT.id]
    sent = await h.press(CONTACT, _button(days, "bk:ns:"))
    assert any(s.chat_id != CONTACT.id for s in sent), "the advisor is told"


async def test_a_proposed_date_offers_to_confirm_or_ask_for_another(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _route_to(monkeypatch, "reschedule")
    booked = await _book(h, CONTACT_EN, confirm=False)
    [reply] = await h.text(CONTACT_EN, "Can we move the date?")
    assert "Proposed date" in reply.text and "waiting for your answer" in reply.text
    assert f"bk:y:{booked.booking_id}:{booked.sequence}" in _data(reply)
    assert f"bk:n:{booked.booking_id}:{booked.sequence}" in _data(reply)


async def test_withdrawing_offers_withdraw_and_cancelling_the_talk(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _route_to(monkeypatch, "cancel-request")
    booked = await _book(h, CONTACT)
    [reply] = await h.text(CONTACT, "Kann ich meine Anfrage zurückziehen?")
    assert "zurückziehen" in reply.text and booked.reference in reply.text
    assert f"st:w:{booked.request_id}" in _data(reply) and f"bk:c:{booked.booking_id}" in _data(reply)
    [confirm] = await h.press(CONTACT, f"st:w:{booked.request_id}")
    assert "wirklich" in confirm.text


async def test_the_advisor_question_names_the_advisor_or_says_nobody_yet(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _route_to(monkeypatch, "my-advisor")
    contact = await _contact(h, CONTACT)
    async with h.runtime.db.transaction() as session:
        waiting = await add_request(session, contact, now=utcnow())
    [reply] = await h.text(CONTACT, "Wer ist unsere Beraterin?")
    assert waiting.reference in reply.text and "keine Berater*in" in reply.text
    assert _data(reply)[0] == f"st:o:{waiting.id}"


async def test_several_open_requests_are_listed_each_with_its_open_button(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _route_to(monkeypatch, "reschedule")
    first = await _book(h, CONTACT)
    contact = await _contact(h, CONTACT)
    async with h.runtime.db.transaction() as session:
        second = await add_request(session, contact, now=utcnow())
    [reply] = await h.text(CONTACT, RESCHEDULE_DE)
    assert first.reference in reply.text and second.reference in reply.text
    assert f"st:o:{first.request_id}" in _data(reply) and f"st:o:{second.id}" in _data(reply)
    # Only the request with a date can ask for another one.
    assert [d for d in _data(reply) if d.startswith("bk:n:")] == [f"bk:n:{first.booking_id}:{first.sequence}"]


async def test_finished_requests_do_not_make_an_answer_personal(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = _route_to(monkeypatch, "reschedule")
    booked = await _book(h, CONTACT)
    async with h.runtime.db.transaction() as session:
        request = await session.get(KickoffRequest, booked.request_id)
        assert request is not None
        request.status = "closed"
    [reply] = await h.text(CONTACT, RESCHEDULE_DE)
    assert booked.reference not in reply.text and entry.text("de").title in reply.text
    assert "Stand:" in reply.text


async def test_the_contact_person_is_the_programme_plus_the_own_advisor(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = _route_to(monkeypatch, "contact-person", stand_in="ask-a-person")
    booked = await _book(h, CONTACT)
    [reply] = await h.text(CONTACT, "Wer ist unser Ansprechpartner?")
    question = await only_question(h, CONTACT)
    assert entry.text("de").title in reply.text and "Stand:" in reply.text
    settings = h.runtime.settings
    assert settings.contact_email in reply.text and settings.contact_phone in reply.text
    assert f"Ihre Berater*in für {booked.reference}: Mehmet" in reply.text
    assert f"faq:h:{question.id}" in _data(reply)
    # Somebody without a request gets the same answer, without an advisor.
    [other] = await h.text(CONTACT_EN, "Who is our contact person?")
    assert settings.contact_email in other.text and "Your advisor" not in other.text
