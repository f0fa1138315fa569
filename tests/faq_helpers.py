"""Shared pieces of the question tests: a harness, people, stored questions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.services import users
from models import Question, Role
from tests.harness import Harness, Sent, TelegramUser, bot_harness

COORDINATOR = TelegramUser(900, "Clara", "de")  # configured as coordinator in the fixture
SECOND_COORDINATOR = TelegramUser(901, "Cem", "en")
CONTACT = TelegramUser(100, "Ana", "de")
CONTACT_EN = TelegramUser(101, "Bob", "en")
STRANGER = TelegramUser(102, "Eve", "de")


@asynccontextmanager
async def faq_bot(database_url: str, tmp_path: Path, **settings: Any) -> AsyncIterator[Harness]:
    """The bot offline, coordinator 900 configured (``tmp_path``: kept for the callers' signature)."""
    del tmp_path
    async with bot_harness(database_url, coordinator_ids="900", **settings) as harness:
        yield harness


async def make_coordinator(h: Harness, person: TelegramUser) -> None:
    """Let ``person`` write once and hold the coordinator role."""
    await h.text(person, "/start")
    async with h.runtime.db.transaction() as session:
        stored = await users.get_by_telegram_id(session, person.id)
        assert stored is not None
        users.grant_role(stored, Role.COORDINATOR)


async def questions_of(h: Harness, person: TelegramUser | None = None) -> list[Question]:
    """The stored questions (of ``person``), oldest first."""
    async with h.runtime.db.transaction() as session:
        query = select(Question).order_by(Question.id)
        if person is not None:
            stored = await users.get_by_telegram_id(session, person.id)
            assert stored is not None
            query = query.where(Question.user_id == stored.id)
        return list(await session.scalars(query))


async def only_question(h: Harness, person: TelegramUser) -> Question:
    """The one question ``person`` asked."""
    [question] = await questions_of(h, person)
    return question


def to(sent: list[Sent], person: TelegramUser | int) -> list[Sent]:
    """The messages among ``sent`` that go to ``person`` (or a chat id)."""
    chat = person if isinstance(person, int) else person.id
    return [s for s in sent if s.chat_id == chat]


def data_with(message: Sent, prefix: str) -> str:
    """The callback data of the one button whose data starts with ``prefix``."""
    [found] = [data for _label, data in message.buttons if data.startswith(prefix)]
    return found


def last_callback_answer(h: Harness) -> dict[str, Any]:
    """The latest answerCallbackQuery (the toast or alert the presser saw)."""
    return h.answered_callbacks()[-1]
