"""Texts and keyboards of broadcasts: the progress message, the final report and the wizard's screens.

Everything is worded for a :class:`~handlers.notify.Reader`, so the sweep (which writes to the
coordinator who created a broadcast) and the wizard (which answers whoever pressed) share them.
Numbers are grouped the reader's way ("1.000" in German, "1,000" in English), and a noun that
goes with a count takes its plural form from the catalog (``reader.ngettext``): "1 advisor",
"2 advisors".
"""

from __future__ import annotations

from html import escape

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import N_
from bot.regions import get_registry
from bot.services.broadcast_audience import AudienceFilter
from bot.services.broadcast_content import CAPTION_LIMIT, TEXT_LIMIT, visible_text
from bot.services.broadcast_progress import BroadcastProgress
from bot.services.broadcasts import AudiencePreview
from bot.services.geography import regierungsbezirk_names
from handlers.callback_data import BROADCAST, data
from handlers.notify import Reader
from handlers.request_view import STAFF_STATUS_WORDS
from models import Broadcast, BroadcastAudience, BroadcastStatus, MediaKind, RequestStatus

BAR_WIDTH = 10
# Visible characters of a broadcast's text shown in the list of recent broadcasts.
SNIPPET_LENGTH = 60


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


# ---------------------------------------------------------------------------------------------
# The wizard's screens
# ---------------------------------------------------------------------------------------------

AUDIENCE_NAMES = {
    BroadcastAudience.ADVISORS: N_("Advisors"),
    BroadcastAudience.CONTACTS: N_("Contacts who agreed to receive news"),
    BroadcastAudience.BOTH: N_("Advisors and contacts who agreed to receive news"),
}
# The request statuses contacts can be chosen by (in the coordinators' words of request_view).
FILTER_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.OFFERED,
    RequestStatus.ACCEPTED,
    RequestStatus.SCHEDULED,
    RequestStatus.KICKOFF_HELD,
    RequestStatus.CONSULTATION,
    RequestStatus.CLOSED,
    RequestStatus.NO_MATCH,
)
# Filter kinds as they appear in callback data.
RB, KR, LA, ST = "rb", "kr", "la", "st"


def audience_name(reader: Reader, audience: str | None) -> str:
    """The audience in words."""
    if audience not in set(BroadcastAudience):
        return "–"
    return reader._(AUDIENCE_NAMES[BroadcastAudience(audience)])


def kreis_name(ags: str) -> str:
    """ "Landkreis Tübingen" for "08416" (the code itself when unknown)."""
    kreis = get_registry().kreis(ags)
    return kreis.display_name if kreis is not None else ags


def value_name(reader: Reader, kind: str, value: str) -> str:
    """One filter value in words."""
    if kind == RB:
        return regierungsbezirk_names().get(value, value)
    if kind == KR:
        return kreis_name(value)
    if kind == LA:
        return i18n.language_name(value, reader.locale)
    status = STAFF_STATUS_WORDS.get(RequestStatus(value)) if value in set(RequestStatus) else None
    return reader._(status) if status else value


def filter_lines(reader: Reader, flt: AudienceFilter) -> list[str]:
    """The chosen filters, one line per kind ("" kinds left out)."""
    kinds = (
        (RB, reader._("Regierungsbezirk"), flt.regierungsbezirke),
        (KR, reader._("Kreis"), flt.kreise),
        (LA, reader._("Language"), flt.languages),
        (ST, reader._("Request status"), flt.request_statuses),
    )
    return [
        f"• {label}: " + escape(", ".join(value_name(reader, kind, v) for v in values))
        for kind, label, values in kinds
        if values
    ]


def audience_block(reader: Reader, audience: str | None, flt: AudienceFilter, count: AudiencePreview) -> str:
    """Who it goes to, the filters and how many that are right now."""
    filters = filter_lines(reader, flt)
    lines = [reader._("To: <b>{audience}</b>").format(audience=escape(audience_name(reader, audience)))]
    lines += filters if filters else [reader._("• no further filter")]
    lines.append(recipients_line(reader, count))
    return "\n".join(lines)


def recipients_line(reader: Reader, count: AudiencePreview) -> str:
    """ "👥 Recipients right now: 123 (12 advisors, 111 contacts)"."""
    advisors = reader.ngettext("{count} advisor", "{count} advisors", count.advisors)
    contacts = reader.ngettext("{count} contact", "{count} contacts", count.contacts)
    return reader._("👥 Recipients right now: <b>{total}</b> ({advisors}, {contacts})").format(
        total=number(reader, count.total),
        advisors=advisors.format(count=number(reader, count.advisors)),
        contacts=contacts.format(count=number(reader, count.contacts)),
    )


def button(label: str, callback: str) -> InlineKeyboardButton:
    """An inline button."""
    return InlineKeyboardButton(label, callback_data=callback)


def step1_text(reader: Reader, counts: dict[str, int]) -> str:
    """Step 1: who should get it."""
    lines = [
        reader._("📣 <b>New broadcast</b> · step 1 of 4"),
        reader._("Who should get it?"),
        "",
        *(
            f"• {escape(audience_name(reader, a))}: {number(reader, counts.get(a, 0))}"
            for a in BroadcastAudience
        ),
    ]
    return "\n".join(lines)


