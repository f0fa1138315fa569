"""Which bot processes are alive, on PostgreSQL: what a crashed process held is taken over at once.

Each process holds a session advisory lock keyed by its name (its "owner") for as long as it
runs. PostgreSQL drops that lock the moment the process's connection ends, whether it stopped,
crashed or was killed with SIGKILL; so an owner whose lock another process can take is gone.
Its chat leases (:mod:`bot.runtime.chat_leases`) and the sends it had claimed
(:mod:`bot.runtime.outbox_rows`) are then given back at once rather than after their lease
periods, and a restarted bot answers right away instead of 15 or 60 seconds later.

A live process whose connection was merely cut looks gone as well. That is safe: handling an
update checks the chat's lease in the same transaction, so the chat is handled by one process
either way, and a send that goes out twice is the at-least-once the outbox allows after a crash.
The lease periods stay as the fallback for a process that hangs with its connection open.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
import zlib
from collections.abc import Collection

from sqlalchemy import func, select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.db import Database
from bot.logging_setup import describe_error
from bot.runtime import chat_leases
from models import ChatLease, OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

# The first key of these advisory locks ("MG"), so they never meet another use of advisory locks.
LOCK_CLASS = 0x4D47


def new_owner() -> str:
    """A name for this process, unique across hosts and restarts (at most 64 characters)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lock_key(owner: str) -> int:
    """The second key of ``owner``'s lock: a signed 32-bit hash of the name.

    Two names with one hash only make a gone process look alive (its leases then run out).
    """
    value = zlib.crc32(owner.encode())
    return value - 2**32 if value >= 2**31 else value


class Liveness:
    """This process's lock, and the look at whose locks are free."""

    def __init__(self, db: Database) -> None:
        """A new owner name on ``db``; the lock is taken by :meth:`hold`."""
        self._db = db
        self.owner = new_owner()
        self._connection: AsyncConnection | None = None
        # One taking at a time: a second connection asking for the same lock would wait for the
        # first one forever (pg_advisory_lock blocks), holding a pool connection meanwhile.
        self._taking = asyncio.Lock()

    @property
    def holding(self) -> bool:
        """Whether the lock was taken (and not seen lost since)."""
        return self._connection is not None

    async def hold(self) -> None:
        """Take this process's lock, or check that it is still held and take it again if not.

        The lock lives on a connection of its own in autocommit mode, so it never keeps a
        transaction open.
        """
        async with self._taking:
            if self._connection is not None:
                try:
                    await self._connection.execute(select(1))
                    return
                except Exception as exc:
                    reason = describe_error(exc)
                    log.warning("lost the liveness connection (%s); taking the lock again", reason)
                    await self._close()
            connection = await self._db.engine.connect()
            try:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(select(func.pg_advisory_lock(LOCK_CLASS, lock_key(self.owner))))
            except BaseException:
                await connection.close()
                raise
            self._connection = connection

    async def release(self) -> None:
        """Give the lock up (a clean stop); the others then see this process as gone."""
        if self._connection is None:
            return
        try:
            await self._connection.execute(select(func.pg_advisory_unlock(LOCK_CLASS, lock_key(self.owner))))
        except Exception as exc:
            log.warning("could not give up the liveness lock (%s)", describe_error(exc))
        await self._close()

    async def _close(self) -> None:
        """Close the lock's connection for good (a pooled one would keep the lock)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
                await connection.close()
            except Exception as exc:
                log.debug("closing the liveness connection: %s", describe_error(exc))

    async def gone(self, session: AsyncSession, owners: Collection[str]) -> set[str]:
        """The ``owners`` (other than this process) whose lock is free: processes that ended.

        Trying a lock in the transaction holds it until the transaction ends, which is all
        the look needs.
        """
        dead = set()
        for owner in sorted(set(owners) - {self.owner}):
            if await session.scalar(select(func.pg_try_advisory_xact_lock(LOCK_CLASS, lock_key(owner)))):
                dead.add(owner)
        return dead

    async def take_over_from_the_gone(self) -> set[str]:
        """Free the chat leases and claimed sends of processes that ended; returns their owners.

        Once a second: who holds anything is read on an autocommit connection (one round trip,
        no transaction), and only other owners, if any, are then tried in a transaction.
        """
        pending = OutboxMessage.status == OutboxStatus.PENDING.value
        holders = union(
            select(ChatLease.owner),
            select(OutboxMessage.claimed_by).where(pending, OutboxMessage.claimed_by.is_not(None)),
        )
        async with self._db.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            owners = set(await connection.scalars(holders)) - {self.owner}
        if not owners:
            return set()
        async with self._db.transaction() as session:
            dead = await self.gone(session, owners)
            for owner in dead:
                await chat_leases.release_all(session, owner)
            if dead:
                await session.execute(
                    update(OutboxMessage)
                    .where(pending, OutboxMessage.claimed_by.in_(sorted(dead)))
                    .values(next_attempt_at=utcnow(), claimed_by=None)
                )
        return dead
