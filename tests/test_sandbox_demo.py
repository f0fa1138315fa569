"""The sandbox as a demo: the real bot behind the emulator in this process, with the seeded
advisor, the coordinator in German, the clock control, removing users and the reset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.sandbox.hooks import SandboxHooks
from bot.sandbox.server import SandboxServer
from bot.sandbox_command import SandboxBot
from bot.services import advisors
from models import Advisor, Offer, OfferStatus, User
from models.clock import CLOCK
from tests.matching_e2e_helpers import seed_request

TIMEOUT = 20.0


@pytest.fixture
async def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SandboxBot]:
    """The sandbox command's server and bot, started in an empty folder (its database lands there)."""
    monkeypatch.chdir(tmp_path)
    server = SandboxServer(hooks=SandboxHooks())
    await server.start()
    bot = SandboxBot(Settings(_env_file=None), server, coordinator=True)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        await server.stop()
        CLOCK.reset()


async def post(bot: SandboxBot, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A call of the page's JSON API, as the page's buttons make it."""
    async with aiohttp.ClientSession() as http:
        url = f"{bot.server.base_url}/sandbox/api/{path}"
        async with http.post(url, json=body or {}) as response:
            data = await response.json()
            assert response.status == 200, data
            return data  # type: ignore[no-any-return]


async def state(bot: SandboxBot) -> dict[str, Any]:
    """What the page shows."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{bot.server.base_url}/sandbox/api/state") as response:
            return await response.json()  # type: ignore[no-any-return]


async def offers(bot: SandboxBot) -> list[Offer]:
    """Every offer in the sandbox database."""
    assert bot.runtime is not None
    async with bot.runtime.db.transaction() as session:
        return list(await session.scalars(select(Offer).order_by(Offer.id)))


async def first_request(bot: SandboxBot) -> int:
    """A request from the municipality column, as the intake stores it; the sweep offers it."""
    assert bot.runtime is not None
    municipality = bot.server.emulator.users[0]
    bot.server.emulator.send_text(municipality.id, "/start")
    await bot.server.emulator.wait_for_message(municipality.id, timeout=TIMEOUT)
    async with bot.runtime.db.transaction() as session:
        contact = await session.scalar(select(User).where(User.telegram_id == municipality.id))
        assert contact is not None
    request_id = await seed_request(bot.runtime.db, contact.id)
    await bot.run_deadline_sweeps()
    return request_id


def texts(bot: SandboxBot, user_id: int) -> list[str]:
    """The bot's messages in a chat, oldest first."""
    return [m.text or "" for m in bot.server.emulator.messages_in(user_id) if m.from_bot]


async def test_columns_show_roles_and_the_coordinator_speaks_german(demo: SandboxBot) -> None:
    page = await state(demo)
    assert [(u["first_name"], u["role"], u["language_code"]) for u in page["users"]] == [
        ("Kommune Musterstadt", "municipality", "de"),
        ("Beraterin Aylin", "advisor", "de"),
        ("Koordination Sam", "coordinator", "de"),
    ]
    assert page["features"] == {"make_coordinator": True, "clock": True, "reset": True}
    sam = page["users"][2]
    demo.server.emulator.send_text(sam["id"], "/start")
    reply = await demo.server.emulator.wait_for_message(sam["id"], timeout=TIMEOUT)
    assert reply.text is not None and reply.text.startswith("Hallo")
    assert "Koordinator*in" in reply.text or "Koordination" in reply.text


async def test_the_advisor_is_ready_and_gets_the_first_offer(demo: SandboxBot) -> None:
    assert demo.runtime is not None and demo.advisor is not None
    async with demo.runtime.db.transaction() as session:
        advisor = await session.scalar(select(Advisor))
        assert advisor is not None
        assert advisors.profile_gaps(advisor) == ()
        assert advisor.languages and advisor.home_ags and advisor.topics and advisor.active
        assert len(advisor.regierungsbezirke) == 4 and advisor.capacity >= 3 and advisor.paused_until is None
    await first_request(demo)
    [offer] = await offers(demo)
    assert offer.status == OfferStatus.PENDING and offer.advisor_id == advisor.id
    message = await demo.server.emulator.wait_for_message(
        demo.advisor.id, lambda m: "MG-" in (m.text or ""), timeout=TIMEOUT
    )
    assert "Annehmen" in str(message.reply_markup)


