"""The profile's field screens: languages, served area (Regierungsbezirk, then Kreise), home,
topics, capacity and name. Multi-select screens stay open until "Done"; single choices return
to the profile.

The same screens make up the guided set-up after an invitation (:mod:`handlers.advisor_onboarding`):
a :class:`handlers.profile_flow.Flow` says whose buttons they carry (``pf:`` or ``ob:``) and what
closes them ("Done" back to the profile, or "Next"/"Skip" to the following step). Buttons keep their
places when tapped: only the mark changes from ○ to ✓.
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
from handlers.profile_flow import GUIDED, PROFILE_FLOW, Flow, footer, head
from models import Advisor, utcnow

Rows = list[list[InlineKeyboardButton]]
# Capacities offered as buttons (the service allows up to CAPACITY_MAX; coordinators can set more).
CAPACITY_CHOICES = tuple(range(CAPACITY_MIN, min(CAPACITY_MAX, 10) + 1))
# Asked for in free text (see handlers.profile_input).
HOME_INPUT, LANGUAGE_INPUT, NAME_INPUT = "pf_home", "pf_lang", "pf_name"
# Search results carried in a language button, so that the screen keeps them after a tap.
FOUND_MAX = 6


def _toggle(flow: Flow, label: str, chosen: bool, action: str, *args: str) -> InlineKeyboardButton:
    """A button that adds or removes a choice."""
    sign = "-" if chosen else "+"
    return InlineKeyboardButton(
        ("✓ " if chosen else "○ ") + label, callback_data=flow.cb(action, sign, *args)
    )


def _pairs(buttons: list[InlineKeyboardButton]) -> Rows:
    """The buttons two to a row."""
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _found_arg(found: list[str]) -> str:
    """The search results as one button argument ("ti.am"), as many as fit into a button."""
    kept = found[:FOUND_MAX]
    while kept and len(".".join(kept)) > 36:
        kept = kept[:-1]
    return ".".join(kept)


def languages_screen(
    context: BotContext,
    advisor: Advisor,
    found: list[str] | None = None,
    flow: Flow = PROFILE_FLOW,
    keep: str = "",
) -> tuple[str, InlineKeyboardMarkup]:
    """The advisor's languages (✓) and common ones to add; search results first when given.

    The order does not depend on what is chosen, so a button stays where it was when tapped:
    search results, then the common languages, then other chosen ones by name (``keep``, one just
    removed, stays in its place until the screen is left).
    """
    _ = context.gettext
    chosen = list(advisor.languages or [])
    # German is not offered (the text says it is assumed); one already chosen stays, to be removed.
    found = [c for c in dict.fromkeys(found or []) if c not in ASSUMED_LANGUAGES and languages.is_known(c)]
    found_arg = _found_arg(found)
    found = found_arg.split(".") if found_arg else []
    common = [c for c in languages.DEFAULT_ORDER if c not in ASSUMED_LANGUAGES]
    others = sorted(
        {
            c
            for c in [*chosen, keep if keep not in ASSUMED_LANGUAGES else ""]
            if c and c not in common and c not in found
        },
        key=lambda c: language_name(c, context.locale).casefold(),
    )
    shown = list(dict.fromkeys([*found, *common, *others]))
    args = (found_arg,) if found_arg else ()
    buttons = [_toggle(flow, language_name(c, context.locale), c in chosen, "l", c, *args) for c in shown]
    rows = _pairs(buttons)
    rows.append([InlineKeyboardButton(_("🔎 Another language"), callback_data=flow.cb("ls"))])
    rows.append(footer(context, flow, "l", bool(chosen)))
    text = _("🗣 <b>Your languages</b>\nTap to add or remove. German is assumed for everyone.")
    return head(context, flow, "l", text), InlineKeyboardMarkup(rows)


def area_screen(
    context: BotContext, advisor: Advisor, flow: Flow = PROFILE_FLOW
) -> tuple[str, InlineKeyboardMarkup]:
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
                _toggle(flow, f"RB {name}", key in chosen, "r", key),
                InlineKeyboardButton(label, callback_data=flow.cb("k", key)),
            ]
        )
    rows.append(footer(context, flow, "r", bool(chosen or kreise)))
    text = _("🗺 <b>Area you serve</b>\nChoose whole Regierungsbezirke, or open one to choose single Kreise.")
    return head(context, flow, "r", text), InlineKeyboardMarkup(rows)


def kreise_screen(
    context: BotContext, advisor: Advisor, key: str, flow: Flow = PROFILE_FLOW
) -> tuple[str, InlineKeyboardMarkup]:
    """The Kreise of one Regierungsbezirk to toggle."""
    _ = context.gettext
    chosen = set(advisor.kreise or [])
    kreise = [k for k in get_registry().kreise if k.ags.startswith(key)]
    rows = _pairs([_toggle(flow, k.display_name, k.ags in chosen, "kt", k.ags) for k in kreise])
    rows.append([InlineKeyboardButton(_("↩️ Back to the Regierungsbezirke"), callback_data=flow.cb("r"))])
    text = _("🗺 <b>Kreise in the Regierungsbezirk {name}</b>").format(
        name=regierungsbezirk_names().get(key, key)
    )
    return text, InlineKeyboardMarkup(rows)


def topics_screen(
    context: BotContext, advisor: Advisor, flow: Flow = PROFILE_FLOW
) -> tuple[str, InlineKeyboardMarkup]:
    """The topics an advisor can offer, to toggle."""
    _ = context.gettext
    chosen = set(advisor.topics or [])
    rows = [[_toggle(flow, _(labels.TOPIC_BUTTONS[t]), t in chosen, "t", t)] for t in ADVISOR_TOPICS]
    rows.append(footer(context, flow, "t", bool(chosen)))
    overview = labels.topic_overview(_, ADVISOR_TOPICS)
    text = _("🎯 <b>Your topics</b>\nTap to add or remove.") + "\n\n" + overview
    return head(context, flow, "t", text), InlineKeyboardMarkup(rows)


def capacity_screen(
    context: BotContext, advisor: Advisor, flow: Flow = PROFILE_FLOW
) -> tuple[str, InlineKeyboardMarkup]:
    """How many requests at a time."""
    _ = context.gettext
    buttons = [
        InlineKeyboardButton(("✓ " if n == advisor.capacity else "") + str(n), callback_data=flow.cb("c", n))
        for n in CAPACITY_CHOICES
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    if flow.guided:
        rows.append(footer(context, flow, "c", True))
    else:
        rows.append([InlineKeyboardButton(_("↩️ Back"), callback_data=data(PROFILE, "v"))])
    text = _("🔢 <b>Capacity</b>\nHow many requests can you take on at the same time?")
    return head(context, flow, "c", text), InlineKeyboardMarkup(rows)


async def home_screen(
    context: BotContext, advisor: Advisor, flow: Flow = PROFILE_FLOW
) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for the home town in free text (the next message answers it)."""
    _ = context.gettext
    prompt = _("🏠 Please type the name or postcode of the town or Gemeinde you live in.")
    if flow.guided:
        prompt = head(context, flow, "h", prompt)
        return await ask(
            context, HOME_INPUT, prompt, flow, footer(context, flow, "h", bool(advisor.home_ags))
        )
    return await ask(context, HOME_INPUT, prompt, flow)


