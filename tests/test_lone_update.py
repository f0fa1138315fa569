"""A lone update to an idle chat is stored and handled in one transaction; an update to a chat
with updates in hand waits its turn, stored on its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.runtime import inbox
from bot.runtime.dispatcher import ChatOrderedDispatcher
from bot.runtime.inbox import InboxItem
from bot.services import users
from models import ChatLease, InboxUpdate, OutboxMessage, User
from tests.harness import Harness, TelegramUser
from tests.transactions import record_transactions, recorded_statements

ADA = TelegramUser(911, "Ada", "de")
APOLOGY_DE = "Entschuldigung"


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """The bot with its real handlers, offline (on PostgreSQL with the shared inbox's leases)."""
    from tests.harness import bot_harness

    async with bot_harness(database_url) as h:
        yield h


def _start(harness: Harness, user: TelegramUser, update_id: int, text: str = "/start") -> dict[str, Any]:
    """A raw update: ``user`` sends ``text``."""
    entities = [{"type": "bot_command", "offset": 0, "length": len(text)}] if text.startswith("/") else []
    message = harness._message(user, text=text, entities=entities)
    return {"update_id": update_id, "message": message}


async def _replies(harness: Harness, user: TelegramUser) -> list[str]:
    """The texts queued for ``user``, oldest first."""
    async with harness.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == user.id).order_by(OutboxMessage.id)
        )
        return [row.payload.get("text", "") for row in rows]


async def _inbox_statuses(harness: Harness) -> dict[int, str]:
    """Each stored update's status by its update id."""
    async with harness.runtime.db.transaction() as session:
        rows = await session.scalars(select(InboxUpdate))
        return {row.update_id: row.status for row in rows}


