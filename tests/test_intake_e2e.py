"""The whole intake in German and in English, end to end: the real bot process behind the
sandbox emulator, a person pressing the buttons Telegram shows, one stored request at the end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import migrate
from bot.db import Database
from bot.sandbox.server import SandboxServer
from models import InboxUpdate, KickoffRequest, OutboxMessage, User
from tests.bot_process import running_bot, sandbox
from tests.intake_helpers import workday


class Person:
    """One sandbox user who reads the bot's latest message and answers it."""

    def __init__(self, server: SandboxServer, database_url: str, user_id: int) -> None:
        self.emulator = server.emulator
        self.db = Database(database_url)
        self.user_id = user_id

    async def settle(self) -> None:
        """Wait until the bot has handled everything and sent every reply."""
        for _ in range(400):
            async with self.db.transaction() as session:
                open_updates = await session.scalar(
                    select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status == "pending")
                )
                open_sends = await session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
                )
            if not open_updates and not open_sends and not self.emulator.pending_updates:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the bot did not settle")

    def _bot_writes(self) -> int:
        return sum(
            1
            for call in self.emulator.calls
            if call.method in ("sendMessage", "editMessageText")
            and call.error is None
            and int(call.params.get("chat_id", 0)) == self.user_id
        )

    async def _after(self, action: Callable[[], object]) -> str:
        """Do ``action``, wait for the bot's answer (at least one message written), then for quiet."""
        before = self._bot_writes()
        action()
        await self.emulator.wait_for(lambda: self._bot_writes() > before, timeout=20, what="the bot's answer")
        await self.settle()
        return self.latest()

    def latest(self) -> str:
        """The text of the bot's newest message."""
        return [m for m in self.emulator.messages_in(self.user_id) if m.from_bot][-1].text or ""

    async def say(self, text: str) -> str:
        """Send ``text`` and return the bot's newest message once it answered."""
        return await self._after(lambda: self.emulator.send_text(self.user_id, text))

    async def press(self, match: str) -> str:
        """Press the newest button whose label or data contains ``match``."""
        for message in reversed([m for m in self.emulator.messages_in(self.user_id) if m.from_bot]):
            for button in message.buttons():
                data = button.get("callback_data", "")
                if match in data or match in button["text"]:
                    return await self._after(
                        lambda m=message.message_id, d=data: self.emulator.press_button(self.user_id, m, d)
                    )
        raise AssertionError(f"no button {match!r}; the bot said: {self.latest()!r}")

    async def pick_day(self, day: date, part: str) -> None:
        """Page the calendar to ``day`` and choose it with a part of the day."""
        code = f"ik:tw:d:{day:%Y%m%d}"
        for _ in range(8):
            if any(
                code == b.get("callback_data")
                for m in self.emulator.messages_in(self.user_id)
                for b in m.buttons()
            ):
                break
            await self.press("▶️")
        await self.press(code)
        await self.press(f"ik:tw:p:{day:%Y%m%d}:{part}")


@pytest.mark.parametrize(
    ("language", "command", "role", "step_word", "done_word"),
    [
        ("de", "/anfrage", "Integrationsbüro", "Schritt", "Anfrage"),
        ("en", "/request", "Integration office", "Step", "request"),
    ],
)
async def test_whole_intake_against_the_sandbox(
    database_url: str, tmp_path: Path, language: str, command: str, role: str, step_word: str, done_word: str
) -> None:
    await migrate.upgrade(database_url)
    async with sandbox() as server:
        user_id = server.emulator.add_user("Ana", language).id
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            person = Person(server, database_url, user_id)
            await person.say(command)
            prompt = await person.press("ik:cs:y:")
            assert f"{step_word} 1" in prompt, [m.text for m in server.emulator.messages_in(user_id)]
            await person.say("Tuebingen")
            assert f"{step_word} 2" in await person.press("ik:mu:g:08416041")
            await person.say("Ana <Müller>")
            await person.say(role)
            await person.say("ana@tuebingen.de")
            await person.say("07071 204 1234")
            await person.press("ik:tp:+:festival")
            await person.press("✅")
            await person.press("ik:la:+:tr")
            await person.press("✅")
            said = await person.say("Mehr Vielfalt in der Fairen Woche & <mehr>")
            assert f"{step_word} 9" in said, [m.text for m in server.emulator.messages_in(user_id)][-4:]
            first, second = workday(9), workday(40)
            await person.pick_day(first, "am")
            await person.pick_day(second, "pm")
            await person.press("✅")
            summary = await person.press("ik:fm:v:online")
            assert "Ana <Müller>" in summary  # sent escaped, so Telegram shows it as typed
            confirmation = await person.press(":send")
            assert "MG-" in confirmation and done_word in confirmation
            await person.db.dispose()
    db = Database(database_url)
    async with db.transaction() as session:
        [request] = list(await session.scalars(select(KickoffRequest)))
        contact = await session.get(User, request.contact_user_id)
    await db.dispose()
    assert contact is not None and contact.telegram_id == user_id
    assert (request.place_ags, request.kreis_ags) == ("08416041", "08416")
    assert request.contact_name == "Ana <Müller>"
    assert request.contact_role == role
    assert request.email == "ana@tuebingen.de"
    assert request.phone == "+4970712041234"
    assert request.topics == ["festival"]
    assert request.languages[:1] == ["tr"] or "tr" in request.languages
    assert request.goals == "Mehr Vielfalt in der Fairen Woche & <mehr>"
    windows = {(w["date"], w["part"]) for w in request.time_windows}
    assert windows == {(first.isoformat(), "am"), (second.isoformat(), "pm")}
    assert request.meeting_format == "online"
    assert request.locale == language
    assert request.reference.startswith("MG-")
