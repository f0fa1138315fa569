"""The inbox shared by several processes on one PostgreSQL: who handles which chat's updates.

Every process stores what it receives. It hands an update to its own dispatcher only while it
holds the update's chat (:mod:`bot.runtime.chat_leases`); an update of a chat another live
process holds stays pending, and that process picks it up in its next look at the inbox. A look
every :data:`LOOK_SECONDS` finds the pending updates of chats that are free, run out or ours,
takes their leases and queues them in update order; the same round renews the leases of the
chats this process still has work for. When a process dies, its leases run out and the others
take its chats over within one lease period. SQLite has one process and no leases.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Protocol

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from bot.db import Database
from bot.logging_setup import describe_error
from bot.runtime import chat_leases
from bot.runtime.inbox import Condition, InboxItem
from bot.runtime.liveness import Liveness
from models import ChatLease, InboxStatus, InboxUpdate

log = logging.getLogger(__name__)

# How often a process looks for pending updates it may handle (another process's arrivals for a
# chat this process holds, and chats whose holder died).
LOOK_SECONDS = 0.2
# At most this many pending updates are taken in one look (the rest comes in the next).
LOOK_LIMIT = 500
# How often a look checks that this process's liveness lock is held and frees what ended
# processes held (their chats and claimed sends).
LIVENESS_SECONDS = 1.0


# The chat is held (chat_leases.HELD) and none of its updates before this one is still pending.
_EARLIER = aliased(InboxUpdate)
_HELD_AND_FIRST = and_(
    chat_leases.HELD,
    ~select(_EARLIER.id)
    .where(
        _EARLIER.status == InboxStatus.PENDING.value,
        _EARLIER.chat_key == bindparam("lease_chat_key"),
        _EARLIER.update_id < bindparam("lease_update_id"),
    )
    .exists(),
)


class Queue(Protocol):
    """What the shared inbox needs of the dispatcher."""

    async def submit(self, item: InboxItem) -> None:
        """Queue ``item`` behind its chat's earlier updates."""

    def has(self, inbox_id: int) -> bool:
        """Whether the update is queued or being handled here."""

    @property
    def chats(self) -> Collection[int]:
        """The chats with queued or running work."""


