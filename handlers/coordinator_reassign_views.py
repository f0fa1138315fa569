"""Texts and keyboards of reassigning a held request: the choice (offer anew, or choose an advisor
from the ranking), and what the coordinator reads after it. Pure functions of the services' results."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services import reassignment
from bot.services.offers import OfferOutcome
from bot.services.reassignment import ReassignResult
from handlers import cascade, reasons
from handlers.callback_data import REQUESTS, data
from handlers.notify import Reader
from models import Advisor, Booking, KickoffRequest

REASSIGN = "ra"
MAX_CHOICES = 8
# The next step is an offer the advisor answers: the cascade's, or one by hand.
OFFERS = (OfferOutcome.OFFERED, OfferOutcome.ASSIGNED)


def _date_note(r: Reader, talk: Booking | None) -> str:
    """A note on the agreed talk date that goes with a reassignment."""
    if talk is None:
        return ""
    return r._(
        "The kickoff talk on {when} is kept for now: the new advisor takes it over or proposes another "
        "date (then it is cancelled and the calendars are told)."
    ).format(when=r.when(talk.starts_at))


def choice(
    r: Reader, request: KickoffRequest, holder: Advisor, talk: Booking | None
) -> tuple[str, InlineKeyboardMarkup]:
    """Ask how to move the request: anew through the cascade, or to an advisor chosen from the ranking."""
    name = html.escape(holder.display_name)
    parts = [
        r._("🔄 <b>Reassign {reference}</b> (now with {name})").format(
            reference=html.escape(request.reference), name=name
        ),
        r._(
            "Offer it anew: the next advisor in the ranking gets the offer, {name} is left out. Or choose "
            "an advisor yourself. {name} and the contact are told."
        ).format(name=name),
    ]
    if note := _date_note(r, talk):
        parts.append(note)
    rows = [
        [
            InlineKeyboardButton(
                r._("🔁 Offer anew without {name}").format(name=holder.display_name[:30]),
                callback_data=data(REASSIGN, "o", request.id),
            )
        ],
        [InlineKeyboardButton(r._("👤 Choose an advisor"), callback_data=data(REASSIGN, "c", request.id))],
        [InlineKeyboardButton(r._("↩️ Back to the request"), callback_data=data(REQUESTS, "d", request.id))],
    ]
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def choose_buttons(
    r: Reader, request_id: int, ranking: list[dict[str, Any]], holder_id: int | None
) -> list[list[InlineKeyboardButton]]:
    """One "give to" button per advisor who may take the request, best first (never its holder)."""
    rows = []
    fitting = [c for c in ranking if reasons.assignable(c) and c.get("advisor_id") != holder_id]
    for candidate in fitting[:MAX_CHOICES]:
        label = r._("👤 Give to {name}").format(name=str(candidate.get("name", ""))[:40])
        callback = data(REASSIGN, "t", request_id, candidate["advisor_id"])
        rows.append([InlineKeyboardButton(label, callback_data=callback)])
    return rows


def choose_screen(
    r: Reader,
    request: KickoffRequest,
    ranking: list[dict[str, Any]],
    holder: Advisor | None,
    heading: str,
    *,
    anew: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The ranking with a "give to" button per fitting advisor (and "offer anew" when ``anew``)."""
    text, _markup = cascade.ranking_message(r, request, ranking, heading)
    rows = choose_buttons(r, request.id, ranking, holder.id if holder else None)
    if anew and holder is not None:
        label = r._("🔁 Offer anew without {name}").format(name=holder.display_name[:30])
        rows.insert(0, [InlineKeyboardButton(label, callback_data=data(REASSIGN, "o", request.id))])
    rows.append(
        [InlineKeyboardButton(r._("↩️ Back to the request"), callback_data=data(REQUESTS, "d", request.id))]
    )
    return text, InlineKeyboardMarkup(rows)


def done_notice(r: Reader, result: ReassignResult) -> str:
    """What the reassignment did, for the top of the refreshed detail view."""
    previous = html.escape(result.previous.display_name) if result.previous else "–"
    following = result.next
    target = html.escape(following.advisor.display_name) if following and following.advisor else ""
    if reassignment.assigned_now(result) and target:
        line = r._("✓ Taken from {previous} and assigned to {name}.").format(previous=previous, name=target)
    elif following is not None and following.kind in OFFERS and target:
        line = r._("✓ Taken from {previous} and offered to {name}.").format(previous=previous, name=target)
    else:
        line = r._(
            "✓ Taken from {previous}. No other advisor is available: please assign it by hand."
        ).format(previous=previous)
    told = r._("{previous} and the contact have been told.").format(previous=previous)
    return f"{line} {told}"
