"""Several processes on one PostgreSQL: a chat's updates are handled by the process holding its lease."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from bot.db import Database
from bot.runtime import chat_leases, inbox, outbox, outbox_rows
from bot.runtime.dispatcher import ChatOrderedDispatcher
from bot.runtime.inbox import InboxItem
from bot.runtime.liveness import Liveness
from bot.runtime.shared_inbox import SharedInbox
from models import ChatLease, InboxStatus, InboxUpdate, OutboxMessage
from tests.harness import TelegramUser, bot_harness
from tests.shared_inbox_helpers import RecordingQueue, text_update
from tests.transactions import recorded_statements

_made: list[SharedInbox] = []


def _inbox(db: Database, seconds: float, queue: RecordingQueue) -> SharedInbox:
    """A process's shared inbox, stopped (its liveness lock given up) when the test ends."""
    shared = SharedInbox(db, seconds, queue)
    _made.append(shared)
    return shared


@pytest.fixture
async def two_processes(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections pools to one database, as two processes have."""
    first, second = Database(postgres_url), Database(postgres_url)
    try:
        yield first, second
    finally:
        while _made:
            await _made.pop().liveness.release()
        await first.dispose()
        await second.dispose()


async def _store(db: Database, shared: SharedInbox, *payloads: dict[str, object]) -> list[InboxItem]:
    """What a process does with arriving updates: store them and admit those of chats it holds."""
    await shared.ready()
    async with db.transaction() as session:
        admitted = await shared.admit(session, await inbox.store(session, list(payloads)))
    for item in admitted:
        await shared._dispatcher.submit(item)
    return admitted


async def test_a_held_chat_is_left_to_its_holder(two_processes: tuple[Database, Database]) -> None:
    first, second = two_processes
    queue_a, queue_b = RecordingQueue(), RecordingQueue()
    a, b = _inbox(first, 30, queue_a), _inbox(second, 30, queue_b)
    assert [i.update_id for i in await _store(first, a, text_update(1, 11))] == [1]
    # The second process receives the chat's next update: it stores it and leaves it pending.
    assert await _store(second, b, text_update(2, 11), text_update(3, 22)) != []
    assert [i.update_id for i in await _store(second, b, text_update(4, 11))] == []
    await b.look()
    assert 2 not in {i.update_id for i in queue_b.items}
    # The holder picks the other process's arrivals up, in Telegram's order.
    await a.look()
    assert [i.update_id for i in queue_a.items] == [1, 2, 4]
    assert [i.update_id for i in queue_b.items] == [3]
    # Marking done only works for the holder.
    async with second.transaction() as session:
        assert not await inbox.claim(session, queue_a.items[1].inbox_id, 2, only_if=b.holds(11))
    async with first.transaction() as session:
        assert await inbox.claim(session, queue_a.items[1].inbox_id, 2, only_if=a.holds(11))


async def test_a_hung_holders_chats_are_taken_over_after_one_lease(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    queue_b = RecordingQueue()
    a, b = _inbox(first, 1.0, RecordingQueue()), _inbox(second, 1.0, queue_b)
    await _store(first, a, text_update(1, 11))  # then the first process hangs, its connection open
    await b.look()
    assert queue_b.items == []
    await asyncio.sleep(1.2)
    await b.look()
    assert [i.update_id for i in queue_b.items] == [1]
    async with second.transaction() as session:
        owner = await session.scalar(select(ChatLease.owner).where(ChatLease.chat_key == 11))
    assert owner == b.owner


async def test_a_process_that_stops_hands_its_chats_on_at_once(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    queue_b = RecordingQueue()
    a, b = _inbox(first, 30, RecordingQueue()), _inbox(second, 30, queue_b)
    await _store(first, a, text_update(1, 11))
    await a.stop()
    await b.look()
    assert [i.update_id for i in queue_b.items] == [1]


async def test_a_killed_processs_chats_and_claimed_sends_are_freed_at_once(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    queue_b = RecordingQueue()
    a, b = _inbox(first, 30, RecordingQueue()), _inbox(second, 30, queue_b)
    await b.liveness.hold()
    await _store(first, a, text_update(1, 11))
    async with first.transaction() as session:
        outbox.enqueue_text(session, 11, "Hallo")
    claimed = await outbox_rows.claim(first, set(), 10, 10, a.owner)
    assert list(claimed) == [11]
    assert await outbox_rows.claim(second, set(), 10, 10, b.owner) == {}  # leased for a minute
    await a.liveness._close()  # killed: its connection ends, its leases and claims stay behind
    await b.look()
    assert [i.update_id for i in queue_b.items] == [1]
    assert list(await outbox_rows.claim(second, set(), 10, 10, b.owner)) == [11]
    async with second.transaction() as session:
        assert await session.scalar(select(OutboxMessage.claimed_by)) == b.owner


async def test_a_lease_in_use_cannot_change_hands_until_its_update_is_done(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    a, b = _inbox(first, 0.5, RecordingQueue()), _inbox(second, 30, RecordingQueue())
    [item] = await _store(first, a, text_update(1, 11))
    taken_over: list[set[int]] = []

    async def take_over() -> None:
        async with second.transaction() as session:
            taken_over.append(await chat_leases.acquire(session, [11], b.owner, 30))

    async with first.transaction() as session:
        assert await inbox.claim(session, item.inbox_id, 1, only_if=a.holds(11))
        await asyncio.sleep(0.8)  # the lease runs out while the update is being handled
        contender = asyncio.create_task(take_over())
        await asyncio.sleep(0.3)
        assert not contender.done()  # the share lock keeps it waiting for this transaction
    await contender
    assert taken_over == [{11}]


async def test_the_dispatcher_keeps_telegrams_order_when_two_sources_feed_one_chat() -> None:
    handled: list[int] = []
    started = asyncio.Event()
    release = asyncio.Event()

    async def handle(item: InboxItem) -> None:
        if not handled:
            started.set()
            await release.wait()
        handled.append(item.update_id)

    dispatcher = ChatOrderedDispatcher(handle)
    await dispatcher.submit(InboxItem(1, 10, 5, {}))
    await started.wait()
    for inbox_id, update_id in ((2, 13), (3, 11), (4, 12)):
        await dispatcher.submit(InboxItem(inbox_id, update_id, 5, {}))
    assert dispatcher.has(3) and set(dispatcher.chats) == {5}
    release.set()
    await dispatcher.join()
    assert handled == [10, 11, 12, 13]


async def test_updates_left_pending_stay_pending(two_processes: tuple[Database, Database]) -> None:
    first, second = two_processes
    a, b = _inbox(first, 30, RecordingQueue()), _inbox(second, 30, RecordingQueue())
    await _store(first, a, text_update(1, 11))
    await _store(second, b, text_update(2, 11))
    async with second.transaction() as session:
        statuses = (await session.scalars(select(InboxUpdate.status).order_by(InboxUpdate.update_id))).all()
    assert statuses == [InboxStatus.PENDING.value] * 2


async def test_an_update_whose_lease_ran_out_before_handling_is_still_handled(postgres_url: str) -> None:
    """An idle chat's lease can run out between admitting an update and handling it (leases are
    renewed only every third of a period): the process takes the chat again and handles it."""
    person = TelegramUser(700, "Ana", "de")
    async with bot_harness(postgres_url, chat_lease_seconds=30) as h:
        await h.text(person, "/start")
        runtime = h.runtime
        assert runtime.shared is not None
        payload = {"update_id": 99, "message": h._message(person, text="/hilfe")}
        async with runtime.db.transaction() as session:
            [item] = await runtime.shared.admit(session, await inbox.store(session, [payload]))
            await session.execute(update(ChatLease).values(expires_at=func.now() - timedelta(seconds=1)))
        await runtime.handle(item)
        async with runtime.db.transaction() as session:
            status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.id == item.inbox_id))
        assert status == InboxStatus.DONE.value


async def test_a_chat_taken_over_answers_its_waiting_updates_before_a_new_one(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    queue_b = RecordingQueue()
    a, b = _inbox(first, 30, RecordingQueue()), _inbox(second, 30, queue_b)
    await _store(first, a, text_update(1, 11), text_update(2, 11))  # stored and admitted, then it dies
    await a.liveness.release()
    await b.liveness.take_over_from_the_gone()
    # The chat's next update reaches the second process before its next look at the inbox: the
    # updates the first one left come first, in Telegram's order.
    admitted = await _store(second, b, text_update(3, 11))
    assert [i.update_id for i in admitted] == [1, 2, 3]
    await b.look()
    assert [i.update_id for i in queue_b.items] == [1, 2, 3]


async def test_an_update_is_not_handled_while_an_earlier_one_of_its_chat_waits(
    two_processes: tuple[Database, Database],
) -> None:
    """A process whose lease ran out left update 1 pending; the chat came back to it with update 2
    queued: 2 cannot be marked done before 1, and 1 is found to go first."""
    first, _second = two_processes
    a = _inbox(first, 30, RecordingQueue())
    one, two = await _store(first, a, text_update(1, 11), text_update(2, 11))
    async with first.transaction() as session:
        assert not await inbox.claim(session, two.inbox_id, 2, only_if=a.holds(11, 2))
    assert [i.update_id for i in await a.waiting_before(two)] == [1]
    async with first.transaction() as session:
        assert await inbox.claim(session, one.inbox_id, 1, only_if=a.holds(11, 1))
    async with first.transaction() as session:
        assert await inbox.claim(session, two.inbox_id, 2, only_if=a.holds(11, 2))
    assert await a.waiting_before(two) == []


async def test_a_chat_held_recently_is_not_looked_up_again_and_a_lost_lease_is_still_noticed(
    two_processes: tuple[Database, Database],
) -> None:
    """A lone update to a chat whose lease this process took less than a period ago asks the
    database nothing about the lease; the statement that marks it done still checks it."""
    first, second = two_processes
    a, b = _inbox(first, 30, RecordingQueue()), _inbox(second, 30, RecordingQueue())
    [one] = await _store(first, a, text_update(1, 11))
    async with first.transaction() as session:
        assert await inbox.claim(session, one.inbox_id, 1, only_if=a.holds(11, 1))
    with recorded_statements(first) as statements:
        async with first.transaction() as session:
            [two] = await inbox.store(session, [text_update(2, 11)])
            assert await a.admit_alone(session, 11)
    assert len(statements) == 1  # the update stored, no lease looked at
    # The lease goes to another process (the first was thought gone): the belief is wrong, the
    # marking statement finds out, and a process without that belief is told at once.
    async with second.transaction() as session:
        await session.execute(update(ChatLease).values(owner=b.owner))
    async with first.transaction() as session:
        assert await a.admit_alone(session, 11)
        assert not await inbox.claim(session, two.inbox_id, 2, only_if=a.holds(11, 2))
    fresh = _inbox(first, 30, RecordingQueue())
    async with first.transaction() as session:
        assert not await fresh.admit_alone(session, 11)
    assert a.holds(11, 2).clause is fresh.holds(12, 5).clause  # built once, not for every update


async def test_a_burst_of_first_arrivals_takes_the_liveness_lock_once(postgres_url: str) -> None:
    """Right after a start, many deliveries at once each find the lock not yet held: they take it
    one after another, on one connection (a second connection would wait for it forever)."""
    db = Database(postgres_url)
    liveness = Liveness(db)
    try:
        await asyncio.wait_for(asyncio.gather(*(liveness.hold() for _ in range(8))), timeout=10)
        async with db.transaction() as session:
            ours = (
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = :granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            locks = await session.scalar(text(ours), {"granted": True})
            waiting = await session.scalar(text(ours), {"granted": False})
        assert (locks, waiting) == (1, 0)
    finally:
        await liveness.release()
        await db.dispose()
