"""On PostgreSQL a lone update's storing statement also notes its sender as seen and reads them
with their roles (:func:`bot.services.users.read_along`): one round trip where there were two."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.services import users
from models import Role, User, utcnow
from tests.harness import Harness, TelegramUser, bot_harness
from tests.transactions import recorded_statements

ADA = TelegramUser(921, "Ada", "de")
EMRE = TelegramUser(922, "Emre", "en")


def _on_postgres(h: Harness) -> bool:
    """Whether the harness runs on PostgreSQL."""
    return h.runtime.db.engine.dialect.name == "postgresql"


def _reading_users(statements: list[str]) -> list[str]:
    """The statements that read or note a person's row (not the insert of someone new)."""
    return [s for s in statements if s.startswith(("SELECT users.", "UPDATE users", "WITH "))]


async def _user(h: Harness, telegram_id: int) -> User:
    """The stored person."""
    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, telegram_id)
        assert user is not None
        return user


async def test_a_known_sender_is_read_with_their_roles_in_the_storing_statement(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with bot_harness(database_url) as h:
        await h.text(ADA, "/start")
        long_ago = utcnow() - timedelta(days=30)
        async with h.runtime.db.transaction() as session:
            user = await users.get_by_telegram_id(session, ADA.id)
            assert user is not None
            users.grant_role(user, Role.ADVISOR)
            user.unreachable_since = long_ago
        touched: list[tuple[str, frozenset[Role], Any]] = []
        real_touch = users.touch

        async def noting(*args: Any, **kwargs: Any) -> User:
            user = await real_touch(*args, **kwargs)
            touched.append((user.first_name, user.roles, user.unreachable_since))
            return user

        monkeypatch.setattr(users, "touch", noting)
        with recorded_statements(h.runtime.db) as statements:
            assert await h.text(TelegramUser(ADA.id, "Ada L.", "de"), "/hilfe")
        # The handlers saw the person as stored now: the new name, both roles, reachable.
        assert touched == [("Ada L.", frozenset({Role.CONTACT, Role.ADVISOR}), None)]
        stored = await _user(h, ADA.id)
        assert (stored.first_name, stored.unreachable_since) == ("Ada L.", None)
        assert stored.last_seen_at > long_ago
        reading = _reading_users(statements)
        if _on_postgres(h):
            [one] = reading  # the storing statement, nothing of its own
            assert "INSERT INTO inbox" in one and "UPDATE users" in one
        else:
            assert [s.split()[0] for s in reading] == ["SELECT", "UPDATE"]  # in place, no round trip


async def test_a_new_sender_is_stored_without_a_read_or_a_write_of_their_own(database_url: str) -> None:
    async with bot_harness(database_url) as h:
        with recorded_statements(h.runtime.db) as statements:
            [reply] = await h.text(EMRE, "/start")
        assert "Welcome" in reply.payload["text"] or "Hello" in reply.payload["text"]
        assert (await _user(h, EMRE.id)).locale == "en"
        assert any(s.startswith("INSERT INTO users") for s in statements)
        assert (await _user(h, EMRE.id)).last_seen_at is not None  # seen, by the insert itself
        reading = _reading_users(statements)
        if _on_postgres(h):
            [one] = reading
            assert "INSERT INTO inbox" in one
        else:
            assert [s.split()[0] for s in reading] == ["SELECT"]


async def test_an_update_seen_before_does_not_note_its_sender(database_url: str) -> None:
    async with bot_harness(database_url) as h:
        await h.text(ADA, "/start")
        long_ago = utcnow() - timedelta(days=30)
        async with h.runtime.db.transaction() as session:
            await session.execute(
                update(User).where(User.telegram_id == ADA.id).values(last_seen_at=long_ago)
            )
        assert await h.repeat_last() == []  # Telegram delivering it again: ignored
        assert (await _user(h, ADA.id)).last_seen_at == long_ago
