"""A request's history as coordinators read it: one line per event, each person by their profile name.

A coordinator's action and an advisor's answer change the request's status in the same instant; the
status then goes without a line of its own (the action's line says it). Statuses nobody's action
explains (received, no advisor found yet, a date agreed, withdrawn) keep theirs.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from bot.services.audit import HistoryEntry, HistoryKind
from bot.telegram_text import TEXT_LIMIT, fit_html, shown, visible_length
from handlers.notify import Reader
from handlers.offer_texts import GIVE_BACK_REASONS
from handlers.offers import DECLINE_REASONS
from handlers.status_words import status_word
from models import AuditAction, KickoffRequest, OfferStatus, RequestStatus

# The statuses an event at the same instant already tells, by the kind of that event.
_TOLD_BY = {
    HistoryKind.OFFER: {RequestStatus.OFFERED},
    HistoryKind.OFFER_DECIDED: {RequestStatus.ACCEPTED, RequestStatus.OFFERED},
}
_TOLD_BY_AUDIT = {
    AuditAction.ASSIGN: {RequestStatus.ACCEPTED, RequestStatus.OFFERED},
    AuditAction.CLOSE: {RequestStatus.CLOSED, RequestStatus.CANCELLED},
    AuditAction.REOFFER: {RequestStatus.OFFERED, RequestStatus.NO_MATCH},
    AuditAction.REASSIGN: set(RequestStatus),
}


# What an offer to the advisor chosen by hand becomes in the instant they are chosen.
REPLACED = (OfferStatus.ASSIGNED, OfferStatus.WITHDRAWN)


def _actor(entry: HistoryEntry, r: Reader) -> str:
    """Who did something in a request's history."""
    return html.escape(entry.actor_name) if entry.actor_name else r._("the bot")


def _typed(value: object, limit: int | None) -> str:
    """A typed note or reason, escaped, cut to ``limit`` visible characters when one is given."""
    text = str(value or "")
    return shown(text, limit) if limit is not None else html.escape(text)


def _reassign_line(r: Reader, entry: HistoryEntry) -> str:
    """A reassignment in the request's history."""
    actor, previous = _actor(entry, r), html.escape(entry.advisor_name or "–")
    target = entry.details.get("to_name")
    if target and entry.details.get("assigned_now"):
        return r._("🔄 {actor} took the request from {previous} and assigned {name}").format(
            actor=actor, previous=previous, name=html.escape(str(target))
        )
    if target:
        return r._("🔄 {actor} took the request from {previous} and offered it to {name}").format(
            actor=actor, previous=previous, name=html.escape(str(target))
        )
    return r._("🔄 {actor} took the request from {previous}; no other advisor was found").format(
        actor=actor, previous=previous
    )


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
            # A hand assignment is an offer the advisor still accepts or declines.
            return r._("📌 {actor} offered it to {name} by hand").format(actor=actor, name=advisor)
        case AuditAction.REASSIGN:
            return _reassign_line(r, entry)
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
        case OfferStatus.RETURNED:
            code = str(entry.details.get("reason", ""))
            label = GIVE_BACK_REASONS.get(code)
            why = r._(label) if label else _typed(code or "–", limit)
            return r._("↩️ {name} gave the request back: {reason}").format(name=name, reason=why)
    return f"{html.escape(entry.code)}: {name}"


def _explained(entry: HistoryEntry, others: Sequence[HistoryEntry]) -> bool:
    """Whether a status entry is told by another entry of the same instant."""
    for other in others:
        told = (
            _TOLD_BY_AUDIT.get(other.code, set())  # type: ignore[call-overload]
            if other.kind == HistoryKind.AUDIT
            else _TOLD_BY.get(other.kind, set())
        )
        if entry.code in told:
            return True
    return False


def _bookkeeping(entry: HistoryEntry, actions: Sequence[HistoryEntry]) -> bool:
    """An offer made or ended by a coordinator's action of the same instant, which its line tells."""
    for action in actions:
        if entry.kind == HistoryKind.OFFER and action.code == AuditAction.ASSIGN:
            if entry.advisor_id == action.advisor_id:
                return True
        if entry.kind == HistoryKind.OFFER_DECIDED and action.code == AuditAction.ASSIGN:
            # The assignment itself, or the same advisor's earlier offer it replaced.
            if entry.advisor_id == action.advisor_id and entry.code in REPLACED:
                return True
        if action.code == AuditAction.REASSIGN:
            target = action.details.get("to_advisor_id")
            if entry.kind == HistoryKind.OFFER and entry.advisor_id == target:
                return True
            if entry.kind == HistoryKind.OFFER_DECIDED and entry.advisor_id in (target, action.advisor_id):
                return entry.code in (OfferStatus.ASSIGNED, OfferStatus.WITHDRAWN)
    return False


def readable(history: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """One entry per event: the status changes and offers a coordinator's action or an advisor's
    answer caused in the same instant go into that action's line. A reassignment names its target."""
    by_instant: dict[object, list[HistoryEntry]] = {}
    for entry in history:
        by_instant.setdefault(entry.at, []).append(entry)
    names = {e.advisor_id: e.advisor_name for e in history if e.advisor_id is not None}
    kept = []
    for entry in history:
        others = [e for e in by_instant[entry.at] if e is not entry and e.kind != HistoryKind.STATUS]
        actions = [e for e in others if e.kind == HistoryKind.AUDIT]
        if entry.kind == HistoryKind.STATUS and _explained(entry, others):
            continue
        if entry.kind in (HistoryKind.OFFER, HistoryKind.OFFER_DECIDED) and _bookkeeping(entry, actions):
            continue
        if entry.kind == HistoryKind.AUDIT and entry.code == AuditAction.REASSIGN:
            target = names.get(entry.details.get("to_advisor_id"))  # type: ignore[arg-type]
            entry = replace(entry, details={**entry.details, "to_name": target})
        kept.append(entry)
    return kept


def history_line(r: Reader, entry: HistoryEntry, limit: int | None = None) -> str:
    """One history entry: when, and what happened in plain words (typed text cut to ``limit``)."""
    when = f"{r.day(entry.at, 'short')} {r.time(entry.at)}"
    if entry.kind == HistoryKind.STATUS:
        what = r._("→ {status} ({actor})").format(status=status_word(r, entry.code), actor=_actor(entry, r))
    elif entry.kind == HistoryKind.OFFER:
        what = r._("📨 Offered to {name}").format(name=html.escape(entry.advisor_name or "–"))
    elif entry.kind == HistoryKind.OFFER_DECIDED:
        what = _decision_line(r, entry, limit)
    else:
        what = _audit_line(r, entry, limit)
    return f"{when} · {what}"


def full_history(
    r: Reader, request: KickoffRequest, history: Sequence[HistoryEntry], goals_shown: int
) -> list[str]:
    """The whole history as messages of at most Telegram's length, oldest first; typed notes and
    reasons in full, and the goals in full when the detail view cut them at ``goals_shown``."""
    head = r._("📜 <b>History of {reference}</b>").format(reference=html.escape(request.reference))
    if request.goals and shown(request.goals, goals_shown) != html.escape(request.goals):
        label = html.escape(r._("Goals and context"))
        head += f"\n\n<b>{label}:</b> {html.escape(request.goals)}"
    messages, current = [], head
    for entry in readable(history):
        line = fit_html(history_line(r, entry), TEXT_LIMIT)
        if visible_length(current) + 1 + visible_length(line) > TEXT_LIMIT:
            messages.append(current)
            current = line
        else:
            current += "\n" + line
    messages.append(current)
    return messages
