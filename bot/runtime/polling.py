"""Durable long polling: the next getUpdates offset moves only after the batch is committed.

Updates are fetched as raw JSON, not parsed: PTB's ``get_updates`` parses the whole batch and
raises for the lot when one update has a shape it does not know (a poll from an older
self-hosted Bot API server), so polling would fail on that batch for ever. Raw updates go to
the inbox as they are; each is parsed when it is handled, and only a bad one fails.

One process polls a token at a time. Telegram ends the older of two overlapping getUpdates
with 409 Conflict and keeps the newer, so a second process waits as a standby: it tries
getUpdates now and then, and takes over when nobody ends its request any more.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.logging_setup import describe_error
from bot.runtime import metrics

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 25
MAX_BACKOFF_SECONDS = 30.0
DEFAULT_STANDBY_SECONDS = 10.0
# A getUpdates ended by 409 sooner than this after it was sent was contested (the other process
# polls as eagerly); one that stood longer was replaced once by a standby's try.
MAX_GRACE_SECONDS = 1.0
# An active poller stands by after this many contested conflicts in a row.
CONTESTED_LIMIT = 3

Accept = Callable[[list[dict[str, Any]]], Awaitable[object]]


class PollingStatus:
    """Whether this process polls Telegram for updates or waits as a standby (for operations)."""

    def __init__(self) -> None:
        """A poller starts out polling."""
        self.standby = False
        self.changed_at = time.monotonic()

    @property
    def role(self) -> str:
        """``"polling"`` or ``"standby"``."""
        return "standby" if self.standby else "polling"

    def set_standby(self, standby: bool) -> None:
        """Record a change of role and when it happened."""
        self.standby = standby
        self.changed_at = time.monotonic()


# The status of this process's poller (poll_forever without a status of its own).
STATUS = PollingStatus()


class _Turns:
    """Decides after each getUpdates whether to poll again at once or to wait as a standby.

    A request that stood for ``grace`` before its 409 was replaced by a standby's try: polling
    again at once takes the turn back, and the try ends with 409 in its turn. Requests ended
    sooner are contested: a process that never held the poll (no request of it succeeded or
    stood for the grace), or that meets ``CONTESTED_LIMIT`` of them in a row, gives way. The
    grace stays below the standby interval, so the tries of a standby alone never make the
    active poller give way. A standby's try that stands for the grace was not taken back by
    anyone: nobody else polls, and the standby takes over.
    """

    def __init__(self, standby_seconds: float, status: PollingStatus) -> None:
        """Turns for a poller whose standby tries come every ``standby_seconds``."""
        self.standby_seconds = standby_seconds
        self.grace = min(MAX_GRACE_SECONDS, standby_seconds / 2)
        self.status = status
        self.polled = False  # this process held the poll: a getUpdates succeeded or stood
        self.contested = 0
        self.unconfirmed: int | None = None  # the first update a standby's last try brought

    def take_over(self) -> None:
        """Poll from now on (a standby's try stood): say so once."""
        if self.status.standby:
            self.status.set_standby(False)
            self.polled = True
            self.contested = 0
            log.info("took over polling")

    def keeps(self, stood: float, updates: list[dict[str, Any]]) -> bool:
        """Whether this process stores the ``updates`` a getUpdates returned after ``stood`` seconds.

        A standby's try that came back at once may have caught the active poller's batch before
        it confirmed it: the standby leaves it alone. If the next try still brings that update,
        nobody confirmed it in the meantime, so nobody polls: the standby takes over.
        """
        self.contested = 0
        if not self.status.standby:
            self.polled = True
            return True
        first = min((_update_id(u) or 0 for u in updates), default=None)
        left = first is not None and self.unconfirmed is not None and first <= self.unconfirmed
        if stood >= self.grace or left:
            self.take_over()
            return True
        self.unconfirmed = first
        return False

    def conflicted(self, stood: float) -> float:
        """Note a getUpdates ended by another after ``stood`` seconds; the seconds to wait."""
        if self.status.standby:
            self.unconfirmed = None  # the active poller answered in time
            return self.standby_seconds
        if stood >= self.grace:
            self.contested = 0
            self.polled = True
            log.debug("getUpdates was replaced by another request; polling again")
            return 0.0
        self.contested += 1
        if self.polled and self.contested < CONTESTED_LIMIT:
            log.debug("getUpdates was contested (%d in a row); polling again", self.contested)
            return 0.0
        self.contested = 0
        self.polled = False
        self.unconfirmed = None
        self.status.set_standby(True)
        log.warning("another process is polling with this token; waiting as standby")
        return self.standby_seconds


def _replaced(exc: Conflict) -> bool:
    """Whether a 409 says that another getUpdates took over (not that a webhook is set)."""
    return "other getupdates request" in str(exc).lower()


def _update_id(raw: object) -> int | None:
    """The ``update_id`` of a raw update, or None if it has no usable one."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def fetch_raw_updates(bot: Bot, offset: int | None, limit: int) -> list[Any]:
    """One getUpdates call; the result exactly as the server sent it (a list of JSON objects)."""
    with warnings.catch_warnings():
        # do_api_request names the method on purpose: get_updates would parse the batch.
        warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)
        result = await bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": offset,
                "timeout": POLL_TIMEOUT_SECONDS,
                "limit": limit,
                "allowed_updates": list(Update.ALL_TYPES),
            },
            read_timeout=POLL_TIMEOUT_SECONDS + 10,
        )
    if not isinstance(result, list):
        raise NetworkError(f"getUpdates returned {type(result).__name__}, not a list")
    return result


async def _fetch(bot: Bot, offset: int | None, limit: int, turns: _Turns) -> list[Any]:
    """One getUpdates; a standby's that is still waiting after the grace takes over polling."""
    standing = turns.status.standby
    timer = asyncio.get_running_loop().call_later(turns.grace, turns.take_over) if standing else None
    try:
        return await fetch_raw_updates(bot, offset, limit)
    finally:
        if timer is not None:
            timer.cancel()


async def poll_forever(
    bot: Bot,
    accept: Accept,
    batch_limit: int = 100,
    *,
    standby_seconds: float = DEFAULT_STANDBY_SECONDS,
    status: PollingStatus | None = None,
) -> None:
    """Fetch updates, hand each batch to ``accept`` (which commits it), then confirm it.

    Telegram confirms a batch when getUpdates is next called with a higher offset, so a crash
    before ``accept`` returns means the batch is delivered again; the inbox ignores repeats.
    An entry without an ``update_id`` cannot be stored; it is skipped (and logged by count).
    While another process polls the token this one stands by and tries every
    ``standby_seconds``; ``status`` (by default ``STATUS``) says which it is doing.
    Cancel the task to stop: an interrupted call confirms nothing.
    """
    turns = _Turns(standby_seconds, STATUS if status is None else status)
    offset: int | None = None
    backoff = 1.0
    while True:
        sent = time.monotonic()
        try:
            raw = await _fetch(bot, offset, batch_limit, turns)
        except InvalidToken:
            raise
        except RetryAfter as exc:
            await asyncio.sleep(
                float(
                    exc.retry_after
                    if isinstance(exc.retry_after, int | float)
                    else exc.retry_after.total_seconds()
                )
            )
            continue
        except TelegramError as exc:
            if isinstance(exc, Conflict) and _replaced(exc):
                metrics.mark_telegram_ok()  # a 409 is an answer: Telegram is reachable
                await asyncio.sleep(turns.conflicted(time.monotonic() - sent))
                continue
            # Network trouble, or a webhook is set (409 as well): back off, keeping the role.
            log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
            continue
        backoff = 1.0
        metrics.mark_telegram_ok()  # readiness: Telegram answered
        updates = [u for u in raw if _update_id(u) is not None]
        if not turns.keeps(time.monotonic() - sent, updates):
            await asyncio.sleep(turns.standby_seconds)
            continue
        if len(updates) < len(raw):
            log.warning("getUpdates: skipped %d entries without an update_id", len(raw) - len(updates))
        if not updates:
            continue
        try:
            await accept(updates)
        except Exception as exc:
            # The database is away (or worse): keep the offset, so the batch comes again.
            log.error(
                "storing %d updates failed (%s); fetching them again in %.0f s",
                len(updates),
                describe_error(exc),
                backoff,
            )
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
            continue
        offset = max(_update_id(u) or 0 for u in updates) + 1
