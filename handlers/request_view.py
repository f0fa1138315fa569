"""A request as advisors and coordinators see it: what it is about, and (for its advisor only) who asks.

The facts (place, Kreis, topics, languages, preferred times, format) carry nothing personal and may
go with an offer; the contact block may only be shown to ``offers.holder`` of the request.
"""

from __future__ import annotations

import html
from datetime import date

from babel.dates import format_skeleton

from bot.services.geography import place_label
from bot.services.intake_answers import TOPICS
from bot.services.validation import display_phone
from bot.telegram_text import shown
from handlers.intake import labels
from handlers.notify import Reader
from handlers.status_words import STATUS_WORDS
from models import KickoffRequest, MeetingFormat

GOALS_SHOWN = 1200
# Where a request stands: the one vocabulary every screen uses (the exports and broadcasts import it here).
STAFF_STATUS_WORDS = STATUS_WORDS


def short(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters as Telegram counts them (with "…"), escaped for HTML."""
    return shown(value, limit)


def place(request: KickoffRequest) -> str:
    """The place with its Kreis ("Tübingen (Landkreis Tübingen)", "Ulm (Stadtkreis)"), escaped."""
    return html.escape(place_label(request.place_name, request.place_ags, request.kreis_ags))


def title(request: KickoffRequest) -> str:
    """ "<b>MG-2026-0001</b> · Tübingen (Landkreis Tübingen)"."""
    return f"<b>{html.escape(request.reference)}</b> · {place(request)}"


def topics(r: Reader, request: KickoffRequest) -> list[str]:
    """The request's topics as translated labels (its own topic quoted), escaped."""
    items = [html.escape(r._(labels.TOPICS[t])) for t in TOPICS if t in (request.topics or [])]
    if request.topic_other:
        items.append(r._("own topic: {topic}").format(topic=short(request.topic_other, 200)))
    return items


def windows(r: Reader, request: KickoffRequest) -> list[str]:
    """The preferred time windows, e.g. "Di., 10. März 2026, vormittags"."""
    found = []
    for window in request.time_windows or []:
        day = date.fromisoformat(window["date"])
        part = r._(labels.DAY_PARTS.get(window.get("part", "day"), "day"))
        found.append(f"{format_skeleton('yMMMEd', day, locale=r.locale)}, {part}")
    return found


def meeting_format(r: Reader, request: KickoffRequest) -> str:
    """The format's label ("💻 Online")."""
    return r._(labels.FORMATS.get(request.meeting_format, request.meeting_format))


def _line(label: str, value: str) -> str:
    separator = "" if value.startswith("\n") else " "
    return f"<b>{html.escape(label)}:</b>{separator}{value}"


def _bullets(items: list[str]) -> str:
    return "".join(f"\n• {item}" for item in items) if items else "–"


def facts(r: Reader, request: KickoffRequest) -> str:
    """What the request is about, without anything personal."""
    times = r._("flexible") if request.flexible or not request.time_windows else _bullets(windows(r, request))
    return "\n".join(
        [
            _line(r._("Municipality"), place(request)),
            _line(r._("Topics"), _bullets(topics(r, request))),
            _line(r._("Languages"), html.escape(r.languages(request.languages or []))),
            _line(r._("Preferred times"), times),
            _line(r._("Format"), html.escape(meeting_format(r, request))),
        ]
    )


def contact(r: Reader, request: KickoffRequest, goals_shown: int = GOALS_SHOWN) -> str:
    """Who asks and how to reach them, and their goals (up to ``goals_shown`` characters): only for
    the request's advisor and the coordinators."""
    phone = display_phone(request.phone) if request.phone else "–"
    goals = short(request.goals, goals_shown) if request.goals else "–"
    return "\n".join(
        [
            r._("<b>Contact person</b>"),
            _line(r._("Name"), short(request.contact_name, 100)),
            _line(r._("Department / role"), short(request.contact_role, 100)),
            _line(r._("E-mail"), short(request.email, 254)),
            _line(r._("Phone"), html.escape(phone)),
            _line(r._("Goals and context"), goals),
        ]
    )


def location(r: Reader, request: KickoffRequest) -> str:
    """Where the talk takes place, for the calendar entry."""
    if request.meeting_format == MeetingFormat.ON_SITE:
        return request.place_name
    if request.meeting_format == MeetingFormat.PHONE:
        return r._("By phone")
    return r._("Online")
