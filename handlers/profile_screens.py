"""The profile's field screens: languages, served area (Regierungsbezirk, then Kreise), home,
topics, capacity and name. Multi-select screens stay open until "Done"; single choices return
to the profile.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import language_name
from bot.regions import get_registry
from bot.services import advisors, chat_inputs, languages
from bot.services.advisors import ADVISOR_TOPICS, CAPACITY_MAX, CAPACITY_MIN, ProfileError, ProfileFields
from bot.services.geography import regierungsbezirk_names
from bot.services.matching import ASSUMED_LANGUAGES
from handlers.callback_data import PROFILE, Pressed, data
from handlers.intake import labels
from models import Advisor, utcnow

Rows = list[list[InlineKeyboardButton]]
# Capacities offered as buttons (the service allows up to CAPACITY_MAX; coordinators can set more).
CAPACITY_CHOICES = tuple(range(CAPACITY_MIN, min(CAPACITY_MAX, 10) + 1))
# Asked for in free text (see handlers.profile_input).
HOME_INPUT, LANGUAGE_INPUT, NAME_INPUT = "pf_home", "pf_lang", "pf_name"


def _toggle(label: str, chosen: bool, action: str, value: str) -> InlineKeyboardButton:
    sign = "-" if chosen else "+"
    return InlineKeyboardButton(
        ("✓ " if chosen else "○ ") + label, callback_data=data(PROFILE, action, sign, value)
    )


def _pairs(buttons: list[InlineKeyboardButton]) -> Rows:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _done(context: BotContext) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(context.gettext("✅ Done"), callback_data=data(PROFILE, "v"))]


def languages_screen(
    context: BotContext, advisor: Advisor, found: list[str] | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The advisor's languages (✓) and common ones to add; search results first when given."""
    _ = context.gettext
    chosen = list(advisor.languages or [])
    # German is not offered (the text says it is assumed); one already chosen stays, to be removed.
    found = [c for c in found or [] if c not in ASSUMED_LANGUAGES]
    common = [c for c in languages.DEFAULT_ORDER if c not in ASSUMED_LANGUAGES]
    shown = list(dict.fromkeys([*found, *chosen, *common]))[:24]
    buttons = [_toggle(language_name(c, context.locale), c in chosen, "l", c) for c in shown]
    rows = _pairs(buttons)
    rows.append([InlineKeyboardButton(_("🔎 Another language"), callback_data=data(PROFILE, "ls"))])
    rows.append(_done(context))
    text = _("🗣 <b>Your languages</b>\nTap to add or remove. German is assumed for everyone.")
    return text, InlineKeyboardMarkup(rows)


def area_screen(context: BotContext, advisor: Advisor) -> tuple[str, InlineKeyboardMarkup]:
    """Whole Regierungsbezirke to toggle, each with a way into its Kreise."""
    _ = context.gettext
    rows: Rows = []
    chosen = set(advisor.regierungsbezirke or [])
    kreise = set(advisor.kreise or [])
    for key, name in regierungsbezirk_names().items():
        count = sum(1 for a in kreise if a.startswith(key))
        label = _("Kreise ({count}) ▸").format(count=count)
        rows.append(
            [
                _toggle(f"RB {name}", key in chosen, "r", key),
                InlineKeyboardButton(label, callback_data=data(PROFILE, "k", key)),
            ]
        )
    rows.append(_done(context))
    text = _("🗺 <b>Area you serve</b>\nChoose whole Regierungsbezirke, or open one to choose single Kreise.")
    return text, InlineKeyboardMarkup(rows)


def kreise_screen(context: BotContext, advisor: Advisor, key: str) -> tuple[str, InlineKeyboardMarkup]:
    """The Kreise of one Regierungsbezirk to toggle."""
    _ = context.gettext
    chosen = set(advisor.kreise or [])
    kreise = [k for k in get_registry().kreise if k.ags.startswith(key)]
    rows = _pairs([_toggle(k.display_name, k.ags in chosen, "kt", k.ags) for k in kreise])
    rows.append(
        [InlineKeyboardButton(_("↩️ Back to the Regierungsbezirke"), callback_data=data(PROFILE, "r"))]
    )
    text = _("🗺 <b>Kreise in the Regierungsbezirk {name}</b>").format(
        name=regierungsbezirk_names().get(key, key)
    )
    return text, InlineKeyboardMarkup(rows)


