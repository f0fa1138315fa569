"""Steps 1 and 2 of the broadcast wizard: who gets it, and the filters that narrow it down
(Regierungsbezirk, Kreis typed and searched in the region registry, language, request status),
with the live recipient count after every change. Toggles say "on" or "off" rather than "flip",
so a double tap does not undo itself."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import N_
from bot.regions import Gemeinde, Kreis, search
from bot.services import languages
from bot.services.broadcast_audience import AudienceFilter, filter_errors
from bot.services.broadcasts import preview_audience
from handlers import broadcast_texts as bt
from handlers import broadcast_texts_audience as bta
from handlers.broadcast_wizard_state import (
    AUDIENCE_INPUT,
    CONTENT_INPUT,
    SCREENS,
    Wizard,
    keep,
    say,
    wizard_of,
)
from handlers.callback_data import Pressed
from handlers.notify import me
from models import (
    BroadcastAudience,
    ChatInput,
)

LANGUAGES_SHOWN = 10
KREIS_CHOICES = 6
QUERY_MAX = 100


async def audience_screen(context: BotContext, wizard: Wizard) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of step 1 (who gets it) or of step 2 (the filters), as the run stands."""
    r = me(context)
    if wizard.screen == "aud" or wizard.audience is None:
        counts = {
            a.value: (await preview_audience(context.db, a, AudienceFilter())).total
            for a in BroadcastAudience
        }
        return bta.step1_text(r, counts), bta.step1_markup(r, wizard.token)
    count = await preview_audience(context.db, wizard.audience, wizard.flt)
    shown = await languages.most_requested(context.db, LANGUAGES_SHOWN) if wizard.screen == bta.LA else []
    return (
        bta.step2_text(r, wizard.screen, wizard.audience, wizard.flt, count, wizard.editing),
        bta.step2_markup(r, wizard.token, wizard.screen, wizard.audience, wizard.flt, shown, wizard.editing),
    )


async def start(context: BotContext, *, edit: bool = False) -> None:
    """Step 1 of a new run."""
    wizard = Wizard.new()
    await keep(context, AUDIENCE_INPUT, wizard)
    text, markup = await audience_screen(context, wizard)
    (context.edit if edit else context.reply)(text, markup)


async def on_audience(context: BotContext, pressed: Pressed) -> None:
    """An audience was chosen: on to the filters (a filter only contacts have is dropped for advisors)."""
    found = await wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    audience = pressed.arg(1)
    if audience not in set(BroadcastAudience):
        say(context, N_("This button is no longer valid."))
        return
    flt = wizard.flt
    if audience == BroadcastAudience.ADVISORS:
        flt = replace(flt, request_statuses=())  # a contacts-only filter
    wizard = replace(wizard, audience=audience, flt=flt, screen="narrow")
    await keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await audience_screen(context, wizard))


async def on_screen(context: BotContext, pressed: Pressed) -> None:
    """Switch between the filter menu and one filter kind (also back from step 3 to step 2)."""
    found = await wizard_of(context, pressed, (AUDIENCE_INPUT, CONTENT_INPUT))
    if found is None:
        return
    _row, wizard = found
    screen = pressed.arg(1)
    if (
        screen not in SCREENS
        or wizard.audience is None
        or (screen == bta.ST and wizard.audience == BroadcastAudience.ADVISORS)
    ):
        say(context, N_("This button is no longer valid."))
        return
    wizard = replace(wizard, screen=screen)
    await keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await audience_screen(context, wizard))


def _with(flt: AudienceFilter, kind: str, value: str, on: bool) -> AudienceFilter:
    """``flt`` with one value of filter ``kind`` turned on or off."""
    attribute = {
        bta.RB: "regierungsbezirke",
        bta.KR: "kreise",
        bta.LA: "languages",
        bta.ST: "request_statuses",
    }[kind]
    values = [v for v in getattr(flt, attribute) if v != value]
    if on:
        values.append(value)
    return replace(flt, **{attribute: tuple(values)})


