"""A public answer made in the chat, end to end: the real bot process against the sandbox's emulator.

A question the knowledge base declines is passed on, answered by a coordinator and made a public
answer with one button; the next person asking in other words gets that answer with today's
"Stand" and the programme team as its source; retired in /wissen, it is no longer given.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.dates import format_date
from sqlalchemy import select

from bot.config import load_settings
from bot.db import Database
from bot.sandbox.models import ChatMessage
from bot.services import knowledge
from models import AuditAction, CoordinatorAction, CuratedEntry, CuratedStatus, utcnow
from tests.bot_process import press_and_wait, running_bot, sandbox

TIMEOUT = 20.0
# The first question after a change waits for the base with the team's answers to be built (a child
# process trains its classifiers: a few seconds alone, far longer while the suite loads the machine).
BUILD_TIMEOUT = 90.0
ASKED = "Gibt es einen Parkplatz am Rathaus für die Beraterin?"
PARAPHRASE = "Gibt es Parkplätze am Rathaus für Berater?"
ANSWER = "Ja: Hinter dem Rathaus gibt es zwei Gästeparkplätze. Bitte melden Sie sich an der Pforte."


def _labels(message: ChatMessage) -> list[str]:
    return [button["text"] for button in message.buttons()]


def _text(message: ChatMessage) -> str:
    return message.text or ""


async def _entries(database_url: str) -> list[CuratedEntry]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return list(await session.scalars(select(CuratedEntry)))
    finally:
        await db.dispose()


async def _audit(database_url: str) -> list[str]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return list(
                await session.scalars(select(CoordinatorAction.action).order_by(CoordinatorAction.id))
            )
    finally:
        await db.dispose()


def _today() -> date:
    return utcnow().astimezone(load_settings().tz).date()


async def test_an_answer_made_public_in_the_chat_answers_the_next_asker_until_retired(
    database_url: str, tmp_path: Path
) -> None:
    # The shipped knowledge base cannot answer the question, not even in other words.
    assert knowledge.answer(ASKED, "de").best is None
    assert knowledge.answer(PARAPHRASE, "de").best is None
    async with sandbox() as server:
        emulator = server.emulator
        asker = emulator.add_user("Ana", "de").id
        next_asker = emulator.add_user("Berta", "de").id
        later_asker = emulator.add_user("Carla", "de").id
        coordinator = emulator.add_user("Clara", "de").id
        async with running_bot(server, database_url, tmp_path / "bot.log", COORDINATOR_IDS=str(coordinator)):
            emulator.send_text(coordinator, "/start")
            await emulator.wait_for_message(coordinator, timeout=TIMEOUT)

            # The bot declines and offers a person; the question goes to the coordinator.
            emulator.send_text(asker, ASKED)
            declined = await emulator.wait_for_message(
                asker, lambda m: "Eine Person fragen" in _labels(m), TIMEOUT
            )
            assert "Stand:" not in _text(declined)
            await press_and_wait(server, asker, declined, "Eine Person fragen")
            handover = await emulator.wait_for_message(
                coordinator, lambda m: "✍️ Antworten" in _labels(m), TIMEOUT
            )
            assert ASKED in _text(handover)

            # "Reply" and the answer: relayed to the asker; the confirmation offers the one button.
            await press_and_wait(server, coordinator, handover, "✍️ Antworten")
            await emulator.wait_for_message(coordinator, lambda m: "Ihre Antwort auf" in _text(m), TIMEOUT)
            emulator.send_text(coordinator, ANSWER)
            await emulator.wait_for_message(asker, lambda m: ANSWER in _text(m), TIMEOUT)
            sent = await emulator.wait_for_message(
                coordinator, lambda m: "📚 Antwort öffentlich machen" in _labels(m), TIMEOUT
            )
            assert ASKED in _text(sent)  # what goes live is shown before the press
            toast = await press_and_wait(server, coordinator, sent, "📚 Antwort öffentlich machen")
            assert toast.get("text") == "Jetzt freigegeben."
            screen = await emulator.wait_for_message(
                coordinator, lambda m: "Antwort team-" in _text(m), TIMEOUT
            )
            [entry] = await _entries(database_url)
            assert f"Antwort team-{entry.id} · 🟢 freigegeben" in _text(screen) and ASKED in _text(screen)
            assert entry.questions == {"de": [ASKED]} and entry.answers == {"de": ANSWER}

            # The next person asks in other words and gets the team's answer, as of today.
            emulator.send_text(next_asker, PARAPHRASE)
            answered = await emulator.wait_for_message(
                next_asker, lambda m: "Stand:" in _text(m), BUILD_TIMEOUT
            )
            assert ANSWER in _text(answered)
            assert "Quelle: MiGlobe-Programmteam" in _text(answered)
            assert f"Stand: {format_date(_today(), format='long', locale='de')}" in _text(answered)

            # /wissen lists it; retiring it there takes it out of the answers at once.
            emulator.send_text(coordinator, "/wissen")
            listing = await emulator.wait_for_message(
                coordinator, lambda m: "Antworten unseres Teams" in _text(m), TIMEOUT
            )
            [label] = [b for b in _labels(listing) if b.startswith(f"🟢 team-{entry.id}")]
            await press_and_wait(server, coordinator, listing, label)
            opened = await emulator.wait_for_message(
                coordinator, lambda m: "⏸ Zurückziehen" in _labels(m), TIMEOUT
            )
            toast = await press_and_wait(server, coordinator, opened, "⏸ Zurückziehen")
            assert toast.get("text") == "Zurückgezogen."
            await emulator.wait_for_message(
                coordinator, lambda m: "🟢 Wieder freigeben" in _labels(m), TIMEOUT
            )

            emulator.send_text(later_asker, PARAPHRASE)
            later = await emulator.wait_for_message(later_asker, timeout=TIMEOUT)
            assert ANSWER not in _text(later) and "MiGlobe-Programmteam" not in _text(later)
    [entry] = await _entries(database_url)
    assert entry.status == CuratedStatus.RETIRED
    actions = await _audit(database_url)
    assert actions[-2:] == [AuditAction.KNOWLEDGE_CREATE.value, AuditAction.KNOWLEDGE_RETIRE.value]
