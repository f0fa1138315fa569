"""A request's fields as a message: the intake's summary, the confirmation and /status's detail view."""

from __future__ import annotations

import html
from typing import Any

from bot.context import BotContext
from bot.i18n import language_name
from bot.services.intake_answers import TOPICS, windows_of
from bot.services.validation import display_phone
from handlers.intake import labels
from handlers.intake.calendar import window_label
from handlers.intake.common import fit
from models import IntakeStep, KickoffRequest

# The values a person typed; they are escaped and, if a message would get too long, shortened.
USER_FIELDS = ("contact_name", "contact_role", "email", "topic_other", "goals")


def fields_of_request(request: KickoffRequest) -> dict[str, Any]:
    """A stored request in the same shape as ``request_fields`` gives for a draft."""
    return {
        "place_name": request.place_name,
        "contact_name": request.contact_name,
        "contact_role": request.contact_role,
        "email": request.email,
        "phone": request.phone,
        "topics": request.topics,
        "topic_other": request.topic_other,
        "languages": request.languages,
        "goals": request.goals,
        "time_windows": request.time_windows,
        "flexible": request.flexible,
        "meeting_format": request.meeting_format,
    }


def _line(context: BotContext, step: IntakeStep, value: str) -> str:
    """One labelled line of the summary."""
    label = f"<b>{html.escape(context.gettext(labels.FIELDS[step]))}:</b>"
    return label + value if value.startswith("\n") else f"{label} {value}"


def _topics(context: BotContext, fields: dict[str, Any], other: str) -> str:
    """The chosen topics (and the user's own) as one line."""
    _ = context.gettext
    items = [html.escape(_(labels.TOPICS[t])) for t in TOPICS if t in fields["topics"]]
    if other:
        items.append(_("own topic: {topic}").format(topic=html.escape(other)))
    return "".join(f"\n• {item}" for item in items)


def _times(context: BotContext, fields: dict[str, Any]) -> str:
    """The wished times as the summary shows them."""
    if fields["flexible"]:
        return context.gettext("flexible")
    windows = windows_of({"windows": fields["time_windows"]})
    return "".join(f"\n• {html.escape(window_label(context, d, p, year=True))}" for d, p in windows)


def field_lines(context: BotContext, fields: dict[str, Any], values: dict[str, str]) -> list[str]:
    """One line per field; ``values`` holds the (possibly shortened) user-typed values."""
    _ = context.gettext
    none = "–"
    languages = ", ".join(language_name(code, context.locale) for code in fields["languages"])
    phone = display_phone(fields["phone"]) if fields["phone"] else none
    fmt = fields["meeting_format"]
    return [
        _line(context, IntakeStep.MUNICIPALITY, html.escape(fields["place_name"])),
        _line(context, IntakeStep.NAME, html.escape(values["contact_name"])),
        _line(context, IntakeStep.ROLE, html.escape(values["contact_role"])),
        _line(context, IntakeStep.EMAIL, html.escape(values["email"])),
        _line(context, IntakeStep.PHONE, html.escape(phone)),
        _line(context, IntakeStep.TOPICS, _topics(context, fields, values["topic_other"])),
        _line(context, IntakeStep.LANGUAGES, html.escape(languages)),
        _line(context, IntakeStep.GOALS, html.escape(values["goals"]) if values["goals"] else none),
        _line(context, IntakeStep.TIMES, _times(context, fields)),
        _line(context, IntakeStep.FORMAT, html.escape(_(labels.FORMATS.get(fmt, fmt)))),
    ]


def render(context: BotContext, fields: dict[str, Any], head: list[str], tail: list[str]) -> str:
    """``head``, the fields and ``tail`` as one message that fits Telegram's limit."""

    def build(values: dict[str, str]) -> str:
        """The summary text with the given field values."""
        return "\n\n".join([*head, "\n".join(field_lines(context, fields, values)), *tail])

    return fit(build, {key: fields[key] or "" for key in USER_FIELDS})