async def on_filter(context: BotContext, pressed: Pressed) -> None:
    """Turn one filter value on or off (idempotent: the button says which)."""
    found = await wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    kind, value, on = pressed.arg(1), pressed.arg(2), pressed.arg(3)
    if kind not in (bta.RB, bta.KR, bta.LA, bta.ST) or on not in ("0", "1") or wizard.audience is None:
        say(context, N_("This button is no longer valid."))
        return
    flt = _with(wizard.flt, kind, value, on == "1")
    if filter_errors(flt) or (kind == bta.LA and on == "1" and len(flt.languages) > languages.MAX_SELECTED):
        say(context, N_("This button is no longer valid."))
        return
    wizard = replace(wizard, flt=flt, screen=kind)
    await keep(context, AUDIENCE_INPUT, wizard)
    count = await preview_audience(context.db, wizard.audience or "", flt)
    context.answer(
        context.gettext("Recipients right now: {count}").format(count=bt.number(me(context), count.total))
    )
    context.edit(*await audience_screen(context, wizard))


async def on_clear(context: BotContext, pressed: Pressed) -> None:
    """Drop every filter."""
    found = await wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    wizard = replace(wizard, flt=AudienceFilter(), screen="narrow")
    await keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await audience_screen(context, wizard))


async def on_back_to_audience(context: BotContext, pressed: Pressed) -> None:
    """Back from the filters to step 1."""
    found = await wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    wizard = replace(wizard, screen="aud")
    await keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await audience_screen(context, wizard))


def kreise_for(query: str) -> tuple[list[str], bool]:
    """The Kreise a typed name may mean (a town stands for its Kreis), and whether that is sure.

    Every exact match counts, so "Heilbronn" offers the Stadtkreis and the Landkreis, and
    "Talheim" the Kreise of both Talheims; a typo is taken when the search is confident.
    """
    result = search(query)
    exact = [c.place for c in result.candidates if c.exact]
    if exact:
        places, sure = exact, True
    elif result.match is not None:
        places, sure = [result.match], True
    else:
        places, sure = [c.place for c in (result.choices or result.candidates)], False
    kreise: list[str] = []
    for place in places:
        ags = (
            place.ags
            if isinstance(place, Kreis)
            else place.kreis_ags
            if isinstance(place, Gemeinde)
            else None
        )
        if ags and ags not in kreise:
            kreise.append(ags)
    return kreise, sure


async def kreis_typed(context: BotContext, row: ChatInput, text: str) -> None:
    """A typed Kreis or town name: add its Kreis, offer a choice when it may mean several, or say
    that none was found."""
    wizard = Wizard.of(row)
    r = me(context)
    if wizard.audience is None:
        context.reply(context.gettext("Please choose who should get it with the buttons above."))
        return
    query = text.strip()
    if not query or len(query) > QUERY_MAX:
        context.reply(context.gettext("Please type the name of a Kreis or of a town in Baden-Württemberg."))
        return
    kreise, sure = kreise_for(query)
    if not kreise:
        context.reply(
            context.gettext("No Kreis or town of that name was found in Baden-Württemberg. Please try again.")
        )
        return
    if len(kreise) > 1 or not sure:
        wizard = replace(wizard, screen=bta.KR)
        await keep(context, AUDIENCE_INPUT, wizard)
        context.reply(
            context.gettext("Which Kreis do you mean? Or type the name again."),
            bta.kreis_choices_markup(r, wizard.token, kreise[:KREIS_CHOICES]),
        )
        return
    wizard = replace(wizard, flt=_with(wizard.flt, bta.KR, kreise[0], True), screen=bta.KR)
    await keep(context, AUDIENCE_INPUT, wizard)
    screen, markup = await audience_screen(context, wizard)
    notice = context.gettext("✓ Added: {kreis}").format(kreis=escape(bta.kreis_name(kreise[0])))
    context.reply(f"{notice}\n\n{screen}", markup)
