"""Texts and keyboards of a request's detail view for coordinators: status, facts, contact, match
reasons and the latest history, with the actions its status allows; the close-reason menu and the
confirmations. Pure functions of what the services return. (The list is in
:mod:`handlers.coordinator_request_list`, the history lines in :mod:`handlers.request_history`.)
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_
from bot.services.coordination_requests import FINAL_STATUSES, RequestDetail
from bot.services.reassignment import REASSIGNABLE
from bot.telegram_text import TEXT_LIMIT, fit_html, visible_length
from handlers import reasons, request_history, request_view
from handlers.callback_data import REQUESTS, data
from handlers.coordinator_request_list import ListState, duration
from handlers.notify import Reader
from handlers.status_words import status_word
from models import BookingStatus, RequestStatus

REASSIGN = "ra"  # the reassign buttons (handled in handlers.coordinator_reassign)
CLOSE_REASONS = {
    "done": N_("Completed"),
    "contact": N_("The municipality no longer needs it"),
    "duplicate": N_("Duplicate request"),
    "unreachable": N_("The contact cannot be reached"),
    "noadvisor": N_("No suitable advisor available"),
}
HISTORY_SHOWN = 8
# Typed notes and reasons in the detail view, and the goals there, in characters as Telegram counts
# them: long ones are cut with "…" so that status, contact and the latest history stay visible; the
# full history shows them whole (and the goals in full when the detail cut them).
TYPED_SHOWN = 300
DETAIL_GOALS_SHOWN = 700


def _who_has_it(r: Reader, detail: RequestDetail) -> str:
    """Who holds the request or has an offer for it."""
    if detail.holder is not None:
        return r._("<b>Advisor:</b> {name}").format(name=html.escape(detail.holder.display_name))
    if detail.pending_offer is not None and detail.pending_advisor is not None:
        return r._("<b>Offered to:</b> {name}, answer due {deadline}").format(
            name=html.escape(detail.pending_advisor.display_name),
            deadline=r.when(detail.pending_offer.respond_by),
        )
    return r._("<b>Advisor:</b> none yet")


def _status_block(r: Reader, detail: RequestDetail) -> str:
    """The request's status, age and waiting time."""
    row = detail.row
    lines = [
        r._("<b>Status:</b> {status} · received {when}").format(
            status=status_word(r, row.status), when=r.when(row.created_at)
        ),
        _who_has_it(r, detail),
    ]
    talk = detail.booking
    if talk is not None:
        lines.append(r._("<b>Kickoff talk:</b> {when}").format(when=r.when(talk.starts_at)))
        holder = detail.holder
        if talk.status == BookingStatus.CONFIRMED and (holder is None or holder.id != talk.advisor_id):
            lines[-1] += " " + r._("(confirmed; kept for the new advisor to take over)")
    if row.waiting_too_long:
        lines.append(
            r._("⏰ Unchanged for {idle}: it waits for the next step.").format(idle=duration(r, row.idle))
        )
    return "\n".join(lines)


# How many of the candidates kept with the latest offer the detail view shows.
MATCH_REASONS_SHOWN = 3


def _match_block(r: Reader, detail: RequestDetail) -> str:
    """Why the matching chose the advisor it offered the request to."""
    if not detail.match_reasons:
        return ""
    # The offer keeps only the best candidates: no count of "more" that could be read as everyone.
    lines = reasons.ranking_lines(r, list(detail.match_reasons)[:MATCH_REASONS_SHOWN])
    return "\n".join([r._("<b>Match reasons of the latest offer:</b>"), *lines])


