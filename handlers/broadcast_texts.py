"""Texts and keyboards of a running broadcast: the progress message, the cancel question and the
final report, and the small helpers every broadcast text uses.

Everything is worded for a :class:`~handlers.notify.Reader`, so the sweep (which writes to the
coordinator who created a broadcast) and the wizard (which answers whoever pressed) share them.
Numbers are grouped the reader's way ("1.000" in German, "1,000" in English), and a noun that
goes with a count takes its plural form from the catalog (``reader.ngettext``): "1 advisor",
"2 advisors". A cancelled broadcast is "cancelled" ("abgebrochen") wherever it is named.
"""

from __future__ import annotations

from html import escape

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.broadcast_progress import BroadcastProgress
from handlers.callback_data import BROADCAST, data
from handlers.notify import Reader
from models import BroadcastStatus

BAR_WIDTH = 10


def number(reader: Reader, value: int) -> str:
    """``value`` with the reader's digit grouping."""
    return format_decimal(value, locale=reader.locale)


def bar(percent: int) -> str:
    """A progress bar of ten blocks ("▓▓▓░░░░░░░ 30 %")."""
    filled = max(0, min(BAR_WIDTH, round(percent * BAR_WIDTH / 100)))
    return "▓" * filled + "░" * (BAR_WIDTH - filled) + f" {percent} %"


def title(reader: Reader, broadcast_id: int) -> str:
    """The heading every broadcast message starts with."""
    return "📣 " + reader._("<b>Broadcast #{id}</b>").format(id=broadcast_id)


def button(label: str, callback: str) -> InlineKeyboardButton:
    """An inline button."""
    return InlineKeyboardButton(label, callback_data=callback)


def counts_line(reader: Reader, p: BroadcastProgress) -> str:
    """ "Sending: 340 of 1,000 · delivered 320 · blocked 12 · failed 8"."""
    n = lambda value: number(reader, value)  # noqa: E731
    return reader._(
        "Sending: {handled} of {total} · delivered {delivered} · blocked {blocked} · failed {failed}"
    ).format(
        handled=n(p.handled),
        total=n(p.total),
        delivered=n(p.delivered),
        blocked=n(p.blocked),
        failed=n(p.failed),
    )


def outcome_lines(reader: Reader, p: BroadcastProgress) -> list[str]:
    """The outcome of a broadcast that ended, one line each."""
    n = lambda value: number(reader, value)  # noqa: E731
    lines = [
        reader._("✅ Delivered: {count}").format(count=n(p.delivered)),
        reader._("🚫 Blocked the bot: {count}").format(count=n(p.blocked)),
        reader._("⚠️ Failed: {count}").format(count=n(p.failed)),
    ]
    if p.cancelled or p.status == BroadcastStatus.CANCELLED:
        lines.append(
            reader._("✋ Not sent, as it was cancelled: {count}").format(count=n(p.cancelled + p.pending))
        )
    if p.settling:
        lines.append(on_the_way(reader, p))
    return lines


def on_the_way(reader: Reader, p: BroadcastProgress) -> str:
    """The sends under way when the broadcast was cancelled, which the report waits for."""
    return reader.ngettext(
        "⏳ {count} message was already on its way when it was cancelled; "
        "we send the report as soon as we know whether it arrived.",
        "⏳ {count} messages were already on their way when it was cancelled; "
        "we send the report as soon as we know whether they arrived.",
        p.queued + p.pending,
    ).format(count=number(reader, p.queued + p.pending))


