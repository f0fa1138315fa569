"""Texts and keyboards of the coordinators' advisor screens (/berater, /advisors): the list, the
filter choice, the detail, the pause choices and the deactivation question.

Everything is worded for a :class:`Reader`, so it comes out in the coordinator's language. Buttons
carry where in the list a screen was opened (:class:`Place`), so "back" returns to the same page.
"""

from __future__ import annotations

import calendar
import html
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_
from bot.services.coordination_advisors import AdvisorDetail, AdvisorPage, AdvisorRow, Availability
from bot.services.coordination_requests import FINAL_STATUSES
from handlers import request_view
from handlers.advisor_profile import area_words, home_text
from handlers.callback_data import ADVISORS, REQUESTS, Pressed, data
from handlers.coordinator_advisor_status import AVAILABILITY_WORDS, availability_text, day_text
from handlers.notify import Reader
from handlers.status_words import status_word
from models import AuditAction, CoordinatorAction, KickoffRequest, User

ALL = "all"  # no availability filter
REASSIGN = "ra"  # the reassign buttons (handled in handlers.coordinator_reassign)
PAGE_DIGITS = 4
SHOWN = 8  # held requests and pending offers listed (with a button each) in the detail
ACTIONS_SHOWN = 5
NAME_IN_BUTTON = 40
AREA_IN_LIST = 90

ACTION_WORDS = {
    AuditAction.ADVISOR_PAUSE: N_("paused until {date}"),
    AuditAction.ADVISOR_REACTIVATE: N_("reactivated"),
    AuditAction.ADVISOR_DEACTIVATE: N_("deactivated"),
    AuditAction.ASSIGN: N_("assigned {reference} by hand"),
    AuditAction.REOFFER: N_("offered {reference} anew"),
    AuditAction.REASSIGN: N_("took {reference} from them"),
    AuditAction.CLOSE: N_("closed {reference}"),
    AuditAction.NOTE: N_("noted on {reference}"),
}


@dataclass(frozen=True)
class Place:
    """Where in the list a screen was opened: the page (from 0) and the availability shown."""

    page: int = 0
    only: Availability | None = None

    @property
    def args(self) -> tuple[int, str]:
        """The place as the last two arguments of a button."""
        return self.page, self.only.value if self.only else ALL

    @classmethod
    def parse(cls, pressed: Pressed, index: int) -> Place | None:
        """The place in a button's arguments ``index`` and ``index + 1``; None when forged."""
        page, code = pressed.arg(index), pressed.arg(index + 1)
        if not page.isdigit() or len(page) > PAGE_DIGITS:
            return None
        if code == ALL:
            return cls(int(page))
        return cls(int(page), Availability(code)) if code in set(Availability) else None

    def to_json(self) -> dict[str, Any]:
        """The place as stored with a typed question."""
        return {"page": self.page, "only": self.args[1]}

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> Place:
        """The place stored with a typed question (the first page when unreadable)."""
        value = value or {}
        page, code = str(value.get("page", 0)), str(value.get("only", ALL))
        return cls.parse(Pressed("", (page, code)), 0) or cls()


def action_button(label: str, action: str, *args: object) -> InlineKeyboardButton:
    """A button for an action on the advisors' screens."""
    return InlineKeyboardButton(label, callback_data=data(ADVISORS, action, *args))


def one_month_after(day: date) -> date:
    """The same day a month later (the month's last day when it has fewer days)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _list_entry(r: Reader, row: AdvisorRow) -> str:
    """One advisor in the coordinators' list."""
    area = area_words(row.regierungsbezirke, row.kreise)
    if len(area) > AREA_IN_LIST:
        area = area[: AREA_IN_LIST - 1].rstrip() + "…"
    return "\n".join(
        [
            f"<b>{html.escape(row.name)}</b> · {availability_text(r, row, 'medium')}",
            r._("🗣 {languages} · 🗺 {area} · load {load} of {capacity}").format(
                languages=html.escape(r.languages(row.languages)),
                area=area,
                load=row.load,
                capacity=row.capacity,
            ),
        ]
    )


