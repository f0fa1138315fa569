"""Roles that end: a role from COORDINATOR_IDS ends when the id is removed (at start-up and when the
person next writes), coordinators grant and revoke the role in the chat (confirmed, audited, never the
last one, a configured one only through the settings), and a deactivated advisor no longer reads the
contact details of requests they held."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select, update

from bot.services import users
from models import AuditAction, CoordinatorAction, OutboxMessage, Role, RoleSource, User, UserRole
from tests.access_helpers import CALM, DANA, MEHMET, World, leaks, seed_world
from tests.harness import Harness, TelegramUser, bot_harness
from tests.matching_chat_helpers import COORDINATOR

LENA = TelegramUser(910, "Lena", "de")
TOM = TelegramUser(911, "Tom", "en")


async def _roles(h: Harness, person: TelegramUser) -> dict[str, str | None]:
    """The person's roles and their sources."""
    async with h.runtime.db.transaction() as session:
        rows = await session.execute(
            select(UserRole.role, UserRole.source).join(User).where(User.telegram_id == person.id)
        )
        return dict(rows.tuples().all())


async def _menu(h: Harness, person: TelegramUser) -> list[str]:
    """The newest command menu queued for the person's chat."""
    async with h.runtime.db.transaction() as session:
        payload = await session.scalar(
            select(OutboxMessage.payload)
            .where(OutboxMessage.chat_id == person.id, OutboxMessage.method == "setMyCommands")
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    assert payload is not None
    return [c["command"] for c in payload["commands"]]


@asynccontextmanager
async def _restarted(old: Harness, coordinator_ids: str) -> AsyncIterator[Harness]:
    """The bot started again on ``old``'s database with other COORDINATOR_IDS."""
    if old.runtime.shared is not None:
        await old.runtime.shared.stop()  # a clean stop hands its chats on
    async with bot_harness(old.runtime.settings.database_url, coordinator_ids=coordinator_ids, **CALM) as new:
        new._update_ids, new._message_ids = old._update_ids, old._message_ids
        yield new


async def test_a_configured_role_ends_when_the_id_is_removed(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900,910", **CALM) as h:
        await h.text(COORDINATOR, "/start")
        await h.text(LENA, "/start")
        await h.text(TOM, "/start")
        async with h.runtime.db.transaction() as session:
            tom = await users.get_by_telegram_id(session, TOM.id)
            assert tom is not None
            users.grant_role(tom, Role.COORDINATOR)  # as a coordinator does it in the chat
        assert await _roles(h, LENA) == {"coordinator": RoleSource.CONFIG}
        assert await _roles(h, TOM) == {"coordinator": RoleSource.CHAT}
        # Restarted without Lena's id: the start-up sync ends her configured role, Tom's stays.
        async with _restarted(h, "900") as new:
            async with new.runtime.db.transaction() as session:
                changed = await users.grant_configured_coordinators(session, [900])
                assert [u.telegram_id for u in changed] == [LENA.id]
            assert await _roles(new, LENA) == {}
            assert await _roles(new, TOM) == {"coordinator": RoleSource.CHAT}
            [refused] = await new.text(LENA, "/anfragen")
            assert refused.text == "Das steht nur der Koordination zur Verfügung."


async def test_the_role_ends_when_the_person_next_writes_and_old_rows_count_as_configured(
    database_url: str,
) -> None:
    async with bot_harness(database_url, coordinator_ids="900,910", **CALM) as h:
        await h.text(LENA, "/start")
        await h.text(COORDINATOR, "/start")
        async with h.runtime.db.transaction() as session:  # rows from before sources were recorded
            await session.execute(update(UserRole).values(source=None))
        async with _restarted(h, "900") as new:
            await new.text(LENA, "/start")
            assert await _roles(new, LENA) == {}
            menu = await _menu(new, LENA)
            assert "anfragen" not in menu and "start" in menu  # her menu is refreshed at once
            await new.text(COORDINATOR, "/start")
            assert await _roles(new, COORDINATOR) == {"coordinator": RoleSource.CONFIG}


async def test_invitations_record_their_source(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900", **CALM) as h:
        await seed_world(h)
        assert await _roles(h, MEHMET) == {"advisor": RoleSource.INVITATION}


async def test_coordinators_add_and_remove_coordinators_in_the_chat(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900", **CALM) as h:
        await h.text(COORDINATOR, "/start")
        await h.feed(
            {"message": {**h._message(TOM, text="Hallo"), "from": {**TOM.as_dict(), "username": "tom_k"}}}
        )
        [listing] = await h.text(COORDINATOR, "/coordinators")
        assert "Cora" in listing.text and "from the configuration" in listing.text
        assert [label for label, _d in listing.buttons] == ["➖ Remove Cora", "➕ Add a coordinator"]
        [prompt] = await h.press(COORDINATOR, "co:a")
        assert "Telegram id or @username" in prompt.text
        [again] = await h.text(COORDINATOR, "@nobody_here")
        assert "Nobody with this Telegram id or username is known here" in again.text
        [confirm] = await h.text(COORDINATOR, "@Tom_K")
        assert confirm.text.startswith("Make Tom (@tom_k) a coordinator?")
        assert await _roles(h, TOM) == {}  # nothing before the confirmation
        sent = await h.press(COORDINATOR, f"co:gy:{await _id(h, TOM)}")
        assert await _roles(h, TOM) == {"coordinator": RoleSource.CHAT}
        [told] = [s for s in sent if s.chat_id == TOM.id and s.method == "sendMessage"]
        assert told.text.startswith("👥 Cora has made you a coordinator") and "/coordinators" in told.text
        assert "requests" in await _menu(h, TOM)
        [shown] = [s for s in sent if s.chat_id == COORDINATOR.id]
        assert "✓ Tom (@tom_k) is now a coordinator." in shown.text and "added in the chat" in shown.text
        # A second press of the same confirmation changes nothing.
        await h.press(COORDINATOR, f"co:gy:{await _id(h, TOM)}")
        assert h.answered_callbacks()[-1]["text"] == "Tom (@tom_k) is already a coordinator."
        # Tom cannot remove the configured Cora; Cora removes Tom after a confirmation.
        await h.press(TOM, f"co:r:{await _id(h, COORDINATOR)}")
        assert "through the configuration (COORDINATOR_IDS)" in h.answered_callbacks()[-1]["text"]
        await h.press(TOM, f"co:ry:{await _id(h, COORDINATOR)}")
        assert await _roles(h, COORDINATOR) == {"coordinator": RoleSource.CONFIG}
        [question] = await h.press(COORDINATOR, f"co:r:{await _id(h, TOM)}")
        assert question.text.startswith("Remove the coordinator role from Tom?")  # his username: gone since
        sent = await h.press(COORDINATOR, f"co:ry:{await _id(h, TOM)}")
        assert await _roles(h, TOM) == {}
        [told] = [s for s in sent if s.chat_id == TOM.id and s.method == "sendMessage"]
        assert (
            told.text
            == "👥 Cora has ended your coordinator role. The coordination commands are no longer available."
        )
        assert "requests" not in await _menu(h, TOM)
        # The last coordinator is never removed, not even by themselves.
        await h.press(COORDINATOR, f"co:ry:{await _id(h, COORDINATOR)}")
        assert "is the last coordinator" in h.answered_callbacks()[-1]["text"]
        async with h.runtime.db.transaction() as session:
            audits = (
                await session.execute(select(CoordinatorAction.action, CoordinatorAction.details))
            ).all()
        tom_id = await _id(h, TOM)
        assert [(a, d["user_id"]) for a, d in audits] == [
            (AuditAction.ROLE_GRANT, tom_id),
            (AuditAction.ROLE_REVOKE, tom_id),
        ]
        # Tom is no coordinator any more: his presses change nothing.
        await h.press(TOM, f"co:gy:{tom_id}")
        assert h.answered_callbacks()[-1]["text"] == "This is only available to coordinators."
        assert await _roles(h, TOM) == {}


async def test_the_last_coordinator_from_the_chat_stays_in_german(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="", **CALM) as h:
        await h.text(LENA, "/start")
        async with h.runtime.db.transaction() as session:
            lena = await users.get_by_telegram_id(session, LENA.id)
            assert lena is not None
            users.grant_role(lena, Role.COORDINATOR)
        [listing] = await h.text(LENA, "/koordination")
        assert "👥 <b>Koordination</b>" in listing.text and "im Chat hinzugefügt" in listing.text
        await h.press(LENA, f"co:r:{await _id(h, LENA)}")
        assert "letzte Person in der Koordination" in h.answered_callbacks()[-1]["text"]
        [again] = await h.text(LENA, "/koordination 123456")
        assert again.text.startswith("Mit dieser Telegram-ID")
        assert await _roles(h, LENA) == {"coordinator": RoleSource.CHAT}


async def test_a_deactivated_advisor_no_longer_reads_contact_details(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900", **CALM) as h:
        w: World = await seed_world(h)
        # Mehmet holds his request and sees the contact; Dana, deactivated, sees hers no more.
        [opened] = await h.press(MEHMET, f"as:v:{w.held}")
        assert leaks(opened.payload)
        [overview] = await h.text(DANA, "/auftraege")
        assert "Ihre Anfragen" in overview.text and not overview.buttons and not leaks(overview.payload)
        assert await h.press(DANA, f"as:v:{w.dana_held}") == []
        assert h.answered_callbacks()[-1]["text"] == "Das ist nicht (mehr) verfügbar."
        # Nor after the request moved on: closed by the coordination team, Mehmet's old button shows nothing.
        await h.press(COORDINATOR, f"rq:cr:{w.held}:duplicate")
        assert await h.press(MEHMET, f"as:v:{w.held}") == []
        assert h.answered_callbacks()[-1]["text"] == "This is not available (any more)."
        [listing] = await h.text(MEHMET, "/assignments")
        assert not leaks(json.loads(json.dumps(listing.payload)))


async def _id(h: Harness, person: TelegramUser) -> int:
    """The stored users.id of a Telegram user."""
    async with h.runtime.db.transaction() as session:
        found = await session.scalar(select(User.id).where(User.telegram_id == person.id))
        assert found is not None
        return found
