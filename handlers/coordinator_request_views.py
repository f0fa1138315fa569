"""Texts and keyboards of the coordinators' request screens: the list with its filters, the detail
view with its history, and the close-reason menu. Pure functions of what the services return.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_
from bot.services.audit import HistoryEntry, HistoryKind
from bot.services.coordination_requests import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    RequestDetail,
    RequestFilter,
    RequestPage,
    RequestRow,
)
from bot.services.geography import regierungsbezirk_names
from bot.telegram_text import TEXT_LIMIT, fit_html, shown, visible_length
from handlers import reasons, request_view
from handlers.callback_data import REQUESTS, data
from handlers.notify import Reader
from handlers.offers import DECLINE_REASONS
from models import AuditAction, OfferStatus, RequestStatus


@dataclass(frozen=True)
class StatusChoice:
    """A status filter a coordinator can pick: its label and the statuses it stands for."""

    label: str
    statuses: tuple[str, ...] = ()
    waiting_only: bool = False


# One letter each, so that page and filter fit into a button's 64 bytes.
STATUS_CHOICES: dict[str, StatusChoice] = {
    "o": StatusChoice(N_("open"), tuple(OPEN_STATUSES)),
    "w": StatusChoice(N_("waiting too long"), waiting_only=True),
    "n": StatusChoice(N_("no advisor found"), (RequestStatus.NO_MATCH,)),
    "m": StatusChoice(N_("being matched"), (RequestStatus.SUBMITTED, RequestStatus.OFFERED)),
    "a": StatusChoice(N_("advisor found"), (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)),
    "k": StatusChoice(N_("kickoff held"), (RequestStatus.KICKOFF_HELD, RequestStatus.CONSULTATION)),
    "f": StatusChoice(N_("finished"), tuple(FINAL_STATUSES)),
    "x": StatusChoice(N_("all")),
}
DEFAULT_STATUS = "o"
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
LIST_LABEL_MAX = 48


@dataclass(frozen=True)
class ListState:
    """Where the coordinator is in the list: the status choice, the Regierungsbezirk and the page."""

    status: str = DEFAULT_STATUS
    regierungsbezirk: str = ""
    page: int = 0

    @property
    def code(self) -> str:
        """The filter as one short token for callback data ("o", "w082")."""
        return f"{self.status}{self.regierungsbezirk}"

    @classmethod
    def parse(cls, code: str, page: str = "0") -> ListState | None:
        """The state behind a token and a page number; None for anything forged."""
        status, rb = code[:1], code[1:]
        if status not in STATUS_CHOICES or (rb and rb not in regierungsbezirk_names()):
            return None
        if not page.isdigit() or len(page) > 4:
            return None
        return cls(status, rb, int(page))

    def filter(self) -> RequestFilter:
        """The service filter this state stands for."""
        choice = STATUS_CHOICES[self.status]
        return RequestFilter(choice.statuses, self.regierungsbezirk or None, choice.waiting_only)

    def at(self, page: int) -> ListState:
        """The same filter on another page."""
        return ListState(self.status, self.regierungsbezirk, page)


def status_label(r: Reader, status: str) -> str:
    """A request status in the coordinator's words."""
    label = (
        request_view.STAFF_STATUS_WORDS.get(RequestStatus(status)) if status in set(RequestStatus) else None
    )
    return r._(label) if label else status