class SharedInbox:
    """This process's side of the chat leases: admit what it holds, pick up what it may."""

    def __init__(
        self, db: Database, lease_seconds: float, dispatcher: Queue, liveness: Liveness | None = None
    ) -> None:
        """Leases of ``lease_seconds``, feeding ``dispatcher``, in the name of ``liveness``'s owner."""
        self._db = db
        self.liveness = liveness or Liveness(db)
        self.owner = self.liveness.owner
        self._seconds = lease_seconds
        self._dispatcher = dispatcher
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._since_renewal = 0.0
        self._since_liveness = float("-inf")
        # Until when (loop time) each chat's lease lasts at least, as the last take saw it.
        self._lasts: dict[int, float] = {}

    async def ready(self) -> None:
        """Hold this process's liveness lock before any lease (without it the others see us as gone);
        called before the transaction that stores updates, which must not wait for a second
        connection while it holds their rows."""
        if not self.liveness.holding:
            await self.liveness.hold()

    async def admit(self, session: AsyncSession, items: list[InboxItem]) -> list[InboxItem]:
        """In the transaction that stored ``items``: what to queue, in update order, for the chats
        this process now holds; their earlier updates still pending in the inbox come first."""
        held = await self._take(session, {item.chat_key for item in items})
        if len(held) < len({item.chat_key for item in items}):
            self.wake()  # held elsewhere: the holder picks them up; a look here notices a dead one
        admitted = [item for item in items if item.chat_key in held]
        earlier = await self._waiting_before(session, admitted)
        return sorted(earlier + admitted, key=lambda item: item.update_id) if earlier else admitted

    async def admit_alone(self, session: AsyncSession, chat_key: int) -> bool:
        """In the transaction that is to store and handle a lone update of ``chat_key``: whether
        this process holds the chat, so that it may.

        A lease taken less than a period ago is not looked up again, and earlier updates of the
        chat still pending are not looked for: the statement that stores the update as handled
        checks both (:meth:`holds`); when it finds otherwise, the update takes the usual way.
        """
        if self._lasts.get(chat_key, float("-inf")) > asyncio.get_running_loop().time():
            return True
        if chat_key in await self._take(session, {chat_key}):
            return True
        self.wake()  # held elsewhere: the holder picks it up; a look here notices a dead one
        return False

    async def _take(self, session: AsyncSession, chat_keys: set[int]) -> set[int]:
        """Take the leases of ``chat_keys`` that are free, run out or ours (see
        :func:`chat_leases.take`); returns the chats held and remembers how long they last."""
        started = asyncio.get_running_loop().time()
        held = await chat_leases.take(session, chat_keys, self.owner, self._seconds)
        for chat_key, seconds in held.items():
            self._lasts[chat_key] = started + seconds
        return set(held)

    async def _waiting_before(self, session: AsyncSession, admitted: list[InboxItem]) -> list[InboxItem]:
        """Pending updates of the admitted items' chats that are not queued here yet.

        A chat just taken may have updates another process stored and left pending (it did not
        hold the chat, or it died before handling them): queued after the new arrival, they would
        be answered out of order.
        """
        if not admitted:
            return []
        new = {item.inbox_id for item in admitted}
        rows = await session.execute(
            select(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.chat_key, InboxUpdate.payload).where(
                InboxUpdate.status == InboxStatus.PENDING.value,
                InboxUpdate.chat_key.in_(sorted({item.chat_key for item in admitted})),
            )
        )
        return [
            InboxItem(r.id, r.update_id, r.chat_key, r.payload)
            for r in rows
            if r.id not in new and not self._dispatcher.has(r.id)
        ]

    def holds(self, chat_key: int, update_id: int | None = None) -> Condition:
        """A condition for the statement that marks an update done: this process holds the chat,
        and (with ``update_id``) none of the chat's earlier updates still waits to be handled."""
        values = chat_leases.held_values(chat_key, self.owner)
        if update_id is None:
            return Condition(chat_leases.HELD, values)
        return Condition(_HELD_AND_FIRST, {**values, "lease_update_id": update_id})

    async def waiting_before(self, item: InboxItem) -> list[InboxItem]:
        """The updates of ``item``'s chat still pending before it, in update order.

        A process whose lease ran out may have left one while another took the chat and gave it
        back: whoever holds the chat answers them first.
        """
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.chat_key, InboxUpdate.payload)
                .where(
                    InboxUpdate.status == InboxStatus.PENDING.value,
                    InboxUpdate.chat_key == item.chat_key,
                    InboxUpdate.update_id < item.update_id,
                )
                .order_by(InboxUpdate.update_id)
            )
            return [InboxItem(r.id, r.update_id, r.chat_key, r.payload) for r in rows]

    async def retake(self, chat_key: int) -> bool:
        """Take the chat again after its lease ran out before its update was handled.

        A lease is renewed only every third of its period, so an idle chat's lease can run out
        between admitting an update and handling it. Unless another process took the chat
        meanwhile (then that one handles the update), this process holds it again.
        """
        async with self._db.transaction() as session:
            return chat_key in await self._take(session, {chat_key})

    def wake(self) -> None:
        """Look at the inbox now rather than at the next interval."""
        self._wakeup.set()

    def start(self) -> None:
        """Start looking at the inbox (the first look also finds what a crash left pending)."""
        self._task = asyncio.create_task(self._run(), name="shared-inbox")

    async def stop(self) -> None:
        """Stop looking and hand every chat on at once (their pending updates stay in the inbox)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._lasts.clear()
        try:
            async with self._db.transaction() as session:
                await chat_leases.release_all(session, self.owner)
        except Exception as exc:
            log.warning("could not release the chat leases (%s); they run out", describe_error(exc))
        await self.liveness.release()

    async def _run(self) -> None:
        """Look, queue and renew until cancelled; a failing database only delays the next look."""
        while True:
            try:
                await self.look()
            except Exception as exc:
                log.warning("looking at the inbox failed: %s", describe_error(exc))
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=LOOK_SECONDS)
            except TimeoutError:
                pass

    async def look(self) -> int:
        """Queue the pending updates this process may handle; renew its busy chats' leases.

        Returns how many updates were queued.
        """
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._since_liveness >= LIVENESS_SECONDS:
            self._since_liveness = loop_time
            await self.liveness.hold()
            self._lasts = {chat: until for chat, until in self._lasts.items() if until > loop_time}
            gone = await self.liveness.take_over_from_the_gone()
            if gone:
                log.info("freed the chats and sends of %d ended bot process(es)", len(gone))
        # Most looks find nothing and renew nothing: their one read needs no transaction
        # (begin and commit would be two of its three round trips).
        async with self._db.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            items = await self._claimable(connection)
        renewing = loop_time - self._since_renewal >= self._seconds / 3
        if not items and not renewing:
            return 0
        async with self._db.transaction() as session:
            held = await self._take(session, {i.chat_key for i in items}) if items else set()
            if renewing:
                self._since_renewal = loop_time
                busy = set(self._dispatcher.chats) - held
                await chat_leases.renew(session, busy, self.owner, self._seconds)
        queued = [item for item in items if item.chat_key in held]
        for item in queued:
            await self._dispatcher.submit(item)
        return len(queued)

    async def _claimable(self, connection: AsyncConnection) -> list[InboxItem]:
        """Pending updates of chats that are free, run out or held by this process, in update order."""
        free_or_mine = or_(
            ChatLease.chat_key.is_(None),
            ChatLease.owner == self.owner,
            ChatLease.expires_at < func.now(),
        )
        rows = await connection.execute(
            select(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.chat_key)
            .outerjoin(ChatLease, ChatLease.chat_key == InboxUpdate.chat_key)
            .where(InboxUpdate.status == InboxStatus.PENDING.value, free_or_mine)
            .order_by(InboxUpdate.update_id)
            .limit(LOOK_LIMIT)
        )
        # Most are queued here already (this process stored them); only the others' payloads are read.
        new = [r for r in rows if not self._dispatcher.has(r.id)]
        if not new:
            return []
        payloads = dict(
            (
                await connection.execute(
                    select(InboxUpdate.id, InboxUpdate.payload).where(InboxUpdate.id.in_([r.id for r in new]))
                )
            )
            .tuples()
            .all()
        )
        return [InboxItem(r.id, r.update_id, r.chat_key, payloads[r.id]) for r in new if r.id in payloads]
