"""/koordination and /coordinators: coordinators list who coordinates, add someone who has written to
the bot (by Telegram id or @username) and remove a coordinator, each after a confirmation.

The rules (audited, never the last coordinator, a configured role only through the settings) are
:mod:`bot.services.coordinator_roles`; this module words them, tells the person concerned in their
language and refreshes their command menu. Screens show names, so they open in the private chat.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import commands
from bot.authz import private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs
from bot.services import coordinator_roles as roles
from bot.services.coordinator_roles import RoleChange, RoleOutcome
from handlers.callback_data import Pressed, data, parse
from handlers.notify import Outbox, Reader, me
from models import ChatInput, Role, RoleSource, User, utcnow

PREFIX = "co"
ADD_INPUT = "co_add"
# The chat_inputs kinds whose typed answers handlers.awaiting hands to ``on_text``.
KINDS: tuple[str, ...] = (ADD_INPUT,)
SOURCES = {
    RoleSource.CONFIG: N_("from the configuration"),
    RoleSource.CHAT: N_("added in the chat"),
    RoleSource.INVITATION: N_("from an invitation"),
}
REFUSED = {
    RoleOutcome.NOT_ALLOWED: N_("This is only available to coordinators."),
    RoleOutcome.NOT_FOUND: N_("This person is not known here."),
    RoleOutcome.ALREADY: N_("{name} is already a coordinator."),
    RoleOutcome.NOT_HOLDING: N_("{name} is not a coordinator (any more)."),
    RoleOutcome.LAST: N_(
        "{name} is the last coordinator; the role cannot be removed. Add someone else first."
    ),
    RoleOutcome.CONFIGURED: N_(
        "{name} is a coordinator through the configuration (COORDINATOR_IDS). The role ends when the id "
        "is removed there and the bot restarts."
    ),
}
UNKNOWN_PERSON = N_(
    "Nobody with this Telegram id or username is known here. The person must have written in this chat "
    "before; ask them to send /start here, then try again."
)
TOLD_GRANTED = N_(
    "👥 {name} has made you a coordinator of MiGlobe Baden-Württemberg. Your menu now shows the "
    "coordination commands; /{command} lists the team."
)
TOLD_REVOKED = N_(
    "👥 {name} has ended your coordinator role. The coordination commands are no longer available."
)


def _name(user: User) -> str:
    """Name and @username, escaped."""
    name = html.escape(user.first_name or "–")
    return f"{name} (@{html.escape(user.username)})" if user.username else name


def _back(r: Reader) -> InlineKeyboardButton:
    """The button back to the list."""
    return InlineKeyboardButton(r._("⬅️ All coordinators"), callback_data=data(PREFIX, "l"))


async def _list_screen(context: BotContext, notice: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The coordinators with since when and from where, a remove button each, and "add"."""
    r = me(context)
    team = await roles.coordinators(context.db)
    lines = [
        r._("• {name} – since {date}, {source}").format(
            name=_name(c.user),
            date=r.day(c.since, "medium"),
            source=r._(SOURCES.get(c.source or RoleSource.CONFIG, SOURCES[RoleSource.CONFIG])),
        )
        for c in team
    ]
    parts = [notice] if notice else []
    parts += [r._("👥 <b>Coordinators</b>"), "\n".join(lines)]
    parts.append(r._("A role from the configuration (COORDINATOR_IDS) ends when the id is removed there."))
    rows = [
        [
            InlineKeyboardButton(
                r._("➖ Remove {name}").format(name=c.user.first_name[:40]),
                callback_data=data(PREFIX, "r", c.user.id),
            )
        ]
        for c in team
    ]
    rows.append([InlineKeyboardButton(r._("➕ Add a coordinator"), callback_data=data(PREFIX, "a"))])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def _refusal(context: BotContext, change: RoleChange) -> str:
    """Why a grant or revoke did nothing, in words."""
    text = context.gettext(REFUSED.get(change.kind, REFUSED[RoleOutcome.NOT_FOUND]))
    return text.format(name=_name(change.user) if change.user else "–")


def _confirm_grant(context: BotContext, person: User) -> tuple[str, InlineKeyboardMarkup]:
    """The question before adding ``person``."""
    r = me(context)
    text = r._(
        "Make {name} a coordinator? Coordinators see every request with the contact's details, steer "
        "advisors and can add or remove coordinators."
    ).format(name=_name(person))
    yes = InlineKeyboardButton(r._("✅ Yes, make coordinator"), callback_data=data(PREFIX, "gy", person.id))
    return text, InlineKeyboardMarkup([[yes], [_back(r)]])


async def _ask_person(context: BotContext, problem: str | None = None) -> None:
    """Ask for the Telegram id or @username of the person to add (``problem`` first, if any)."""
    await chat_inputs.expect(context.db, context.user.id, ADD_INPUT, utcnow())
    r = me(context)
    prompt = r._(
        "Please send the Telegram id or @username of the person. They must have written in this chat before."
    )
    context.reply("\n\n".join([problem, prompt] if problem else [prompt]), InlineKeyboardMarkup([[_back(r)]]))


