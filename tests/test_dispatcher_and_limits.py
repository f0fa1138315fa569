"""Ordered concurrency and the send limiter, in isolation."""

from __future__ import annotations

import asyncio
import itertools
import logging
import statistics
import time
from collections import defaultdict

from bot.logging_setup import SecretRedactingFilter, configure_logging
from bot.runtime.dispatcher import ChatOrderedDispatcher
from bot.runtime.inbox import InboxItem, chat_key_of
from bot.runtime.rate_limit import SendRateLimiter
from models import OutboxLane


def _item(n: int, chat: int) -> InboxItem:
    return InboxItem(inbox_id=n, update_id=n, chat_key=chat, payload={})


async def test_chats_run_concurrently_and_each_chat_in_order() -> None:
    seen: dict[int, list[int]] = defaultdict(list)
    running = 0
    peak = 0

    async def handle(item: InboxItem) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        seen[item.chat_key].append(item.update_id)
        running -= 1

    dispatcher = ChatOrderedDispatcher(handle, max_concurrent=8)
    n = 0
    for _round in range(5):
        for chat in range(20):
            n += 1
            await dispatcher.submit(_item(n, chat))
    started = time.monotonic()
    await dispatcher.join()
    elapsed = time.monotonic() - started
    assert all(updates == sorted(updates) and len(updates) == 5 for updates in seen.values())
    assert len(seen) == 20
    assert peak == 8  # bounded, and really concurrent
    assert elapsed < 100 * 0.01 / 2  # far below the sequential time


async def test_a_flooding_chat_does_not_starve_the_others() -> None:
    finished: list[int] = []

    async def handle(item: InboxItem) -> None:
        await asyncio.sleep(0.005)
        finished.append(item.chat_key)

    dispatcher = ChatOrderedDispatcher(handle, max_concurrent=2)
    for n in range(200):
        await dispatcher.submit(_item(n, chat=1))
    await dispatcher.submit(_item(1000, chat=2))
    await dispatcher.join()
    # The quiet chat is served long before the flood is through.
    assert finished.index(2) < 10


async def test_a_failing_update_does_not_stop_its_chat() -> None:
    done: list[int] = []

    async def handle(item: InboxItem) -> None:
        if item.update_id == 1:
            raise RuntimeError("boom")
        done.append(item.update_id)

    dispatcher = ChatOrderedDispatcher(handle)
    for n in range(1, 4):
        await dispatcher.submit(_item(n, chat=5))
    await dispatcher.join()
    assert done == [2, 3]


def test_button_presses_keep_the_order_of_their_messages_chat() -> None:
    press = {"callback_query": {"from": {"id": 7}, "message": {"chat": {"id": -100}}}}
    assert chat_key_of(press) == -100
    assert chat_key_of({"message": {"chat": {"id": 42}, "from": {"id": 7}}}) == 42
    assert chat_key_of({"callback_query": {"from": {"id": 7}, "inline_message_id": "x"}}) == 7
    assert chat_key_of({"inline_query": {"from": {"id": 9}}}) == 9


async def test_limiter_keeps_every_one_second_window_within_the_rate() -> None:
    limiter = SendRateLimiter(per_second=10)
    stamps: list[float] = []

    async def send(chat: int) -> None:
        await limiter.acquire(chat, OutboxLane.BULK)
        stamps.append(time.monotonic())

    await asyncio.gather(*(send(chat) for chat in range(25)))
    for i, start in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s - start < 1.0]
        assert len(in_window) <= 10
    # Paced evenly, not in bursts: consecutive calls about 1/10 s apart. A stamp is taken when its
    # task resumes, so one that resumed late (a busy machine) leaves a shorter gap to the next one:
    # the typical gap is the spacing, and none comes near a burst.
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert statistics.median(gaps) >= 0.095 and min(gaps) >= 0.05
    assert stamps[-1] - stamps[0] < 2.9  # and not much slower than the limit


async def test_limiter_lets_interactive_calls_pass_bulk_ones() -> None:
    limiter = SendRateLimiter(per_second=5)
    order: list[str] = []

    async def send(name: str, chat: int, lane: OutboxLane) -> None:
        await limiter.acquire(chat, lane)
        order.append(name)

    bulk = [asyncio.create_task(send(f"bulk{n}", n, OutboxLane.BULK)) for n in range(15)]
    await asyncio.sleep(0.05)
    reply = asyncio.create_task(send("reply", 999, OutboxLane.INTERACTIVE))
    await asyncio.gather(*bulk, reply)
    assert order.index("reply") <= 6  # it waited for the window, not for the whole broadcast


async def test_limiter_private_chat_rate_and_pause() -> None:
    limiter = SendRateLimiter(per_second=25)
    started = time.monotonic()
    for _ in range(5):
        await limiter.acquire(1, OutboxLane.INTERACTIVE)
    # A burst of three, then about one per second.
    assert 1.7 < time.monotonic() - started < 2.6
    limiter.pause(0.5)
    before = time.monotonic()
    await limiter.acquire(2, OutboxLane.INTERACTIVE)
    assert time.monotonic() - before >= 0.45


def test_token_and_secrets_are_redacted_from_every_record(caplog: object) -> None:
    token = "123456789:AAE" + "x" * 32
    redactor = SecretRedactingFilter(["webhook-secret-value"])
    record = logging.LogRecord(
        "httpx",
        logging.ERROR,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getMe %s",
        (token, "webhook-secret-value"),
        None,
    )
    try:
        raise ValueError(f"failed for {token}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    redactor.filter(record)
    assert token not in record.getMessage() and "webhook-secret-value" not in record.getMessage()
    assert "[REDACTED]" in record.getMessage()
    assert record.exc_text and token not in record.exc_text


def test_configure_logging_quiets_httpx_and_attaches_the_filter() -> None:
    configure_logging("DEBUG", ["s3cret"])
    root = logging.getLogger()
    assert all(any(isinstance(f, SecretRedactingFilter) for f in h.filters) for h in root.handlers)
    assert logging.getLogger("httpx").level >= logging.WARNING


def test_an_empty_inline_keyboard_is_left_out_of_the_payload() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.runtime.outbox import markup_payload

    assert markup_payload(InlineKeyboardMarkup([])) == {}
    assert markup_payload(InlineKeyboardMarkup([[]])) == {}
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    assert markup_payload(keyboard)["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
