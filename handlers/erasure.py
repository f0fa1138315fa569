"""/loeschen and /delete: erase everything stored about oneself, after a confirmation screen.

The privacy screen's "withdraw consent and delete data" leads to the same confirmation. A
coordinator can erase a person on their behalf with ``/loeschen <Telegram id | MG-reference>`` in
their private chat (audited). The confirm button carries whom it erases and when it was shown: a
stale, forged or repeated press changes nothing and is answered politely.
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from bot.services import audit, erasure
from bot.services.offers import OfferTiming
from handlers import erasure_notices
from handlers.callback_data import data, parse
from handlers.intake.common import is_private
from handlers.notify import Outbox
from handlers.own_data import PRIVACY_PREFIX, find_person_or_say
from models import AuditAction, Role, User, utcnow

WITHDRAW, YES, NO = "w", "y", "n"
# A confirmation screen older than this is not acted on: the person sends /loeschen again.
CONFIRM_MINUTES = 24 * 60


def _minute(moment: datetime) -> int:
    """A moment in whole minutes, as the confirmation button carries it."""
    return int(moment.timestamp() // 60)


def _fingerprint(user: User) -> str:
    """Tells this person from a later one with the same row id (SQLite reuses the highest id after
    a deletion): a double tap after the erasure must not erase the person the tap created anew."""
    return hashlib.sha256(f"{user.id}:{user.created_at.isoformat()}".encode()).hexdigest()[:8]


def _buttons(context: BotContext, target: User) -> InlineKeyboardMarkup:
    """The buttons that confirm or cancel erasing the person's data."""
    _ = context.gettext
    yes = data(PRIVACY_PREFIX, YES, target.id, _minute(utcnow()), _fingerprint(target))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, delete everything"), callback_data=yes)],
            [InlineKeyboardButton(_("Cancel"), callback_data=data(PRIVACY_PREFIX, NO, target.id))],
        ]
    )


def _own_text(context: BotContext, preview: erasure.ErasurePreview) -> str:
    """What erasing means for the reader, role by role."""
    _ = context.gettext
    parts = [
        _("🗑 <b>Delete your data?</b>"),
        _(
            "This deletes what we store about you: your name, your contact details and what you "
            "typed, your questions, an unfinished request and your subscription to programme news."
        ),
    ]
    if preview.open_requests:
        parts.append(
            _("Open requests: {count}. They are withdrawn; advisors working on them are told.").format(
                count=preview.open_requests
            )
        )
    parts.append(_("Only anonymous figures (place, topics, dates) remain for the programme's statistics."))
    if Role.ADVISOR in preview.roles:
        parts.append(
            _(
                "As an advisor: your profile is deactivated and anonymised. Offers waiting for your "
                "answer go to other advisors; requests you hold go back to the coordination team, and "
                "agreed kickoff dates are cancelled."
            )
        )
    if Role.COORDINATOR in preview.roles:
        parts.append(
            _(
                "As a coordinator: your coordinator role ends. What you recorded stays in the requests' "
                "history without your name."
            )
        )
    if preview.configured_coordinator:
        parts.append(
            _(
                "Your Telegram id is in the bot's configuration (COORDINATOR_IDS): when you write again, "
                "you are a coordinator again unless it is removed there."
            )
        )
    parts.append(_("This cannot be undone."))
    return "\n\n".join(parts)


def _their_text(context: BotContext, person: User, preview: erasure.ErasurePreview) -> str:
    """The confirmation a coordinator sees before erasing someone on their behalf."""
    _ = context.gettext
    parts = [
        _("🗑 <b>Delete all data of {name}?</b>").format(name=html.escape(person.first_name or "–")),
        _("Requests: {count}, of them open (they are withdrawn, advisors are told): {open}").format(
            count=preview.requests, open=preview.open_requests
        ),
    ]
    if Role.ADVISOR in preview.roles:
        parts.append(
            _(
                "Advisor: the profile is deactivated and anonymised; held requests: {held} (back to the "
                "coordination team), offers waiting for an answer: {pending} (passed on)."
            ).format(held=preview.held_requests, pending=preview.pending_offers)
        )
    if Role.COORDINATOR in preview.roles:
        parts.append(_("Coordinator: the role ends."))
    parts.append(_("They get a short message that their data was deleted. This cannot be undone."))
    return "\n\n".join(parts)