def list_screen(r: Reader, page: AdvisorPage, only: Availability | None) -> tuple[str, InlineKeyboardMarkup]:
    """One page of advisors: a line each with a button to open them, page, filter and invite buttons."""
    place = Place(page.page, only)
    head = [r._("👥 <b>Advisors</b> ({total})").format(total=page.total)]
    if only is not None:
        head.append(r._("Showing only: {availability}").format(availability=r._(AVAILABILITY_WORDS[only])))
    if page.items:
        entries = [_list_entry(r, row) for row in page.items]
    elif only is not None:
        entries = [r._("No advisor matches this filter.")]
    else:
        entries = [r._("No advisors yet. Invite the first one with the button below.")]
    footer = r._("Page {page} of {pages}").format(page=page.page + 1, pages=page.pages)
    text = "\n\n".join(["\n".join(head), *entries, footer])
    rows = [
        [action_button(f"{row.name[:NAME_IN_BUTTON]} · {row.load}/{row.capacity}", "v", row.id, *place.args)]
        for row in page.items
    ]
    paging = []
    if page.page > 0:
        paging.append(action_button("◀️", "l", page.page - 1, place.args[1]))
    if page.page + 1 < page.pages:
        paging.append(action_button("▶️", "l", page.page + 1, place.args[1]))
    if paging:
        rows.append(paging)
    rows.append(
        [action_button(r._("🔎 Filter"), "f", *place.args), action_button(r._("✉️ Invite an advisor"), "i")]
    )
    return text, InlineKeyboardMarkup(rows)


def filter_screen(r: Reader, place: Place) -> tuple[str, InlineKeyboardMarkup]:
    """Which advisors to list: all, or those with one availability."""
    choices = [action_button(r._("👥 All advisors"), "l", 0, ALL)]
    choices += [action_button(r._(words), "l", 0, value.value) for value, words in AVAILABILITY_WORDS.items()]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append([action_button(r._("↩️ Back"), "l", *place.args)])
    return r._("🔎 <b>Which advisors would you like to see?</b>"), InlineKeyboardMarkup(rows)


def _request_line(request: KickoffRequest, extra: str) -> str:
    """One request in an advisor's detail."""
    return f"• {request_view.title(request)} – {extra}"


def _held_part(r: Reader, detail: AdvisorDetail) -> tuple[list[str], list[KickoffRequest]]:
    """The requests an advisor holds, as lines and as buttons to open."""
    open_held = [req for _o, req in detail.held if req.status not in FINAL_STATUSES]
    finished = len(detail.held) - len(open_held)
    lines = [r._("<b>Requests they hold</b>")]
    lines += [_request_line(req, html.escape(status_word(r, req.status))) for req in open_held[:SHOWN]]
    if len(open_held) > SHOWN:
        lines.append(r._("… and {count} more").format(count=len(open_held) - SHOWN))
    if not open_held:
        lines.append(r._("none open"))
    if finished:
        lines.append(r._("Finished earlier: {count}").format(count=finished))
    return lines, open_held[:SHOWN]


def _pending_part(r: Reader, detail: AdvisorDetail) -> tuple[list[str], list[KickoffRequest]]:
    """The offers waiting for the advisor's answer, as lines and buttons."""
    if not detail.pending:
        return [], []
    lines = [r._("<b>Offers waiting for their answer</b>")]
    for offer, req in detail.pending[:SHOWN]:
        deadline = r._("answer by {deadline}").format(deadline=r.when(offer.respond_by))
        lines.append(_request_line(req, deadline))
    return lines, [req for _o, req in detail.pending[:SHOWN]]


