"""Operations: /healthz, /readyz (database, migrations, Telegram), /metrics and JSON logs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import Forbidden

from bot.db import Database
from bot.logging_setup import configure_logging
from bot.runtime import metrics, outbox
from bot.runtime.health import Operations
from bot.runtime.health_http import start_health_server
from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.sender import OutboxSender
from bot.runtime.sweeper import Sweep, run_once
from bot.runtime.webhook import build_webhook_app
from models import Broadcast, BroadcastStatus
from tests.harness import TEST_TOKEN, Harness, TelegramUser, drain_outbox

SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}


async def _telegram_ok() -> None:
    """A probe that always reaches Telegram."""


@pytest.fixture
def operations(harness: Harness) -> Operations:
    """What the endpoints look at; tests swap its database or probe to make trouble."""
    metrics.mark_telegram_ok()
    return Operations(harness.runtime.db, _telegram_ok, 10.0)


@pytest.fixture
async def client(harness: Harness, operations: Operations) -> AsyncIterator[TestClient]:
    app = build_webhook_app("s3cret", "/hook", harness.runtime.accept, operations)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


class Forwarder:
    """A TCP relay in front of PostgreSQL that can be cut off and brought back (an outage)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self) -> None:
        """Listen (on the same port as before, once one was chosen)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        await self._server.wait_closed()


async def test_healthz_answers_and_readyz_is_ready_on_a_migrated_database(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    response = await client.get("/readyz")
    assert response.status == 200, await response.text()


async def test_readyz_fails_while_the_database_is_unreachable_and_recovers(
    client: TestClient, harness: Harness, operations: Operations
) -> None:
    url = harness.runtime.db.url
    if url.startswith("sqlite"):
        # A closed port stands for a database server that is down.
        operations.db = Database("postgresql+asyncpg://postgres@127.0.0.1:9/test")
        response = await client.get("/readyz")
        assert response.status == 503 and "database unreachable" in await response.text()
        await operations.db.dispose()
        operations.db = harness.runtime.db
        assert (await client.get("/readyz")).status == 200
        return
    parts = urlsplit(url)
    forwarder = Forwarder(parts.hostname or "127.0.0.1", parts.port or 5432)
    await forwarder.start()
    relayed = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{forwarder.port}"))
    operations.db = Database(relayed)
    try:
        assert (await client.get("/readyz")).status == 200
        await forwarder.stop()
        response = await client.get("/readyz")
        assert response.status == 503 and "database unreachable" in await response.text()
        await forwarder.start()
        response = await client.get("/readyz")
        assert response.status == 200, await response.text()
    finally:
        await operations.db.dispose()
        with contextlib.suppress(Exception):
            await forwarder.stop()


async def test_readyz_fails_on_an_unmigrated_database(
    client: TestClient, operations: Operations, tmp_path: Any
) -> None:
    operations.db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        response = await client.get("/readyz")
        assert response.status == 503 and "not migrated" in await response.text()
    finally:
        await operations.db.dispose()


async def test_readyz_fails_while_telegram_is_unreachable(client: TestClient, operations: Operations) -> None:

    async def unreachable() -> None:
        raise ConnectionError("no route")

    metrics._telegram_ok_at = None
    operations.telegram_probe = unreachable
    response = await client.get("/readyz")
    assert response.status == 503 and "Telegram unreachable" in await response.text()
    metrics.mark_telegram_ok()  # a send or a poll succeeded meanwhile: no probe needed
    assert (await client.get("/readyz")).status == 200


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_show_counters_moving_after_an_update_is_handled(
    client: TestClient, harness: Harness
) -> None:
    before = _samples(await (await client.get("/metrics")).text())
    update = {
        "update_id": 4711,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": 5100, "type": "private"},
            "from": TelegramUser(5100).as_dict(),
            "text": "/start",
        },
    }
    assert (await client.post("/hook", json=update, headers=SECRET_HEADER)).status == 200
    await harness.runtime.dispatcher.join()
    response = await client.get("/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    after = _samples(await response.text())
    for name in (
        "miglobe_updates_received_total",
        "miglobe_updates_handled_total",
        "miglobe_update_handling_seconds_count",
    ):
        assert after[(name, ())] == before.get((name, ()), 0) + 1, name
    # The /start reply waits in the outbox's reply lane (nothing sends in this test); bulk is empty.
    assert after[("miglobe_outbox_pending", (("lane", "reply"),))] >= 1
    assert after[("miglobe_outbox_pending", (("lane", "bulk"),))] == 0
    assert ("miglobe_inbox_pending", ()) in after
    assert ("miglobe_sends_total", (("outcome", "429"),)) in after


async def test_metrics_show_sweep_lag_and_broadcast_progress(client: TestClient, harness: Harness) -> None:
    db = harness.runtime.db
    async with db.transaction() as session:
        session.add(
            Broadcast(
                audience="all",
                text="News",
                status=BroadcastStatus.SENDING.value,
                recipients_total=40,
                delivered_count=25,
                blocked_count=2,
                failed_count=1,
            )
        )
        session.add(
            Broadcast(audience="all", text="Old", status=BroadcastStatus.DONE.value, recipients_total=9)
        )

    async def sweep() -> str:
        return ""

    await run_once(Sweep("metrics-test-sweep", 30.0, sweep), db)
    first = _samples(await (await client.get("/metrics")).text())
    assert first[("miglobe_broadcast_recipients", (("state", "total"),))] == 40
    assert first[("miglobe_broadcast_recipients", (("state", "delivered"),))] == 25
    assert first[("miglobe_broadcast_recipients", (("state", "blocked"),))] == 2
    assert first[("miglobe_broadcast_recipients", (("state", "failed"),))] == 1
    lag = first[("miglobe_sweep_lag_seconds", (("sweep", "metrics-test-sweep"),))]
    await asyncio.sleep(0.2)
    later = _samples(await (await client.get("/metrics")).text())
    assert later[("miglobe_sweep_lag_seconds", (("sweep", "metrics-test-sweep"),))] >= lag + 0.2
    await run_once(Sweep("metrics-test-sweep", 30.0, sweep), db)
    again = _samples(await (await client.get("/metrics")).text())
    assert again[("miglobe_sweep_lag_seconds", (("sweep", "metrics-test-sweep"),))] < 0.2


async def test_polling_mode_serves_the_same_routes_on_the_health_port(harness: Harness) -> None:
    runner = await start_health_server(0, Operations(harness.runtime.db, _telegram_ok), host="127.0.0.1")
    try:
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            for path in ("/healthz", "/readyz", "/metrics"):
                async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                    assert response.status == 200, path
    finally:
        await runner.cleanup()


def test_json_logs_are_one_object_per_line_without_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        configure_logging("INFO", ["hook-s3cret"], "json")
        log = logging.getLogger("bot.test")
        log.info(
            "calling %s with secret %s", f"https://api.telegram.org/bot{TEST_TOKEN}/getMe", "hook-s3cret"
        )
        try:
            raise RuntimeError(f"token {TEST_TOKEN} leaked")
        except RuntimeError:
            log.exception("failed with\nseveral lines")
        lines = capsys.readouterr().err.strip().splitlines()
    finally:
        configure_logging("INFO")
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "bot.test" and first["time"].endswith("Z")
    assert "[REDACTED]" in first["message"]
    assert second["message"] == "failed with\nseveral lines" and "RuntimeError" in second["exception"]
    for line in lines:
        assert TEST_TOKEN not in line and "hook-s3cret" not in line


async def test_sends_are_counted_by_outcome(harness: Harness) -> None:
    class Answers:
        """Chat 21 has blocked the bot; every other call goes through."""

        async def do_api_request(self, method: str, api_kwargs: dict[str, object]) -> object:
            if api_kwargs.get("chat_id") == 21:
                raise Forbidden("bot was blocked by the user")
            return {"message_id": 1}

    db = harness.runtime.db
    before = _samples(generate_latest().decode())
    async with db.transaction() as session:
        for chat in (20, 21, 22):
            outbox.enqueue_text(session, chat, "Hallo")
    await drain_outbox(db, OutboxSender(db, Answers(), SendRateLimiter(per_second=1000)))  # type: ignore[arg-type]
    after = _samples(generate_latest().decode())

    def moved(outcome: str) -> float:
        key = ("miglobe_sends_total", (("outcome", outcome),))
        return after[key] - before.get(key, 0)

    assert (moved("sent"), moved("403"), moved("429")) == (2, 1, 0)
