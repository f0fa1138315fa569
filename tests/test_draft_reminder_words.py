"""The abandoned-draft reminder and expiry speak of the draft, as the intake does (issue 15):
"Ihr Entwurf einer Anfrage …", never "Ihre Anfrage … ist noch nicht fertig"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services.draft_sweep import sweep_drafts
from models import IntakeStep, OutboxMessage, utcnow
from tests.harness import Harness, TelegramUser, bot_harness
from tests.intake_helpers import walk_to

DRAFT = {
    "de": "Ihr Entwurf einer Anfrage für ein Auftaktgespräch",
    "en": "Your draft of a request for a kickoff talk",
}
OLD = {"de": "Ihre Anfrage für ein Auftaktgespräch", "en": "Your request for a kickoff talk"}
REQUEST = {"de": "/anfrage", "en": "/request"}


async def _swept_texts(harness: Harness, chat_id: int) -> list[str]:
    """The texts the sweeps queued for ``chat_id`` (not the replies to the user's own updates)."""
    async with harness.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [r.payload["text"] for r in rows if r.inbox_id is None]


@pytest.mark.parametrize("language", ["de", "en"])
async def test_the_reminder_and_the_deletion_notice_speak_of_the_draft(
    harness: Harness, language: str
) -> None:
    user = TelegramUser(1600, "A", language)
    await walk_to(harness, user, IntakeStep.EMAIL)
    runtime, now = harness.runtime, utcnow()
    await sweep_drafts(runtime.db, runtime.settings, now + timedelta(hours=25))
    await sweep_drafts(runtime.db, runtime.settings, now + timedelta(days=14, minutes=1))
    reminder, expired = await _swept_texts(harness, user.id)
    assert reminder.startswith(DRAFT[language]) and OLD[language] not in reminder
    assert {"de": "(Schritt 4 von 10)", "en": "(step 4 of 10)"}[language] in reminder
    assert REQUEST[language] in reminder
    unfinished = {"de": "Ihr nicht abgeschlossener Entwurf", "en": "Your unfinished draft"}[language]
    assert expired.startswith(unfinished) and OLD[language] not in expired
    # A clerk must not read that a sent request was dropped.
    assert {
        "de": "früher gesendete Anfragen sind davon nicht betroffen",
        "en": "requests you sent earlier are not affected",
    }[language] in expired
    assert {"de": "14 Tagen", "en": "14 days"}[language] in expired


@pytest.mark.parametrize("language", ["de", "en"])
async def test_the_reminder_of_a_complete_draft_speaks_of_the_draft(harness: Harness, language: str) -> None:
    user = TelegramUser(1601, "A", language)
    await walk_to(harness, user, IntakeStep.SUMMARY)
    await sweep_drafts(harness.runtime.db, harness.runtime.settings, utcnow() + timedelta(hours=25))
    [reminder] = await _swept_texts(harness, user.id)
    assert reminder.startswith(DRAFT[language]) and OLD[language] not in reminder
    assert {"de": "vollständig, aber noch nicht gesendet", "en": "complete but not sent yet"}[
        language
    ] in reminder


@pytest.mark.parametrize(("language", "expected"), [("de", "nach 1 Tag ohne"), ("en", "after 1 day without")])
async def test_a_one_day_retention_is_said_in_the_singular(
    database_url: str, language: str, expected: str
) -> None:
    async with bot_harness(database_url, draft_retention_days=1, draft_reminder_hours=2) as harness:
        user = TelegramUser(1602, "A", language)
        await walk_to(harness, user, IntakeStep.NAME)
        await sweep_drafts(
            harness.runtime.db, harness.runtime.settings, utcnow() + timedelta(days=1, minutes=1)
        )
        *_reminders, expired = await _swept_texts(harness, user.id)
        assert expected in expired and DRAFT[language].split()[1] in expired
