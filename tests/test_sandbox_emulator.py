"""The sandbox's Bot API emulator over real HTTP on loopback: Telegram's semantics and errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.sandbox.emulator import Emulator
from bot.sandbox.models import TINY_PNG
from bot.sandbox.server import SandboxServer
from bot.sandbox.thread import SandboxThread
from tests.sandbox_helpers import TOKEN, BotApiClient, wait_until

ANNA, BEN = 1001, 1002
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(
        initial_users=[
            {"first_name": "Anna", "language_code": "de", "user_id": ANNA},
            {"first_name": "Ben", "language_code": "en", "user_id": BEN},
        ]
    )
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(server: SandboxServer, http: aiohttp.ClientSession) -> BotApiClient:
    return BotApiClient(http, server.bot_api_base_url)


def keyboard(*data: str) -> dict:
    return {"inline_keyboard": [[{"text": f"B{i}", "callback_data": d} for i, d in enumerate(data)]]}


async def bot_message(api: BotApiClient, chat_id: int = ANNA, text: str = "Hi", **extra: object) -> dict:
    return await api.ok("sendMessage", chat_id=chat_id, text=text, **extra)


# --- basics ----------------------------------------------------------------------------------


async def test_get_me_any_token_get_and_json(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{server.bot_api_base_url}999:x-Y_z/getMe") as response:
        body = await response.json()
    assert response.status == 200 and body["ok"]
    assert body["result"]["is_bot"] is True and body["result"]["username"] == "miglobe_sandbox_bot"
    async with http.post(
        f"{server.bot_api_base_url}{TOKEN}/sendMessage", json={"chat_id": ANNA, "text": "x"}
    ) as r:
        assert (await r.json())["result"]["text"] == "x"


async def test_unknown_method_is_400_never_401_or_404(api: BotApiClient) -> None:
    status, body = await api("sendDice", chat_id=ANNA)
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": 'Bad Request: unknown method "sendDice"'}
    assert await api.ok("setMyDescription", description="x") is True  # harmless setter


async def test_method_names_are_case_insensitive(api: BotApiClient) -> None:
    assert (await api.ok("getme"))["is_bot"] is True


# --- getUpdates ------------------------------------------------------------------------------


async def test_updates_stay_until_confirmed_by_a_higher_offset(
    server: SandboxServer, api: BotApiClient
) -> None:
    emulator = server.emulator
    emulator.send_text(ANNA, "one")
    emulator.send_text(BEN, "two")
    first = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in first] == ["one", "two"]
    assert first[1]["update_id"] == first[0]["update_id"] + 1
    assert await api.ok("getUpdates") == first  # not confirmed: delivered again
    assert await api.ok("getUpdates", offset=first[0]["update_id"]) == first  # offset == id keeps it
    again = await api.ok("getUpdates", offset=first[0]["update_id"] + 1)
    assert [u["message"]["text"] for u in again] == ["two"]
    assert await api.ok("getUpdates", offset=first[1]["update_id"] + 1) == []
    assert await api.ok("getUpdates") == []  # confirmed updates are gone for good
    emulator.send_text(ANNA, "three")
    latest = await api.ok("getUpdates")
    assert latest[0]["update_id"] > first[1]["update_id"]  # ids only grow


async def test_negative_offset_keeps_only_the_last_updates(server: SandboxServer, api: BotApiClient) -> None:
    for n in range(5):
        server.emulator.send_text(ANNA, f"m{n}")
    last_two = await api.ok("getUpdates", offset=-2)
    assert [u["message"]["text"] for u in last_two] == ["m3", "m4"]
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["m3", "m4"]  # older ones forgotten


async def test_limit(server: SandboxServer, api: BotApiClient) -> None:
    for n in range(5):
        server.emulator.send_text(ANNA, f"m{n}")
    assert len(await api.ok("getUpdates", limit=2)) == 2
    assert len(await api.ok("getUpdates", limit=0)) == 1  # Telegram clamps limit to 1..100


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    server: SandboxServer, api: BotApiClient
) -> None:
    async def user_writes_later() -> None:
        await asyncio.sleep(0.3)
        server.emulator.send_text(ANNA, "hello")

    started = time.monotonic()
    writer = asyncio.create_task(user_writes_later())
    updates = await api.ok("getUpdates", timeout=10)
    elapsed = time.monotonic() - started
    await writer
    assert [u["message"]["text"] for u in updates] == ["hello"]
    assert 0.25 < elapsed < 2


async def test_long_poll_times_out_with_an_empty_list(api: BotApiClient) -> None:
    started = time.monotonic()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 < time.monotonic() - started < 3


async def test_a_second_poller_ends_the_first_with_409(server: SandboxServer, api: BotApiClient) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=10))
    await wait_until(lambda: server.emulator._active_poll is not None, 2)
    assert await api.ok("getUpdates") == []
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates")


async def test_allowed_updates_filters_new_updates(server: SandboxServer, api: BotApiClient) -> None:
    message = await bot_message(api, reply_markup=keyboard("go"))
    await api.ok("getUpdates", allowed_updates=["message"])
    server.emulator.press_button(ANNA, message["message_id"], "go")
    server.emulator.send_text(ANNA, "text")
    assert [list(u)[1] for u in await api.ok("getUpdates")] == ["message"]
    await api.ok("getUpdates", allowed_updates=[])  # empty list: back to the default types
    server.emulator.press_button(ANNA, message["message_id"], "go")
    assert "callback_query" in [list(u)[1] for u in await api.ok("getUpdates")]


async def test_webhook_info_and_delete_with_drop_pending(server: SandboxServer, api: BotApiClient) -> None:
    server.emulator.send_text(ANNA, "pending")
    assert (await api.ok("getWebhookInfo"))["pending_update_count"] == 1
    assert await api.ok("setWebhook", url="http://127.0.0.1:9/hook", secret_token="s") is True
    status, body = await api("getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    assert (await api.ok("getWebhookInfo"))["url"] == "http://127.0.0.1:9/hook"
    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True
    info = await api.ok("getWebhookInfo")
    assert info["url"] == "" and info["pending_update_count"] == 0
    assert await api.ok("getUpdates") == []


async def test_webhook_delivery_sends_the_secret_and_confirms_on_2xx(
    server: SandboxServer, api: BotApiClient
) -> None:
    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=500 if len(received) == 1 else 200)  # first delivery fails

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="sekret")
        server.emulator.send_text(ANNA, "/start")
        await server.emulator.wait_for(lambda: not server.emulator.pending_updates, 5)
        assert len(received) == 2 and received[0] == received[1]  # retried after the 500
        assert received[1][0] == "sekret" and received[1][1]["message"]["text"] == "/start"
        assert "500" in (await api.ok("getWebhookInfo"))["last_error_message"]
    finally:
        await api.ok("deleteWebhook")
        await runner.cleanup()


# --- users' messages -------------------------------------------------------------------------


async def test_commands_get_bot_command_entities(server: SandboxServer, api: BotApiClient) -> None:
    emulator = server.emulator
    emulator.start(ANNA, "ref-42")
    emulator.send_text(ANNA, "/help@miglobe_sandbox_bot")
    emulator.send_text(ANNA, "😀 /menu now")
    emulator.send_text(ANNA, "no command: a/b </b>")
    messages = [u["message"] for u in await api.ok("getUpdates")]
    assert messages[0]["text"] == "/start ref-42"
    assert messages[0]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert messages[1]["entities"] == [{"type": "bot_command", "offset": 0, "length": 25}]
    assert messages[2]["entities"] == [{"type": "bot_command", "offset": 3, "length": 5}]  # UTF-16 offsets
    assert "entities" not in messages[3]
    assert messages[0]["from"] == {"id": ANNA, "is_bot": False, "first_name": "Anna", "language_code": "de"}
    assert messages[0]["chat"] == {"id": ANNA, "type": "private", "first_name": "Anna"}


async def test_users_can_send_media_and_locations(server: SandboxServer, api: BotApiClient) -> None:
    emulator = server.emulator
    emulator.send_sticker(ANNA)
    emulator.send_photo(ANNA, caption="look")
    emulator.send_voice(ANNA)
    emulator.send_location(ANNA)
    emulator.send_document(ANNA, "a.pdf", b"%PDF-1.4", "application/pdf")
    messages = [u["message"] for u in await api.ok("getUpdates")]
    kinds = ("sticker", "photo", "voice", "location", "document")
    assert [next(k for k in kinds if k in m) for m in messages] == list(kinds)
    assert messages[1]["caption"] == "look" and messages[1]["photo"][0]["width"] == 1
    file = await api.ok("getFile", file_id=messages[4]["document"]["file_id"])
    async with api.session.get(f"{server.base_file_url}{TOKEN}/{file['file_path']}") as response:
        assert await response.read() == b"%PDF-1.4"
    with pytest.raises(ValueError):
        emulator.send_text(ANNA, "   ")
    with pytest.raises(ValueError):
        emulator.send_text(4242, "who?")


# --- sendMessage -----------------------------------------------------------------------------


async def test_send_message_parses_html_into_entities(api: BotApiClient) -> None:
    html = 'Hi <b>bold <i>both</i></b> <a href="https://e.org/?a=1&amp;b=2">link</a> &lt;3 <code>x</code>'
    message = await bot_message(api, text=html, parse_mode="HTML")
    assert message["text"] == "Hi bold both link <3 x"
    assert message["entities"] == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://e.org/?a=1&b=2"},
        {"type": "code", "offset": 21, "length": 1},
    ]
    assert message["from"]["is_bot"] is True and message["chat"]["id"] == ANNA
    assert isinstance(message["date"], int) and message["message_id"] >= 1


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag at byte offset 4"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("ä <b", "Unclosed start tag at byte offset 3"),
        ("<a href=https://e.org>x</a>", "Unexpected end of name token at byte offset 8"),
        ("<b bold>x</b>", 'Expected equal sign in declaration of an attribute of the tag "b"'),
    ],
)
async def test_unparsable_html_is_rejected_like_telegram(api: BotApiClient, text: str, error: str) -> None:
    status, body = await api("sendMessage", chat_id=ANNA, text=text, parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert error in body["description"]


async def test_without_parse_mode_html_is_plain_text(api: BotApiClient) -> None:
    message = await bot_message(api, text="a < b <foo>")
    assert message["text"] == "a < b <foo>" and "entities" not in message


async def test_length_counts_after_entity_parsing(api: BotApiClient) -> None:
    fits = await bot_message(api, text="<b>" + "ä" * 4096 + "</b>", parse_mode="HTML")
    assert len(fits["text"]) == 4096
    status, body = await api("sendMessage", chat_id=ANNA, text="<b>" + "a" * 4097 + "</b>", parse_mode="HTML")
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = await api("sendMessage", chat_id=ANNA, text="x" * 4097)
    assert body["description"] == "Bad Request: message is too long"
    for empty in ("", "   ", "<b> </b>"):
        status, body = await api("sendMessage", chat_id=ANNA, text=empty, parse_mode="HTML")
        assert (status, body["description"]) == (400, "Bad Request: message text is empty")


async def test_unknown_chat_and_missing_chat_id(api: BotApiClient) -> None:
    assert (await api("sendMessage", chat_id=5, text="x"))[1]["description"] == "Bad Request: chat not found"
    assert (await api("sendMessage", text="x"))[1]["description"] == "Bad Request: chat_id is empty"


async def test_callback_data_is_limited_to_64_bytes(api: BotApiClient) -> None:
    ok = await bot_message(api, reply_markup=keyboard("ü" * 32))  # 64 bytes in UTF-8
    assert ok["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ü" * 32
    for data in ("ü" * 32 + "a", ""):
        status, body = await api("sendMessage", chat_id=ANNA, text="x", reply_markup=keyboard(data))
        assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    url = {"inline_keyboard": [[{"text": "web", "url": "https://miglobe.de"}]]}
    assert (await bot_message(api, reply_markup=url))["reply_markup"] == url
    status, body = await api("sendMessage", chat_id=ANNA, text="x", reply_markup="{not json")
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_reply_keyboards_are_chat_state_not_message_fields(
    server: SandboxServer, api: BotApiClient
) -> None:
    reply_keyboard = {"keyboard": [["Ja", {"text": "Nein"}]], "one_time_keyboard": True}
    message = await bot_message(api, reply_markup=reply_keyboard)
    assert "reply_markup" not in message
    shown = server.emulator.chat_state(ANNA).reply_keyboard
    assert shown is not None and shown["keyboard"] == [[{"text": "Ja"}, {"text": "Nein"}]]
    server.emulator.send_text(ANNA, "Ja")  # a one-time keyboard hides after use
    assert server.emulator.chat_state(ANNA).reply_keyboard is None
    await bot_message(api, reply_markup=reply_keyboard)
    await bot_message(api, reply_markup={"remove_keyboard": True})
    assert server.emulator.chat_state(ANNA).reply_keyboard is None


# --- edits, deletes, callback queries --------------------------------------------------------


async def test_edit_message_text(server: SandboxServer, api: BotApiClient) -> None:
    message = await bot_message(api, text="<b>Hi</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    same = {"chat_id": ANNA, "message_id": message["message_id"], "text": "<b>Hi</b>", "parse_mode": "HTML"}
    status, body = await api("editMessageText", **same, reply_markup=keyboard("a"))
    assert status == 400 and body["description"] == (
        "Bad Request: message is not modified: specified new message content and reply markup are"
        " exactly the same as a current content and reply markup of the message"
    )
    edited = await api.ok("editMessageText", **same)  # same text, no markup: removes the keyboard
    assert "reply_markup" not in edited and "edit_date" in edited
    edited = await api.ok("editMessageText", **{**same, "text": "Bye"})
    assert edited["text"] == "Bye" and "entities" not in edited
    [current] = server.emulator.messages_in(ANNA)
    assert current.text == "Bye" and current.edit_count == 2
    assert [h["text"] for h in current.history] == ["Hi", "Hi"]
    status, body = await api("editMessageText", chat_id=ANNA, message_id=999, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    user_message = server.emulator.send_text(ANNA, "mine")
    status, body = await api("editMessageText", chat_id=ANNA, message_id=user_message["message_id"], text="x")
    assert body["description"] == "Bad Request: message can't be edited"
    status, body = await api("editMessageText", chat_id=ANNA, message_id=message["message_id"], text="a < b",
                             parse_mode="HTML")  # fmt: skip
    assert body["description"].startswith("Bad Request: can't parse entities")


async def test_edit_reply_markup_and_delete(server: SandboxServer, api: BotApiClient) -> None:
    message = await bot_message(api, reply_markup=keyboard("a"))
    ids = {"chat_id": ANNA, "message_id": message["message_id"]}
    changed = await api.ok("editMessageReplyMarkup", **ids, reply_markup=keyboard("b"))
    assert changed["reply_markup"] == keyboard("b")
    status, body = await api("editMessageReplyMarkup", **ids, reply_markup=keyboard("b"))
    assert body["description"].startswith("Bad Request: message is not modified")
    assert await api.ok("deleteMessage", **ids) is True
    assert server.emulator.messages_in(ANNA) == []
    status, body = await api("deleteMessage", **ids)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")
    status, body = await api("editMessageText", **ids, text="x")
    assert body["description"] == "Bad Request: message to edit not found"


async def test_callback_queries_only_for_buttons_that_exist(server: SandboxServer, api: BotApiClient) -> None:
    emulator = server.emulator
    message = await bot_message(api, text="Pick", reply_markup=keyboard("yes", "no"))
    with pytest.raises(ValueError, match="no button"):
        emulator.press_button(ANNA, message["message_id"], "maybe")
    with pytest.raises(ValueError, match="not found"):
        emulator.press_button(BEN, message["message_id"], "yes")  # not in Ben's chat
    query_id = emulator.press_button(ANNA, message["message_id"], "yes")
    [update] = await api.ok("getUpdates")
    query = update["callback_query"]
    assert query["id"] == query_id and query["data"] == "yes" and query["from"]["id"] == ANNA
    assert query["message"]["text"] == "Pick" and query["message"]["reply_markup"] == keyboard("yes", "no")
    assert query["chat_instance"]
    await api.ok("editMessageText", chat_id=ANNA, message_id=message["message_id"], text="Done")
    with pytest.raises(ValueError):
        emulator.press_button(ANNA, message["message_id"], "no")  # the keyboard is gone
    forged = emulator.press_button(ANNA, message["message_id"], "admin:delete_all", forge=True)
    updates = await api.ok("getUpdates", offset=update["update_id"] + 1)
    assert updates[0]["callback_query"]["id"] == forged
    assert updates[0]["callback_query"]["data"] == "admin:delete_all"
    assert "reply_markup" not in updates[0]["callback_query"]["message"]  # the message as it is now


async def test_answer_callback_query(server: SandboxServer, api: BotApiClient) -> None:
    message = await bot_message(api, reply_markup=keyboard("go"))
    query_id = server.emulator.press_button(ANNA, message["message_id"], "go")
    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="Saved", show_alert=True)
    answer = server.emulator.callback_queries[query_id].answer
    assert answer is not None and answer["text"] == "Saved" and answer["show_alert"] is True
    status, body = await api("answerCallbackQuery", callback_query_id=query_id)
    assert status == 400 and "query ID is invalid" in body["description"]
    status, body = await api("answerCallbackQuery", callback_query_id="nope")
    assert status == 400


# --- files -----------------------------------------------------------------------------------


async def test_multipart_send_document_and_download(
    server: SandboxServer, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ANNA))
    form.add_field("caption", "<b>Bericht</b>")
    form.add_field("parse_mode", "HTML")
    form.add_field("document", b"col1;col2\n", filename="bericht.csv", content_type="text/csv")
    async with http.post(f"{server.bot_api_base_url}{TOKEN}/sendDocument", data=form) as response:
        body = await response.json()
    assert response.status == 200, body
    message = body["result"]
    document = message["document"]
    assert document["file_name"] == "bericht.csv" and document["file_size"] == 10
    assert message["caption"] == "Bericht" and message["caption_entities"][0]["type"] == "bold"
    async with http.get(f"{server.base_url}/sandbox/api/files/{document['file_id']}?download=1") as response:
        assert await response.read() == b"col1;col2\n"
        assert response.headers["Content-Disposition"].startswith("attachment")
    again = await BotApiClient(http, server.bot_api_base_url).ok(
        "sendDocument", chat_id=BEN, document=document["file_id"]
    )  # a file_id is reused without upload
    assert again["document"]["file_id"] == document["file_id"]


async def test_send_photo_checks_the_image(
    server: SandboxServer, http: aiohttp.ClientSession, api: BotApiClient
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ANNA))
    form.add_field("photo", TINY_PNG, filename="p.png", content_type="image/png")
    async with http.post(f"{server.bot_api_base_url}{TOKEN}/sendPhoto", data=form) as response:
        photo = (await response.json())["result"]["photo"][0]
    assert (photo["width"], photo["height"]) == (1, 1)
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ANNA))
    form.add_field("photo", b"not an image", filename="p.png")
    async with http.post(f"{server.bot_api_base_url}{TOKEN}/sendPhoto", data=form) as response:
        assert (await response.json())["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    _status, body = await api("sendPhoto", chat_id=ANNA, photo="unknown-id")
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    _status, body = await api("sendDocument", chat_id=ANNA, document=photo["file_id"])
    assert body["description"] == "Bad Request: type of file mismatch"


# --- other methods ---------------------------------------------------------------------------


async def test_chat_action_commands_menu_and_get_chat(server: SandboxServer, api: BotApiClient) -> None:
    assert await api.ok("sendChatAction", chat_id=ANNA, action="typing") is True
    assert server.emulator.chat_state(ANNA).action is not None
    assert (await api("sendChatAction", chat_id=ANNA, action="dancing"))[0] == 400
    await api.ok("setMyCommands", commands=[{"command": "start", "description": "Start"}])
    await api.ok("setMyCommands", commands=[{"command": "hilfe", "description": "Hilfe"}], language_code="de")
    chat_scope = {"type": "chat", "chat_id": BEN}
    await api.ok("setMyCommands", commands=[{"command": "admin", "description": "Admin"}], scope=chat_scope)
    assert await api.ok("getMyCommands") == [{"command": "start", "description": "Start"}]
    assert (await api.ok("getMyCommands", language_code="de"))[0]["command"] == "hilfe"
    assert (await api.ok("getMyCommands", scope=chat_scope))[0]["command"] == "admin"
    assert server.emulator.commands_for(ANNA, "de")[0]["command"] == "hilfe"
    assert server.emulator.commands_for(ANNA, "en")[0]["command"] == "start"
    assert server.emulator.commands_for(BEN, "en")[0]["command"] == "admin"
    await api.ok("deleteMyCommands", language_code="de")
    assert await api.ok("getMyCommands", language_code="de") == []
    _status, body = await api("setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])
    assert body["description"] == "Bad Request: BOT_COMMAND_INVALID"
    assert await api.ok("setChatMenuButton", chat_id=ANNA, menu_button={"type": "commands"}) is True
    chat = await api.ok("getChat", chat_id=ANNA)
    assert chat["id"] == ANNA and chat["type"] == "private" and chat["first_name"] == "Anna"


# --- faults ----------------------------------------------------------------------------------


async def test_blocked_chat_gets_403_only_for_that_chat(server: SandboxServer, api: BotApiClient) -> None:
    server.emulator.block_chat(ANNA)
    status, body = await api("sendMessage", chat_id=ANNA, text="x")
    assert (status, body) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    assert (await api("sendChatAction", chat_id=ANNA, action="typing"))[0] == 403
    assert (await bot_message(api, chat_id=BEN))["chat"]["id"] == BEN
    assert await api.ok("getMe")  # not a send: never faulted
    server.emulator.block_chat(ANNA, blocked=False)
    await bot_message(api)


async def test_rate_limit_for_the_next_calls_and_for_a_period(
    server: SandboxServer, api: BotApiClient
) -> None:
    server.emulator.rate_limit(retry_after=7, calls=2)
    for _ in range(2):
        status, body = await api("sendMessage", chat_id=BEN, text="x")
        assert status == 429 and body["parameters"] == {"retry_after": 7}
        assert body["description"] == "Too Many Requests: retry after 7"
    await bot_message(api, chat_id=BEN)
    server.emulator.send_text(ANNA, "still delivered")
    server.emulator.rate_limit(seconds=30)
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["still delivered"]  # not faulted
    status, body = await api("editMessageText", chat_id=ANNA, message_id=1, text="x")
    assert status == 429 and 29 <= body["parameters"]["retry_after"] <= 30
    server.emulator.clear_faults()
    await bot_message(api)


async def test_server_errors_for_the_next_calls(server: SandboxServer, api: BotApiClient) -> None:
    server.emulator.server_error(calls=2)
    for _ in range(2):
        status, body = await api("sendMessage", chat_id=ANNA, text="x")
        assert (status, body["description"]) == (502, "Bad Gateway")
    await bot_message(api)


async def test_delay_applies_to_every_call(server: SandboxServer, api: BotApiClient) -> None:
    server.emulator.set_delay(0.3)
    for method, params in (
        ("getMe", {}),
        ("sendMessage", {"chat_id": ANNA, "text": "x"}),
        ("getUpdates", {}),
    ):
        started = time.monotonic()
        assert (await api(method, **params))[0] == 200
        assert time.monotonic() - started >= 0.3


# --- observability ---------------------------------------------------------------------------


async def test_calls_are_recorded_and_wait_for_is_event_driven(
    server: SandboxServer, api: BotApiClient
) -> None:
    emulator = server.emulator
    waiter = asyncio.create_task(emulator.wait_for_message(ANNA, lambda m: m.text == "second", timeout=5))
    await bot_message(api, text="first")
    await bot_message(api, text="second")
    assert (await waiter).text == "second"
    sends = emulator.calls_to("sendMessage")
    assert [c.params["text"] for c in sends] == ["first", "second"]
    assert sends[0].params["chat_id"] == ANNA and sends[0].ok and sends[0].result["text"] == "first"
    assert sends[0].time <= sends[0].finished <= sends[1].time
    await api("sendMessage", chat_id=ANNA, text="")
    assert emulator.calls[-1].error == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message text is empty",
    }
    record = await emulator.wait_for_call("sendMessage", lambda c: not c.ok)
    assert record is emulator.calls[-1]
    with pytest.raises(TimeoutError):
        await emulator.wait_for(lambda: False, timeout=0.1)


def test_emulator_works_without_a_server() -> None:
    emulator = Emulator()
    user = emulator.add_user("Solo", "fr")
    status, _body = asyncio.run(emulator.call("sendMessage", {"chat_id": str(user.id), "text": "salut"}))
    assert status == 200 and emulator.messages_in(user.id)[0].text == "salut"


# --- the page's JSON API ---------------------------------------------------------------------


async def test_page_api(server: SandboxServer, http: aiohttp.ClientSession, api: BotApiClient) -> None:
    base = f"{server.base_url}/sandbox/api"
    async with http.get(f"{base}/state") as response:
        state = await response.json()
    assert [u["first_name"] for u in state["users"]] == ["Anna", "Ben"]
    assert state["features"] == {"make_coordinator": False, "clock": False, "reset": True}
    async with http.post(f"{base}/users", json={"first_name": "Cem", "language_code": "tr"}) as response:
        cem = (await response.json())["user"]
    async with http.post(f"{base}/users/{cem['id']}/text", json={"text": "/start"}) as response:
        assert response.status == 200
    async with http.post(f"{base}/users/{cem['id']}/send/location", json={}) as response:
        assert response.status == 200
    message = await bot_message(api, chat_id=cem["id"], reply_markup=keyboard("go"))
    press = {"message_id": message["message_id"], "data": "forged"}
    async with http.post(f"{base}/users/{cem['id']}/press", json=press) as response:
        assert response.status == 400  # the page can only press real buttons
    async with http.post(f"{base}/users/{cem['id']}/press", json={**press, "data": "go"}) as response:
        assert response.status == 200
    async with http.post(f"{base}/users/{cem['id']}/coordinator", json={}) as response:
        assert response.status == 404  # no hook configured
    async with http.post(
        f"{base}/faults", json={"kind": "rate_limit", "retry_after": 4, "calls": 1}
    ) as response:
        assert (await response.json())["faults"]["rate_limit_calls"] == 1
    async with http.post(f"{base}/users/{cem['id']}/block", json={"blocked": True}) as response:
        assert response.status == 200
    async with http.post(f"{base}/faults", data="kind=clear") as response:
        assert response.status == 415  # JSON only: other sites cannot post forms here
    async with http.get(f"{base}/events?since={server.emulator.version - 1}") as response:
        assert (await response.json())["users"][2]["blocked"] is True  # answers at once
    kinds = [list(u)[1] for u in await api.ok("getUpdates")]
    assert kinds == ["message", "message", "callback_query"]
    state = server.emulator.snapshot()
    assert state["faults"]["blocked_chats"] == [cem["id"]] and state["faults"]["rate_limit_calls"] == 1


async def test_events_long_poll_wakes_on_change(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    version = server.emulator.version

    async def later() -> None:
        await asyncio.sleep(0.2)
        server.emulator.send_text(ANNA, "ping")

    task = asyncio.create_task(later())
    started = time.monotonic()
    async with http.get(f"{server.base_url}/sandbox/api/events?since={version}") as response:
        state = await response.json()
    await task
    assert time.monotonic() - started < 3 and state["version"] > version
    assert state["users"][0]["messages"][-1]["text"] == "ping"


async def test_coordinator_hook(http: aiohttp.ClientSession) -> None:
    made: list[int] = []

    async def make_coordinator(user_id: int) -> None:
        made.append(user_id)

    async with SandboxServer(on_make_coordinator=make_coordinator) as server:
        user = server.emulator.users[2]
        # The default users; the coordinator column speaks German like the others.
        assert user.language_code == "de" and len(server.emulator.users) == 3
        base = f"{server.base_url}/sandbox/api"
        async with http.post(f"{base}/users/{user.id}/coordinator", json={}) as response:
            assert response.status == 200
        await wait_until(lambda: made == [user.id])
        async with http.get(f"{base}/state") as response:
            state = await response.json()
        assert state["features"]["make_coordinator"] is True
        assert [u["coordinator"] for u in state["users"]] == [False, False, True]
        assert [u["role"] for u in state["users"]] == ["municipality", "municipality", "coordinator"]


async def test_remove_a_user_and_reset_without_a_bot(http: aiohttp.ClientSession) -> None:
    async with SandboxServer() as server:
        emulator = server.emulator
        first, second, third = emulator.users
        base = f"{server.base_url}/sandbox/api"
        emulator.send_text(first.id, "/start")
        async with http.post(f"{base}/users/{second.id}/remove", json={}) as response:
            assert response.status == 200
        async with http.post(f"{base}/users/{second.id}/remove", json={}) as response:
            assert response.status == 400  # gone already
        assert [u.id for u in emulator.users] == [first.id, third.id]
        status, body = await emulator.call("sendMessage", {"chat_id": second.id, "text": "Hallo"})
        assert (status, body["description"]) == (403, "Forbidden: user is deactivated")
        async with http.post(f"{base}/clock", json={"seconds": 3600}) as response:
            assert response.status == 404  # no bot's clock behind a bare emulator
        async with http.post(f"{base}/reset", json={}) as response:
            assert response.status == 200
        async with http.get(f"{base}/state") as response:
            state = await response.json()
        assert [u["id"] for u in state["users"]] == [first.id, second.id, third.id]
        assert all(u["messages"] == [] for u in state["users"]) and state["pending_updates"] == 0
        assert state["generation"] == 1


# --- a real PTB bot --------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after's type
async def test_ptb_bot_against_the_sandbox(server: SandboxServer) -> None:
    emulator = server.emulator
    async with Bot(TOKEN, base_url=server.bot_api_base_url) as bot:
        me = await bot.get_me()
        assert me.is_bot and me.username == "miglobe_sandbox_bot"
        emulator.start(ANNA)
        [update] = await bot.get_updates(timeout=2)
        assert update.message.text == "/start" and update.message.entities[0].type == "bot_command"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Weiter", callback_data="next")]])
        sent = await bot.send_message(ANNA, "<b>Hallo</b> Anna", parse_mode="HTML", reply_markup=markup)
        assert sent.text == "Hallo Anna" and sent.reply_markup == markup
        emulator.press_button(ANNA, sent.message_id, "next")
        [update] = await bot.get_updates(offset=update.update_id + 1, timeout=2)
        assert update.callback_query.data == "next"
        assert update.callback_query.message.message_id == sent.message_id
        assert await bot.answer_callback_query(update.callback_query.id, "OK")
        edited = await bot.edit_message_text("Fertig", chat_id=ANNA, message_id=sent.message_id)
        assert edited.text == "Fertig" and edited.edit_date is not None and edited.reply_markup is None
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("Fertig", chat_id=ANNA, message_id=sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(ANNA, "1 < 2", parse_mode="HTML")
        emulator.block_chat(BEN)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(BEN, "x")
        emulator.rate_limit(retry_after=5)
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(ANNA, "x")
        assert retry.value.retry_after in (5, dt.timedelta(seconds=5))
        emulator.server_error()
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(ANNA, "x")
        assert (await bot.send_message(ANNA, "back to normal")).text == "back to normal"
        assert await bot.get_updates(offset=update.update_id + 1) == ()


# --- sync use and standalone -----------------------------------------------------------------


def test_sandbox_thread_offers_a_sync_api() -> None:
    with SandboxThread(initial_users=[("Dora", "de")]) as sandbox:
        emulator = sandbox.emulator
        dora = emulator.users[0]
        emulator.send_text(dora.id, "/start")

        async def reply() -> None:
            async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as bot:
                [update] = await bot.get_updates()
                await bot.send_message(update.message.chat_id, "Hallo Dora")

        sandbox.submit(reply()).result(10)
        message = emulator.wait_for_message(dora.id, timeout=5)
        assert message.text == "Hallo Dora" and sandbox.port > 0
    assert sandbox.server is not None and sandbox.server.emulator.closing


def test_standalone_server_prints_its_urls() -> None:
    process = subprocess.Popen(
        [sys.executable, "-W", "error::RuntimeWarning", "-m", "bot.sandbox.server", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Sandbox page:"), (line, process.stderr and process.stderr.read())
        url = line.split()[-1]
        with urllib.request.urlopen(url, timeout=5) as response:
            assert b"MiGlobe-Sandbox" in response.read()
        assert "/bot" in process.stdout.readline()
    finally:
        process.terminate()
        process.wait(10)