async def test_the_clock_sends_the_reminder_and_expires_the_offer(demo: SandboxBot) -> None:
    assert demo.advisor is not None
    await first_request(demo)
    aylin = demo.advisor.id
    await demo.server.emulator.wait_for_message(aylin, lambda m: "MG-" in (m.text or ""), timeout=TIMEOUT)
    before = len(texts(demo, aylin))
    start = CLOCK.now()
    answer = await post(demo, "clock", {"seconds": 25 * 3600})  # ⏩ past half of the 48 h
    assert answer["clock"]["offset_seconds"] == 25 * 3600
    assert answer["clock"]["timezone"] == "Europe/Berlin"  # the page shows times as the bot writes them
    assert (CLOCK.now() - start).total_seconds() >= 25 * 3600
    [offer] = await offers(demo)
    assert offer.reminded_at is not None and offer.status == OfferStatus.PENDING
    await demo.server.emulator.wait_for(lambda: len(texts(demo, aylin)) > before, TIMEOUT, "the reminder")
    # Message dates follow the bot's clock, as the page shows them.
    reminder = [m for m in demo.server.emulator.messages_in(aylin) if m.from_bot][before]
    assert reminder.data["date"] >= int(start.timestamp()) + 25 * 3600 - 5
    await post(demo, "clock", {"seconds": 24 * 3600})  # ⏩ past the answer's deadline
    [offer] = await offers(demo)
    assert offer.status == OfferStatus.EXPIRED
    page = await state(demo)
    assert page["clock"]["offset_seconds"] == 49 * 3600


async def test_the_clock_only_moves_forward_and_a_month_at_most(demo: SandboxBot) -> None:
    async with aiohttp.ClientSession() as http:
        for seconds in (0, -3600, 32 * 24 * 3600):
            url = f"{demo.server.base_url}/sandbox/api/clock"
            async with http.post(url, json={"seconds": seconds}) as response:
                assert response.status == 400
    assert CLOCK.offset.total_seconds() == 0


async def test_remove_a_user_and_reset(demo: SandboxBot, tmp_path: Path) -> None:
    emulator = demo.server.emulator
    municipality, aylin, sam = emulator.users
    await first_request(demo)
    await emulator.wait_for_message(aylin.id, lambda m: "MG-" in (m.text or ""), timeout=TIMEOUT)
    await post(demo, f"users/{municipality.id}/remove")
    assert [u.id for u in emulator.users] == [aylin.id, sam.id]
    page = await state(demo)
    assert [u["id"] for u in page["users"]] == [aylin.id, sam.id]
    status, body = await emulator.call("sendMessage", {"chat_id": municipality.id, "text": "Hallo"})
    assert (status, body["description"]) == (403, "Forbidden: user is deactivated")
    await post(demo, "clock", {"seconds": 3600})

    await post(demo, "reset")
    page = await state(demo)
    assert [u["first_name"] for u in page["users"]] == [
        "Kommune Musterstadt", "Beraterin Aylin", "Koordination Sam"
    ]  # fmt: skip
    assert [u["id"] for u in page["users"]] == [municipality.id, aylin.id, sam.id]
    assert all(not u["messages"] for u in page["users"]) and page["generation"] == 1
    assert page["clock"]["offset_seconds"] == 0 and CLOCK.offset.total_seconds() == 0
    assert await offers(demo) == []  # a fresh database …
    assert [u["role"] for u in page["users"]] == ["municipality", "advisor", "coordinator"]  # … seeded again
    await first_request(demo)
    [offer] = await offers(demo)
    assert offer.status == OfferStatus.PENDING
    emulator.send_text(municipality.id, "/start")  # the column works again
    await emulator.wait_for_message(municipality.id, timeout=TIMEOUT)
    assert (tmp_path / "data" / "sandbox.db").exists()


async def test_the_moved_time_survives_a_restart_of_the_sandbox(demo: SandboxBot) -> None:
    await post(demo, "clock", {"seconds": 2 * 3600})
    await demo.stop()
    CLOCK.reset()  # a new process starts with the real time …
    await demo.start()
    assert CLOCK.offset.total_seconds() == 2 * 3600  # … and goes on from where the database left off
    assert (await state(demo))["clock"]["offset_seconds"] == 2 * 3600
