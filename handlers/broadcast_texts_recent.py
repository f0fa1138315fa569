"""The list of recent broadcasts: when each went or goes out, its status in words, its counts and
the start of its text, with buttons to follow or cancel a running one and to retry the failed."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from bot.i18n import N_
from bot.services.broadcast_content import visible_text
from handlers.broadcast_texts import button, number
from handlers.callback_data import BROADCAST, data
from handlers.notify import Reader
from models import Broadcast, BroadcastStatus, MediaKind

# Visible characters of a broadcast's text shown in the list of recent broadcasts.
SNIPPET_LENGTH = 60
STATUS_WORDS: dict[str, str] = {
    BroadcastStatus.DRAFT: N_("draft"),
    BroadcastStatus.SCHEDULED: N_("scheduled"),
    BroadcastStatus.SENDING: N_("sending"),
    BroadcastStatus.DONE: N_("sent"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
}


MEDIA_ICONS: dict[str, str] = {MediaKind.PHOTO: "🖼", MediaKind.DOCUMENT: "📎"}


def snippet(broadcast: Broadcast, length: int = SNIPPET_LENGTH) -> str:
    """The start of what recipients see, on one line, as HTML ("🖼 Our poster for…").

    The visible text is cut and then escaped, so a cut never falls inside a tag or an entity.
    """
    shown = " ".join(visible_text(broadcast.text or "").split())
    if len(shown) > length:
        shown = shown[: length - 1].rstrip() + "…"
    icon = MEDIA_ICONS.get(broadcast.media_kind or "")
    return " ".join(part for part in (icon, escape(shown)) if part)


def recent_counts(reader: Reader, b: Broadcast) -> str | None:
    """ "8 recipients: delivered 3 · blocked 0 · failed 0 · not sent 5" (None before it started)."""
    if b.started_at is None:
        return None
    n = lambda value: number(reader, value)  # noqa: E731
    line = reader.ngettext("{count} recipient", "{count} recipients", b.recipients_total).format(
        count=n(b.recipients_total)
    )
    line += ": " + reader._("delivered {delivered} · blocked {blocked} · failed {failed}").format(
        delivered=n(b.delivered_count), blocked=n(b.blocked_count), failed=n(b.failed_count)
    )
    rest = b.recipients_total - b.delivered_count - b.blocked_count - b.failed_count
    if rest > 0 and b.status == BroadcastStatus.SENDING:
        line += " · " + reader._("still to go {count}").format(count=n(rest))
    elif rest > 0 and b.status == BroadcastStatus.CANCELLED:
        line += " · " + reader._("not sent {count}").format(count=n(rest))
    return line


def recent_entry(reader: Reader, b: Broadcast) -> str:
    """One broadcast in the list: number, when it goes or went out, status, counts and its start."""
    moment = b.started_at or b.send_at
    status = reader._(STATUS_WORDS.get(b.status, N_("draft")))
    if b.status == BroadcastStatus.CANCELLED and b.started_at is None:
        status = reader._("cancelled before it started")
    head = f"<b>#{b.id}</b> · " + (f"{escape(reader.when(moment))} · " if moment else "") + status
    counts = recent_counts(reader, b)
    return "\n".join([head, *([counts] if counts else []), f"<i>{snippet(b)}</i>"])


def recent_list(reader: Reader, found: list[Broadcast]) -> tuple[str, InlineKeyboardMarkup | None]:
    """The latest broadcasts, with a button to the progress of each one still scheduled or sending
    (where it can be cancelled) and retry where some failed."""
    if not found:
        return reader._("📋 No broadcasts have been sent yet."), None
    lines = [reader._("📋 <b>Recent broadcasts</b>")]
    rows = []
    for b in found:
        lines += ["", recent_entry(reader, b)]
        if b.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
            label = reader._("📊 #{id}: progress and cancelling").format(id=b.id)
            rows.append([button(label, data(BROADCAST, "v", b.id))])
        elif b.status == BroadcastStatus.DONE and b.failed_count:
            rows.append([button(reader._("🔁 Retry #{id}").format(id=b.id), data(BROADCAST, "r", b.id))])
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None
