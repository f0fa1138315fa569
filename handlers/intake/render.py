"""Each step's question as a message: where the user is, the question, the answer so far, buttons."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import language_name
from bot.services import languages, requests
from bot.services.intake_answers import (
    MAX_WINDOWS,
    TOPICS,
    is_answered,
    request_fields,
    windows_of,
)
from bot.services.validation import GOALS_MAX, display_phone
from bot.telegram_text import BUTTON_LIMIT, button_label
from handlers.intake import callbacks, labels, summary
from handlers.intake.calendar import clamp_month, day_code, month_rows, window_label
from handlers.intake.common import footer, header, nav_row, preview, today
from models import IntakeDraft, IntakeStep

Rows = list[list[InlineKeyboardButton]]
Part = tuple[str, Rows]


def _button(label: str, step: IntakeStep, action: str, argument: str = "") -> InlineKeyboardButton:
    """A button of an intake step."""
    return InlineKeyboardButton(label, callback_data=callbacks.data(step, action, argument))


def _current(context: BotContext, value: str) -> str:
    """The user's answer so far, as a step shows it."""
    return context.gettext("Your answer so far: <b>{answer}</b>").format(answer=value)


def _with_nav(context: BotContext, draft: IntakeDraft, rows: Rows, keep: bool = False) -> Rows:
    """The rows with the back/skip navigation row added."""
    nav = nav_row(context, draft, keep=keep)
    return [*rows, nav] if nav else rows


async def _text_step(context: BotContext, draft: IntakeDraft) -> Part:
    """The screen of a step answered by typing."""
    step = IntakeStep(draft.step)
    answers = draft.answers
    key = {IntakeStep.MUNICIPALITY: "place"}.get(step, step.value)
    lines = [context.gettext(labels.QUESTIONS[step])]
    answered = is_answered(answers, step)
    if answered:
        value = answers[key]["label"] if step is IntakeStep.MUNICIPALITY else answers[key]
        lines.append(_current(context, preview(value)))
    rows: Rows = []
    if step is IntakeStep.NAME and not answered:
        offer = await _saved_details_offer(context)
        if offer:
            lines.append(offer)
            rows.append([_button(context.gettext("✅ Use these details"), step, "reuse")])
    return "\n\n".join(lines), _with_nav(context, draft, rows, keep=answered)


async def _saved_details_offer(context: BotContext) -> str | None:
    """The offer to reuse the contact details from the last request."""
    saved = await requests.saved_contact(context.db, context.user.id)
    if saved is None:
        return None
    _ = context.gettext
    phone = display_phone(saved.phone) if saved.phone else "–"
    details = "\n".join(preview(v, 100) for v in (saved.name, saved.role, saved.email, phone))
    return _("Last time you gave these contact details:") + "\n" + details + "\n" + _("Use them again?")


async def _phone(context: BotContext, draft: IntakeDraft) -> Part:
    """The phone number step."""
    _ = context.gettext
    lines = [_(labels.QUESTIONS[IntakeStep.PHONE])]
    answered = is_answered(draft.answers, IntakeStep.PHONE)
    if answered:
        phone = draft.answers["phone"]
        lines.append(_current(context, html.escape(display_phone(phone)) if phone else _("no phone number")))
    rows = [[_button(_("Skip"), IntakeStep.PHONE, "skip")]]
    return "\n\n".join(lines), _with_nav(context, draft, rows, keep=answered)


async def _goals(context: BotContext, draft: IntakeDraft) -> Part:
    """The goals step."""
    _ = context.gettext
    lines = [_(labels.QUESTIONS[IntakeStep.GOALS]).format(max=GOALS_MAX)]
    answered = is_answered(draft.answers, IntakeStep.GOALS)
    if answered:
        goals = draft.answers["goals"]
        lines.append(_current(context, preview(goals) if goals else _("none")))
    rows = [[_button(_("Skip"), IntakeStep.GOALS, "skip")]]
    return "\n\n".join(lines), _with_nav(context, draft, rows, keep=answered)


async def _topics(context: BotContext, draft: IntakeDraft) -> Part:
    """The topics step with the chosen ones marked."""
    _ = context.gettext
    step, chosen = IntakeStep.TOPICS, draft.answers.get("topics", [])
    rows = []
    for topic in TOPICS:
        selected = topic in chosen
        label = ("✓ " if selected else "") + _(labels.TOPIC_BUTTONS[topic])
        rows.append([_button(label, step, "-" if selected else "+", topic)])
    other = draft.answers.get("topic_other")
    if other:
        template = _("✓ Own topic: {topic}")
        # As much of the topic as the button shows whole, cut after a word.
        room = max(BUTTON_LIMIT - len(template.format(topic="")), 8)
        own = template.format(topic=button_label(other, room))
        rows.append([_button(own, step, "-", "other")])
    else:
        rows.append([_button(_("✏️ Own topic…"), step, "other")])
    rows.append([_button(_("✅ Done"), step, "done")])
    # The buttons carry short labels; the full titles stand here.
    text = f"{_(labels.QUESTIONS[step])}\n\n{labels.topic_overview(_)}"
    return text, _with_nav(context, draft, rows)