async def _save(context: BotContext, advisor: Advisor, fields: ProfileFields) -> bool:
    """Save the profile fields; False (with a message) when a value is not accepted."""
    try:
        await advisors.update_profile(context.db, advisor.id, fields, utcnow())
    except ProfileError:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return False
    return True


def _toggled(values: list[str], pressed: Pressed) -> list[str] | None:
    """The values after a "+value" or "-value" button (None for a malformed one)."""
    sign, value = pressed.arg(0), pressed.arg(1)
    if sign == "+":
        return [*values, value] if value not in values else values
    if sign == "-":
        return [v for v in values if v != value]
    return None


def input_back(context: BotContext, kind: str, flow: Flow) -> list[InlineKeyboardButton]:
    """The way out of a typed question: back to the profile, or in the guided set-up back to the
    languages (after a search) or on to the next step (instead of the home)."""
    if not flow.guided:
        return [InlineKeyboardButton(context.gettext("↩️ Back"), callback_data=data(PROFILE, "v"))]
    if kind == LANGUAGE_INPUT:
        return [InlineKeyboardButton(context.gettext("↩️ Back"), callback_data=GUIDED.cb("s", "l"))]
    return footer(context, flow, "h", False)


async def ask(
    context: BotContext,
    kind: str,
    prompt: str,
    flow: Flow,
    row: list[InlineKeyboardButton] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """Note that the next text answers ``kind`` (remembering the guided set-up); the question's screen."""
    await chat_inputs.expect(
        context.db, context.user.id, kind, utcnow(), data={"ob": 1} if flow.guided else None
    )
    return prompt, InlineKeyboardMarkup([row or input_back(context, kind, flow)])


async def on_button(
    context: BotContext, advisor: Advisor, pressed: Pressed, flow: Flow = PROFILE_FLOW
) -> str | None:
    """Handle a field button; returns a notice when a single choice was saved (the profile, or the
    guided set-up's next step, is shown then)."""
    _ = context.gettext
    action, toggles = (
        pressed.action,
        {"l": "languages", "r": "regierungsbezirke", "kt": "kreise", "t": "topics"},
    )
    if action == "l" and pressed.arg(0) == "+" and pressed.arg(1) in ASSUMED_LANGUAGES:
        # Only an old or forged button can add German, which every advisor is assumed to speak.
        context.answer(_("This button is no longer valid."), alert=True)
        return None
    found: list[str] = []
    keep = ""
    if action in toggles and pressed.args:
        values = _toggled(list(getattr(advisor, toggles[action]) or []), pressed)
        if values is None or not await _save(context, advisor, ProfileFields(**{toggles[action]: values})):
            return None
        if action == "l":
            # The screen stays as it was: the same search results, a language just removed in its place.
            found, keep = [c for c in pressed.arg(2).split(".") if c], pressed.arg(1)
        action = "k" if action == "kt" else action
        pressed = Pressed(action, (pressed.arg(1)[:3],) if action == "k" else ())
    context.answer()
    if action == "l":
        context.edit(*languages_screen(context, advisor, found, flow, keep))
    elif action == "r":
        context.edit(*area_screen(context, advisor, flow))
    elif action == "k" and pressed.arg(0) in regierungsbezirk_names():
        context.edit(*kreise_screen(context, advisor, pressed.arg(0), flow))
    elif action == "t":
        context.edit(*topics_screen(context, advisor, flow))
    elif action == "c" and not pressed.args:
        context.edit(*capacity_screen(context, advisor, flow))
    elif action == "c" and pressed.arg(0).isdigit() and int(pressed.arg(0)) in CAPACITY_CHOICES:
        if await _save(context, advisor, ProfileFields(capacity=int(pressed.arg(0)))):
            return _("✓ Capacity saved.")
    elif action == "h" and pressed.args:
        home = "" if pressed.arg(0) == "-" else pressed.arg(0)
        if await _save(context, advisor, ProfileFields(home_ags=home)):
            await chat_inputs.clear(context.db, context.user.id)
            return _("✓ Home saved.")
    elif action == "h":
        context.edit(*await home_screen(context, advisor, flow))
    elif action == "ls":
        context.edit(*await ask(context, LANGUAGE_INPUT, _("🔎 Please type the name of the language."), flow))
    elif action == "n" and not flow.guided:
        prompt = _("✏️ Please type the name contacts and coordinators should see.")
        context.edit(*await ask(context, NAME_INPUT, prompt, flow))
    else:
        context.answer(_("This button is no longer valid."), alert=True)
    return None