def _duration(r: Reader, span: timedelta) -> str:
    days = int(span.total_seconds() // 86400)
    if days >= 1:
        return r.ngettext("{count} day", "{count} days", days).format(count=days)
    hours = int(span.total_seconds() // 3600)
    if hours == 0:
        return r._("less than an hour")
    return r.ngettext("{count} hour", "{count} hours", hours).format(count=hours)


def _filter_description(r: Reader, state: ListState) -> str:
    choice = r._(STATUS_CHOICES[state.status].label)
    region = regierungsbezirk_names().get(state.regierungsbezirk) if state.regierungsbezirk else None
    return f"{choice} · {html.escape(region)}" if region else choice


def _row_lines(r: Reader, row: RequestRow) -> str:
    parts = [
        f"<b>{html.escape(row.reference)}</b>",
        html.escape(row.place_name),
        status_label(r, row.status),
    ]
    if row.advisor_name:
        name = html.escape(row.advisor_name)
        parts.append(r._("asked: {name}").format(name=name) if row.advisor_pending else name)
    second = r._("{age} old").format(age=_duration(r, row.age))
    if row.waiting_too_long:
        second += " · " + r._("⏰ unchanged for {idle}").format(idle=_duration(r, row.idle))
    return " · ".join(parts) + "\n   " + second


def list_message(r: Reader, page: RequestPage, state: ListState) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the list: a line per request, a button per request, page and filter buttons."""
    head = r._("📂 <b>Requests</b> · {filter} · page {page} of {pages} ({total} in all)").format(
        filter=_filter_description(r, state), page=page.page + 1, pages=page.pages, total=page.total
    )
    lines = [_row_lines(r, row) for row in page.items] or [r._("No requests match this filter.")]
    rows: list[list[InlineKeyboardButton]] = []
    for row in page.items:
        label = f"{'⏰ ' if row.waiting_too_long else ''}{row.reference} · {row.place_name}"[:LIST_LABEL_MAX]
        rows.append(
            [InlineKeyboardButton(label, callback_data=data(REQUESTS, "d", row.id, page.page, state.code))]
        )
    here = state.at(page.page)
    navigation = []
    if page.has_previous:
        navigation.append(
            InlineKeyboardButton("◀️", callback_data=data(REQUESTS, "l", page.page - 1, here.code))
        )
    if page.has_next:
        navigation.append(
            InlineKeyboardButton("▶️", callback_data=data(REQUESTS, "l", page.page + 1, here.code))
        )
    if navigation:
        rows.append(navigation)
    rows.append(
        [
            InlineKeyboardButton(r._("🔎 Status"), callback_data=data(REQUESTS, "fs", here.code)),
            InlineKeyboardButton(r._("🗺 Region"), callback_data=data(REQUESTS, "fr", here.code)),
            InlineKeyboardButton(r._("🔄 Refresh"), callback_data=data(REQUESTS, "l", page.page, here.code)),
        ]
    )
    return "\n\n".join([head, "\n".join(lines)]), InlineKeyboardMarkup(rows)


def status_menu(r: Reader, state: ListState) -> tuple[str, InlineKeyboardMarkup]:
    """Choose the status filter (the region stays)."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if key == state.status else "") + r._(choice.label),
            callback_data=data(REQUESTS, "l", 0, f"{key}{state.regierungsbezirk}"),
        )
        for key, choice in STATUS_CHOICES.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return r._("Which requests do you want to see?"), InlineKeyboardMarkup(rows)


def region_menu(r: Reader, state: ListState) -> tuple[str, InlineKeyboardMarkup]:
    """Choose the Regierungsbezirk (the status filter stays)."""
    options = [("", r._("All of Baden-Württemberg")), *sorted(regierungsbezirk_names().items())]
    rows = [
        [
            InlineKeyboardButton(
                ("✓ " if key == state.regierungsbezirk else "") + name,
                callback_data=data(REQUESTS, "l", 0, f"{state.status}{key}"),
            )
        ]
        for key, name in options
    ]
    return r._("Which Regierungsbezirk?"), InlineKeyboardMarkup(rows)


def _actor(entry: HistoryEntry, r: Reader) -> str:
    return html.escape(entry.actor_name) if entry.actor_name else r._("the bot")


def _typed(value: object, limit: int | None) -> str:
    """A typed note or reason, escaped, cut to ``limit`` visible characters when one is given."""
    text = str(value or "")
    return shown(text, limit) if limit is not None else html.escape(text)


def _audit_line(r: Reader, entry: HistoryEntry, limit: int | None) -> str:
    actor = _actor(entry, r)
    advisor = html.escape(entry.advisor_name or "–")
    details = entry.details
    match entry.code:
        case AuditAction.NOTE:
            return r._("📝 Note by {actor}: {text}").format(
                actor=actor, text=_typed(details.get("text"), limit)
            )
        case AuditAction.CLOSE:
            return r._("🔒 Closed by {actor}: {reason}").format(
                actor=actor, reason=_typed(details.get("reason"), limit)
            )
        case AuditAction.REOFFER:
            return r._("🔁 Offered anew by {actor}").format(actor=actor)
        case AuditAction.ASSIGN:
            return r._("📌 {actor} assigned {name}").format(actor=actor, name=advisor)
    return r._("🛠 {action} by {actor}").format(action=html.escape(entry.code), actor=actor)


def _decision_line(r: Reader, entry: HistoryEntry, limit: int | None) -> str:
    name = html.escape(entry.advisor_name or "–")
    match entry.code:
        case OfferStatus.ACCEPTED:
            return r._("✅ {name} accepted").format(name=name)
        case OfferStatus.DECLINED:
            code = str(entry.details.get("reason", ""))
            label = DECLINE_REASONS.get(code)
            why = r._(label) if label else _typed(code or "–", limit)
            return r._("✖️ {name} declined: {reason}").format(name=name, reason=why)
        case OfferStatus.EXPIRED:
            return r._("⌛ {name} did not answer in time").format(name=name)
        case OfferStatus.WITHDRAWN:
            return r._("↩️ Offer to {name} withdrawn").format(name=name)
        case OfferStatus.ASSIGNED:
            return r._("📌 Assigned to {name} by {actor}").format(name=name, actor=_actor(entry, r))
    return f"{html.escape(entry.code)}: {name}"


def readable(history: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """The history without the two bookkeeping lines of an assignment by hand (the offer made and
    decided in that instant): the audit line says who assigned whom, the status line what followed."""
    assigned = {
        (e.at, e.advisor_id) for e in history if e.kind == HistoryKind.AUDIT and e.code == AuditAction.ASSIGN
    }

    def bookkeeping(e: HistoryEntry) -> bool:
        if (e.at, e.advisor_id) not in assigned:
            return False
        return e.kind == HistoryKind.OFFER or (
            e.kind == HistoryKind.OFFER_DECIDED and e.code == OfferStatus.ASSIGNED
        )

    return [e for e in history if not bookkeeping(e)]


def history_line(r: Reader, entry: HistoryEntry, limit: int | None = None) -> str:
    """One history entry: when, and what happened in plain words (typed text cut to ``limit``)."""
    when = f"{r.day(entry.at, 'short')} {r.time(entry.at)}"
    if entry.kind == HistoryKind.STATUS:
        what = r._("→ {status} ({actor})").format(status=status_label(r, entry.code), actor=_actor(entry, r))
    elif entry.kind == HistoryKind.OFFER:
        what = r._("📨 Offered to {name}").format(name=html.escape(entry.advisor_name or "–"))
    elif entry.kind == HistoryKind.OFFER_DECIDED:
        what = _decision_line(r, entry, limit)
    else:
        what = _audit_line(r, entry, limit)
    return f"{when} · {what}"


def _who_has_it(r: Reader, detail: RequestDetail) -> str:
    if detail.holder is not None:
        return r._("<b>Advisor:</b> {name}").format(name=html.escape(detail.holder.display_name))
    if detail.pending_offer is not None and detail.pending_advisor is not None:
        return r._("<b>Offered to:</b> {name}, answer due {deadline}").format(
            name=html.escape(detail.pending_advisor.display_name),
            deadline=r.when(detail.pending_offer.respond_by),
        )
    return r._("<b>Advisor:</b> none yet")


def _status_block(r: Reader, detail: RequestDetail) -> str:
    row = detail.row
    lines = [
        r._("<b>Status:</b> {status} · received {when}").format(
            status=status_label(r, row.status), when=r.when(row.created_at)
        ),
        _who_has_it(r, detail),
    ]
    if detail.booking is not None:
        lines.append(r._("<b>Kickoff talk:</b> {when}").format(when=r.when(detail.booking.starts_at)))
    if row.waiting_too_long:
        lines.append(
            r._("⏰ Unchanged for {idle}: it waits for the next step.").format(idle=_duration(r, row.idle))
        )
    return "\n".join(lines)


def _match_block(r: Reader, detail: RequestDetail) -> str:
    if not detail.match_reasons:
        return ""
    lines = reasons.ranking_lines(r, list(detail.match_reasons), 3)
    return "\n".join([r._("<b>Match reasons of the latest offer:</b>"), *lines])


def detail_message(
    r: Reader, detail: RequestDetail, back: ListState, history_shown: int = HISTORY_SHOWN
) -> tuple[str, InlineKeyboardMarkup]:
    """The detail view with the latest history entries and the action buttons."""
    request = detail.request
    head = r._("📄 <b>Request {reference}</b>").format(reference=html.escape(request.reference))
    blocks = [
        head,
        _status_block(r, detail),
        request_view.facts(r, request),
        request_view.contact(r, request, DETAIL_GOALS_SHOWN),
        _match_block(r, detail),
    ]
    history = readable(detail.history)
    for count in range(min(history_shown, len(history)), -1, -1):
        lines = [history_line(r, entry, TYPED_SHOWN) for entry in history[len(history) - count :]]
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
    """The whole history as messages of at most Telegram's length, oldest first; typed notes and
    reasons in full, and the goals in full when the detail view had to cut them."""
    request = detail.request
    head = r._("📜 <b>History of {reference}</b>").format(reference=html.escape(request.reference))
    if request.goals and shown(request.goals, DETAIL_GOALS_SHOWN) != html.escape(request.goals):
        label = html.escape(r._("Goals and context"))
        head += f"\n\n<b>{label}:</b> {html.escape(request.goals)}"
    messages, current = [], head
    for entry in readable(detail.history):
        line = fit_html(history_line(r, entry), TEXT_LIMIT)
        if visible_length(current) + 1 + visible_length(line) > TEXT_LIMIT:
            messages.append(current)
            current = line
        else:
            current += "\n" + line
    messages.append(current)
    return messages


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
