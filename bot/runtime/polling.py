"""Durable long polling: the next getUpdates offset moves only after the batch is committed.

Updates are fetched as raw JSON, not parsed: PTB's ``get_updates`` parses the whole batch and
raises for the lot when one update has a shape it does not know (a poll from an older
self-hosted Bot API server), so polling would fail on that batch for ever. Raw updates go to
the inbox as they are; each is parsed when it is handled, and only a bad one fails.
"""

from __future__ import annotations

import asyncio
import logging
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

Accept = Callable[[list[dict[str, Any]]], Awaitable[object]]


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


async def poll_forever(bot: Bot, accept: Accept, batch_limit: int = 100) -> None:
    """Fetch updates, hand each batch to ``accept`` (which commits it), then confirm it.

    Telegram confirms a batch when getUpdates is next called with a higher offset, so a crash
    before ``accept`` returns means the batch is delivered again; the inbox ignores repeats.
    An entry without an ``update_id`` cannot be stored; it is skipped (and logged by count).
    Cancel the task to stop: an interrupted call confirms nothing.
    """
    offset: int | None = None
    backoff = 1.0
    while True:
        try:
            raw = await fetch_raw_updates(bot, offset, batch_limit)
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
        except (Conflict, NetworkError, TelegramError) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
            continue
        backoff = 1.0
        metrics.mark_telegram_ok()  # readiness: Telegram answered
        updates = [u for u in raw if _update_id(u) is not None]
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
