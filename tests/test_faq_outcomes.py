"""The three outcomes of a question as the asker sees them – an answer, "Did you mean …?" with the
closest entries as buttons, an honest "not sure" – plus the intake offer for a request, and the
"request a kickoff talk" button under answers that show interest in one."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.services import knowledge, knowledge_live, users
from bot.services.knowledge import Match, Outcome
from bot.telegram_text import button_label
from tests.faq_helpers import CONTACT, CONTACT_EN, COORDINATOR, faq_bot, make_coordinator, only_question
from tests.harness import Harness, Sent
from tests.matching_helpers import add_request

CLOSE = ("follow-on-funding", "small-projects-fund", "kepol")


class _Fixed:
    """The real knowledge base, but every question gets ``outcome`` with ``ids`` ranked first."""

    def __init__(self, outcome: Outcome, ids: tuple[str, ...], scores: tuple[float, ...]) -> None:
        self.base = knowledge.knowledge_base()
        self.outcome, self.ids, self.scores = outcome, ids, scores

    def answer(self, question: str, locale: str) -> knowledge.AnswerResult:
        real = self.base.answer(question, locale)
        matches = []
        for entry_id, score in zip(self.ids, self.scores, strict=True):
            entry = self.base.get(entry_id)
            assert entry is not None
            matches.append(Match(entry, score, locale, None))
        return dataclasses.replace(real, matches=tuple(matches), outcome=self.outcome)

    def get(self, entry_id: str) -> knowledge.Entry | None:
        return self.base.get(entry_id)


def _fix(
    monkeypatch: pytest.MonkeyPatch, outcome: Outcome, ids: tuple[str, ...], scores: tuple[float, ...]
) -> None:
    async def fixed(db: Any) -> _Fixed:
        return _Fixed(outcome, ids, scores)

    monkeypatch.setattr(knowledge_live, "knowledge_for", fixed)


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with faq_bot(database_url, tmp_path) as harness:
        yield harness


def _data(reply: Sent) -> list[str]:
    return [data for _label, data in reply.buttons]


async def test_clarify_asks_which_entry_was_meant_and_is_not_an_answer(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fix(monkeypatch, Outcome.CLARIFY, CLOSE, (0.35, 0.33, 0.3))
    await make_coordinator(h, COORDINATOR)
    [reply] = await h.text(CONTACT, "Gibt es Geld für Reisekosten?")
    question = await only_question(h, CONTACT)
    assert "Meinten Sie eines dieser Themen?" in reply.text
    assert "Stand:" not in reply.text and "Quelle" not in reply.text
    base = knowledge.knowledge_base()
    for entry_id in CLOSE:
        entry = base.get(entry_id)
        assert entry is not None
        assert entry.text("de").answer.splitlines()[0] not in reply.text
        title = entry.text("de").title
        assert f"• {html.escape(title)}" in reply.text  # whole in the text, shortened on its button
        assert button_label(title) in [label for label, _data in reply.buttons]
    assert _data(reply) == [f"faq:e:{question.id}:{i}" for i in CLOSE] + [f"faq:h:{question.id}"]
    assert not question.confident and question.shown_entry_id is None
    # Tapping one shows it as the answer in place of the question.
    [edit] = await h.press(CONTACT, f"faq:e:{question.id}:kepol")
    assert edit.method == "editMessageText" and "Stand:" in edit.text
    assert (await only_question(h, CONTACT)).shown_entry_id == "kepol"


async def test_clarify_with_one_close_entry_asks_about_that_one(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fix(monkeypatch, Outcome.CLARIFY, ("kepol",), (0.3,))
    [reply] = await h.text(CONTACT_EN, "money for travel?")
    question = await only_question(h, CONTACT_EN)
    assert "Did you mean this topic?" in reply.text
    assert _data(reply) == [f"faq:e:{question.id}:kepol", f"faq:h:{question.id}"]


async def test_decline_says_so_honestly_and_offers_only_a_person(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fix(monkeypatch, Outcome.DECLINE, ("kepol",), (0.16,))
    [reply] = await h.text(CONTACT, "Wie wird das Wetter morgen?")
    question = await only_question(h, CONTACT)
    assert "keine Antwort" in reply.text and "Koordinationsteam" in reply.text
    assert "Bot" not in reply.text
    assert _data(reply) == [f"faq:h:{question.id}"]
    assert question.text == "Wie wird das Wetter morgen?" and not question.confident
    # The handover works from here as from any answer.
    await make_coordinator(h, COORDINATOR)
    sent = await h.press(CONTACT, f"faq:h:{question.id}")
    assert any(s.chat_id == COORDINATOR.id for s in sent)


@pytest.mark.parametrize(
    "text",
    [
        "Was kostet das?",
        "Gibt es Geld für Reisekosten?",
        "Wie ist das Wetter morgen?",
        "Welche Themen gibt es?",
        "Förderung Reise",
        "Kosten Sprache",
        "Termin Schule",
    ],
)
async def test_with_the_real_knowledge_base_the_reply_follows_its_outcome(h: Harness, text: str) -> None:
    result = knowledge.answer(text, "de")
    [reply] = await h.text(CONTACT, text)
    question = await only_question(h, CONTACT)
    if result.outcome is Outcome.ANSWER:
        assert result.best is not None and "Stand:" in reply.text
        assert result.best.entry.text("de").title in reply.text
    elif result.outcome is Outcome.CLARIFY:
        assert "Meinten Sie" in reply.text and "Stand:" not in reply.text
        ids = [m.entry.id for m in result.clarifications()]
        assert _data(reply) == [f"faq:e:{question.id}:{i}" for i in ids] + [f"faq:h:{question.id}"]
    else:
        assert "keine Antwort" in reply.text and _data(reply) == [f"faq:h:{question.id}"]


async def test_an_answer_showing_interest_ends_with_the_request_button(h: Harness) -> None:
    [reply] = await h.text(CONTACT, "Was kostet das?")
    assert _data(reply)[-1] == "menu:request"
    assert reply.buttons[-1][0] == "📝 Auftaktgespräch anfragen"
    [consent] = await h.press(CONTACT, "menu:request")
    assert "Bevor wir beginnen" in consent.text


async def test_an_answer_without_interest_has_no_request_button(h: Harness) -> None:
    result = knowledge.answer("Wie stelle ich die Sprache um?", "de")
    assert result.best is not None and result.best.entry.id == "change-language"
    [reply] = await h.text(CONTACT, "Wie stelle ich die Sprache um?")
    assert "Stand:" in reply.text and "menu:request" not in _data(reply)


async def test_a_contact_with_an_open_request_is_shown_their_requests_instead(h: Harness) -> None:
    await h.text(CONTACT, "/start")
    async with h.runtime.db.transaction() as session:
        contact = await users.get_by_telegram_id(session, CONTACT.id)
        assert contact is not None
        await add_request(session, contact)
    [reply] = await h.text(CONTACT, "Was kostet das?")
    assert "menu:request" not in _data(reply) and _data(reply)[-1] == "menu:status"
    [overview] = await h.press(CONTACT, "menu:status")
    assert "MG-2026-0001" in overview.text


async def test_a_wish_for_a_kickoff_talk_gets_the_intake_offer(h: Harness) -> None:
    [offer] = await h.text(CONTACT, "Wir möchten gern ein Auftaktgespräch")
    wish = await only_question(h, CONTACT)
    assert wish.intent == "intake" and _data(offer) == ["menu:request", f"faq:a:{wish.id}"]
    assert "Stand:" not in offer.text


async def test_a_question_whether_landkreise_may_ask_is_answered_not_taken_as_a_request(h: Harness) -> None:
    """Depends on the intent rules: "Können auch …" asks whether, it does not request."""
    [reply] = await h.text(CONTACT, "Können auch Landkreise eine Beratung anfragen?")
    question = await only_question(h, CONTACT)
    assert question.intent == "none"
    assert "Stand:" in reply.text and f"faq:a:{question.id}" not in _data(reply)
    assert question.shown_entry_id == "who-may-ask"
    # An answer that shows interest ends with the way to make the request.
    assert _data(reply)[-1] == "menu:request"
