"""Every update notes its sender as seen: the stored person, with their roles, read and updated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.services import users
from bot.services.users import TelegramIdentity
from models import Role, User, utcnow
from tests.harness import TelegramUser, bot_harness
from tests.transactions import recorded_statements

CORA = TelegramUser(905, "Cora", "en")


async def test_a_known_sender_is_noted_as_seen_and_read_with_their_roles(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids=str(CORA.id)) as h:
        await h.text(CORA, "/start")
        long_ago = utcnow() - timedelta(days=30)
        async with h.runtime.db.transaction() as session:
            await session.execute(
                update(User).where(User.telegram_id == CORA.id).values(unreachable_since=long_ago)
            )
        identity = TelegramIdentity(CORA.id, "Cora B.", "cora_b", "fr")
        async with h.runtime.db.transaction() as session:
            with recorded_statements(h.runtime.db) as statements:
                user = await users.touch(session, identity, "de")
            assert (user.first_name, user.username, user.unreachable_since) == ("Cora B.", "cora_b", None)
            assert Role.COORDINATOR in user.roles and user.locale == "en"  # the locale stays theirs
        # PostgreSQL: one statement (an UPDATE in a WITH clause); SQLite: a read and a write.
        postgres = h.runtime.db.engine.dialect.name == "postgresql"
        asked = [s for s in statements if not s.startswith("BEGIN")]
        assert len(asked) == (1 if postgres else 2)
        async with h.runtime.db.transaction() as session:
            stored = await users.get_by_telegram_id(session, CORA.id)
            assert stored is not None and stored.first_name == "Cora B." and stored.unreachable_since is None
            assert stored.last_seen_at > long_ago


async def test_a_new_sender_is_stored_with_the_language_telegram_gives(database_url: str) -> None:
    async with bot_harness(database_url) as h:
        async with h.runtime.db.transaction() as session:
            user = await users.touch(session, TelegramIdentity(906, "Emre", None, "en-GB"), "de")
            assert (user.telegram_id, user.locale, user.roles) == (906, "en", frozenset({Role.CONTACT}))
        async with h.runtime.db.transaction() as session:
            assert await users.get_by_telegram_id(session, 906) is not None