async def _languages(context: BotContext, draft: IntakeDraft, found: list[str] | None = None) -> Part:
    """The languages step with the chosen and found ones."""
    _ = context.gettext
    step, chosen = IntakeStep.LANGUAGES, list(draft.answers.get("languages", []))
    lines = [_(labels.QUESTIONS[step]).format(max=languages.MAX_SELECTED)]
    if chosen:
        names = ", ".join(language_name(c, context.locale) for c in chosen)
        lines.append(_("Chosen: {languages}").format(languages=html.escape(names)))
    # Buttons keep their places while toggling: offered languages first, other chosen ones after.
    offered = found if found is not None else await languages.most_requested(context.db)
    codes = offered + [c for c in chosen if c not in offered]
    buttons = []
    for code in codes:
        selected = code in chosen
        label = ("✓ " if selected else "") + language_name(code, context.locale)
        buttons.append(_button(label, step, "-" if selected else "+", code))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(_("✅ Done"), step, "done")])
    return "\n\n".join(lines), _with_nav(context, draft, rows)


async def _times(context: BotContext, draft: IntakeDraft, month: date | None = None) -> Part:
    """The wished times step with its calendar."""
    _ = context.gettext
    step, windows = IntakeStep.TIMES, windows_of(draft.answers)
    lines = [_(labels.QUESTIONS[step]).format(max=MAX_WINDOWS)]
    rows: Rows = []
    if draft.answers.get("flexible"):
        lines.append(_current(context, _("flexible")))
    if windows:
        chosen = "\n".join(f"• {html.escape(window_label(context, d, p, year=True))}" for d, p in windows)
        lines.append(_("Chosen:") + "\n" + chosen)
    if len(windows) < MAX_WINDOWS:
        rows += month_rows(context, draft.answers, clamp_month(month, today(context)), today(context))
    else:
        lines.append(_("That is the most you can choose. Remove one to pick another, or press “Done”."))
    for day, part in windows:
        rows.append([_button("✖️ " + window_label(context, day, part), step, "r", f"{day_code(day)}:{part}")])
    last = [_button(_("🔄 Flexible"), step, "flex")]
    if windows:
        last.append(_button(_("✅ Done"), step, "done"))
    rows.append(last)
    return "\n\n".join(lines), _with_nav(context, draft, rows)


async def _format(context: BotContext, draft: IntakeDraft) -> Part:
    """The meeting format step."""
    _ = context.gettext
    current = draft.answers.get("format")
    rows = [
        [_button(("✓ " if key == current else "") + _(label), IntakeStep.FORMAT, "v", key)]
        for key, label in labels.FORMATS.items()
    ]
    return _(labels.QUESTIONS[IntakeStep.FORMAT]), _with_nav(context, draft, rows)


def _summary(context: BotContext, draft: IntakeDraft, notice: str | None) -> tuple[str, InlineKeyboardMarkup]:
    """The summary of the request with the buttons to change or send it."""
    _ = context.gettext
    step = IntakeStep.SUMMARY
    head = [notice] if notice else []
    head += [header(context, step), _("Please check your request:")]
    tail = [_("Is everything correct? Send the request, or change a field with its button."), footer(context)]
    text = summary.render(context, request_fields(draft.answers), head, tail)
    edits = [
        _button("✏️ " + _(label), step, "e", callbacks.CODES[field]) for field, label in labels.FIELDS.items()
    ]
    rows = [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append([_button(_("📨 Send request"), step, "send")])
    return text, InlineKeyboardMarkup(_with_nav(context, draft, rows))


_BUILDERS: dict[IntakeStep, Callable[[BotContext, IntakeDraft], Awaitable[Part]]] = {
    IntakeStep.MUNICIPALITY: _text_step,
    IntakeStep.NAME: _text_step,
    IntakeStep.ROLE: _text_step,
    IntakeStep.EMAIL: _text_step,
    IntakeStep.PHONE: _phone,
    IntakeStep.TOPICS: _topics,
    IntakeStep.GOALS: _goals,
    IntakeStep.FORMAT: _format,
}


async def prompt(
    context: BotContext,
    draft: IntakeDraft,
    notice: str | None = None,
    *,
    month: date | None = None,
    found: list[str] | None = None,
    extra: Rows | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The message that asks the draft's current step; ``notice`` (escaped HTML) goes on top.

    ``month`` picks the calendar's month, ``found`` replaces the offered languages by search hits,
    ``extra`` buttons (e.g. municipalities to choose from) come first.
    """
    step = IntakeStep(draft.step)
    if step is IntakeStep.SUMMARY:
        return _summary(context, draft, notice)
    if step is IntakeStep.TIMES:
        body, rows = await _times(context, draft, month)
    elif step is IntakeStep.LANGUAGES:
        body, rows = await _languages(context, draft, found)
    else:
        body, rows = await _BUILDERS[step](context, draft)
    parts = [notice] if notice else []
    parts += [header(context, step), body, footer(context)]
    return "\n\n".join(parts), InlineKeyboardMarkup([*(extra or []), *rows])
