"""The bot's HTTP layer on aiohttp, through a real ``telegram.Bot`` against a Bot API on loopback:
calls, file uploads, Telegram's errors, timeouts, a missing server, and the wiring that uses it."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import certifi
import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.config import Settings
from bot.runtime.aiohttp_request import AiohttpRequest, verifying_context
from bot.wiring import build_application

TOKEN = "123456:SECRET-token-part"
ME = {"id": 123456, "is_bot": True, "first_name": "MiGlobe", "username": "miglobe_bot"}
MESSAGE = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "Hallo"}


class FakeBotApi:
    """A Bot API on loopback that records what each call sent."""

    def __init__(self) -> None:
        """No calls yet; answers come without delay."""
        self.calls: list[tuple[str, dict[str, Any], web.Request]] = []
        self.delay = 0.0

    async def answer(self, request: web.Request) -> web.Response:
        """Record the call's fields (files as (filename, content type, bytes)) and answer it."""
        method = request.match_info["method"]
        fields: dict[str, Any] = {}
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                content = await part.read()  # type: ignore[union-attr]
                if part.filename:  # type: ignore[union-attr]
                    fields[part.name] = (part.filename, part.headers.get("Content-Type"), bytes(content))  # type: ignore[union-attr]
                else:
                    fields[part.name] = bytes(content).decode()  # type: ignore[union-attr]
        else:
            fields = dict(await request.post())
        if method == "getMe":
            return web.json_response({"ok": True, "result": ME})
        self.calls.append((method, fields, request))
        await asyncio.sleep(self.delay)
        if fields.get("chat_id") == "-1":
            body = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            return web.json_response(body, status=400)
        return web.json_response({"ok": True, "result": MESSAGE})


@pytest.fixture
async def api() -> AsyncIterator[tuple[FakeBotApi, str]]:
    """The fake Bot API and its base URL."""
    fake = FakeBotApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake.answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}/bot"
    await runner.cleanup()


async def test_a_call_sends_its_parameters_and_gives_telegrams_answer(api: tuple[FakeBotApi, str]) -> None:
    """sendMessage's parameters arrive as Telegram reads them; the answer becomes PTB's Message."""
    fake, base = api
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest(connection_pool_size=4)) as bot:
        sent = await bot.send_message(42, "Grüß Gott <b>&</b>", parse_mode="HTML", read_timeout=3)
    assert sent.message_id == 7
    method, fields, request = fake.calls[-1]
    assert method == "sendMessage"
    assert fields["chat_id"] == "42" and fields["text"] == "Grüß Gott <b>&</b>"
    assert fields["parse_mode"] == "HTML"
    assert request.headers["User-Agent"] == AiohttpRequest.USER_AGENT


async def test_a_file_goes_up_as_multipart_with_its_name_and_type(api: tuple[FakeBotApi, str]) -> None:
    """A calendar file (as the booking sends) arrives with its name, type and bytes, and the
    other parameters beside it."""
    fake, base = api
    calendar = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest()) as bot:
        document = InputFile(calendar, filename="kickoff.ics", attach=True)
        await bot.send_document(42, document, caption="Termin", read_timeout=3)
    method, fields, _request = fake.calls[-1]
    assert method == "sendDocument"
    assert fields["chat_id"] == "42" and fields["caption"] == "Termin"
    attached = next(value for value in fields.values() if isinstance(value, tuple))
    assert attached[0] == "kickoff.ics" and attached[2] == calendar
    assert attached[1] is not None and "calendar" in attached[1]
    assert json.dumps(fields["document"]).startswith('"attach://')


async def test_telegrams_error_reaches_ptb_as_its_error(api: tuple[FakeBotApi, str]) -> None:
    """A 400 from Telegram is PTB's BadRequest with Telegram's description."""
    _fake, base = api
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest()) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-1, "x", read_timeout=3)


async def test_a_slow_answer_times_out(api: tuple[FakeBotApi, str]) -> None:
    """An answer later than the read timeout is PTB's TimedOut (the sender retries it)."""
    fake, base = api
    fake.delay = 2.0
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest(read_timeout=0.3)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "x")


async def test_no_server_is_a_network_error_that_does_not_name_the_token() -> None:
    """Nothing listening: PTB's NetworkError, and its text (logged, stored with the failed send)
    holds neither the URL nor the token."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    layer = AiohttpRequest()
    await layer.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await layer.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage", "POST")
    finally:
        await layer.shutdown()
    assert "aiohttp.Client" in caught.value.message
    assert TOKEN not in caught.value.message and "/bot" not in caught.value.message


async def test_a_layer_not_yet_opened_refuses_to_call() -> None:
    """Calls before initialize (or after shutdown) fail loudly instead of opening a stray session."""
    layer = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await layer.do_request("http://127.0.0.1:9/bot/getMe", "POST")
    await layer.initialize()
    await layer.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await layer.do_request("http://127.0.0.1:9/bot/getMe", "POST")


def test_the_bot_makes_its_calls_through_aiohttp() -> None:
    """Both of the application's HTTP layers (calls and long polls) are the aiohttp one."""
    application = build_application(Settings(), TOKEN)
    assert isinstance(application.bot.request, AiohttpRequest)
    assert isinstance(application.bot._request[0], AiohttpRequest)  # the long polls'


