"""No poison: unparsable and odd updates, transient database errors, the first-contact race."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from telegram import Poll, PollOption

from bot import migrate
from bot.db import Database, is_transient
from bot.runtime import polling
from bot.runtime.webhook import build_webhook_app
from bot.services import users
from bot.services.users import TelegramIdentity
from models import InboxUpdate, OutboxMessage, User
from tests.harness import Harness, TelegramUser, bot_harness

APOLOGY_DE = "Entschuldigung"
# A poll as an older self-hosted Bot API server sends it: PTB 22 requires fields it lacks.
OLD_POLL = {
    "id": "5",
    "question": "Wann?",
    "options": [{"text": "Montag", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}

CURRENT_POLL = Poll(
    id="5",
    question="Wann?",
    options=[PollOption("Montag", 0, persistent_id="o")],
    total_voter_count=0,
    is_closed=False,
    is_anonymous=True,
    type="regular",
    allows_multiple_answers=False,
    allows_revoting=False,
    members_only=False,
).to_dict()


def _start(update_id: int, user_id: int, text: str = "/start", lang: str = "de") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": lang},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def _inbox(h: Harness, update_id: int) -> InboxUpdate:
    async with h.runtime.db.transaction() as session:
        row = await session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == update_id))
        assert row is not None
        return row


async def _outbox_count(h: Harness) -> int:
    async with h.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


class ScriptedBot:
    """Answers getUpdates from a script of raw results, then blocks; records the offsets asked for."""

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.offsets: list[int | None] = []

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any], **_: Any) -> Any:
        assert endpoint == "getUpdates"
        self.offsets.append(api_kwargs["offset"])
        if not self.script:
            await asyncio.Event().wait()
        return self.script.pop(0)


async def _poll_until_idle(bot: ScriptedBot, h: Harness, calls: int) -> None:
    task = asyncio.create_task(polling.poll_forever(bot, h.runtime.accept))  # type: ignore[arg-type]
    for _ in range(200):
        if len(bot.offsets) >= calls:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await h.runtime.dispatcher.join()


async def test_an_unparsable_update_is_stored_failed_and_polling_goes_on(harness: Harness) -> None:
    bot = ScriptedBot([[{"update_id": 10, "poll": OLD_POLL}, _start(11, 501)], [_start(12, 501, "/hilfe")]])
    await _poll_until_idle(bot, harness, calls=3)
    # The batch was confirmed (offset past it) although one update in it could not be parsed.
    assert bot.offsets == [None, 12, 13]
    bad = await _inbox(harness, 10)
    assert bad.status == "failed" and "unparsable" in (bad.error or "") and "persistent_id" in bad.error
    assert bad.payload["poll"]["question"] == "Wann?"  # kept raw for diagnosis
    for update_id in (11, 12):
        assert (await _inbox(harness, update_id)).status == "done"


async def test_a_malformed_update_fails_alone_in_its_batch(harness: Harness) -> None:
    items = await harness.runtime.accept(
        [
            {"update_id": 20, "message": "not an object"},
            {"update_id": 21, "callback_query": {}},
            _start(22, 502),
        ]
    )
    await harness.runtime.dispatcher.join()
    assert [i.update_id for i in items] == [20, 21, 22]
    assert (await _inbox(harness, 20)).status == "failed"
    assert (await _inbox(harness, 21)).status == "failed"
    assert (await _inbox(harness, 22)).status == "done"


@pytest.mark.parametrize(
    "payload",
    [
        # A poll in today's shape: parsable, but nobody sent it.
        {"poll": CURRENT_POLL},
        {"channel_post": {"message_id": 1, "date": 1, "chat": {"id": -100, "type": "channel"}, "text": "x"}},
        {"message": {"message_id": 1, "date": 1, "chat": {"id": 503, "type": "private"}, "text": "/start"}},
        {"message": {"message_id": 1, "date": 1, "from": {"id": 503, "is_bot": False, "first_name": "A"}}},
    ],
    ids=["poll", "channel-post", "no-from", "no-chat"],
)
async def test_updates_without_a_person_or_chat_are_ignored(
    harness: Harness, payload: dict[str, Any]
) -> None:
    assert await harness.feed(payload) == []
    row = await _inbox(harness, harness.last_payload["update_id"])  # type: ignore[index]
    assert row.status == "done" and row.error == "ignored: no user or chat"
    assert await _outbox_count(harness) == 0


@pytest.fixture
async def webhook(harness: Harness) -> AsyncIterator[TestClient]:
    app = build_webhook_app("s3cret", "/hook", harness.runtime.accept)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_webhook_rejects_malformed_bodies_and_stores_odd_updates(
    harness: Harness, webhook: TestClient
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    for body in (b"{not json", b"[1, 2]", b'{"update_id": "7"}', b'{"update_id": true}', b"\xff\xfe"):
        response = await webhook.post("/hook", data=body, headers=headers)
        assert response.status == 400, body
    odd = [
        {"update_id": 30, "message": {"text": "no date, no chat"}},
        {"update_id": 31, "poll": OLD_POLL},
        {"update_id": 32, "callback_query": {"id": "1", "data": "x"}},  # no from, no message
        {"update_id": 33, "edited_channel_post": {"chat": "broken"}},
        {
            "update_id": 34,
            "channel_post": {"message_id": 1, "date": 1, "chat": {"id": -1, "type": "channel"}},
        },
    ]
    for body in odd:
        response = await webhook.post("/hook", json=body, headers=headers)
        assert response.status == 200, body
    await harness.runtime.dispatcher.join()
    statuses = {n: (await _inbox(harness, n)).status for n in (30, 31, 32, 33, 34)}
    assert statuses == {30: "failed", 31: "failed", 32: "failed", 33: "failed", 34: "done"}
    assert await _outbox_count(harness) == 0
    # A repeat of a stored update is still only stored once (Telegram resends after a lost answer).
    response = await webhook.post("/hook", json=odd[1], headers=headers)
    assert response.status == 200
    async with harness.runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 5


def _locked() -> OperationalError:
    return OperationalError("UPDATE users …", {}, sqlite3.OperationalError("database is locked"))


async def test_a_transient_database_error_reruns_the_update(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_touch = users.touch
    calls = 0

    async def flaky(*args: Any, **kwargs: Any) -> User:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise _locked()
        return await real_touch(*args, **kwargs)

    monkeypatch.setattr(users, "touch", flaky)
    [reply] = await harness.text(TelegramUser(601, "Ada", "de"), "/start")
    assert calls == 3 and reply.text.startswith("Hallo") and APOLOGY_DE not in reply.text
    row = await _inbox(harness, harness.last_payload["update_id"])  # type: ignore[index]
    assert row.status == "done" and row.error is None


async def test_a_lasting_transient_error_fails_after_a_few_runs_and_apologises(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    async def always_locked(*_args: Any, **_kwargs: Any) -> User:
        nonlocal calls
        calls += 1
        raise _locked()

    monkeypatch.setattr(users, "touch", always_locked)
    [reply] = await harness.text(TelegramUser(602, "Ada", "de"), "/start")
    assert calls == 4 and reply.text.startswith(APOLOGY_DE)
    [reply] = await harness.text(TelegramUser(603, "Ada", "en"), "/start")
    assert reply.text.startswith("Sorry, something went wrong")


async def test_a_bug_is_not_rerun(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0

    async def broken(*_args: Any, **_kwargs: Any) -> User:
        nonlocal calls
        calls += 1
        raise KeyError("missing")

    monkeypatch.setattr(users, "touch", broken)
    [reply] = await harness.text(TelegramUser(604, "Ada", "de"), "/start")
    assert calls == 1 and reply.text.startswith(APOLOGY_DE)
    row = await _inbox(harness, harness.last_payload["update_id"])  # type: ignore[index]
    assert row.status == "failed" and "KeyError" in (row.error or "")


def test_transient_errors_are_told_from_bugs() -> None:
    assert is_transient(_locked())
    unique = sqlite3.IntegrityError("UNIQUE constraint failed: users.telegram_id")
    from sqlalchemy.exc import IntegrityError

    assert is_transient(IntegrityError("INSERT …", {}, unique))
    assert not is_transient(
        IntegrityError("INSERT …", {}, sqlite3.IntegrityError("NOT NULL constraint failed"))
    )
    assert not is_transient(OperationalError("SELECT …", {}, sqlite3.OperationalError("no such table: x")))
    assert not is_transient(ValueError("database is locked"))

    class Serialisation(Exception):
        sqlstate = "40001"

    assert is_transient(OperationalError("UPDATE …", {}, Serialisation("could not serialize access")))


IDENTITY = TelegramIdentity(700, "Erste", "erste", "de")


async def _count_users(db: Database, telegram_id: int) -> int:
    async with db.transaction() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(User).where(User.telegram_id == telegram_id)
            )
            or 0
        )


async def _wait_for_a_blocked_insert(db: Database) -> None:
    """PostgreSQL: until another connection waits for a lock (its insert, on the unique index)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(500):
        async with db.sessions() as session:
            if await session.scalar(query):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the other transaction never reached its insert")


