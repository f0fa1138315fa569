"""The durable runtime end to end: the real bot process against the sandbox's Bot API emulator."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot import migrate
from bot.db import Database
from bot.runtime import outbox
from bot.sandbox.server import SandboxServer
from models import InboxUpdate, OutboxLane, OutboxMessage, User, utcnow
from tests.bot_process import FAKE_TOKEN, running_bot, sandbox
from tests.sandbox_helpers import wait_until

# What the bot answers to each command in German, to check the order of replies.
COMMANDS = ["/start", "/hilfe", "/datenschutz", "/sprache"]
REPLY_STARTS = ["Hallo", "So helfen wir Ihnen", "Datenschutz", "In welcher Sprache"]


def _bot_messages(server: SandboxServer, chat_id: int) -> list[str]:
    return [m.text or "" for m in server.emulator.messages_in(chat_id) if m.from_bot]


def _kind(text: str) -> int:
    return next(i for i, start in enumerate(REPLY_STARTS) if text.startswith(start))


async def _count(database_url: str, model: type, *where: object) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    finally:
        await db.dispose()


async def _wait_for_replies(server: SandboxServer, users: list[int], per_user: int, timeout: float) -> None:
    await server.emulator.wait_for(
        lambda: all(len(_bot_messages(server, u)) >= per_user for u in users), timeout=timeout, what="replies"
    )


async def test_burst_from_50_chats_none_lost_each_chat_in_order(database_url: str, tmp_path: Path) -> None:
    async with sandbox() as server:
        users = [server.emulator.add_user(f"User {n}", "de").id for n in range(50)]
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            started = time.monotonic()
            for command in COMMANDS:
                for user in users:
                    server.emulator.send_text(user, command)
            await _wait_for_replies(server, users, len(COMMANDS), timeout=90)
            elapsed = time.monotonic() - started
        for user in users:
            replies = _bot_messages(server, user)
            assert [_kind(text) for text in replies] == [0, 1, 2, 3], replies
        total = len(users) * len(COMMANDS)
        print(f"\nburst: {total} updates from {len(users)} chats answered in {elapsed:.2f} s")
        assert await _count(database_url, InboxUpdate, InboxUpdate.status == "done") == total
        assert await _count(database_url, OutboxMessage, OutboxMessage.status == "sent") == total


async def test_kill_9_mid_burst_then_restart_handles_every_update_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    async with sandbox() as server:
        emulator = server.emulator
        users = [emulator.add_user(f"User {n}", "de").id for n in range(30)]
        emulator.set_delay(0.15)  # slow API: work is in flight when the process dies
        async with running_bot(server, database_url, tmp_path / "bot1.log") as bot:
            for command in COMMANDS[:3]:
                for user in users:
                    emulator.send_text(user, command)
            await emulator.wait_for(
                lambda: sum(len(_bot_messages(server, u)) for u in users) >= 15,
                timeout=60,
                what="first replies",
            )
            await bot.kill()
        delivered_before = sum(len(_bot_messages(server, u)) for u in users)
        emulator.set_delay(0)
        async with running_bot(server, database_url, tmp_path / "bot2.log"):
            await _wait_for_replies(server, users, 3, timeout=90)
            await asyncio.sleep(1.0)  # anything sent twice would arrive by now
        total = len(users) * 3
        assert delivered_before < total, "the kill came too late to test anything"
        # From the database: every update handled once, and its effects written once.
        assert await _count(database_url, InboxUpdate) == total
        assert await _count(database_url, InboxUpdate, InboxUpdate.status == "done") == total
        db = Database(database_url)
        async with db.transaction() as session:
            per_update = Counter(await session.scalars(select(OutboxMessage.inbox_id)))
        await db.dispose()
        assert len(per_update) == total and set(per_update.values()) == {1}
        # From what the API received: every reply at least once, in order per chat; a repeat only
        # for a send that was in flight at the kill (the Bot API has no idempotency key).
        repeats = 0
        for user in users:
            kinds = [_kind(t) for t in _bot_messages(server, user)]
            firsts = [k for i, k in enumerate(kinds) if k not in kinds[:i]]
            assert firsts == [0, 1, 2], kinds
            repeats += len(kinds) - 3
        print(f"\ncrash: {delivered_before}/{total} replies before kill -9, {repeats} resent after restart")
        assert repeats <= 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "W"},
            "from": {"id": user_id, "is_bot": False, "first_name": "W", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_webhook_checks_the_secret_and_ignores_repeated_updates(
    database_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    secret = "webhook-secret-for-tests"
    async with sandbox() as server:
        user = server.emulator.add_user("Webhook", "en").id
        env = {"WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "WEBHOOK_SECRET": secret, "PORT": str(port)}
        async with running_bot(server, database_url, tmp_path / "bot.log", command="webhook", **env) as bot:
            url = f"http://127.0.0.1:{port}/hook"
            async with aiohttp.ClientSession() as http:
                for _ in range(100):
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                    async with http.post(url, json=_update(1, user, "/start"), headers=headers) as response:
                        assert response.status == 403
                assert await _count(database_url, InboxUpdate) == 0
                good = {"X-Telegram-Bot-Api-Secret-Token": secret}
                for _ in range(2):
                    async with http.post(url, json=_update(2, user, "/help"), headers=good) as response:
                        assert response.status == 200
                await server.emulator.wait_for(lambda: len(_bot_messages(server, user)) >= 1, timeout=20)
                await asyncio.sleep(1.0)
            assert await _count(database_url, InboxUpdate) == 1
            assert [m.startswith("How we can help") for m in _bot_messages(server, user)] == [True]
            webhook = server.emulator.calls_to("setWebhook")
            assert webhook and webhook[-1].params["url"] == url
            assert secret not in bot.log() and FAKE_TOKEN not in bot.log()


async def _enqueue(database_url: str, rows: list[tuple[int, str, OutboxLane]]) -> list[int]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            added = [outbox.enqueue_text(session, chat, text, lane=lane) for chat, text, lane in rows]
            await session.flush()
            return [row.id for row in added]
    finally:
        await db.dispose()


async def _enqueue_edit(database_url: str, chat: int, message_id: int, text: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            row = outbox.enqueue_edit(session, chat, message_id, text)
            await session.flush()
            return row.id
    finally:
        await db.dispose()


async def _outbox_row(database_url: str, row_id: int) -> OutboxMessage:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            return row
    finally:
        await db.dispose()


async def test_sender_honours_429_marks_403_and_never_retries_400(database_url: str, tmp_path: Path) -> None:
    async with sandbox() as server:
        emulator = server.emulator
        retry_user = emulator.add_user("Retry", "en").id
        blocked_user = emulator.add_user("Blocked", "en").id
        bad_user = emulator.add_user("Bad", "en").id
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            emulator.send_text(blocked_user, "/start")  # known to the bot before blocking it
            await emulator.wait_for(lambda: _bot_messages(server, blocked_user), timeout=20)

            emulator.rate_limit(retry_after=2, calls=1)
            emulator.send_text(retry_user, "/start")
            await emulator.wait_for(lambda: _bot_messages(server, retry_user), timeout=20)
            sends = [c for c in emulator.calls_to("sendMessage") if c.params.get("chat_id") == retry_user]
            assert sends[0].error and sends[0].error["error_code"] == 429
            assert sends[-1].error is None and sends[-1].time - sends[0].time >= 1.9

            emulator.block_chat(blocked_user)
            emulator.send_text(blocked_user, "/help")
            await emulator.wait_for_call(
                "sendMessage", lambda c: c.params.get("chat_id") == blocked_user and c.error is not None
            )
            [bad_id] = await _enqueue(database_url, [(bad_user, "<b>unclosed", OutboxLane.INTERACTIVE)])
            await emulator.wait_for_call("sendMessage", lambda c: c.params.get("chat_id") == bad_user)
            # An edit to what the message already says: Telegram refuses it, but nothing failed.
            await _enqueue(database_url, [(retry_user, "Plain words", OutboxLane.INTERACTIVE)])
            shown = await emulator.wait_for_message(retry_user, lambda m: m.text == "Plain words")
            same_id = await _enqueue_edit(database_url, retry_user, shown.message_id, "Plain words")
            await emulator.wait_for_call("editMessageText", lambda c: c.params.get("chat_id") == retry_user)
            await asyncio.sleep(3.0)  # time for any (wrong) retry
        blocked_calls = [
            c for c in emulator.calls_to("sendMessage") if c.params.get("chat_id") == blocked_user
        ]
        assert [c.error["error_code"] for c in blocked_calls if c.error] == [403]
        bad_calls = [c for c in emulator.calls_to("sendMessage") if c.params.get("chat_id") == bad_user]
        assert len(bad_calls) == 1 and bad_calls[0].error["error_code"] == 400
        row = await _outbox_row(database_url, bad_id)
        assert row.status == "failed" and "parse" in (row.error or "")
        unchanged = await _outbox_row(database_url, same_id)
        assert unchanged.status == "sent" and len(emulator.calls_to("editMessageText")) == 1
        assert (
            await _count(
                database_url, User, User.telegram_id == blocked_user, User.unreachable_since.is_not(None)
            )
            == 1
        )
        assert await _count(database_url, OutboxMessage, OutboxMessage.status == "blocked") == 1


async def test_send_rate_stays_within_the_limit_and_replies_overtake_bulk(
    database_url: str, tmp_path: Path
) -> None:
    async with sandbox() as server:
        emulator = server.emulator
        recipients = [emulator.add_user(f"R{n}", "de").id for n in range(160)]
        asker = emulator.add_user("Asker", "de").id
        await migrate.upgrade(database_url)
        await _enqueue(database_url, [(chat, f"Rundbrief an {chat}", OutboxLane.BULK) for chat in recipients])
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            await emulator.wait_for(
                lambda: sum(1 for c in emulator.calls_to("sendMessage") if c.error is None) >= 30, timeout=30
            )
            asked = time.monotonic()
            emulator.send_text(asker, "/start")
            reply = await emulator.wait_for_message(asker, lambda m: m.from_bot, timeout=10)
            reply_delay = time.monotonic() - asked
            await emulator.wait_for(lambda: all(_bot_messages(server, r) for r in recipients), timeout=60)
        stamps = sorted(c.time for c in emulator.calls_to("sendMessage"))
        busiest = max(sum(1 for t in stamps[i:] if t - start < 1.0) for i, start in enumerate(stamps))
        print(f"\nrate: {len(stamps)} sends, busiest second {busiest}, reply after {reply_delay:.2f} s")
        # The reply overtook the queued bulk: most of the newsletter went out after it.
        replied_at = max(
            c.time for c in emulator.calls_to("sendMessage") if str(c.params.get("chat_id")) == str(asker)
        )
        overtaken = sum(1 for t in stamps if t > replied_at)
        assert reply is not None and overtaken >= 40, (overtaken, reply_delay)
        assert busiest <= 30  # Telegram's limit; the bot aims for 25
        assert stamps[-1] - stamps[0] >= len(stamps) / 30 - 1


async def test_deadline_due_while_stopped_is_handled_after_start(database_url: str, tmp_path: Path) -> None:
    async with sandbox() as server:
        user = server.emulator.add_user("Later", "de").id
        await migrate.upgrade(database_url)
        [row_id] = await _enqueue(database_url, [(user, "Erinnerung", OutboxLane.INTERACTIVE)])
        db = Database(database_url)
        async with db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            row.attempts, row.next_attempt_at = 1, utcnow() - timedelta(hours=1)  # a retry due an hour ago
        await db.dispose()
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            message = await server.emulator.wait_for_message(user, lambda m: m.from_bot, timeout=15)
        assert message is not None and message.text == "Erinnerung"
        assert (await _outbox_row(database_url, row_id)).status == "sent"


async def test_a_sigterm_while_starting_lets_the_send_in_flight_finish_and_be_recorded(
    database_url: str, tmp_path: Path
) -> None:
    """The sender starts before polling does: a stop asked for in between (here while Telegram is
    slow to answer the start-up calls and a due message is on its way) ends the process in order,
    with the sent message recorded as sent, so that it is never sent again after a restart."""
    async with sandbox() as server:
        user = server.emulator.add_user("Early", "de").id
        await migrate.upgrade(database_url)
        [row_id] = await _enqueue(database_url, [(user, "Schon unterwegs", OutboxLane.INTERACTIVE)])
        server.emulator.set_delay(1.0)
        async with running_bot(server, database_url, tmp_path / "bot.log") as bot:
            await wait_until(lambda: "endpoint `sendMessage`" in bot.log(), timeout=30)
            assert "polling as" not in bot.log()  # still starting
            code, _seconds = await bot.terminate()
        assert code == 0
        assert [m.text for m in server.emulator.messages_in(user) if m.from_bot] == ["Schon unterwegs"]
        assert (await _outbox_row(database_url, row_id)).status == "sent"


async def test_sigterm_stops_within_10_seconds_and_the_token_never_appears(
    database_url: str, tmp_path: Path
) -> None:
    async with sandbox() as server:
        users = [server.emulator.add_user(f"U{n}", "en").id for n in range(10)]
        server.emulator.set_delay(0.2)
        async with running_bot(server, database_url, tmp_path / "bot.log") as bot:
            await server.emulator.wait_for_call("setMyCommands", lambda c: True, timeout=20)
            for user in users:
                server.emulator.send_text(user, "/start")
            await server.emulator.wait_for(lambda: any(_bot_messages(server, u) for u in users), timeout=20)
            code, seconds = await bot.terminate()
            log = bot.log()
        print(f"\nSIGTERM: exit {code} after {seconds:.2f} s")
        assert code == 0 and seconds < 10
        assert "polling as" in log and "stopped" in log
        assert FAKE_TOKEN not in log and FAKE_TOKEN.split(":")[1] not in log
