"""Delivers the outbox: in order per chat, replies first, then interactive, then bulk, within
limits (:mod:`bot.runtime.rate_limit`), never losing a row.

A row is claimed by moving its ``next_attempt_at`` one lease into the future; if the process dies
mid-send the lease runs out and the row is sent again (at-least-once: a send that timed out may
have arrived anyway, and the Bot API has no idempotency key). The rows' side (claiming, recording
outcomes, giving rows back, pruning) lives in :mod:`bot.runtime.outbox_rows`; this module makes
the calls and decides what each answer means.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import warnings
from collections import deque
from typing import Any

from sqlalchemy import update
from telegram import Bot, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.db import Database
from bot.runtime import metrics, outbox_rows
from bot.runtime.handoff import HandOff
from bot.runtime.outbox_rows import Claimed
from bot.runtime.outbox_rows import prune as prune  # the retention sweep imports it from here
from bot.runtime.rate_limit import SendRateLimiter
from models import OutboxLane, OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)
# The outbox stores raw Bot API calls, so it calls them by name on purpose.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

MAX_ATTEMPTS = 8
BACKOFF_CAP_SECONDS = 300.0
# A claimed bulk row that waited longer than this for its turn (a 429's retry_after, a stream of
# replies going first) is looked at again before it goes: its broadcast may have been cancelled
# meanwhile. Shorter waits (the few claimed chats taking turns) are not worth a query per send.
LONG_WAIT_SECONDS = 1.0


def backoff_seconds(attempts: int) -> float:
    """Wait before retry number ``attempts`` after a transient error: 2, 4, 8 … up to 5 minutes."""
    return min(BACKOFF_CAP_SECONDS, 2.0**attempts)


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
        max_in_flight: int = 48,
        max_bulk_in_flight: int = 16,
        owner: str | None = None,
    ) -> None:
        """Set up the sender; nothing runs until :meth:`start`. ``owner`` names this process in its
        claims (PostgreSQL: :mod:`bot.runtime.liveness` gives a crashed process's claims back)."""
        self._db = db
        self._owner = owner
        self._bot = bot
        self._limiter = limiter
        self._max_in_flight = max_in_flight
        # Bulk chats may hold only some of the slots, so a reply is always claimed at once. They
        # must be enough to keep the budget busy while calls are under way: 16 chats cover 25
        # sends a second at Bot API round trips up to about half a second; more would only
        # wait in the limiter, their leases running.
        self._max_bulk_in_flight = max_bulk_in_flight
        self._busy_chats: set[int] = set()
        # The leased rows each busy chat's task still has to send, in order.
        self._queues: dict[int, deque[Claimed]] = {}
        self._claim_passed_over = False
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
            # Let them unwind (a row being given back finishes or rolls back) before the
            # database is closed under them.
            if pending:
                await asyncio.wait(pending, timeout=0.5)
        await self._limiter.close()

    @property
    def running(self) -> bool:
        """Whether the sender is started and not stopping (only then may a handler lease rows for it)."""
        return self._loop_task is not None and not self._stopping

    def hand_off(self, handoff: HandOff) -> None:
        """Send the rows a handler's commit leased for its chat now (see :mod:`bot.runtime.handoff`),
        after what the chat's sending task still holds; look for other rows only if some wait."""
        if handoff.chat_id is not None and handoff.rows and not self._stopping:
            queue = self._queues.get(handoff.chat_id)
            if queue is not None:  # the chat's task is finishing its rows: these follow them
                queue.extend(handoff.rows)
            else:
                self._start_chat(handoff.chat_id, handoff.rows)
        if handoff.others_waiting:
            self.wake()

    async def _run(self) -> None:
        """Claim rows for idle chats and start one sending task per chat, until stopped."""
        while not self._stopping:
            self._wakeup.clear()
            room = self._max_in_flight - len(self._busy_chats)
            bulk_room = min(room, self._max_bulk_in_flight - len(self._bulk_chats))
            # A claim passes over busy chats: when one of them is done, look again for what it missed.
            self._claim_passed_over = bool(self._busy_chats)
            batches = await self._claim(room, bulk_room) if room > 0 else {}
            for chat_id, rows in batches.items():
                self._start_chat(chat_id, rows)
            if batches and room > 0:
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=1.0)
            except TimeoutError:
                pass

    def _start_chat(self, chat_id: int, rows: list[Claimed]) -> None:
        """Start the task that sends ``chat_id``'s leased rows in order."""
        self._busy_chats.add(chat_id)
        if rows[0].lane == OutboxLane.BULK:
            self._bulk_chats.add(chat_id)
        self._queues[chat_id] = deque(rows)
        task = asyncio.create_task(self._send_chat(chat_id), name=f"send:{chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _claim(self, room: int, bulk_room: int) -> dict[int, list[Claimed]]:
        """Lease due rows of idle chats; a failing database only delays the next round."""
        try:
            return await outbox_rows.claim(self._db, self._busy_chats, room, bulk_room, self._owner)
        except Exception:
            log.exception("claiming outbox rows failed")
            await asyncio.sleep(1)
            return {}

    async def _send_chat(self, chat_id: int) -> None:
        """Send one chat's rows in order (more may be added meanwhile); after a failure the rest
        waits for the next round."""
        queue = self._queues[chat_id]
        left: list[Claimed] = []
        try:
            while queue and not self._stopping:
                if not await self._send_one(queue.popleft()):
                    break
        finally:
            # No await from the queue's last look to here: a hand-off finds the chat either
            # still in ``_queues`` (and its rows are sent above) or idle.
            left = list(queue)
            self._queues.pop(chat_id, None)
            self._busy_chats.discard(chat_id)
            self._bulk_chats.discard(chat_id)
        if left:
            await outbox_rows.release(self._db, left)
        if left or self._claim_passed_over:
            self.wake()

    async def _send_one(self, row: Claimed) -> bool:
        """Make one call and record its outcome; True if the chat may go on."""
        waiting_since = time.monotonic()
        await self._limiter.acquire(row.chat_id, row.lane)
        if row.lane == OutboxLane.BULK and time.monotonic() - waiting_since > LONG_WAIT_SECONDS:
            checked_from = time.monotonic()
            if not await outbox_rows.still_pending(self._db, row):
                return True  # taken back (its broadcast was cancelled) while it waited
            if self._limiter.slot_went_stale(checked_from):
                # A busy database made the check slow: the slot is past, take a fresh one.
                await self._limiter.acquire(row.chat_id, row.lane)
        try:
            result = await self._bot.do_api_request(row.method, api_kwargs=_api_kwargs(row.payload))
        except RetryAfter as exc:
            seconds = float(
                exc.retry_after
                if isinstance(exc.retry_after, int | float)
                else exc.retry_after.total_seconds()
            )
            metrics.record_send("429")
            self._limiter.throttled(row.chat_id, row.lane, seconds)
            await outbox_rows.reschedule(self._db, row, seconds, count_attempt=False, error=str(exc))
            return False
        except Forbidden as exc:
            metrics.record_send("403")
            await outbox_rows.finish(self._db, row, OutboxStatus.BLOCKED, error=str(exc), unreachable=True)
            return True
        except ChatMigrated as exc:
            await outbox_rows.migrate(self._db, row, exc.new_chat_id)
            return False
        except BadRequest as exc:
            metrics.record_send("error")
            if row.method.startswith("edit") and "message is not modified" in exc.message.lower():
                # The message already reads so (two edits to the same state): nothing went wrong.
                log.debug("outbox %s %s: message already up to date", row.id, row.method)
                await outbox_rows.finish(self._db, row, OutboxStatus.SENT)
                return True
            # Never retried: the same call would fail the same way.
            log.error("outbox %s %s rejected: %s", row.id, row.method, exc.message)
            await outbox_rows.finish(self._db, row, OutboxStatus.FAILED, error=exc.message)
            return True
        except (TelegramError, OSError) as exc:
            metrics.record_send("error")
            if row.attempts + 1 >= MAX_ATTEMPTS:
                log.error("outbox %s gave up after %d attempts: %s", row.id, row.attempts + 1, exc)
                await outbox_rows.finish(self._db, row, OutboxStatus.FAILED, error=str(exc))
                return True
            await outbox_rows.reschedule(
                self._db, row, backoff_seconds(row.attempts + 1), count_attempt=True, error=str(exc)
            )
            return False
        metrics.record_send("sent")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        await outbox_rows.finish(self._db, row, OutboxStatus.SENT, message_id=message_id)
        return True
