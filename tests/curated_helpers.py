"""Shared pieces of the tests of chat-made answers: an answered question made public, entries, audit."""

from __future__ import annotations

from sqlalchemy import select

from models import CoordinatorAction, CuratedEntry
from tests.faq_helpers import COORDINATOR, questions_of
from tests.harness import Harness, Sent, TelegramUser

ASKED = "Gibt es einen Parkplatz am Rathaus für die Beraterin?"
ANSWER = "Ja, hinter dem Rathaus gibt es zwei Gästeparkplätze."


async def published(
    h: Harness, asker: TelegramUser, asked: str = ASKED, answer: str = ANSWER
) -> CuratedEntry:
    """``asker`` asks, passes the question on, the coordinator answers and makes it a public answer."""
    await h.text(asker, asked)
    question = (await questions_of(h, asker))[-1]
    await h.press(asker, f"faq:h:{question.id}")
    await h.press(COORDINATOR, f"faq:r:{question.id}")
    await h.text(COORDINATOR, answer)
    await h.press(COORDINATOR, f"faq:d:{question.id}")
    return await entry_of(h, question_id=question.id)


async def entry_of(h: Harness, entry_id: int | None = None, question_id: int | None = None) -> CuratedEntry:
    """One stored entry, by its id or the question it was made from."""
    async with h.runtime.db.transaction() as session:
        query = select(CuratedEntry)
        if entry_id is not None:
            query = query.where(CuratedEntry.id == entry_id)
        if question_id is not None:
            query = query.where(CuratedEntry.question_id == question_id)
        entry = await session.scalar(query)
        assert entry is not None
        return entry


async def audit_rows(h: Harness) -> list[CoordinatorAction]:
    """Every audit row, oldest first."""
    async with h.runtime.db.transaction() as session:
        return list(await session.scalars(select(CoordinatorAction).order_by(CoordinatorAction.id)))


def last(sent: list[Sent], person: TelegramUser) -> Sent:
    """The last message among ``sent`` to ``person``."""
    return [s for s in sent if s.chat_id == person.id][-1]