def detail_message(
    r: Reader,
    detail: RequestDetail,
    back: ListState,
    history_shown: int = HISTORY_SHOWN,
    notice: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The detail view with the latest history entries and the action buttons; ``notice`` (what the
    coordinator's last action did) above it."""
    request = detail.request
    head = r._("📄 <b>Request {reference}</b>").format(reference=html.escape(request.reference))
    blocks = [
        notice or "",
        head,
        _status_block(r, detail),
        request_view.facts(r, request),
        request_view.contact(r, request, DETAIL_GOALS_SHOWN),
        _match_block(r, detail),
    ]
    history = request_history.readable(detail.history)
    for count in range(min(history_shown, len(history)), -1, -1):
        lines = [
            request_history.history_line(r, entry, TYPED_SHOWN) for entry in history[len(history) - count :]
        ]
        if len(history) > count:
            lines.insert(
                0, r._("… {count} earlier entries (📜 full history)").format(count=len(history) - count)
            )
        text = "\n\n".join(b for b in [*blocks, "\n".join([r._("<b>History:</b>"), *lines])] if b)
        if visible_length(text) <= TEXT_LIMIT:
            break
    # Only names of unusual length can still overflow; the end goes, never the request's state.
    return fit_html(text, TEXT_LIMIT), detail_keyboard(r, detail, back)


def detail_keyboard(r: Reader, detail: RequestDetail, back: ListState) -> InlineKeyboardMarkup:
    """The actions the request's status allows, the full history and the way back to the list."""
    request_id = detail.request.id
    status = RequestStatus(detail.request.status)
    rows: list[list[InlineKeyboardButton]] = []
    if status in (RequestStatus.SUBMITTED, RequestStatus.OFFERED, RequestStatus.NO_MATCH):
        rows.append(
            [
                InlineKeyboardButton(r._("👤 Assign"), callback_data=data(REQUESTS, "a", request_id)),
                InlineKeyboardButton(r._("🔁 Offer anew"), callback_data=data(REQUESTS, "o", request_id)),
            ]
        )
    if status in REASSIGNABLE and detail.holder is not None:
        rows.append([InlineKeyboardButton(r._("🔄 Reassign"), callback_data=data(REASSIGN, "m", request_id))])
    actions = [InlineKeyboardButton(r._("📝 Note"), callback_data=data(REQUESTS, "n", request_id))]
    if status not in FINAL_STATUSES:
        actions.append(InlineKeyboardButton(r._("🔒 Close"), callback_data=data(REQUESTS, "c", request_id)))
    rows.append(actions)
    rows.append(
        [
            InlineKeyboardButton(r._("📜 Full history"), callback_data=data(REQUESTS, "h", request_id)),
            InlineKeyboardButton(
                r._("↩️ To the list"), callback_data=data(REQUESTS, "l", back.page, back.code)
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)


def full_history(r: Reader, detail: RequestDetail) -> list[str]:
    """The whole history as messages of at most Telegram's length, oldest first."""
    return request_history.full_history(r, detail.request, detail.history, DETAIL_GOALS_SHOWN)


def close_menu(r: Reader, request_id: int, reference: str) -> tuple[str, InlineKeyboardMarkup]:
    """Why is the request closed: a few common reasons, or type one."""
    rows = [
        [InlineKeyboardButton(r._(label), callback_data=data(REQUESTS, "cr", request_id, code))]
        for code, label in CLOSE_REASONS.items()
    ]
    rows.append(
        [InlineKeyboardButton(r._("✍️ Type a reason"), callback_data=data(REQUESTS, "ct", request_id))]
    )
    rows.append([InlineKeyboardButton(r._("↩️ Keep it open"), callback_data=data(REQUESTS, "d", request_id))])
    text = r._(
        "🔒 Close {reference}? Choose the reason (it is recorded in the history). A pending offer is "
        "withdrawn and a planned kickoff talk cancelled; the contact and the advisor are told."
    ).format(reference=html.escape(reference))
    return text, InlineKeyboardMarkup(rows)


def reoffer_confirmation(r: Reader, detail: RequestDetail) -> tuple[str, InlineKeyboardMarkup]:
    """Ask before taking an offer back and offering the request to the next candidate."""
    reference = html.escape(detail.request.reference)
    if detail.pending_advisor is not None:
        text = r._(
            "🔁 Withdraw the offer of {reference} from {name} and offer it to the next advisor "
            "in the ranking?"
        ).format(reference=reference, name=html.escape(detail.pending_advisor.display_name))
    else:
        text = r._("🔁 Offer {reference} to the best available advisor now?").format(reference=reference)
    rows = [
        [
            InlineKeyboardButton(
                r._("✅ Yes, offer anew"), callback_data=data(REQUESTS, "oy", detail.request.id)
            ),
            InlineKeyboardButton(r._("↩️ No"), callback_data=data(REQUESTS, "d", detail.request.id)),
        ]
    ]
    return text, InlineKeyboardMarkup(rows)


def typing_prompt(r: Reader, request_id: int, text: str) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for typed text, with a button to give up."""
    button = InlineKeyboardButton(r._("↩️ Cancel"), callback_data=data(REQUESTS, "q", request_id))
    return text, InlineKeyboardMarkup([[button]])
