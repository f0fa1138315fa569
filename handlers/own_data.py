"""/meinedaten and /mydata: everything stored about a person, as a JSON file in their private chat.

A coordinator can send ``/meinedaten <Telegram id | MG-reference>`` in their private chat to get
a person's file on their behalf (recorded in the audit trail without the person's data). Typed in a
group, one's own file still goes to the private chat only.
"""

from __future__ import annotations

import base64
import html
import json

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from bot.runtime import outbox
from bot.services import audit, personal_data
from handlers.intake.common import is_private
from models import AuditAction, Role, User, utcnow

PRIVACY_PREFIX = "pv"  # the privacy screen's buttons (this module: "pv:d", the file)
MY_DATA = f"{PRIVACY_PREFIX}:d"


def data_file(context: BotContext, data: dict[str, object]) -> tuple[str, bytes]:
    """The file name (in the reader's language) and the UTF-8 JSON of ``data``."""
    _ = context.gettext
    day = utcnow().astimezone(context.settings.tz).date().isoformat()
    stem = _("miglobe-my-data")
    name = f"{stem}-{day}.json"
    return name, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def send_file(context: BotContext, chat_id: int, filename: str, content: bytes, caption: str) -> None:
    """Queue the file for ``chat_id`` (the sender uploads it; its content is not kept once sent)."""
    outbox.enqueue(
        context.db,
        chat_id,
        "sendDocument",
        {
            "document": {"filename": filename, "content_b64": base64.b64encode(content).decode("ascii")},
            "caption": caption,
            "parse_mode": "HTML",
        },
        inbox_id=context.scope.inbox_id,
    )


def own_caption(context: BotContext) -> str:
    """What the file holds and what it leaves out, and how to delete it all."""
    _ = context.gettext
    return "\n".join(
        [
            _("🗂 <b>Your data</b>"),
            _(
                "Everything we store about you: profile, roles, consents, requests with their "
                "history, questions and answers, programme news."
            ),
            _("Not included: the coordination team's internal notes."),
            _("To delete it all: /{command}").format(command=command("delete").name(context.locale)),
        ]
    )


async def send_own_data(update: Update, context: BotContext) -> None:
    """Send the person their own file, always in their private chat."""
    _ = context.gettext
    user = context.user
    content = await personal_data.collect(context.db, user, utcnow())
    filename, raw = data_file(context, content)
    send_file(context, user.telegram_id, filename, raw, own_caption(context))
    if not is_private(update):
        context.reply(_("We have sent your data to you in our private chat."))


async def _on_behalf(update: Update, context: BotContext, key: str) -> None:
    """A coordinator asks for a person's file: only in their private chat, audited."""
    _ = context.gettext
    if not context.user.has_role(Role.COORDINATOR):
        context.reply(_("This is only available to coordinators."))
        return
    if not is_private(update):
        context.reply(_("Please use this in your private chat with us."))
        return
    person = await find_person_or_say(context, key)
    if person is None:
        return
    await _send_for(context, person, key)


async def find_person_or_say(context: BotContext, key: str) -> User | None:
    """The person a coordinator names by Telegram id or MG-reference; if nobody, say so and return None."""
    person = await personal_data.find_person(context.db, key)
    if person is None:
        context.reply(
            context.gettext(
                "Nobody found for {key}. Please give a Telegram id or a request reference (MG-…)."
            ).format(key=html.escape(key[:40]))
        )
    return person


async def _send_for(context: BotContext, person: User, key: str) -> None:
    """Send the person's stored data as a file."""
    _ = context.gettext
    content = await personal_data.collect(context.db, person, utcnow())
    filename, raw = data_file(context, content)
    caption = "\n".join(
        [
            _("🗂 <b>Data of the person behind {key}</b>").format(key=html.escape(key[:40])),
            _("Please pass it on to them only through a safe channel."),
        ]
    )
    send_file(context, context.user.telegram_id, filename, raw, caption)
    # Who took whose file out is recorded; the person is not named in the audit trail.
    audit.record(
        context.db,
        context.user.id,
        AuditAction.DATA_EXPORT,
        utcnow(),
        details={"requests": len(content.get("requests", [])), "on_behalf": True},  # type: ignore[arg-type]
    )


async def my_data_command(update: Update, context: BotContext) -> None:
    """Answer /meinedaten and /mydata (with an argument: a coordinator on a person's behalf)."""
    args = context.args or []
    if args:
        await _on_behalf(update, context, " ".join(args))
        return
    await send_own_data(update, context)


async def my_data_button(update: Update, context: BotContext) -> None:
    """The "My data" button of the privacy screen."""
    context.answer(context.gettext("Your data is on its way."))
    await send_own_data(update, context)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("mydata").names, my_data_command),
        CallbackQueryHandler(my_data_button, pattern=f"^{MY_DATA}$"),
    ]