async def test_two_first_contacts_at_once_create_one_user(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await migrate.upgrade(database_url)
    first, second, observer = Database(database_url), Database(database_url), Database(database_url)
    real_get, real_look = users.get_by_telegram_id, users._known_and_seen
    reads = looks = 0

    async def counted(session: Any, telegram_id: int) -> User | None:
        nonlocal reads
        reads += 1
        return await real_get(session, telegram_id)

    async def counted_look(*args: Any) -> User | None:
        nonlocal looks
        looks += 1
        return await real_look(*args)

    monkeypatch.setattr(users, "get_by_telegram_id", counted)
    monkeypatch.setattr(users, "_known_and_seen", counted_look)
    try:
        async with first.transaction() as one:
            await users.touch(one, IDENTITY, "de")

            async def other() -> int:
                async with second.transaction() as two:
                    return (await users.touch(two, IDENTITY, "de")).id

            racing = asyncio.create_task(other())
            if first.is_sqlite:
                await asyncio.sleep(0.2)  # SQLite: the other waits for the writer's lock, then reads the row
            else:
                await _wait_for_a_blocked_insert(observer)
        other_id = await racing
        # Each looked for the person once. On SQLite the loser waited for the writer's lock and
        # found the row in its look (no read after it); on PostgreSQL (its look one statement
        # with the update) the loser found nothing, inserted, hit the unique index and read the row.
        assert looks == 2 and reads == (0 if first.is_sqlite else 1)
        assert await _count_users(first, IDENTITY.telegram_id) == 1
        async with first.transaction() as session:
            stored = await users.get_by_telegram_id(session, IDENTITY.telegram_id)
            assert stored is not None and stored.id == other_id
    finally:
        for db in (first, second, observer):
            await db.dispose()


async def test_the_loser_of_the_first_contact_race_reads_the_winners_row(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic: the first read misses the row another transaction has just committed."""
    await migrate.upgrade(database_url)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            winner = await users.touch(session, IDENTITY, "de")
        looks = 0

        async def stale_look(*_args: Any) -> User | None:
            nonlocal looks
            looks += 1
            return None  # the winner's row is not seen yet

        monkeypatch.setattr(users, "_known_and_seen", stale_look)
        async with db.transaction() as session:
            loser = await users.touch(session, TelegramIdentity(700, "Neu", None, "en"), "de")
            assert loser.id == winner.id and loser.first_name == "Neu" and loser.locale == "de"
        assert looks == 1 and await _count_users(db, IDENTITY.telegram_id) == 1
    finally:
        await db.dispose()


async def test_two_first_updates_of_a_new_user_at_once(database_url: str) -> None:
    """The same person writes in a group and privately at once: two chats, handled in parallel."""
    async with bot_harness(database_url) as h:
        private = _start(40, 710)
        group = _start(41, 710, "/hilfe")
        group["message"]["chat"] = {"id": -4242, "type": "group", "title": "Rathaus"}
        await h.runtime.accept([private, group])
        await h.runtime.dispatcher.join()
        assert (await _inbox(h, 40)).status == "done" and (await _inbox(h, 41)).status == "done"
        assert await _count_users(h.runtime.db, 710) == 1