def step1_markup(reader: Reader, token: int) -> InlineKeyboardMarkup:
    """The three audiences, the list of recent broadcasts and discarding."""
    return InlineKeyboardMarkup(
        [
            [button("🤝 " + reader._("Advisors"), data(BROADCAST, "a", token, "advisors"))],
            [button("🏛 " + reader._("Contacts (news)"), data(BROADCAST, "a", token, "contacts"))],
            [button("👥 " + reader._("Both"), data(BROADCAST, "a", token, "both"))],
            [
                button(reader._("📋 Recent broadcasts"), data(BROADCAST, "l")),
                button(reader._("✖ Discard"), data(BROADCAST, "z", token)),
            ],
        ]
    )


NARROW_HINTS = {
    "narrow": N_("Narrow it down if you like: the filters combine. Or go on to the message."),
    RB: N_("Tap the Regierungsbezirke to include (tap again to remove)."),
    KR: N_("Type the name of a Kreis, or of a town in it, to add that Kreis. Tap one below to remove it."),
    LA: N_("Tap the languages to include (tap again to remove)."),
    ST: N_("Tap the request statuses to include (tap again to remove)."),
}


def step2_text(
    reader: Reader,
    screen: str,
    audience: str | None,
    flt: AudienceFilter,
    count: AudiencePreview,
    editing: bool,
) -> str:
    """Step 2: the audience, the filters, the count and what this screen is for."""
    head = (
        reader._("📣 <b>Broadcast</b> · who gets it")
        if editing
        else reader._("📣 <b>New broadcast</b> · step 2 of 4")
    )
    hint = reader._(NARROW_HINTS.get(screen, NARROW_HINTS["narrow"]))
    return "\n".join([head, audience_block(reader, audience, flt, count), "", hint])