async def action_lines(session: AsyncSession, r: Reader, actions: tuple[CoordinatorAction, ...]) -> list[str]:
    """The latest coordinator actions on an advisor: when, who, what."""
    shown = actions[:ACTIONS_SHOWN]
    if not shown:
        return []
    actor_ids = {a.actor_user_id for a in shown if a.actor_user_id is not None}
    request_ids = {a.request_id for a in shown if a.request_id is not None}
    names: dict[int, str] = {}
    references: dict[int, str] = {}
    if actor_ids:
        rows = await session.execute(select(User.id, User.first_name).where(User.id.in_(actor_ids)))
        names = dict(rows.tuples().all())
    if request_ids:
        found = await session.execute(
            select(KickoffRequest.id, KickoffRequest.reference).where(KickoffRequest.id.in_(request_ids))
        )
        references = dict(found.tuples().all())
    lines = [r._("<b>Recent coordinator actions</b>")]
    for action in shown:
        who = html.escape(names.get(action.actor_user_id or 0) or "–")
        what = _action_words(r, action, references.get(action.request_id or 0, "–"))
        lines.append(f"• {r.when(action.created_at)} – {who}: {what}")
    return lines


def _action_words(r: Reader, action: CoordinatorAction, reference: str) -> str:
    """A coordinator action in the reader's words."""
    words = ACTION_WORDS.get(AuditAction(action.action)) if action.action in set(AuditAction) else None
    if words is None:
        return html.escape(action.action)
    until = (action.details or {}).get("until")
    shown = day_text(r, date.fromisoformat(until)) if isinstance(until, str) else "–"
    return r._(words).format(date=shown, reference=html.escape(reference))


async def detail_screen(
    session: AsyncSession, r: Reader, detail: AdvisorDetail, place: Place, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The advisor with their requests, offers and history; buttons to those requests and to act."""
    row, advisor = detail.row, detail.advisor
    facts = [
        f"👤 <b>{html.escape(row.name)}</b>",
        r._("<b>Status:</b> {status}").format(status=availability_text(r, row)),
        r._("<b>Languages:</b> {languages}").format(languages=html.escape(r.languages(row.languages))),
        r._("<b>Home:</b> {home}").format(home=home_text(advisor)),
        r._("<b>Area served:</b> {area}").format(area=area_words(row.regierungsbezirke, row.kreise)),
        r._("<b>Load:</b> {load} of {capacity} (requests held and offers waiting)").format(
            load=row.load, capacity=row.capacity
        ),
    ]
    held_lines, held = _held_part(r, detail)
    pending_lines, pending = _pending_part(r, detail)
    parts = [notice] if notice else []
    parts += ["\n".join(facts), "\n".join(held_lines)]
    parts += [
        "\n".join(lines) for lines in (pending_lines, await action_lines(session, r, detail.actions)) if lines
    ]
    # An advisor who is deactivated or paused: each open request they hold can be moved at once.
    away = not row.active or row.paused
    rows = [
        [InlineKeyboardButton(f"📂 {req.reference}", callback_data=data(REQUESTS, "d", req.id))]
        + ([reassign_button(r, req)] if away else [])
        for req in held
    ]
    rows += [
        [InlineKeyboardButton(f"📨 {req.reference}", callback_data=data(REQUESTS, "d", req.id))]
        for req in pending
    ]
    rows.append(_action_buttons(r, row, place))
    rows.append([action_button(r._("⬅️ Back to the list"), "l", *place.args)])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def reassign_button(r: Reader, request: KickoffRequest) -> InlineKeyboardButton:
    """The button that opens the reassign choice of a request the advisor holds."""
    label = r._("🔄 Reassign {reference}").format(reference=request.reference)
    return InlineKeyboardButton(label, callback_data=data(REASSIGN, "m", request.id))


def _action_buttons(r: Reader, row: AdvisorRow, place: Place) -> list[InlineKeyboardButton]:
    """The action buttons of an advisor's detail screen."""
    buttons = []
    if row.active:
        buttons.append(action_button(r._("⏸ Pause"), "p", row.id, *place.args))
    if not row.active or row.paused:
        buttons.append(action_button(r._("▶️ Reactivate"), "r", row.id, *place.args))
    if row.active:
        buttons.append(action_button(r._("⛔ Deactivate"), "d", row.id, *place.args))
    return buttons