def cancel_button(reader: Reader, broadcast_id: int) -> InlineKeyboardMarkup:
    """The progress message's only button while a broadcast can still be stopped."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    reader._("✋ Cancel broadcast"), callback_data=data(BROADCAST, "x", broadcast_id)
                )
            ]
        ]
    )


def retry_button(reader: Reader, broadcast_id: int, failed: int) -> InlineKeyboardMarkup | None:
    """ "🔁 Retry N failed deliveries" under the report, when some failed."""
    if failed <= 0:
        return None
    label = reader.ngettext("🔁 Retry {count} failed delivery", "🔁 Retry {count} failed deliveries", failed)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label.format(count=number(reader, failed)),
                    callback_data=data(BROADCAST, "r", broadcast_id),
                )
            ]
        ]
    )


def progress_text(reader: Reader, p: BroadcastProgress, *, starting: bool = False) -> str:
    """The progress message for the broadcast's current state (``starting``: sent right away)."""
    head = title(reader, p.broadcast_id)
    if p.status == BroadcastStatus.SCHEDULED and starting:
        return f"{head}\n" + reader._("🚀 Starting …")
    if p.status == BroadcastStatus.SCHEDULED:
        when = reader.when(p.send_at) if p.send_at else "–"
        return f"{head}\n" + reader._("🕒 Scheduled for {when}.").format(when=escape(when))
    if p.status == BroadcastStatus.SENDING:
        return "\n".join([f"{head} · " + reader._("sending"), bar(p.percent), counts_line(reader, p)])
    if p.status == BroadcastStatus.DONE:
        if p.total == 0:
            return (
                f"{head} · "
                + reader._("finished")
                + "\n"
                + reader._("Nobody matched the audience, so nothing was sent.")
            )
        return "\n".join([f"{head} · " + reader._("finished"), bar(100), *outcome_lines(reader, p)])
    if p.status == BroadcastStatus.CANCELLED:
        if p.started_at is None:
            return (
                f"{head} · "
                + reader._("cancelled")
                + "\n"
                + reader._("It was cancelled before it started; nobody got it.")
            )
        return "\n".join([f"{head} · " + reader._("cancelled"), *outcome_lines(reader, p)])
    return f"{head}\n" + reader._("Draft, not sent yet.")


def progress_markup(reader: Reader, p: BroadcastProgress) -> InlineKeyboardMarkup | None:
    """The cancel button while the broadcast is scheduled or sending; nothing after."""
    if p.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        return cancel_button(reader, p.broadcast_id)
    return None


def report_text(reader: Reader, p: BroadcastProgress) -> str:
    """The final report sent to the coordinator when a broadcast has ended (while a cancelled one's
    last sends are under way: what is known, and that the report follows)."""
    if p.status == BroadcastStatus.CANCELLED and p.started_at is None:
        return (
            title(reader, p.broadcast_id)
            + "\n"
            + reader._("It was cancelled before it started; nobody got it.")
        )
    if p.total == 0:
        return (
            title(reader, p.broadcast_id)
            + "\n"
            + reader._("Nobody matched the audience, so nothing was sent.")
        )
    head = reader._("📣 <b>Broadcast #{id} has been sent.</b>").format(id=p.broadcast_id)
    if p.status == BroadcastStatus.CANCELLED:
        head = reader._("📣 <b>Broadcast #{id} was cancelled.</b>").format(id=p.broadcast_id)
    lines = [head, *outcome_lines(reader, p)]
    if p.failed and p.status == BroadcastStatus.DONE:
        lines.append(reader._("You can send it once more to those it failed for; nobody else gets it twice."))
    return "\n".join(lines)


def cancel_question(reader: Reader, p: BroadcastProgress) -> tuple[str, InlineKeyboardMarkup]:
    """Are you sure? (with what a cancel would still stop)."""
    head = title(reader, p.broadcast_id)
    if p.status == BroadcastStatus.SCHEDULED:
        when = reader.when(p.send_at) if p.send_at else "–"
        question = reader._("Cancel this broadcast scheduled for {when}? Nobody has got it yet.").format(
            when=escape(when)
        )
    else:
        left = p.pending + p.queued
        question = reader.ngettext(
            "Cancel this broadcast? {left} of {total} has not got it yet and would not get it.",
            "Cancel this broadcast? {left} of {total} have not got it yet and would not get it.",
            left,
        ).format(left=number(reader, left), total=number(reader, p.total))
    return f"{head}\n{question}", InlineKeyboardMarkup(
        [
            [
                button(reader._("✋ Yes, cancel it"), data(BROADCAST, "xy", p.broadcast_id)),
                button(reader._("↩️ No, keep it"), data(BROADCAST, "xn", p.broadcast_id)),
            ]
        ]
    )


def moved_text(reader: Reader, p: BroadcastProgress) -> str:
    """An old progress message once a newer one below is kept up to date instead (no button)."""
    return progress_text(reader, p) + "\n" + reader._("⬇️ From now on the progress is shown further down.")
