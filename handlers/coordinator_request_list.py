"""The coordinators' request list: its status and region filters, the page of requests, the menus
to change the filter. Pure functions of what :mod:`bot.services.coordination_requests` returns.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_
from bot.services.coordination_requests import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    RequestFilter,
    RequestPage,
    RequestRow,
)
from bot.services.geography import regierungsbezirk_names
from handlers.callback_data import REQUESTS, data
from handlers.notify import Reader
from handlers.status_words import status_word
from models import RequestStatus


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
    "n": StatusChoice(N_("no advisor found yet"), (RequestStatus.NO_MATCH,)),
    "m": StatusChoice(N_("being matched"), (RequestStatus.SUBMITTED, RequestStatus.OFFERED)),
    "a": StatusChoice(N_("advisor found"), (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)),
    "k": StatusChoice(N_("kickoff held"), (RequestStatus.KICKOFF_HELD, RequestStatus.CONSULTATION)),
    "f": StatusChoice(N_("finished"), tuple(FINAL_STATUSES)),
    "x": StatusChoice(N_("all")),
}
DEFAULT_STATUS = "o"
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


def duration(r: Reader, span: timedelta) -> str:
    """A span in whole days, or hours below a day ("3 days", "less than an hour")."""
    days = int(span.total_seconds() // 86400)
    if days >= 1:
        return r.ngettext("{count} day", "{count} days", days).format(count=days)
    hours = int(span.total_seconds() // 3600)
    if hours == 0:
        return r._("less than an hour")
    return r.ngettext("{count} hour", "{count} hours", hours).format(count=hours)


def _filter_description(r: Reader, state: ListState) -> str:
    """The list's current filter in the reader's words."""
    choice = r._(STATUS_CHOICES[state.status].label)
    region = regierungsbezirk_names().get(state.regierungsbezirk) if state.regierungsbezirk else None
    return f"{choice} · {html.escape(region)}" if region else choice


def _row_lines(r: Reader, row: RequestRow) -> str:
    """One request in the coordinators' list."""
    parts = [
        f"<b>{html.escape(row.reference)}</b>",
        html.escape(row.place_name),
        status_word(r, row.status),
    ]
    if row.advisor_name:
        name = html.escape(row.advisor_name)
        parts.append(r._("asked: {name}").format(name=name) if row.advisor_pending else name)
    second = r._("{age} old").format(age=duration(r, row.age))
    if row.waiting_too_long:
        second += " · " + r._("⏰ unchanged for {idle}").format(idle=duration(r, row.idle))
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
