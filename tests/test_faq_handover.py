"""Questions, the coordinators' side: handover (to each coordinator or their group), "reply" and the
relayed answer, two coordinators racing, /cancel, /fragen, making an answer public, and who may press
what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.services import users
from bot.telegram_text import visible_length
from models import CuratedEntry, Question, QuestionStatus, Role, utcnow
from tests.faq_helpers import (
    CONTACT,
    CONTACT_EN,
    COORDINATOR,
    SECOND_COORDINATOR,
    STRANGER,
    faq_bot,
    last_callback_answer,
    make_coordinator,
    only_question,
    to,
)
from tests.harness import Harness
from tests.matching_helpers import add_request

GROUP = -1001234567890
QUESTION = "Zahlt MiGlobe auch Fahrtkosten für <Ehrenamtliche> & Vereine?"


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with faq_bot(database_url, tmp_path) as harness:
        await make_coordinator(harness, SECOND_COORDINATOR)
        await harness.text(COORDINATOR, "/start")
        yield harness


async def _handed_over(h: Harness, person=CONTACT, text: str = QUESTION) -> tuple[Question, list]:
    await h.text(person, text)
    question = await only_question(h, person)
    sent = await h.press(person, f"faq:h:{question.id}")
    return await only_question(h, person), sent


async def test_handover_reaches_every_coordinator_with_municipality_and_language(h: Harness) -> None:
    await h.text(CONTACT, "/start")
    async with h.runtime.db.transaction() as session:
        contact = await users.get_by_telegram_id(session, CONTACT.id)
        assert contact is not None
        await add_request(session, contact)  # the place of their latest request: Tübingen
    question, sent = await _handed_over(h)
    assert question.status == QuestionStatus.HANDED_OVER and question.handed_over_at is not None
    [confirmation] = to(sent, CONTACT)
    assert "an unser Koordinationsteam weitergegeben" in confirmation.text
    [german] = to(sent, COORDINATOR)
    [english] = to(sent, SECOND_COORDINATOR)
    assert f"Frage #{question.id}" in german.text and "Kommune: Tübingen" in german.text
    assert "Sprache: Deutsch" in german.text
    assert "Municipality: Tübingen" in english.text and "Language: German" in english.text
    for message in (german, english):
        assert "&lt;Ehrenamtliche&gt; &amp; Vereine" in message.text and "<Ehrenamtliche>" not in message.text
        assert [data for _label, data in message.buttons] == [f"faq:r:{question.id}"]
    # Pressing again passes nothing on twice.
    assert await h.press(CONTACT, f"faq:h:{question.id}") == []
    assert "bereits beim Koordinationsteam" in last_callback_answer(h)["text"]


async def test_with_a_coordinator_group_the_question_goes_only_there(
    database_url: str, tmp_path: Path
) -> None:
    async with faq_bot(database_url, tmp_path, coordinator_group_id=str(GROUP)) as h:
        await h.text(COORDINATOR, "/start")
        question, sent = await _handed_over(h, CONTACT_EN, "Is there money for travel?")
        [to_group] = to(sent, GROUP)
        assert to(sent, COORDINATOR) == []
        assert "Kommune: unbekannt" in to_group.text and "Sprache: Englisch" in to_group.text
        # A group member without the role cannot take it; a coordinator pressing there is prompted privately.
        assert await h.press_in_group(STRANGER, f"faq:r:{question.id}", chat_id=GROUP) == []
        assert "nur der Koordination" in last_callback_answer(h)["text"]
        [prompt] = await h.press_in_group(COORDINATOR, f"faq:r:{question.id}", chat_id=GROUP)
        assert prompt.chat_id == COORDINATOR.id and "Person liest Englisch" in prompt.text
        assert "privaten Chat" in last_callback_answer(h)["text"]  # pressed in the group
        sent = await h.text(COORDINATOR, "Yes, up to 50 euros.")
        assert "Clara hat Frage" in to(sent, GROUP)[0].text
        # Addressing the bot in the group explains how answering works.
        [hint] = await h.text_in_group(COORDINATOR, "@miglobe_test_bot Hallo?", chat_id=GROUP)
        assert "„✍️ Antworten“" in hint.text


async def test_without_any_coordinator_the_asker_gets_the_contact_details(
    database_url: str, tmp_path: Path
) -> None:
    async with faq_bot(database_url, tmp_path) as h:
        question, sent = await _handed_over(h)
        assert question.status == QuestionStatus.HANDED_OVER
        [note] = sent
        assert "niemand aus dem Team" in note.text and h.runtime.settings.contact_email in note.text


async def test_reply_relays_the_answer_escaped_in_the_askers_language_and_records_it(h: Harness) -> None:
    question, _sent = await _handed_over(h, CONTACT_EN, "Can we get <b>money</b> for travel?")
    [prompt] = await h.press(COORDINATOR, f"faq:r:{question.id}")
    assert "Ihre Antwort auf Frage" in prompt.text and "Person liest Englisch" in prompt.text
    assert not last_callback_answer(h).get("text")  # already in the private chat: no pointer there
    sent = await h.text(COORDINATOR, "Ja – bis 50 € <i>pro Person</i> & Termin.")
    [relayed] = to(sent, CONTACT_EN)
    assert relayed.text.startswith("💬 <b>Answer from the MiGlobe coordination team</b>")
    assert "&lt;b&gt;money&lt;/b&gt;" in relayed.text
    assert "bis 50 € &lt;i&gt;pro Person&lt;/i&gt; &amp; Termin." in relayed.text
    [confirmation] = to(sent, COORDINATOR)
    assert "wurde gesendet" in confirmation.text
    assert [data for _label, data in confirmation.buttons] == [f"faq:d:{question.id}"]
    stored = await only_question(h, CONTACT_EN)
    assert stored.status == QuestionStatus.ANSWERED and stored.replying_coordinator_id is None
    assert stored.answer_text == "Ja – bis 50 € <i>pro Person</i> & Termin." and stored.answered_at
    # The next text of the coordinator is a question of their own again, not a second answer.
    sent = await h.text(COORDINATOR, "Was kostet das?")
    assert to(sent, CONTACT_EN) == [] and "Stand:" in to(sent, COORDINATOR)[0].text


async def test_a_coordinator_who_lost_the_role_while_answering_relays_nothing(h: Harness) -> None:
    question, _sent = await _handed_over(h)
    await h.press(SECOND_COORDINATOR, f"faq:r:{question.id}")
    async with h.runtime.db.transaction() as session:
        stored = await users.get_by_telegram_id(session, SECOND_COORDINATOR.id)
        assert stored is not None
        stored.role_rows = [row for row in stored.role_rows if row.role != Role.COORDINATOR.value]
    sent = await h.text(SECOND_COORDINATOR, "Ja, das geht.")
    assert to(sent, CONTACT) == []  # taken as a question of their own, not as an answer
    assert (await only_question(h, CONTACT)).status == QuestionStatus.HANDED_OVER


async def test_two_coordinators_racing_the_second_gets_a_clear_answer(h: Harness) -> None:
    question, _sent = await _handed_over(h)
    await h.press(COORDINATOR, f"faq:r:{question.id}")
    assert await h.press(SECOND_COORDINATOR, f"faq:r:{question.id}") == []
    busy = last_callback_answer(h)
    assert "Clara is already writing the answer" in busy["text"] and busy["show_alert"] == "true"
    sent = await h.text(COORDINATOR, "Ja, das geht.")
    assert len(to(sent, CONTACT)) == 1
    assert await h.press(SECOND_COORDINATOR, f"faq:r:{question.id}") == []
    assert "Clara already answered this question" in last_callback_answer(h)["text"]
    # Cem's text is no answer: the contact gets nothing more.
    sent = await h.text(SECOND_COORDINATOR, "Yes, of course.")
    assert to(sent, CONTACT) == []
    stored = await only_question(h, CONTACT)
    assert stored.answer_text == "Ja, das geht." and stored.status == QuestionStatus.ANSWERED


async def test_a_lapsed_claim_can_be_taken_over_and_the_first_is_told(h: Harness) -> None:
    question, _sent = await _handed_over(h)
    await h.press(COORDINATOR, f"faq:r:{question.id}")
    async with h.runtime.db.transaction() as session:
        await session.execute(update(Question).values(reply_started_at=utcnow() - timedelta(hours=2)))
    # Clara's text after two hours is not sent: it may be about something else by now.
    sent = await h.text(COORDINATOR, "Ja.")
    assert to(sent, CONTACT) == [] and "mehr als eine Stunde" in sent[0].text
    assert (await only_question(h, CONTACT)).replying_coordinator_id is None
    await h.press(COORDINATOR, f"faq:r:{question.id}")
    async with h.runtime.db.transaction() as session:
        await session.execute(update(Question).values(reply_started_at=utcnow() - timedelta(hours=2)))
    sent = await h.press(SECOND_COORDINATOR, f"faq:r:{question.id}")
    assert "Cem hat Frage" in to(sent, COORDINATOR)[0].text and to(sent, SECOND_COORDINATOR)
    sent = await h.text(SECOND_COORDINATOR, "Yes.")
    assert len(to(sent, CONTACT)) == 1


async def test_cancel_gives_the_question_back(h: Harness) -> None:
    question, _sent = await _handed_over(h)
    await h.press(COORDINATOR, f"faq:r:{question.id}")
    [reply] = await h.text(COORDINATOR, "/abbrechen")
    assert f"Frage #{question.id} nicht mehr" in reply.text
    stored = await only_question(h, CONTACT)
    assert stored.status == QuestionStatus.HANDED_OVER and stored.replying_coordinator_id is None
    sent = await h.text(COORDINATOR, "Was kostet das?")
    assert to(sent, CONTACT) == []
    # Without a pending answer, /cancel is the intake's again.
    [reply] = await h.text(COORDINATOR, "/cancel")
    assert "Sie haben gerade keinen Entwurf offen" in reply.text


async def test_questions_command_lists_open_questions_with_reply_buttons(h: Harness) -> None:
    [empty] = await h.text(COORDINATOR, "/fragen")
    assert "keine offenen Fragen" in empty.text
    first, _sent = await _handed_over(h)
    second, _sent = await _handed_over(h, CONTACT_EN, "Is there money for travel?")
    await h.press(SECOND_COORDINATOR, f"faq:r:{second.id}")
    [listing] = await h.text(COORDINATOR, "/fragen")
    assert "Offene Fragen: 2" in listing.text and "&lt;Ehrenamtliche&gt;" in listing.text
    assert "Cem schreibt die Antwort" in listing.text
    assert [data for _label, data in listing.buttons] == [f"faq:r:{first.id}", f"faq:r:{second.id}"]
    [english] = await h.text(SECOND_COORDINATOR, "/questions")
    assert "Open questions: 2" in english.text


async def test_an_answered_question_becomes_a_public_answer_once(h: Harness) -> None:
    question, _sent = await _handed_over(h)
    assert await h.press(COORDINATOR, f"faq:d:{question.id}") == []
    assert "Koordinationsteam beantwortet hat" in last_callback_answer(h)["text"]
    await h.press(COORDINATOR, f"faq:r:{question.id}")
    [*_relayed, confirmation] = await h.text(
        COORDINATOR, "Ja, Fahrtkosten bis 50 € & mehr: {siehe Richtlinie}."
    )
    # The confirmation shows what would go live before the button is pressed.
    assert (
        "öffentliche Antwort" in confirmation.text
        and "&lt;Ehrenamtliche&gt; &amp; Vereine" in confirmation.text
    )
    [screen] = await h.press(COORDINATOR, f"faq:d:{question.id}")
    assert (
        "Antwort team-" in screen.text
        and "Zahlt MiGlobe auch Fahrtkosten für ‹Ehrenamtliche› &amp;" in screen.text
    )
    assert "bis 50 € &amp; mehr: {siehe Richtlinie}." in screen.text
    async with h.runtime.db.transaction() as session:
        [entry] = list(await session.scalars(select(CuratedEntry)))
    assert entry.question_id == question.id and entry.answers == {
        "de": "Ja, Fahrtkosten bis 50 € & mehr: {siehe Richtlinie}."
    }
    # A second press shows the same answer instead of making another.
    [again] = await h.press(COORDINATOR, f"faq:d:{question.id}")
    assert f"Antwort team-{entry.id}" in again.text and "bereits" in last_callback_answer(h)["text"]
    async with h.runtime.db.transaction() as session:
        assert len(list(await session.scalars(select(CuratedEntry)))) == 1


@pytest.mark.parametrize("data", ["faq:r:{id}", "faq:d:{id}"])
async def test_contacts_cannot_press_coordinator_buttons(h: Harness, tmp_path: Path, data: str) -> None:
    question, _sent = await _handed_over(h)
    assert await h.press(STRANGER, data.format(id=question.id)) == []
    assert "nur der Koordination" in last_callback_answer(h)["text"]
    stored = await only_question(h, CONTACT)
    assert stored.status == QuestionStatus.HANDED_OVER and stored.replying_coordinator_id is None
    assert await h.text(STRANGER, "Ja, das geht.") and to(await h.text(STRANGER, "Ja."), CONTACT) == []
    async with h.runtime.db.transaction() as session:
        assert list(await session.scalars(select(CuratedEntry))) == []
    [refusal] = await h.text(STRANGER, "/fragen")
    assert "nur der Koordination" in refusal.text


async def test_long_questions_and_answers_fit_telegrams_limit(h: Harness) -> None:
    question, sent = await _handed_over(h, CONTACT, "Was & wie? " * 370)  # 4070 characters, 370 "&"
    # Telegram's limit counts the visible text (tags removed, "&amp;" one character).
    assert all(visible_length(s.text) <= 4096 for s in sent) and "…" in to(sent, COORDINATOR)[0].text
    await h.press(COORDINATOR, f"faq:r:{question.id}")
    sent = await h.text(COORDINATOR, "<&>" * 1365)  # 4095 characters, 5 times as long escaped
    relayed = to(sent, CONTACT)
    assert len(relayed) > 1 and all(visible_length(s.text) <= 4096 for s in relayed)
    assert "".join(s.text for s in relayed[1:]) == "&lt;&amp;&gt;" * 1365