def _last_coordinator(context: BotContext) -> str:
    """Why the only coordinator cannot erase their data yet."""
    return context.gettext(
        "You are the only coordinator. Please make someone else a coordinator first; then the data "
        "can be deleted."
    )


async def _confirmation(context: BotContext, person: User) -> tuple[str, InlineKeyboardMarkup | None]:
    """What erasing would remove, and the buttons to confirm it."""
    preview = await erasure.preview(context.db, person)
    if preview.last_coordinator:
        return _last_coordinator(context), None
    own = person.id == context.user.id
    text = _own_text(context, preview) if own else _their_text(context, person, preview)
    return text, _buttons(context, person)


async def delete_command(update: Update, context: BotContext) -> None:
    """Answer /loeschen and /delete: the confirmation screen (only in the private chat)."""
    _ = context.gettext
    if not is_private(update):
        context.reply(
            _("Please send /{command} in your private chat with us.").format(
                command=command("delete").name(context.locale)
            )
        )
        return
    args = context.args or []
    person = context.user
    if args:
        if not context.user.has_role(Role.COORDINATOR):
            context.reply(_("This is only available to coordinators."))
            return
        found = await find_person_or_say(context, " ".join(args))
        if found is None:
            return
        person = found
    context.reply(*await _confirmation(context, person))


async def _stale(context: BotContext, text: str) -> None:
    """Answer a press that cannot erase anything; a person the press itself created is forgotten again."""
    context.answer(text, alert=True)
    user = context.user
    if user.created_at == user.last_seen_at and await erasure.is_blank(context.db, user):
        await erasure.forget_blank(context.db, user)


async def erase_button(update: Update, context: BotContext) -> None:
    """The buttons: withdraw consent (shows the confirmation), confirm, cancel."""
    _ = context.gettext
    query = update.callback_query
    pressed = parse(query.data if query else None, PRIVACY_PREFIX)
    if pressed is None:
        return
    if pressed.action == WITHDRAW:
        context.answer()
        if not is_private(update):
            return
        context.edit(*await _confirmation(context, context.user))
        return
    target_id = pressed.id(0)
    target = await context.db.get(User, target_id) if target_id is not None else None
    if pressed.action == NO:
        context.answer()
        context.edit(_("Nothing was deleted."))
        return
    if pressed.action != YES or target is None or pressed.arg(2) != _fingerprint(target):
        await _stale(context, _("This screen is out of date; nothing more to delete here."))
        return
    on_behalf = target.id != context.user.id
    if on_behalf and not (context.user.has_role(Role.COORDINATOR) and is_private(update)):
        context.answer(_("This button is no longer valid."), alert=True)
        return
    shown = pressed.id(1)
    if shown is None or _minute(utcnow()) - shown > CONFIRM_MINUTES:
        context.answer(
            _("This screen is out of date. Please send /{command} again.").format(
                command=command("delete").name(context.locale)
            ),
            alert=True,
        )
        return
    await _erase(context, target, on_behalf)


async def _erase(context: BotContext, target: User, on_behalf: bool) -> None:
    """Erase the person's data and say so (to them or to the coordinator who asked)."""
    _ = context.gettext
    now = utcnow()
    actor_id = context.user.id
    timing = OfferTiming.from_settings(context.settings)
    result = await erasure.erase(context.db, target.id, actor_id, now, timing)
    if result.kind == erasure.ErasureOutcome.LAST_COORDINATOR:
        context.answer(_last_coordinator(context), alert=True)
        return
    if result.kind != erasure.ErasureOutcome.DONE:
        await _stale(context, _("This screen is out of date; nothing more to delete here."))
        return
    out = Outbox.of(context)
    await erasure_notices.announce(out, result)
    pressed = context.pressed_message_id() if not on_behalf else None
    erasure_notices.goodbye(out, result, on_behalf=on_behalf, message_id=pressed)
    if not on_behalf:
        context.answer(_("Your data has been deleted."))
        return
    audit.record(
        context.db,
        actor_id,
        AuditAction.DATA_ERASURE,
        now,
        details={"requests": result.requests, "questions": result.questions, "on_behalf": True},
    )
    context.answer()
    context.edit(
        _("✅ Deleted: {requests} requests anonymised, {questions} questions blanked.").format(
            requests=result.requests, questions=result.questions
        )
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("delete").names, delete_command),
        CallbackQueryHandler(erase_button, pattern=f"^{PRIVACY_PREFIX}:[{WITHDRAW}{YES}{NO}]"),
    ]