def _toggle(reader: Reader, token: int, kind: str, value: str, chosen: bool) -> InlineKeyboardButton:
    label = ("✅ " if chosen else "") + value_name(reader, kind, value)
    return button(label, data(BROADCAST, "f", token, kind, value, 0 if chosen else 1))


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def step2_markup(
    reader: Reader,
    token: int,
    screen: str,
    audience: str | None,
    flt: AudienceFilter,
    languages_shown: list[str],
    editing: bool,
) -> InlineKeyboardMarkup:
    """The filter menu, or one filter kind's toggles."""
    back = button(reader._("⬅️ Back"), data(BROADCAST, "m", token, "narrow"))
    if screen == RB:
        names = regierungsbezirk_names()
        toggles = [_toggle(reader, token, RB, k, k in flt.regierungsbezirke) for k in sorted(names)]
        return InlineKeyboardMarkup([*_pairs(toggles), [back]])
    if screen == LA:
        codes = list(dict.fromkeys([*languages_shown, *flt.languages]))
        toggles = [_toggle(reader, token, LA, c, c in flt.languages) for c in codes]
        return InlineKeyboardMarkup([*_pairs(toggles), [back]])
    if screen == ST:
        toggles = [
            _toggle(reader, token, ST, s.value, s.value in flt.request_statuses) for s in FILTER_STATUSES
        ]
        return InlineKeyboardMarkup([*_pairs(toggles), [back]])
    if screen == KR:
        removals = [button("✖ " + kreis_name(k), data(BROADCAST, "f", token, KR, k, 0)) for k in flt.kreise]
        return InlineKeyboardMarkup([*_pairs(removals), [back]])
    rows = [
        [
            button("🗺 " + reader._("Regierungsbezirk"), data(BROADCAST, "m", token, RB)),
            button("📍 " + reader._("Kreis"), data(BROADCAST, "m", token, KR)),
        ],
        [button("🗣 " + reader._("Language"), data(BROADCAST, "m", token, LA))],
    ]
    if audience in (BroadcastAudience.CONTACTS, BroadcastAudience.BOTH):
        rows[1].append(button("📋 " + reader._("Request status"), data(BROADCAST, "m", token, ST)))
    if flt != AudienceFilter():
        rows.append([button(reader._("🧹 Clear the filters"), data(BROADCAST, "c", token))])
    go_on = reader._("✅ Done") if editing else reader._("➡️ Next: the message")
    rows.append(
        [
            button(reader._("⬅️ Audience"), data(BROADCAST, "b", token)),
            button(go_on, data(BROADCAST, "n", token)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def kreis_choices_markup(reader: Reader, token: int, kreise: list[str]) -> InlineKeyboardMarkup:
    """Kreise a typed name may mean, to add one."""
    rows = [[button(kreis_name(k), data(BROADCAST, "f", token, KR, k, 1))] for k in kreise]
    rows.append([button(reader._("⬅️ Back"), data(BROADCAST, "m", token, "narrow"))])
    return InlineKeyboardMarkup(rows)


def content_prompt(reader: Reader) -> str:
    """Step 3: asking for the message."""
    return "\n".join(
        [
            reader._("📣 <b>New broadcast</b> · step 3 of 4"),
            reader._(
                "Now send the message exactly as it should arrive: text (bold, italic and links are kept), "
                "or a photo or a document with a caption."
            ),
            reader._("A text may have up to {text} characters, a caption up to {caption}.").format(
                text=number(reader, TEXT_LIMIT), caption=number(reader, CAPTION_LIMIT)
            ),
        ]
    )


def content_prompt_markup(reader: Reader, token: int) -> InlineKeyboardMarkup:
    """Back to the audience, or discard."""
    return InlineKeyboardMarkup(
        [
            [
                button(reader._("⬅️ Audience"), data(BROADCAST, "m", token, "narrow")),
                button(reader._("✖ Discard"), data(BROADCAST, "z", token)),
            ]
        ]
    )


def change_text_prompt(reader: Reader, broadcast_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Asking for a new text of a draft."""
    text = "\n".join(
        [
            title(reader, broadcast_id),
            reader._("Send the new message: text, or a photo or a document with a caption."),
            reader._("A text may have up to {text} characters, a caption up to {caption}.").format(
                text=number(reader, TEXT_LIMIT), caption=number(reader, CAPTION_LIMIT)
            ),
        ]
    )
    back = InlineKeyboardMarkup(
        [[button(reader._("⬅️ Back to the preview"), data(BROADCAST, "p", broadcast_id))]]
    )
    return text, back


def preview_text(reader: Reader, broadcast: Broadcast, count: AudiencePreview) -> str:
    """Step 4: the summary under the preview."""
    lines = [
        reader._("👆 This is exactly how it will arrive."),
        "",
        "📣 " + reader._("<b>Broadcast #{id}</b> (draft) · step 4 of 4").format(id=broadcast.id),
        audience_block(reader, broadcast.audience, AudienceFilter.from_json(broadcast.filters), count),
    ]
    if count.total == 0:
        lines.append(reader._("⚠️ Nobody matches right now; sending it would reach no one."))
    return "\n".join(lines)


def preview_markup(reader: Reader, broadcast_id: int) -> InlineKeyboardMarkup:
    """Send now, schedule, change audience or text, discard."""
    return InlineKeyboardMarkup(
        [
            [
                button(reader._("🚀 Send now"), data(BROADCAST, "s", broadcast_id)),
                button(reader._("🕒 Schedule"), data(BROADCAST, "t", broadcast_id)),
            ],
            [
                button(reader._("👥 Change audience"), data(BROADCAST, "ea", broadcast_id)),
                button(reader._("✏️ Change text"), data(BROADCAST, "et", broadcast_id)),
            ],
            [button(reader._("🗑 Discard"), data(BROADCAST, "d", broadcast_id))],
        ]
    )


def schedule_text(reader: Reader, broadcast_id: int) -> str:
    """Choosing when."""
    return "\n".join(
        [
            title(reader, broadcast_id),
            reader._("When should it go out? Choose, or type a date and time."),
        ]
    )


def schedule_markup(reader: Reader, broadcast_id: int) -> InlineKeyboardMarkup:
    """Quick choices, typing a moment, back."""
    return InlineKeyboardMarkup(
        [
            [button(reader._("In 1 hour"), data(BROADCAST, "q", broadcast_id, "h"))],
            [button(reader._("Tomorrow 09:00"), data(BROADCAST, "q", broadcast_id, "t"))],
            [button(reader._("Monday 09:00"), data(BROADCAST, "q", broadcast_id, "m"))],
            [button(reader._("⌨️ Type a date and time"), data(BROADCAST, "w", broadcast_id))],
            [button(reader._("⬅️ Back to the preview"), data(BROADCAST, "p", broadcast_id))],
        ]
    )


def when_prompt(reader: Reader, broadcast_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Asking for a typed moment."""
    text = "\n".join(
        [
            title(reader, broadcast_id),
            reader._(
                "Please send the date and time as DD.MM.YYYY HH:MM, German time, e.g. 24.12.2026 09:00."
            ),
        ]
    )
    return text, InlineKeyboardMarkup(
        [[button(reader._("⬅️ Back to the preview"), data(BROADCAST, "p", broadcast_id))]]
    )


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


def moved_text(reader: Reader, p: BroadcastProgress) -> str:
    """An old progress message once a newer one below is kept up to date instead (no button)."""
    return progress_text(reader, p) + "\n" + reader._("⬇️ From now on the progress is shown further down.")


def unfinished_text(reader: Reader) -> str:
    """/rundruf while a draft is open."""
    return reader._(
        "📣 You have an unfinished broadcast. Continue with it, or start over (it is then discarded)?"
    )


def unfinished_markup(reader: Reader) -> InlineKeyboardMarkup:
    """Continue, start over, recent list."""
    return InlineKeyboardMarkup(
        [
            [
                button(reader._("▶️ Continue"), data(BROADCAST, "k")),
                button(reader._("🆕 Start over"), data(BROADCAST, "o")),
            ],
            [button(reader._("📋 Recent broadcasts"), data(BROADCAST, "l"))],
        ]
    )
