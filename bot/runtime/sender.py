"""Delivers the outbox: in order per chat, interactive first, within limits, never losing a row.

A row is claimed by moving its ``next_attempt_at`` one lease into the future; if the process dies
mid-send the lease runs out and the row is sent again (at-least-once: a send that timed out may
have arrived anyway, and the Bot API has no idempotency key). On PostgreSQL rows are claimed with
``FOR UPDATE SKIP LOCKED`` so several workers never take the same one.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import aliased
from telegram import Bot, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.db import Database
from bot.runtime import metrics
from bot.runtime.rate_limit import SendRateLimiter
from bot.services import users
from models import OutboxLane, OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)
# The outbox stores raw Bot API calls, so it calls them by name on purpose.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BACKOFF_CAP_SECONDS = 300.0
# A claimed bulk row that waited longer than this for its turn (a 429's retry_after, a stream of
# replies going first) is looked at again before it goes: its broadcast may have been cancelled
# meanwhile. Shorter waits (the few claimed chats taking turns) are not worth a query per send.
LONG_WAIT_SECONDS = 1.0


def backoff_seconds(attempts: int) -> float:
    """Wait before retry number ``attempts`` after a transient error: 2, 4, 8 … up to 5 minutes."""
    return min(BACKOFF_CAP_SECONDS, 2.0**attempts)


@dataclass(frozen=True)
class _Claimed:
    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    lane: OutboxLane
    attempts: int
    ephemeral: bool = False


def sent_stub(payload: dict[str, Any]) -> dict[str, Any]:
    """What a sent row keeps of its call: ids only, and whether it carried a keyboard.

    The text, caption, file and buttons are gone once Telegram has them (they may hold contact
    details). Failed and blocked rows keep their content until pruned, for a retry or a look.
    ``reply_markup`` stays as an empty marker because a broadcast's progress message is known to
    be final by its last version having no keyboard.
    """
    stub = {key: payload[key] for key in ("chat_id", "message_id") if key in payload}
    if "reply_markup" in payload:
        stub["reply_markup"] = {}
    return stub


def _api_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """Turn stored file contents (base64) back into uploads."""
    kwargs = dict(payload)
    for key in ("document", "photo"):
        value = kwargs.get(key)
        if isinstance(value, dict) and "content_b64" in value:
            kwargs[key] = InputFile(base64.b64decode(value["content_b64"]), filename=value["filename"])
    return kwargs


class OutboxSender:
    """Background task that sends what the outbox holds."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        limiter: SendRateLimiter,
        max_in_flight: int = 32,
        max_bulk_in_flight: int = 8,
    ) -> None:
        self._db = db
        self._bot = bot
        self._limiter = limiter
        self._max_in_flight = max_in_flight
        # Bulk chats may hold only a few of the slots, so a reply is claimed at once, not after
        # a broadcast's queued sends: the limiter paces calls anyway, more would only wait.
        self._max_bulk_in_flight = max_bulk_in_flight
        self._busy_chats: set[int] = set()
        self._bulk_chats: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look for work now (after a commit that added rows)."""
        self._wakeup.set()

    async def start(self) -> None:
        """Start the sending loop (after taking back what a crashed process had leased)."""
        if self._db.is_sqlite:
            # One process owns an SQLite database, so every lease is a dead process's lease.
            async with self._db.transaction(urgent=True) as session:
                await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.status == OutboxStatus.PENDING.value,
                        OutboxMessage.next_attempt_at > utcnow(),
                    )
                    .values(next_attempt_at=utcnow())
                )
        self._loop_task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, timeout: float) -> None:
        """Stop claiming; give sends in flight ``timeout`` seconds; unsent rows stay for later."""
        self._stopping = True
        self.wake()
        if self._loop_task:
            await asyncio.wait([self._loop_task], timeout=timeout)
        if self._tasks:
            _done, pending = await asyncio.wait(list(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            room = self._max_in_flight - len(self._busy_chats)
            bulk_room = min(room, self._max_bulk_in_flight - len(self._bulk_chats))
            batches = await self._claim(room, bulk_room) if room > 0 else {}
            for chat_id, rows in batches.items():
                self._busy_chats.add(chat_id)
                if rows[0].lane == OutboxLane.BULK:
                    self._bulk_chats.add(chat_id)
                task = asyncio.create_task(self._send_chat(chat_id, rows), name=f"send:{chat_id}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if batches and room > 0:
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=1.0)
            except TimeoutError:
                pass

    async def _claim(self, room: int, bulk_room: int) -> dict[int, list[_Claimed]]:
        """Lease due rows of idle chats, interactive first, grouped per chat in id order."""
        now = utcnow()
        try:
            async with self._db.transaction(urgent=True) as session:
                earlier = aliased(OutboxMessage)
                # A row waits while an earlier row of its chat is pending but not due (leased
                # or backing off): per-chat order survives retries and restarts.
                blocked_by_earlier = (
                    select(earlier.id)
                    .where(
                        earlier.chat_id == OutboxMessage.chat_id,
                        earlier.status == OutboxStatus.PENDING.value,
                        earlier.id < OutboxMessage.id,
                        earlier.next_attempt_at > now,
                    )
                    .exists()
                )
                query = (
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == OutboxStatus.PENDING.value,
                        OutboxMessage.next_attempt_at <= now,
                        ~blocked_by_earlier,
                    )
                    .order_by(OutboxMessage.lane, OutboxMessage.id)
                    .limit(room * 4)
                )
                if self._busy_chats:
                    query = query.where(OutboxMessage.chat_id.not_in(self._busy_chats))
                if not self._db.is_sqlite:
                    query = query.with_for_update(skip_locked=True)
                rows = list(await session.scalars(query))
                batches: dict[int, list[_Claimed]] = {}
                bulk_chats = 0
                for row in rows:
                    if row.chat_id not in batches:
                        if len(batches) >= room:
                            continue
                        if row.lane == OutboxLane.BULK:
                            if bulk_chats >= bulk_room:
                                continue
                            bulk_chats += 1
                    row.next_attempt_at = now + LEASE
                    batches.setdefault(row.chat_id, []).append(
                        _Claimed(
                            row.id,
                            row.chat_id,
                            row.method,
                            row.payload,
                            OutboxLane(row.lane),
                            row.attempts,
                            bool(row.ephemeral),
                        )
                    )
                return batches
        except Exception:
            log.exception("claiming outbox rows failed")
            await asyncio.sleep(1)
            return {}

    async def _send_chat(self, chat_id: int, rows: list[_Claimed]) -> None:
        """Send one chat's rows in order; after a failure the rest waits for the next round."""
        try:
            for index, row in enumerate(rows):
                if self._stopping:
                    await self._release(rows[index:])
                    return
                delivered = await self._send_one(row)
                if not delivered:
                    await self._release(rows[index + 1 :])
                    return
        finally:
            self._busy_chats.discard(chat_id)
            self._bulk_chats.discard(chat_id)
            self.wake()

    async def _send_one(self, row: _Claimed) -> bool:
        """Make one call and record its outcome; True if the chat may go on."""
        waiting_since = time.monotonic()
        await self._limiter.acquire(row.chat_id, row.lane)
        if (
            row.lane == OutboxLane.BULK
            and time.monotonic() - waiting_since > LONG_WAIT_SECONDS
            and not await self._still_pending(row)
        ):
            return True  # taken back (its broadcast was cancelled) while it waited
        try:
            result = await self._bot.do_api_request(row.method, api_kwargs=_api_kwargs(row.payload))
        except RetryAfter as exc:
            seconds = float(
                exc.retry_after
                if isinstance(exc.retry_after, int | float)
                else exc.retry_after.total_seconds()
            )
            metrics.record_send("429")
            self._limiter.pause(seconds)
            await self._reschedule(row, seconds, count_attempt=False, error=str(exc))
            return False
        except Forbidden as exc:
            metrics.record_send("403")
            await self._finish(row, OutboxStatus.BLOCKED, error=str(exc), unreachable=True)
            return True
        except ChatMigrated as exc:
            await self._migrate(row, exc.new_chat_id)
            return False
        except BadRequest as exc:
            metrics.record_send("error")
            if row.method.startswith("edit") and "message is not modified" in exc.message.lower():
                # The message already reads so (two edits to the same state): nothing went wrong.
                log.debug("outbox %s %s: message already up to date", row.id, row.method)
                await self._finish(row, OutboxStatus.SENT)
                return True
            # Never retried: the same call would fail the same way.
            log.error("outbox %s %s rejected: %s", row.id, row.method, exc.message)
            await self._finish(row, OutboxStatus.FAILED, error=exc.message)
            return True
        except (TelegramError, OSError) as exc:
            metrics.record_send("error")
            if row.attempts + 1 >= MAX_ATTEMPTS:
                log.error("outbox %s gave up after %d attempts: %s", row.id, row.attempts + 1, exc)
                await self._finish(row, OutboxStatus.FAILED, error=str(exc))
                return True
            await self._reschedule(row, backoff_seconds(row.attempts + 1), count_attempt=True, error=str(exc))
            return False
        metrics.record_send("sent")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        await self._finish(row, OutboxStatus.SENT, message_id=message_id)
        return True

    async def _still_pending(self, row: _Claimed) -> bool:
        """Whether a claimed row is still to be sent (a cancelled broadcast takes its rows back)."""
        async with self._db.transaction(urgent=True) as session:
            status = await session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == row.id))
        return status == OutboxStatus.PENDING.value

    async def _finish(
        self,
        row: _Claimed,
        status: OutboxStatus,
        *,
        error: str | None = None,
        message_id: int | None = None,
        unreachable: bool = False,
    ) -> None:
        """Record a row's outcome; a sent row keeps no content, an ephemeral one is deleted."""
        async with self._db.transaction(urgent=True) as session:
            if status is OutboxStatus.SENT and row.ephemeral:
                await session.execute(delete(OutboxMessage).where(OutboxMessage.id == row.id))
            else:
                values: dict[str, Any] = {
                    "status": status.value,
                    "attempts": row.attempts + 1,
                    "sent_at": utcnow() if status is OutboxStatus.SENT else None,
                    "telegram_message_id": message_id,
                    "error": error,
                }
                if status is OutboxStatus.SENT:
                    values["payload"] = sent_stub(row.payload)
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values)
                )
            if unreachable:
                await users.mark_unreachable(session, row.chat_id)

    async def _reschedule(self, row: _Claimed, seconds: float, *, count_attempt: bool, error: str) -> None:
        async with self._db.transaction(urgent=True) as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    attempts=row.attempts + (1 if count_attempt else 0),
                    next_attempt_at=utcnow() + timedelta(seconds=seconds),
                    error=error[:2000],
                )
            )

    async def _release(self, rows: list[_Claimed]) -> None:
        """Give leased rows back; the claim query keeps them behind any earlier row of their chat."""
        if not rows:
            return
        async with self._db.transaction(urgent=True) as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in rows]))
                .values(next_attempt_at=utcnow())
            )

    async def _migrate(self, row: _Claimed, new_chat_id: int) -> None:
        async with self._db.transaction(urgent=True) as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.chat_id == row.chat_id,
                    OutboxMessage.status == OutboxStatus.PENDING.value,
                )
                .values(chat_id=new_chat_id, next_attempt_at=utcnow())
            )
            message = await session.get(OutboxMessage, row.id)
            if message is not None:
                message.payload = {**message.payload, "chat_id": new_chat_id}


async def prune(db: Database, older_than: timedelta) -> int:
    """Delete finished outbox rows older than ``older_than``; returns how many."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status != OutboxStatus.PENDING.value,
                OutboxMessage.created_at < utcnow() - older_than,
            )
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]
