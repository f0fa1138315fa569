"""Command menus per scope and language, and the one place where roles are checked."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import commands
from bot.authz import requires
from bot.context import BotContext
from bot.services import users
from models import OutboxMessage, Role
from tests.harness import Harness, TelegramUser


async def test_menus_per_scope_and_language(harness: Harness) -> None:
    await harness.text(TelegramUser(900, "Coord", "en"), "/start")  # a configured coordinator
    await harness.text(TelegramUser(300, "Adv", "de"), "/start")
    await harness.text(TelegramUser(301, "Contact", "de"), "/start")
    async with harness.runtime.db.transaction() as session:
        advisor = await users.get_by_telegram_id(session, 300)
        assert advisor is not None
        users.grant_role(advisor, Role.ADVISOR)
    harness.api.calls.clear()
    await commands.publish(harness.runtime.application.bot, harness.runtime.db, harness.runtime.settings)
    menus = {}
    for method, params in harness.api.calls:
        assert method == "setMyCommands"
        scope = json.loads(params["scope"])
        key = (scope["type"], scope.get("chat_id"), params.get("language_code"))
        menus[key] = [c["command"] for c in json.loads(params["commands"])]
    german = ["start", "anfrage", "meineanfragen", "hilfe", "datenschutz", "sprache", "neuigkeiten"]
    assert menus[("all_private_chats", None, "de")] == german
    assert menus[("all_private_chats", None, "en")] == [
        "start",
        "request",
        "status",
        "help",
        "privacy",
        "language",
        "news",
    ]
    assert menus[("all_private_chats", None, None)] == german
    # Staff get a menu in their own chat, in their language, their own role's commands first;
    # plain contacts do not.
    assert menus[("chat", 900, None)][:3] == ["requests", "advisors", "stats"]
    assert {"broadcast", "export", "start", "request"} <= set(menus[("chat", 900, None)])
    assert menus[("chat", 300, None)] == ["profil", "auftraege", "pause", *german]
    assert ("chat", 301, None) not in menus


async def test_role_check_refuses_commands_and_buttons_whatever_the_data_says(harness: Harness) -> None:
    @requires(Role.COORDINATOR)
    async def secret(update: Update, context: BotContext) -> None:
        context.reply("the secret")

    app = harness.runtime.application
    # Ahead of the fallbacks in the default group, where feature handlers live.
    app.handlers[0][:0] = [CommandHandler("geheim", secret), CallbackQueryHandler(secret, pattern="^coord:")]

    [refused] = await harness.text(TelegramUser(302, "A", "de"), "/geheim")
    assert refused.text == "Das steht nur der Koordination zur Verfügung."
    assert await harness.press(TelegramUser(303, "B", "en"), "coord:assign:1") == []
    assert harness.answered_callbacks()[-1]["text"] == "This is only available to coordinators."

    [allowed] = await harness.text(TelegramUser(900, "Coord", "en"), "/geheim")
    assert allowed.text == "the secret"


async def test_a_configured_coordinator_gets_the_staff_menu_on_first_contact(harness: Harness) -> None:
    sent = await harness.feed(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 900, "type": "private"},
                "from": {"id": 900, "is_bot": False, "first_name": "Coord", "language_code": "en"},
                "text": "hello",
            }
        }
    )
    assert [s.method for s in sent] == ["sendMessage"]  # the reply; the menu is not the update's
    async with harness.runtime.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.method == "setMyCommands"))
        [menu] = list(rows)
    assert menu.payload["scope"] == {"type": "chat", "chat_id": 900}
    assert [c["command"] for c in menu.payload["commands"]][:3] == ["requests", "advisors", "stats"]
    # A second message changes nothing: the role is granted once.
    await harness.text(TelegramUser(900, "Coord", "en"), "/help")
    async with harness.runtime.db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.method == "setMyCommands")
        )
    assert count == 1


async def test_a_contact_who_changes_the_language_gets_the_menu_in_it(harness: Harness) -> None:
    contact = TelegramUser(302, "Jane", "en")
    await harness.text(contact, "/language")
    await harness.press(contact, "lang:de")
    async with harness.runtime.db.transaction() as session:
        [menu] = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.method == "setMyCommands"))
        )
    assert menu.payload["scope"] == {"type": "chat", "chat_id": 302}
    assert [c["command"] for c in menu.payload["commands"]][:3] == ["start", "anfrage", "meineanfragen"]
