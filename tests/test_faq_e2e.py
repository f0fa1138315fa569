"""Questions end to end: the real bot process against the sandbox's Bot API emulator – an answer,
feedback, "another answer", the handover to a coordinator and the coordinator's answer relayed."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from bot.db import Database
from bot.sandbox.models import ChatMessage
from bot.services import knowledge
from models import Feedback, Question, QuestionStatus
from tests.bot_process import press_and_wait, running_bot, sandbox

TIMEOUT = 20.0


async def _stored_question(database_url: str) -> Question:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            [question] = list(await session.scalars(select(Question)))
            return question
    finally:
        await db.dispose()


def _labels(message: ChatMessage) -> list[str]:
    return [button["text"] for button in message.buttons()]


async def test_answer_feedback_another_answer_handover_and_relay(database_url: str, tmp_path: Path) -> None:
    ranking = knowledge.answer("Was kostet das?", "de")
    assert ranking.best is not None
    second = ranking.after(ranking.best.entry.id)
    assert second is not None
    started = time.monotonic()
    async with sandbox() as server:
        emulator = server.emulator
        contact = emulator.add_user("Ana", "de").id
        coordinator = emulator.add_user("Clara", "en").id
        async with running_bot(server, database_url, tmp_path / "bot.log", COORDINATOR_IDS=str(coordinator)):
            emulator.send_text(coordinator, "/start")
            await emulator.wait_for_message(coordinator, timeout=TIMEOUT)

            # The answer, with its source and "Stand", and the answer's buttons.
            emulator.send_text(contact, "Was kostet das?")
            answer = await emulator.wait_for_message(contact, lambda m: "Stand:" in (m.text or ""), TIMEOUT)
            assert ranking.best.entry.text("de").title in (answer.text or "")
            assert _labels(answer) == [
                "🔄 Andere Antwort",
                "👍 Hilfreich",
                "👎 Nicht hilfreich",
                "Eine Person fragen",
                "📝 Auftaktgespräch anfragen",  # the costs of a talk show interest in one
            ]

            # Feedback: stored, and the chosen button marked.
            toast = await press_and_wait(server, contact, answer, "👍 Hilfreich")
            assert toast.get("text") == "Danke für Ihre Rückmeldung!"
            marked = await emulator.wait_for_message(
                contact, lambda m: "👍 Hilfreich ✓" in _labels(m), TIMEOUT
            )
            stored = await _stored_question(database_url)
            assert (stored.feedback, stored.feedback_entry_id) == (Feedback.HELPFUL, ranking.best.entry.id)

            # "Another answer" replaces the answer with the next one in the ranking.
            await press_and_wait(server, contact, marked, "🔄 Andere Antwort")
            title = second.entry.text("de").title
            replaced = await emulator.wait_for_message(contact, lambda m: title in (m.text or ""), TIMEOUT)
            assert replaced.message_id == answer.message_id and replaced.edit_count >= 2

            # "Ask a person": the coordinator gets the question (in English) with a "Reply" button.
            await press_and_wait(server, contact, replaced, "Eine Person fragen")
            handover = await emulator.wait_for_message(
                coordinator, lambda m: "for the coordination team" in (m.text or ""), TIMEOUT
            )
            assert "Was kostet das?" in (handover.text or "") and "Language: German" in (handover.text or "")
            assert f"Answer shown in the chat: {second.entry.text('en').title}" in (handover.text or "")
            await emulator.wait_for_message(contact, lambda m: "weitergegeben" in (m.text or ""), TIMEOUT)

            # "Reply", then the coordinator's next message reaches the contact, escaped.
            await press_and_wait(server, coordinator, handover, "✍️ Reply")
            await emulator.wait_for_message(
                coordinator, lambda m: "Your answer to" in (m.text or ""), TIMEOUT
            )
            emulator.send_text(coordinator, "Nichts – die Beratung ist <kostenlos> & unverbindlich.")
            relayed = await emulator.wait_for_message(
                contact, lambda m: "Antwort vom MiGlobe-Koordinationsteam" in (m.text or ""), TIMEOUT
            )
            assert "die Beratung ist <kostenlos> & unverbindlich." in (relayed.text or "")
            await emulator.wait_for_message(coordinator, lambda m: "has been sent" in (m.text or ""), TIMEOUT)
    stored = await _stored_question(database_url)
    assert stored.status == QuestionStatus.ANSWERED and stored.shown_entry_id == second.entry.id
    assert stored.answer_text == "Nichts – die Beratung ist <kostenlos> & unverbindlich."
    print(f"\nquestions end to end: {time.monotonic() - started:.1f} s")
