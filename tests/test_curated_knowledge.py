"""/wissen and /knowledge: only coordinators in their private chat; changes to a chat-made answer
(questions, answers per language, retiring, making live again) are saved, answered from at once and
recorded in the audit; erasing the asker keeps the answer but forgets the question it came from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from bot.services import erasure, knowledge_curation, retention
from bot.telegram_text import visible_text
from models import AuditAction, CuratedEntry, CuratedStatus, Question, User, utcnow
from tests.curated_helpers import ANSWER, ASKED, audit_rows, entry_of, last, published
from tests.faq_helpers import CONTACT, CONTACT_EN, COORDINATOR, STRANGER, faq_bot, last_callback_answer
from tests.harness import Harness

PARAPHRASE = "Gibt es Parkplätze am Rathaus für Berater?"


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with faq_bot(database_url, tmp_path) as harness:
        await harness.text(COORDINATOR, "/start")
        yield harness


async def _count(h: Harness) -> int:
    async with h.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(CuratedEntry)) or 0)


async def test_only_coordinators_in_their_private_chat_see_or_change_the_answers(h: Harness) -> None:
    entry = await published(h, CONTACT)
    for command in ("/wissen", "/knowledge"):
        [refusal] = await h.text(STRANGER, command)
        assert "nur der Koordination" in refusal.text
    for data in (f"kn:r:{entry.id}", f"kn:a:{entry.id}:de", "kn:l:0"):
        assert await h.press(STRANGER, data) == []
        assert "nur der Koordination" in last_callback_answer(h)["text"]
    # A coordinator in a group is pointed to the private chat; nothing is shown there.
    [pointer] = await h.text_in_group(COORDINATOR, "/wissen")
    assert "privaten Chat" in pointer.text and ASKED not in pointer.text
    assert await h.press_in_group(COORDINATOR, f"kn:r:{entry.id}") == []
    assert (await entry_of(h, entry.id)).status == CuratedStatus.LIVE
    assert [row.action for row in await audit_rows(h)] == [AuditAction.KNOWLEDGE_CREATE.value]
    # In the private chat the list shows it.
    [listing] = await h.text(COORDINATOR, "/wissen")
    assert "Freigegeben: 1 · zurückgezogen: 0" in listing.text
    assert [data for _label, data in listing.buttons] == [f"kn:v:{entry.id}"]


async def test_edits_are_saved_answered_from_and_audited(h: Harness) -> None:
    entry = await published(h, CONTACT)
    key = f"team-{entry.id}"
    # A new German answer: shown exactly as written, "Stand" today, recorded.
    [prompt] = await h.press(COORDINATOR, f"kn:a:{entry.id}:de")
    assert "Sie ersetzt:" in prompt.text and ANSWER in prompt.text
    new = "Ja: zwei Gästeparkplätze hinter dem Rathaus <Hof> & {Pforte}."
    [screen] = await h.text(COORDINATOR, new)
    assert "Gespeichert" in screen.text and "&lt;Hof&gt; &amp; {Pforte}" in screen.text
    # More ways of asking (one per line, repetitions dropped), then the list replaced.
    await h.press(COORDINATOR, f"kn:qa:{entry.id}:de")
    await h.text(COORDINATOR, "Wo kann unsere Beraterin parken?\n\nwo kann unsere beraterin parken?")
    assert (await entry_of(h, entry.id)).questions["de"] == [ASKED, "Wo kann unsere Beraterin parken?"]
    await h.press(COORDINATOR, f"kn:qr:{entry.id}:de")
    await h.text(COORDINATOR, "Parkplatz am Rathaus für die Beraterin?\nWo parkt die Beraterin?")
    # The English side, added later with its own ways of asking, answers English askers.
    [add] = await h.press(COORDINATOR, f"kn:a:{entry.id}:en")
    assert "Antworttext auf Englisch" in add.text
    await h.text(COORDINATOR, "Yes, there are two guest parking spaces behind the town hall.")
    await h.press(COORDINATOR, f"kn:qa:{entry.id}:en")
    await h.text(COORDINATOR, "Is there a parking space at the town hall for the advisor?")
    stored = await entry_of(h, entry.id)
    assert stored.questions == {
        "de": ["Parkplatz am Rathaus für die Beraterin?", "Wo parkt die Beraterin?"],
        "en": ["Is there a parking space at the town hall for the advisor?"],
    }
    assert stored.answers == {
        "de": new,
        "en": "Yes, there are two guest parking spaces behind the town hall.",
    }
    assert stored.as_of == utcnow().astimezone(h.runtime.settings.tz).date() and stored.revision == 6
    answered = last(
        await h.text(CONTACT_EN, "Can the advisor get a parking space at the town hall?"), CONTACT_EN
    )
    assert "two guest parking spaces" in answered.text and "MiGlobe-Programmteam" in answered.text
    german = last(await h.text(STRANGER, PARAPHRASE), STRANGER)
    # Shown exactly as typed: nothing is read as a tag or a placeholder.
    assert "hinter dem Rathaus <Hof> & {Pforte}." in visible_text(german.text)
    assert f"Stand: {format_date(stored.as_of, format='long', locale='de')}" in german.text
    # Retired and made live again: both recorded, the screen says so.
    [retired] = await h.press(COORDINATOR, f"kn:r:{entry.id}")
    assert "Zurückgezogen: Daraus antwortet der Chat nicht mehr" in retired.text
    assert "MiGlobe-Programmteam" not in last(await h.text(STRANGER, PARAPHRASE), STRANGER).text
    await h.press(COORDINATOR, f"kn:o:{entry.id}")
    assert "MiGlobe-Programmteam" in last(await h.text(STRANGER, PARAPHRASE), STRANGER).text
    rows = [row for row in await audit_rows(h) if row.details.get("entry") == key]
    coordinator_id = rows[0].actor_user_id
    assert [(row.action, row.details.get("change"), row.details.get("language")) for row in rows] == [
        (AuditAction.KNOWLEDGE_CREATE.value, None, "de"),
        (AuditAction.KNOWLEDGE_EDIT.value, "answer", "de"),
        (AuditAction.KNOWLEDGE_EDIT.value, "questions_added", "de"),
        (AuditAction.KNOWLEDGE_EDIT.value, "questions_replaced", "de"),
        (AuditAction.KNOWLEDGE_EDIT.value, "answer", "en"),
        (AuditAction.KNOWLEDGE_EDIT.value, "questions_added", "en"),
        (AuditAction.KNOWLEDGE_RETIRE.value, None, None),
        (AuditAction.KNOWLEDGE_REACTIVATE.value, None, None),
    ]
    assert all(row.actor_user_id == coordinator_id for row in rows) and rows[1].details["answer"] == new
    # The answer's screen names the last changes and who made them.
    [view] = await h.press(COORDINATOR, f"kn:v:{entry.id}")
    assert "Letzte Änderungen:" in view.text and "Clara: wieder freigegeben" in view.text


async def test_bad_input_is_asked_for_again_and_changes_nothing(h: Harness) -> None:
    entry = await published(h, CONTACT)
    await h.press(COORDINATOR, f"kn:a:{entry.id}:de")
    [again] = await h.text(COORDINATOR, "<&>" * 200)  # 600 characters, 2600 as content HTML
    assert "zu lang: 2600 Zeichen, möglich sind höchstens 2000" in again.text
    [screen] = await h.text(COORDINATOR, "Ja, zwei Plätze.")  # the question stayed open
    assert "Gespeichert" in screen.text
    await h.press(COORDINATOR, f"kn:qa:{entry.id}:de")
    [again] = await h.text(COORDINATOR, "x" * 301)
    assert "301 Zeichen" in again.text
    await h.press(COORDINATOR, f"kn:v:{entry.id}")  # "back" drops the open question
    sent = await h.text(COORDINATOR, "Wie parkt man?")
    assert (await entry_of(h, entry.id)).questions == {"de": [ASKED]} and "Gespeichert" not in sent[-1].text
    # Questions only for a language the answer has; a forged or outdated button changes nothing.
    assert await h.press(COORDINATOR, f"kn:qa:{entry.id}:en") == []
    assert "noch keinen Text" in last_callback_answer(h)["text"]
    assert await h.press(COORDINATOR, "kn:r:999999") == []
    assert "gibt es nicht mehr" in last_callback_answer(h)["text"]
    assert await h.press(COORDINATOR, f"kn:a:{entry.id}:fr") == []
    assert [row.action for row in await audit_rows(h)][-1] == AuditAction.KNOWLEDGE_EDIT.value
    assert await _count(h) == 1


async def test_erasure_and_retention_keep_the_answer_without_its_question(h: Harness) -> None:
    erased = await published(h, CONTACT)
    kept = await published(h, CONTACT_EN, "Can the advisor park at the town hall?", "Yes, behind it.")
    old = await published(h, STRANGER, "Gibt es Parkplätze für Beraterinnen?", "Ja.")
    async with h.runtime.db.transaction() as session:
        contact = await session.scalar(select(User).where(User.telegram_id == CONTACT.id))
        assert contact is not None
        await erasure.erase(session, contact.id, None, utcnow())
    # The asker's question is blanked; the answer stays, reviewed by the team, with no way back to them.
    entry = await entry_of(h, erased.id)
    assert (
        entry.question_id is None
        and entry.questions == {"de": [ASKED]}
        and entry.status == CuratedStatus.LIVE
    )
    assert (await entry_of(h, kept.id)).question_id == kept.question_id
    # A question blanked after its retention loses the link as well.
    async with h.runtime.db.transaction() as session:
        question = await session.get(Question, old.question_id)
        assert question is not None
        question.created_at = utcnow().replace(year=2000)
        await session.flush()
        await retention.blank_old_questions(session, h.runtime.settings, utcnow())
        assert await knowledge_curation.unlink_blank_questions(session) == 1
    assert (await entry_of(h, old.id)).question_id is None
    assert (await entry_of(h, kept.id)).question_id is not None
