"""Questions in free text, the asker's side: the answer with sources and "Stand", "did you mean",
"not sure", "another answer", feedback, the intake offer, and buttons pressed by the wrong person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services import knowledge
from bot.services.knowledge import Outcome
from models import Feedback
from tests.faq_helpers import (
    CONTACT,
    CONTACT_EN,
    STRANGER,
    data_with,
    faq_bot,
    last_callback_answer,
    only_question,
    questions_of,
)
from tests.harness import BOT_USER, Harness

COSTS_DE, COSTS_EN = "Was kostet das?", "What does MiGlobe cost?"
UNSURE = "Was kostet eine Partnerschaft?"  # close to costs and partnerships, but neither covers it
UNKNOWN = "Wie ist das Wetter morgen?"  # nothing in the knowledge base comes close
WISH = "Wir möchten eine Beratung"


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with faq_bot(database_url, tmp_path) as harness:
        yield harness


@pytest.mark.parametrize(
    ("person", "text", "source_word", "as_of"),
    [
        (CONTACT, COSTS_DE, "Quelle", "Stand: Dezember 2026"),
        (CONTACT_EN, COSTS_EN, "Source", "As of: December 2026"),
    ],
)
async def test_a_question_gets_the_answer_with_sources_stand_and_buttons(
    h: Harness, person, text: str, source_word: str, as_of: str
) -> None:
    expected = knowledge.answer(text, person.language_code)
    assert expected.best is not None and expected.best.entry.id == "costs"
    entry = expected.best.entry
    [reply] = await h.text(person, text)
    assert reply.chat_id == person.id
    assert entry.text(person.language_code).title in reply.text
    assert entry.sources[0].url in reply.text and source_word in reply.text
    assert as_of in reply.text
    question = await only_question(h, person)
    assert (question.text, question.locale, question.entry_id) == (text, person.language_code, "costs")
    assert question.confident and question.shown_entry_id == "costs" and question.intent == "none"
    assert question.score == pytest.approx(expected.best.score, abs=1e-3)
    labels = [label for label, _data in reply.buttons]
    assert ("Eine Person fragen" if person is CONTACT else "Ask a person") in labels
    assert [data for _label, data in reply.buttons] == [
        f"faq:m:{question.id}:costs",
        f"faq:y:{question.id}:costs",
        f"faq:n:{question.id}:costs",
        f"faq:h:{question.id}",
        "menu:request",  # the costs of a talk show interest in one
    ]
    assert all(len(data.encode()) <= 64 for _label, data in reply.buttons)


async def test_not_sure_asks_which_entry_was_meant_and_offers_a_person(h: Harness) -> None:
    expected = knowledge.answer(UNSURE, "de")
    assert expected.outcome is Outcome.CLARIFY and len(expected.clarifications()) >= 2
    [reply] = await h.text(CONTACT, UNSURE)
    assert "Meinten Sie" in reply.text
    top = expected.matches[0].entry
    first_line = top.text("de").answer.splitlines()[0]
    assert first_line not in reply.text, "no answer text may be presented as the answer"
    question = await only_question(h, CONTACT)
    assert not question.confident and question.entry_id == top.id and question.shown_entry_id is None
    offered = [data for _label, data in reply.buttons]
    assert offered == [f"faq:e:{question.id}:{m.entry.id}" for m in expected.clarifications()] + [
        f"faq:h:{question.id}"
    ]
    # Pressing a suggestion shows that entry as an answer in place of the question.
    pick = expected.clarifications()[1].entry
    [edit] = await h.press(CONTACT, f"faq:e:{question.id}:{pick.id}")
    assert edit.method == "editMessageText" and pick.text("de").title in edit.text
    assert data_with(edit, "faq:y:") == f"faq:y:{question.id}:{pick.id}"
    assert (await only_question(h, CONTACT)).shown_entry_id == pick.id


async def test_nothing_close_offers_only_a_person(h: Harness) -> None:
    [reply] = await h.text(CONTACT, UNKNOWN)
    question = await only_question(h, CONTACT)
    assert "keine Antwort" in reply.text and "Fragen rund um MiGlobe" in reply.text
    assert [data for _label, data in reply.buttons] == [f"faq:h:{question.id}"]


async def test_another_answer_walks_the_ranking_and_ignores_stale_presses(h: Harness) -> None:
    ranking = knowledge.answer(COSTS_DE, "de")
    second = ranking.after("costs")
    assert second is not None
    await h.text(CONTACT, COSTS_DE)
    question = await only_question(h, CONTACT)
    [edit] = await h.press(CONTACT, f"faq:m:{question.id}:costs")
    assert edit.method == "editMessageText" and second.entry.text("de").title in edit.text
    assert (await only_question(h, CONTACT)).shown_entry_id == second.entry.id
    # The same button again (a double tap, or an old message): nothing changes.
    assert await h.press(CONTACT, f"faq:m:{question.id}:costs") == []
    assert "früheren Antwort" in last_callback_answer(h)["text"]
    assert (await only_question(h, CONTACT)).shown_entry_id == second.entry.id
    # Walk on until the ranking has nothing left: then the bot says so and offers a person.
    shown = second.entry.id
    while (following := ranking.after(shown)) is not None:
        [edit] = await h.press(CONTACT, f"faq:m:{question.id}:{shown}")
        assert following.entry.text("de").title in edit.text
        shown = following.entry.id
    assert not any(data.startswith("faq:m:") for _label, data in edit.buttons)
    assert await h.press(CONTACT, f"faq:m:{question.id}:{shown}") == []
    assert "keine andere Antwort" in last_callback_answer(h)["text"]


async def test_feedback_is_stored_for_the_entry_shown_and_may_change(h: Harness) -> None:
    await h.text(CONTACT, COSTS_DE)
    question = await only_question(h, CONTACT)
    [edit] = await h.press(CONTACT, f"faq:y:{question.id}:costs")
    assert "👍 Hilfreich ✓" in [label for label, _data in edit.buttons]
    stored = await only_question(h, CONTACT)
    assert (stored.feedback, stored.feedback_entry_id) == (Feedback.HELPFUL, "costs")
    await h.press(CONTACT, f"faq:n:{question.id}:costs")
    assert "Eine Person fragen" in last_callback_answer(h)["text"]
    assert (await only_question(h, CONTACT)).feedback == Feedback.NOT_HELPFUL
    # Feedback on an entry the message no longer shows is refused.
    await h.press(CONTACT, f"faq:m:{question.id}:costs")
    assert await h.press(CONTACT, f"faq:y:{question.id}:costs") == []
    stored = await only_question(h, CONTACT)
    assert (stored.feedback, stored.feedback_entry_id) == (Feedback.NOT_HELPFUL, "costs")


async def test_a_wish_for_a_kickoff_talk_leads_into_the_intake(h: Harness) -> None:
    [reply] = await h.text(CONTACT, WISH)
    question = await only_question(h, CONTACT)
    assert question.intent == "intake"
    assert "Auftaktgespräch" in reply.text
    assert [data for _label, data in reply.buttons] == ["menu:request", f"faq:a:{question.id}"]
    [consent] = await h.press(CONTACT, "menu:request")
    assert "Bevor wir beginnen" in consent.text
    # "No, I have a question" shows the answer after all.
    await h.text(CONTACT_EN, "We would like to book a kickoff talk")
    asked = await only_question(h, CONTACT_EN)
    [edit] = await h.press(CONTACT_EN, f"faq:a:{asked.id}")
    assert edit.method == "editMessageText" and f"faq:h:{asked.id}" in [d for _l, d in edit.buttons]


@pytest.mark.parametrize("action", ["m:{id}:costs", "y:{id}:costs", "n:{id}:costs", "h:{id}", "a:{id}"])
async def test_only_the_asker_may_press_their_buttons(h: Harness, action: str) -> None:
    await h.text(CONTACT, COSTS_DE)
    question = await only_question(h, CONTACT)
    assert await h.press(STRANGER, "faq:" + action.format(id=question.id)) == []
    assert last_callback_answer(h)["text"] == "Diese Schaltfläche ist nicht für Sie bestimmt."
    after = await only_question(h, CONTACT)
    assert (after.shown_entry_id, after.feedback, after.status) == ("costs", None, "asked")


@pytest.mark.parametrize("data", ["faq:m:1", "faq:y:1:COSTS", "faq:h:1:costs", "faq:z:1", "faq:m:x:costs"])
async def test_forged_button_data_changes_nothing(h: Harness, data: str) -> None:
    await h.text(CONTACT, COSTS_DE)
    assert await h.press(CONTACT, data) == []
    assert last_callback_answer(h)["show_alert"] == "true"
    after = await only_question(h, CONTACT)
    assert (after.shown_entry_id, after.feedback, after.status) == ("costs", None, "asked")


async def test_questions_are_answered_only_in_private_chats(h: Harness) -> None:
    # A bot that is a group's admin sees every message: it stays quiet unless addressed.
    assert await h.text_in_group(CONTACT, "Was kostet das?") == []
    [reply] = await h.text_in_group(CONTACT, "@MiGlobe_test_bot Was kostet das?")
    assert "privaten Chat" in reply.text and reply.chat_id == -1001
    message = {
        "message_id": 77,
        "date": 0,
        "chat": {"id": -1001, "type": "group", "title": "Rathaus"},
        "from": CONTACT.as_dict(),
        "text": "Und was kostet das?",
        "reply_to_message": {
            "message_id": 5,
            "date": 0,
            "chat": {"id": -1001, "type": "group", "title": "Rathaus"},
            "from": BOT_USER,
            "text": "…",
        },
    }
    [reply] = await h.feed({"message": message})
    assert "privaten Chat" in reply.text
    assert await questions_of(h) == []


async def test_every_role_can_ask(h: Harness) -> None:
    from tests.faq_helpers import COORDINATOR

    await h.text(COORDINATOR, "/start")
    [reply] = await h.text(COORDINATOR, COSTS_DE)
    assert "Stand:" in reply.text
    assert (await only_question(h, COORDINATOR)).entry_id == "costs"
