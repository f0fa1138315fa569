"""Small helpers shared by the intake's modules: timing, today's date, escaping that fits a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.commands import command
from bot.context import BotContext
from bot.services.intake import DraftTiming
from bot.services.intake_answers import TOTAL_STEPS, previous_step, step_number
from bot.telegram_text import TEXT_LIMIT, clip, shown, utf16_length, visible_length
from handlers.intake import callbacks
from models import IntakeDraft, IntakeStep, utcnow

# /start anfrage opens the intake (the group answer links to it).
DEEP_LINK = "anfrage"


def timing(context: BotContext) -> DraftTiming:
    """Reminder and retention of drafts as configured."""
    return DraftTiming.from_settings(context.settings)


def today(context: BotContext) -> date:
    """Today in the programme's time zone (dates are picked in Berlin time)."""
    return utcnow().astimezone(context.settings.tz).date()


def is_private(update: Update) -> bool:
    """Whether the update comes from the user's private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def pressed_by_owner(update: Update) -> bool:
    """Whether the pressed button sits in the presser's own private chat (not a group, not inline)."""
    query = update.callback_query
    if query is None or query.message is None:
        return False
    chat = query.message.chat
    return chat.type == ChatType.PRIVATE and chat.id == query.from_user.id


def preview(value: str, limit: int = 200) -> str:
    """``value`` cut to ``limit`` characters as Telegram counts them (with "…"), escaped for HTML."""
    return shown(value, limit)


def fit(build: Callable[[dict[str, str]], str], values: dict[str, str]) -> str:
    """The message ``build`` makes from user-given ``values``, shortening the longest until it fits.

    ``build`` receives the raw values and must escape them itself; the limit is checked on the
    finished message as Telegram counts it (tags removed, entities one character), so escaping
    never costs the reader any of their text.
    """
    current = dict(values)
    text = build(current)
    while visible_length(text) > TEXT_LIMIT:
        key = max(current, key=lambda k: utf16_length(current[k]))
        size = utf16_length(current[key])
        if size <= 1:
            raise ValueError("message cannot be shortened to fit")
        current[key] = clip(current[key], int(size * 0.8))
        text = build(current)
    return text


def header(context: BotContext, step: IntakeStep) -> str:
    """Where the user is: "Step 5 of 10", or the summary's title."""
    _ = context.gettext
    number = step_number(step)
    if number is None:
        return _("<b>Last step: check and send</b>")
    return _("<b>Step {number} of {total}</b>").format(number=number, total=TOTAL_STEPS)


def footer(context: BotContext) -> str:
    """How to go back, pause or discard, on every question (command names in the user's language)."""
    text = context.gettext(
        "<i>/{back}: one step back · /{later}: continue later · /{cancel}: discard the draft</i>"
    )
    return text.format(
        back=command("back").name(context.locale),
        later=command("later").name(context.locale),
        cancel=command("cancel").name(context.locale),
    )


def draft_gone(context: BotContext) -> str:
    """For a draft that no longer exists (sent, deleted, expired); never reads as a dropped request."""
    return context.gettext(
        "This draft is no longer open. Requests you have sent are under /{status}; a new one starts with "
        "/{request}."
    ).format(status=command("status").name(context.locale), request=command("request").name(context.locale))


def no_draft(context: BotContext) -> str:
    """/back, /later or /cancel without a draft: say so, and that sent requests are not affected."""
    return context.gettext(
        "You have no draft open right now. Requests you have sent are not affected: see /{status}. "
        "To start a new request, send /{request}."
    ).format(status=command("status").name(context.locale), request=command("request").name(context.locale))


def nav_row(context: BotContext, draft: IntakeDraft, *, keep: bool = False) -> list[InlineKeyboardButton]:
    """Back (or back to the summary while editing) and, when the step has an answer, keep it."""
    _ = context.gettext
    step = IntakeStep(draft.step)
    row = []
    if draft.editing:
        row.append(InlineKeyboardButton(_("↩️ Back to summary"), callback_data=callbacks.data(step, "back")))
    elif previous_step(step) is not None:
        row.append(InlineKeyboardButton(_("⬅️ Back"), callback_data=callbacks.data(step, "back")))
    if keep:
        row.append(InlineKeyboardButton(_("Keep ➡️"), callback_data=callbacks.data(step, "keep")))
    return row


def private_only(context: BotContext) -> None:
    """Requests hold personal details: point from a group to the private chat."""
    _ = context.gettext
    username = context.bot.username
    markup = None
    if username:
        link = f"https://t.me/{username}?start={DEEP_LINK}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("💬 Open a private chat"), url=link)]])
    context.reply(_("For your privacy, requests are made in a private chat with us."), markup)
