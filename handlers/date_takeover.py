"""A confirmed kickoff date kept for the new advisor of a reassigned request: the question to them,
"take over the date X" or "propose another" (answered in :mod:`handlers.reassign_date`)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services import reassignment
from handlers import request_view
from handlers.callback_data import data
from handlers.notify import Outbox, Reader
from models import Booking, KickoffRequest

TAKEOVER = "rt"  # the new advisor's answer to a kept date


def _how(r: Reader, request: KickoffRequest) -> str:
    """How the talk takes place, in the reader's language and safe for HTML."""
    return html.escape(request_view.meeting_format(r, request))


def question(r: Reader, talk: Booking, request: KickoffRequest) -> tuple[str, InlineKeyboardMarkup]:
    """Ask the new advisor to take over the confirmed date or propose another."""
    text = r._(
        "📅 <b>{reference} has a confirmed kickoff talk:</b> {when} ({format}). The contact has agreed to "
        "it. Will you take over this date?"
    ).format(reference=html.escape(request.reference), when=r.when(talk.starts_at), format=_how(r, request))
    short = r.day(talk.starts_at, "short") + " " + r.time(talk.starts_at)
    rows = [
        [
            InlineKeyboardButton(
                r._("✅ Take over the date {when}").format(when=short),
                callback_data=data(TAKEOVER, "k", talk.id, talk.sequence),
            )
        ],
        [
            InlineKeyboardButton(
                r._("📅 Propose another date"), callback_data=data(TAKEOVER, "n", talk.id, talk.sequence)
            )
        ],
    ]
    return text, InlineKeyboardMarkup(rows)


async def ask(out: Outbox, request: KickoffRequest) -> bool:
    """If a confirmed date waits for the request's new advisor, ask them to take it over (True).

    Call it whenever an advisor comes to hold a request: after accepting an offer, or when assigned.
    """
    waiting = await reassignment.waiting_date(out.session, request.id)
    if waiting is None:
        return False
    talk, advisor = waiting
    r = await out.reader(advisor.user_id)
    if r is None:
        return False
    out.send(r, *question(r, talk, request))
    return True
