"""Ordered concurrency: chats in parallel, each chat strictly in arrival order, bounded.

Each chat with work has one worker task that drains the chat's queue; a worker takes one of
``max_concurrent`` slots only while it handles one update, so a flooding chat holds at most
one slot and cannot starve the others. ``max_pending`` bounds memory: ``submit`` waits when
that many updates are queued, which holds back the intake (the updates stay with Telegram or
in the inbox).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection

from bot.logging_setup import describe_error, safe_traceback
from bot.runtime import metrics
from bot.runtime.inbox import InboxItem

log = logging.getLogger(__name__)

Handle = Callable[[InboxItem], Awaitable[None]]


class ChatOrderedDispatcher:
    """Runs ``handle`` for each submitted item, per chat in order, chats concurrently."""

    def __init__(self, handle: Handle, max_concurrent: int = 32, max_pending: int = 2000) -> None:
        """An idle dispatcher with the given concurrency and queue limits."""
        self._handle = handle
        self._slots = asyncio.Semaphore(max_concurrent)
        self._queues: dict[int, deque[InboxItem]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._queued_ids: set[int] = set()
        self._room = asyncio.Semaphore(max_pending)
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        # Idle chats reserved for an update handled outside the queues (bot.runtime.lone_update).
        self._held: set[int] = set()

    @property
    def pending(self) -> int:
        """How many updates are queued or being handled."""
        return len(self._queued_ids)

    @property
    def chats(self) -> Collection[int]:
        """The chats with updates queued or being handled."""
        return self._queues.keys()

    def has(self, inbox_id: int) -> bool:
        """Whether the update is queued or being handled."""
        return inbox_id in self._queued_ids

    async def submit(self, item: InboxItem) -> None:
        """Queue ``item`` behind earlier updates of its chat (waits while the queue is full)."""
        if self._closing or item.inbox_id in self._queued_ids:
            return
        await self._room.acquire()
        self._queued_ids.add(item.inbox_id)
        self._idle.clear()
        queue = self._queues.setdefault(item.chat_key, deque())
        queue.append(item)
        # Updates of one chat can come from two sources (this process's intake, another process's
        # via the shared inbox): keep the waiting ones in Telegram's order, never moving the head
        # (it may be running).
        position = len(queue) - 1
        while position > 1 and queue[position - 1].update_id > item.update_id:
            queue[position] = queue[position - 1]
            position -= 1
        queue[position] = item
        if item.chat_key not in self._workers and item.chat_key not in self._held:
            self._start(item.chat_key)

    def _start(self, chat_key: int) -> None:
        """Start the worker that drains the chat's queue."""
        self._workers[chat_key] = asyncio.create_task(self._drain(chat_key), name=f"chat-worker:{chat_key}")

    def hold(self, chat_key: int) -> bool:
        """Reserve an idle chat while one of its updates is handled outside the queues; False if
        the chat has updates queued or in hand (or the dispatcher is closing). Updates submitted
        for it meanwhile wait for :meth:`release`."""
        if self._closing or chat_key in self._queues or chat_key in self._held:
            return False
        self._held.add(chat_key)
        self._idle.clear()
        return True

    def release(self, chat_key: int) -> None:
        """End a :meth:`hold`: what was submitted for the chat meanwhile is handled now."""
        self._held.discard(chat_key)
        if chat_key in self._queues and chat_key not in self._workers:
            self._start(chat_key)
        elif not self._workers and not self._held:
            self._idle.set()

    async def _drain(self, chat_key: int) -> None:
        """Handle one chat's queued updates in order until none is left."""
        queue = self._queues[chat_key]
        try:
            while queue and not self._closing:
                item = queue[0]
                async with self._slots:
                    started = time.monotonic()
                    try:
                        await self._handle(item)
                        metrics.UPDATES_HANDLED.inc()
                        metrics.HANDLING_SECONDS.observe(time.monotonic() - started)
                    except Exception as exc:
                        # The handle function records failures itself; never let one stop the chat.
                        log.error(
                            "update %s could not be handled: %s\n%s",
                            item.update_id,
                            describe_error(exc),
                            safe_traceback(exc),
                        )
                queue.popleft()
                self._queued_ids.discard(item.inbox_id)
                self._room.release()
        finally:
            if not queue or self._closing:
                self._queues.pop(chat_key, None)
            self._workers.pop(chat_key, None)
            if not self._workers and not self._held:
                self._idle.set()

    async def join(self) -> None:
        """Wait until every submitted update has been handled."""
        await self._idle.wait()

    async def close(self, timeout: float) -> None:
        """Stop taking work; let updates in hand finish within ``timeout``, abandon the rest.

        Abandoned updates are still pending in the inbox and are handled after the next start.
        """
        self._closing = True
        workers = list(self._workers.values())
        if not workers:
            return
        _done, still_running = await asyncio.wait(workers, timeout=timeout)
        for task in still_running:
            task.cancel()
        if still_running:
            await asyncio.wait(still_running, timeout=1)
            log.warning(
                "abandoned %d chats' updates in progress; they run after restart",
                len(still_running),
            )
