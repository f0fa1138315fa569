"""Durable long polling: the next getUpdates offset moves only after the batch is committed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 25
MAX_BACKOFF_SECONDS = 30.0

Accept = Callable[[list[dict[str, Any]]], Awaitable[object]]


async def poll_forever(bot: Bot, accept: Accept, batch_limit: int = 100) -> None:
    """Fetch updates, hand each batch to ``accept`` (which commits it), then confirm it.

    Telegram confirms a batch when getUpdates is next called with a higher offset, so a crash
    before ``accept`` returns means the batch is delivered again; the inbox ignores repeats.
    Cancel the task to stop: an interrupted call confirms nothing.
    """
    offset: int | None = None
    backoff = 1.0
    while True:
        try:
            updates = await bot.get_updates(
                offset=offset,
                timeout=POLL_TIMEOUT_SECONDS,
                limit=batch_limit,
                allowed_updates=Update.ALL_TYPES,
                read_timeout=POLL_TIMEOUT_SECONDS + 10,
            )
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
        if not updates:
            continue
        await accept([update.to_dict() for update in updates])
        offset = max(update.update_id for update in updates) + 1