async def test_a_lone_update_to_an_idle_chat_is_stored_and_handled_in_one_durable_transaction(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    flags = record_transactions(harness, monkeypatch)
    items = await harness.runtime.accept([_start(harness, ADA, 1)])
    # When accept returns (and Telegram is told), the update is stored, handled and answered.
    assert flags == [True] and len(items) == 1
    assert await _inbox_statuses(harness) == {1: "done"}
    [reply] = await _replies(harness, ADA)
    assert reply.startswith("Hallo")
    assert harness.runtime.dispatcher.pending == 0  # it never went through the queues


async def test_a_lone_update_is_stored_as_handled_in_one_statement_and_a_repeat_is_ignored(
    harness: Harness,
) -> None:
    start = _start(harness, ADA, 1)
    with recorded_statements(harness.runtime.db) as statements:
        await harness.runtime.accept([start])
    inbox_writes = [s for s in statements if "INSERT INTO inbox" in s or "UPDATE inbox" in s]
    # Stored as done, not stored and then marked (on PostgreSQL with the sender's read).
    assert len(inbox_writes) == 1 and "INSERT INTO inbox" in inbox_writes[0]
    async with harness.runtime.db.transaction() as session:
        [row] = await session.scalars(select(InboxUpdate))
    assert (row.status, row.payload) == ("done", {"update_id": 1})  # what was typed is not kept
    assert await harness.runtime.accept([start]) == []  # Telegram delivering it again
    assert len(await _replies(harness, ADA)) == 1


async def test_an_update_to_a_chat_in_hand_is_stored_alone_and_handled_after_the_earlier_one(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two updates of one chat arrive together (two webhook requests): the second is stored on its
    own and waits until the first, handled while it was stored, has committed."""
    real_touch = users.touch
    first_inside, let_first_go = asyncio.Event(), asyncio.Event()
    touched: list[int] = []

    async def slow_first(*args: Any, **kwargs: Any) -> User:
        touched.append(len(touched) + 1)
        if len(touched) == 1:
            first_inside.set()
            await let_first_go.wait()
        return await real_touch(*args, **kwargs)

    monkeypatch.setattr(users, "touch", slow_first)
    first = asyncio.create_task(harness.runtime.accept([_start(harness, ADA, 1)]))
    await first_inside.wait()
    flags = record_transactions(harness, monkeypatch)
    second = asyncio.create_task(harness.runtime.accept([_start(harness, ADA, 2, "/hilfe")]))
    await asyncio.sleep(0.2)
    assert touched == [1]  # stored (on SQLite: waiting to be), not handled before the first
    let_first_go.set()
    await asyncio.gather(first, second)
    await harness.runtime.dispatcher.join()
    assert touched == [1, 2] and await _inbox_statuses(harness) == {1: "done", 2: "done"}
    assert flags[0] is True and False in flags  # stored durably, handled in a transaction of its own
    replies = await _replies(harness, ADA)
    assert replies[0].startswith("Hallo") and len(replies) >= 2


async def test_a_held_chat_queues_what_is_submitted_until_it_is_released() -> None:
    handled: list[int] = []

    async def handle(item: InboxItem) -> None:
        handled.append(item.update_id)

    dispatcher = ChatOrderedDispatcher(handle)
    assert dispatcher.hold(5)
    assert not dispatcher.hold(5)  # one hold at a time
    await dispatcher.submit(InboxItem(1, 10, 5, {}))
    await dispatcher.submit(InboxItem(2, 11, 6, {}))
    await asyncio.sleep(0.05)
    assert handled == [11]  # another chat goes on; the held one waits
    joined = asyncio.create_task(dispatcher.join())
    await asyncio.sleep(0.05)
    assert not joined.done()  # a hold counts as work in hand
    dispatcher.release(5)
    await asyncio.wait_for(joined, 1)
    assert handled == [11, 10]
    assert dispatcher.hold(5)  # idle again
    dispatcher.release(5)
    await asyncio.wait_for(dispatcher.join(), 1)


async def test_a_chat_with_queued_updates_cannot_be_held() -> None:
    release = asyncio.Event()

    async def handle(_item: InboxItem) -> None:
        await release.wait()

    dispatcher = ChatOrderedDispatcher(handle)
    await dispatcher.submit(InboxItem(1, 10, 5, {}))
    assert not dispatcher.hold(5)
    release.set()
    await dispatcher.join()
    assert dispatcher.hold(5)
    dispatcher.release(5)
    await asyncio.wait_for(dispatcher.join(), 1)


async def test_a_button_press_does_not_hold_up_the_intake_while_its_spinner_is_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answering the button takes a Bot API round trip: the intake goes on meanwhile (with
    polling it would otherwise wait for it), the chat's next update waits for it."""
    let_go = asyncio.Event()
    answered: list[str] = []
    real_answer = harness.runtime.runner.answer_callback

    async def slow_answer(answer: Any) -> None:
        await let_go.wait()
        answered.append(answer.callback_query_id)
        await real_answer(answer)

    monkeypatch.setattr(harness.runtime.runner, "answer_callback", slow_answer)
    message = {**harness._message(ADA, text="…"), "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}
    query = {"id": "77", "from": ADA.as_dict(), "chat_instance": "ci", "message": message, "data": "x:forged"}
    pressed = await asyncio.wait_for(harness.runtime.accept([{"update_id": 1, "callback_query": query}]), 2)
    assert pressed and answered == [] and await _inbox_statuses(harness) == {1: "done"}
    await asyncio.wait_for(harness.runtime.accept([_start(harness, ADA, 2)]), 2)
    await asyncio.sleep(0.1)
    assert await _inbox_statuses(harness) == {1: "done", 2: "pending"}  # behind the spinner
    let_go.set()
    await asyncio.wait_for(harness.runtime.dispatcher.join(), 5)
    assert answered == ["77"] and await _inbox_statuses(harness) == {1: "done", 2: "done"}


async def test_an_earlier_update_another_process_left_pending_keeps_its_turn(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL, several processes: an earlier update of the chat, stored by another process and
    queued here by a look at the inbox in the meantime, still pending: the lone update is not run
    before it, nor counted as failed; it is stored and handled after it."""
    from tests.harness import bot_harness

    async with bot_harness(postgres_url) as harness:
        runtime = harness.runtime
        earlier = _start(harness, ADA, 1)
        async with runtime.db.transaction() as session:  # stored by another process, not handled
            [item] = await inbox.store(session, [earlier])
        real_has = runtime.dispatcher.has
        monkeypatch.setattr(
            runtime.dispatcher, "has", lambda inbox_id: inbox_id == item.inbox_id or real_has(inbox_id)
        )
        await runtime.accept([_start(harness, ADA, 2, "/hilfe")])
        assert await _inbox_statuses(harness) == {1: "pending", 2: "pending"}  # not run, not failed
        monkeypatch.undo()
        await runtime.dispatcher.submit(item)
        await asyncio.wait_for(runtime.dispatcher.join(), 10)
        assert await _inbox_statuses(harness) == {1: "done", 2: "done"}
        replies = await _replies(harness, ADA)
        assert replies[0].startswith("Hallo") and not any(APOLOGY_DE in text for text in replies)


async def test_a_lone_update_to_a_chat_another_process_took_meanwhile_is_left_to_it(
    postgres_url: str,
) -> None:
    """PostgreSQL, several processes: the chat's lease went to another process after this one last
    took it. The update is not handled here nor counted as failed: it stays pending for the holder."""
    from tests.harness import bot_harness

    async with bot_harness(postgres_url) as harness:
        runtime = harness.runtime
        await runtime.accept([_start(harness, ADA, 1)])
        async with runtime.db.transaction() as session:
            await session.execute(update(ChatLease).values(owner="another process"))
        await runtime.accept([_start(harness, ADA, 2, "/hilfe")])
        await asyncio.wait_for(runtime.dispatcher.join(), 10)
        assert await _inbox_statuses(harness) == {1: "done", 2: "pending"}
        assert len(await _replies(harness, ADA)) == 1