async def test_telegrams_certificate_is_checked_against_certifis_authorities() -> None:
    """The connections verify the Bot API's certificate and host name with certifi's authorities
    (as PTB's httpx layer did), not only with whatever store the host has."""
    context = verifying_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] >= 100
    layer = AiohttpRequest()
    await layer.initialize()
    try:
        assert layer._session is not None
        assert layer._session.connector._ssl is not None  # type: ignore[union-attr]
        assert layer._session.connector._ssl.cert_store_stats()["x509_ca"] >= 100  # type: ignore[union-attr]
    finally:
        await layer.shutdown()


async def test_a_proxy_from_the_environment_is_used(
    api: tuple[FakeBotApi, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot behind a proxy (HTTP_PROXY/HTTPS_PROXY, as a town hall's network may need) reaches the
    Bot API through it, as with PTB's own layer."""
    fake, base = api
    proxy = base.removesuffix("/bot")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    async with Bot(TOKEN, base_url="http://api.telegram.invalid/bot", request=AiohttpRequest()) as bot:
        await bot.send_message(42, "über den Proxy", read_timeout=3)
    _method, fields, request = fake.calls[-1]
    assert fields["text"] == "über den Proxy"
    assert request.url.host == "api.telegram.invalid"  # asked of the proxy for Telegram's host


async def test_the_proxy_is_looked_up_once_per_server(
    api: tuple[FakeBotApi, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment's proxy settings are read at the first call to a server, not at every call
    (aiohttp's own lookup did that in worker threads, at more CPU than the call)."""
    from bot.runtime import aiohttp_request

    looked_up: list[str] = []
    real = aiohttp_request.get_env_proxy_for_url

    def counting(url: Any) -> Any:
        looked_up.append(str(url.host))
        return real(url)

    monkeypatch.setattr(aiohttp_request, "get_env_proxy_for_url", counting)
    _fake, base = api
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest()) as bot:
        for n in range(5):
            await bot.send_message(42, f"Nachricht {n}", read_timeout=3)
    assert looked_up == ["127.0.0.1"]


async def test_a_file_name_beyond_ascii_arrives_as_it_is(api: tuple[FakeBotApi, str]) -> None:
    """A file named "Übersicht" goes up under that name, not percent-encoded."""
    fake, base = api
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest()) as bot:
        await bot.send_document(
            42, InputFile(b"a;b\r\n", filename="Übersicht.csv", attach=True), read_timeout=3
        )
    attached = next(value for value in fake.calls[-1][1].values() if isinstance(value, tuple))
    assert attached[0] == "Übersicht.csv"


async def test_an_upload_over_a_stalled_connection_times_out() -> None:
    """A server that takes the connection but reads nothing (a connection that died silently): the
    upload ends with TimedOut after its write and read timeouts, instead of hanging the chat's
    sending for as long as the system keeps retrying."""
    held: list[asyncio.StreamWriter] = []

    async def never_read(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keep the connection open, read nothing

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    layer = AiohttpRequest(read_timeout=0.5, write_timeout=1.0, connect_timeout=0.5, pool_timeout=0.5)
    await layer.initialize()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=layer)
    started = time.monotonic()
    try:
        with pytest.raises(TimedOut):
            big = InputFile(b"x" * 48_000_000, filename="export.csv", attach=True)
            await asyncio.wait_for(bot.send_document(42, big), timeout=30)
    finally:
        await layer.shutdown()
        for writer in held:
            writer.close()
        server.close()
    assert time.monotonic() - started < 15


def test_authorities_named_by_the_environment_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SSL_CERT_FILE (a network that inspects TLS hands out its own authority) replaces certifi's
    list, as it did for PTB's httpx layer."""
    bundle = Path(certifi.where()).read_text()
    first = bundle[
        bundle.index("-----BEGIN CERTIFICATE-----") : bundle.index("-----END CERTIFICATE-----") + 25
    ]
    own = tmp_path / "own-ca.pem"
    own.write_text(first + "\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(own))
    assert verifying_context().cert_store_stats()["x509_ca"] == 1
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert verifying_context().cert_store_stats()["x509_ca"] >= 100