async def _offer_grant(context: BotContext, person: User | None) -> None:
    """The confirmation of adding ``person``, or why not (asked again when unknown)."""
    if person is None:
        await _ask_person(context, context.gettext(UNKNOWN_PERSON))
    elif person.has_role(Role.COORDINATOR):
        notice = _refusal(context, RoleChange(RoleOutcome.ALREADY, person))
        context.reply(*await _list_screen(context, notice))
    else:
        context.reply(*_confirm_grant(context, person))


@requires(Role.COORDINATOR)
@private_only()
async def show_coordinators(update: Update, context: BotContext) -> None:
    """Answer /koordination and /coordinators: the team; with an id or @username, offer to add them."""
    await chat_inputs.clear(context.db, context.user.id, ADD_INPUT)
    text = update.effective_message.text if update.effective_message else ""
    typed = (text or "").partition(" ")[2].strip()
    if typed:
        await _offer_grant(context, await roles.find_person(context.db, typed[:64]))
        return
    context.reply(*await _list_screen(context))


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """The typed id or @username after "add": the confirmation, or the question again."""
    if not context.user.has_role(Role.COORDINATOR):
        await chat_inputs.clear(context.db, context.user.id)
        context.reply(context.gettext("This is only available to coordinators."))
        return
    person = await roles.find_person(context.db, text[:64])
    # An unknown person is asked for again (that replaces the open question); a known one uses it up.
    if person is not None and not await chat_inputs.take(context.db, row):
        return
    await _offer_grant(context, person)


async def _tell(context: BotContext, person: User, message: str) -> None:
    """Tell the person concerned in their language, and send them their new command menu."""
    commands.enqueue_menu(context.db, person)
    out = Outbox.of(context)
    reader = await out.reader(person.id)
    if reader is not None:
        text = reader._(message).format(
            name=html.escape(context.user.first_name), command=command("coordinators").name(reader.locale)
        )
        out.send(reader, text)


async def _confirm_revoke(context: BotContext, pressed: Pressed) -> None:
    """The question before removing, or at once why it cannot be done."""
    target = pressed.id(0)
    change = await roles.check_revoke(context.db, target or 0, context.settings.coordinator_ids)
    if change.kind is not RoleOutcome.DONE or change.user is None:
        context.answer(_refusal(context, change), alert=True)
        return
    r = me(context)
    text = r._("Remove the coordinator role from {name}? They are told, and lose the coordination commands.")
    yes = InlineKeyboardButton(r._("✅ Yes, remove"), callback_data=data(PREFIX, "ry", change.user.id))
    context.answer()
    context.edit(text.format(name=_name(change.user)), InlineKeyboardMarkup([[yes], [_back(r)]]))


async def _grant(context: BotContext, pressed: Pressed) -> None:
    """Add the confirmed person, tell them and show the list."""
    change = await roles.grant(context.db, context.user.id, pressed.id(0) or 0, utcnow())
    if change.kind is not RoleOutcome.DONE or change.user is None:
        context.answer(_refusal(context, change), alert=True)
        context.edit(*await _list_screen(context))
        return
    await _tell(context, change.user, TOLD_GRANTED)
    context.answer(context.gettext("Added."))
    notice = context.gettext("✓ {name} is now a coordinator.").format(name=_name(change.user))
    context.edit(*await _list_screen(context, notice))


async def _revoke(context: BotContext, pressed: Pressed) -> None:
    """Remove the confirmed person, tell them and show the list."""
    ids = context.settings.coordinator_ids
    change = await roles.revoke(context.db, context.user.id, pressed.id(0) or 0, ids, utcnow())
    if change.kind is not RoleOutcome.DONE or change.user is None:
        context.answer(_refusal(context, change), alert=True)
        return
    await chat_inputs.clear(context.db, change.user.id)
    await _tell(context, change.user, TOLD_REVOKED)
    context.answer(context.gettext("Removed."))
    notice = context.gettext("✓ {name} is no longer a coordinator.").format(name=_name(change.user))
    if change.user.id == context.user.id:
        context.edit(notice)  # they removed themselves: no list they could act on any more
        return
    context.edit(*await _list_screen(context, notice))


@requires(Role.COORDINATOR)
@private_only()
async def coordinators_button(update: Update, context: BotContext) -> None:
    """The list, "add", and the confirmations of adding and removing."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, PREFIX)
    action = pressed.action if pressed is not None else ""
    if action != "a":
        await chat_inputs.clear(context.db, context.user.id, ADD_INPUT)
    if pressed is None or action not in ("l", "a", "r", "ry", "gy"):
        context.answer(context.gettext("This button is no longer valid."), alert=True)
    elif action == "l":
        context.answer()
        context.edit(*await _list_screen(context))
    elif action == "a":
        context.answer()
        await _ask_person(context)
    elif pressed.id(0) is None:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
    elif action == "r":
        await _confirm_revoke(context, pressed)
    elif action == "ry":
        await _revoke(context, pressed)
    else:
        await _grant(context, pressed)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("coordinators").names, show_coordinators),
        CallbackQueryHandler(coordinators_button, pattern=f"^{PREFIX}:"),
    ]
