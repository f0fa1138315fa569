"""Texts and keyboards of what coordinators do to an advisor: pause (how long), deactivate (what
happens to their offers and requests), and the outcome of a deactivation with a reassign button for
each open request they still hold. Pure functions of what the services return."""

from __future__ import annotations

import html
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup

from bot.services.coordination_advisors import AdvisorDetail
from bot.services.coordination_requests import FINAL_STATUSES
from bot.services.offers import OfferOutcome, OfferResult
from handlers.advisor_pause import example_date
from handlers.coordinator_advisor_views import (
    Place,
    action_button,
    day_text,
    one_month_after,
)
from handlers.notify import Reader
from models import Advisor, KickoffRequest


def pause_screen(r: Reader, advisor: Advisor, place: Place, today: date) -> tuple[str, InlineKeyboardMarkup]:
    """How long to pause: a week, two weeks, a month, or a typed last day."""
    choices = [
        (r._("1 week"), today + timedelta(weeks=1)),
        (r._("2 weeks"), today + timedelta(weeks=2)),
        (r._("1 month"), one_month_after(today)),
    ]
    text = "\n\n".join(
        [
            r._("⏸ <b>Pause {name}</b>").format(name=html.escape(advisor.display_name)),
            r._(
                "They get no new offers up to and including the day you choose; offers already sent "
                "to them stay open. Choose a length or type the last day."
            ),
        ]
    )
    rows = [
        [
            action_button(
                f"{label} ({day_text(r, until, 'short')})",
                "u",
                advisor.id,
                until.strftime("%Y%m%d"),
                *place.args,
            )
            for label, until in choices
        ],
        [action_button(r._("⌨️ Type a date"), "t", advisor.id, *place.args)],
        [action_button(r._("↩️ Back"), "v", advisor.id, *place.args)],
    ]
    return text, InlineKeyboardMarkup(rows)


def date_question(
    r: Reader, advisor: Advisor, place: Place, today: date, problem: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for the last day of the pause as typed text (the example written the reader's way)."""
    question = r._("Please type the last day of the pause for {name}, e.g. {example}.").format(
        name=html.escape(advisor.display_name), example=example_date(r, today)
    )
    text = f"{problem}\n\n{question}" if problem else question
    return text, InlineKeyboardMarkup([[action_button(r._("↩️ Back"), "v", advisor.id, *place.args)]])


def deactivate_question(r: Reader, detail: AdvisorDetail, place: Place) -> tuple[str, InlineKeyboardMarkup]:
    """Ask before deactivating: what happens to the advisor's offers and requests."""
    name = html.escape(detail.advisor.display_name)
    text = "\n\n".join(
        [
            r._("⛔ <b>Deactivate {name}?</b>").format(name=name),
            r._(
                "They get no new offers. Offers waiting for their answer ({pending}) pass on to the next "
                "advisor; those offered by hand come back to you. Open requests they hold ({held}) stay "
                "with them until you reassign them: each gets a 🔄 button afterwards."
            ).format(
                pending=len(detail.pending),
                held=sum(1 for _o, req in detail.held if req.status not in FINAL_STATUSES),
            ),
        ]
    )
    rows = [
        [
            action_button(r._("⛔ Yes, deactivate"), "y", detail.advisor.id, *place.args),
            action_button(r._("↩️ No, back"), "v", detail.advisor.id, *place.args),
        ]
    ]
    return text, InlineKeyboardMarkup(rows)


def passed_on_lines(r: Reader, passed_on: tuple[OfferResult, ...]) -> list[str]:
    """What became of each pending offer a deactivation took back."""
    lines = []
    for result in passed_on:
        if result.request is None:
            continue
        reference = html.escape(result.request.reference)
        follow = result.next
        if follow is not None and follow.kind == OfferOutcome.OFFERED and follow.advisor is not None:
            line = r._("{reference} was offered to {name}.").format(
                reference=reference, name=html.escape(follow.advisor.display_name)
            )
        elif follow is not None and follow.kind == OfferOutcome.RETURNED:
            line = r._(
                "{reference} was offered by hand: it is back with you; please assign it again."
            ).format(reference=reference)
        elif follow is not None and follow.kind == OfferOutcome.ESCALATED:
            line = r._("{reference}: no other advisor fits; please assign it by hand.").format(
                reference=reference
            )
        else:
            line = r._("{reference} was passed on.").format(reference=reference)
        lines.append(f"• {line}")
    return lines


def still_held_line(r: Reader, still_held: tuple[KickoffRequest, ...]) -> str | None:
    """The open requests a deactivated advisor still holds (each has its 🔄 button below)."""
    if not still_held:
        return None
    references = ", ".join(html.escape(req.reference) for req in still_held)
    return r._(
        "⚠️ They still hold open requests: {references}. Offer each anew or give it to another advisor "
        "with its 🔄 button below."
    ).format(references=references)
