"""Texts and keyboards of the broadcast wizard's steps 1 and 2: who gets it, and the filters that
narrow it down (Regierungsbezirk, Kreis, language, request status) with the live count."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import N_
from bot.regions import get_registry
from bot.services.broadcast_audience import AudienceFilter
from bot.services.broadcast_results import AudiencePreview
from bot.services.geography import regierungsbezirk_names
from handlers.broadcast_texts import button, number
from handlers.callback_data import BROADCAST, data
from handlers.notify import Reader
from handlers.request_view import STAFF_STATUS_WORDS
from models import BroadcastAudience, RequestStatus

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
    """One filter value as a button that turns it on or off (it says which, so a double tap holds)."""
    label = ("✅ " if chosen else "") + value_name(reader, kind, value)
    return button(label, data(BROADCAST, "f", token, kind, value, 0 if chosen else 1))


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Buttons two to a row."""
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