def topics_screen(context: BotContext, advisor: Advisor) -> tuple[str, InlineKeyboardMarkup]:
    """The topics an advisor can offer, to toggle."""
    _ = context.gettext
    chosen = set(advisor.topics or [])
    rows = [[_toggle(_(labels.TOPICS[t]), t in chosen, "t", t)] for t in ADVISOR_TOPICS]
    rows.append(_done(context))
    return _("🎯 <b>Your topics</b>\nTap to add or remove."), InlineKeyboardMarkup(rows)


def capacity_screen(context: BotContext, advisor: Advisor) -> tuple[str, InlineKeyboardMarkup]:
    """How many requests at a time."""
    _ = context.gettext
    buttons = [
        InlineKeyboardButton(
            ("✓ " if n == advisor.capacity else "") + str(n), callback_data=data(PROFILE, "c", n)
        )
        for n in CAPACITY_CHOICES
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append([InlineKeyboardButton(_("↩️ Back"), callback_data=data(PROFILE, "v"))])
    text = _("🔢 <b>Capacity</b>\nHow many requests can you take on at the same time?")
    return text, InlineKeyboardMarkup(rows)


async def _save(context: BotContext, advisor: Advisor, fields: ProfileFields) -> bool:
    try:
        await advisors.update_profile(context.db, advisor.id, fields, utcnow())
    except ProfileError:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return False
    return True


def _toggled(values: list[str], pressed: Pressed) -> list[str] | None:
    sign, value = pressed.arg(0), pressed.arg(1)
    if sign == "+":
        return [*values, value] if value not in values else values
    if sign == "-":
        return [v for v in values if v != value]
    return None


async def _ask(context: BotContext, kind: str, prompt: str) -> None:
    await chat_inputs.expect(context.db, context.user.id, kind, utcnow())
    back = InlineKeyboardButton(context.gettext("↩️ Back"), callback_data=data(PROFILE, "v"))
    context.edit(prompt, InlineKeyboardMarkup([[back]]))


async def on_button(context: BotContext, advisor: Advisor, pressed: Pressed) -> str | None:
    """Handle a field button; returns a notice when the profile itself should be shown again."""
    _ = context.gettext
    action, toggles = (
        pressed.action,
        {"l": "languages", "r": "regierungsbezirke", "kt": "kreise", "t": "topics"},
    )
    if action == "l" and pressed.arg(0) == "+" and pressed.arg(1) in ASSUMED_LANGUAGES:
        # Only an old or forged button can add German, which every advisor is assumed to speak.
        context.answer(_("This button is no longer valid."), alert=True)
        return None
    if action in toggles and pressed.args:
        values = _toggled(list(getattr(advisor, toggles[action]) or []), pressed)
        if values is None or not await _save(context, advisor, ProfileFields(**{toggles[action]: values})):
            return None
        action = "k" if action == "kt" else action
        pressed = Pressed(action, (pressed.arg(1)[:3],) if action == "k" else ())
    context.answer()
    if action == "l":
        context.edit(*languages_screen(context, advisor))
    elif action == "r":
        context.edit(*area_screen(context, advisor))
    elif action == "k" and pressed.arg(0) in regierungsbezirk_names():
        context.edit(*kreise_screen(context, advisor, pressed.arg(0)))
    elif action == "t":
        context.edit(*topics_screen(context, advisor))
    elif action == "c" and not pressed.args:
        context.edit(*capacity_screen(context, advisor))
    elif action == "c" and pressed.arg(0).isdigit() and int(pressed.arg(0)) in CAPACITY_CHOICES:
        if await _save(context, advisor, ProfileFields(capacity=int(pressed.arg(0)))):
            return _("✓ Capacity saved.")
    elif action == "h" and pressed.args:
        home = "" if pressed.arg(0) == "-" else pressed.arg(0)
        if await _save(context, advisor, ProfileFields(home_ags=home)):
            await chat_inputs.clear(context.db, context.user.id)
            return _("✓ Home saved.")
    elif action == "h":
        await _ask(
            context, HOME_INPUT, _("🏠 Please type the name or postcode of the town or Gemeinde you live in.")
        )
    elif action == "ls":
        await _ask(context, LANGUAGE_INPUT, _("🔎 Please type the name of the language."))
    elif action == "n":
        await _ask(context, NAME_INPUT, _("✏️ Please type the name contacts and coordinators should see."))
    else:
        context.answer(_("This button is no longer valid."), alert=True)
    return None
