"""Typed answers for the profile: the home town (searched in the region registry), a language
(searched by name in any of its names) and the display name."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.regions import Gemeinde, search
from bot.services import advisors, chat_inputs, languages
from bot.services.advisors import ProfileError, ProfileFields
from bot.services.matching import ASSUMED_LANGUAGES
from handlers.advisor_onboarding import show_step
from handlers.advisor_profile import profile_message
from handlers.profile_flow import GUIDED, PROFILE_FLOW, Flow, next_step
from handlers.profile_screens import HOME_INPUT, LANGUAGE_INPUT, NAME_INPUT, input_back, languages_screen
from models import ChatInput, Role, utcnow

KINDS = (HOME_INPUT, LANGUAGE_INPUT, NAME_INPUT)
QUERY_MAX = 100


def _flow(row: ChatInput) -> Flow:
    """Whether the question was asked in the guided set-up after an invitation or in the profile."""
    return GUIDED if (row.data or {}).get("ob") else PROFILE_FLOW


async def _again(context: BotContext, row: ChatInput, text: str) -> None:
    """Keep the question open (in the same flow) and say what was wrong."""
    flow = _flow(row)
    await chat_inputs.expect(context.db, context.user.id, row.kind, utcnow(), data=dict(row.data or {}))
    context.reply(text, InlineKeyboardMarkup([input_back(context, row.kind, flow)]))


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """Use ``text`` as the answer to the open profile question ``row`` (asked in the profile or in
    the guided set-up after an invitation, which then goes on to its next step)."""
    _ = context.gettext
    advisor = await advisors.by_user(context.db, context.user.id)
    if advisor is None or not context.user.has_role(Role.ADVISOR):
        await chat_inputs.clear(context.db, context.user.id)
        context.reply(_("This is only available to advisors."))
        return
    text = text.strip()
    if not text or len(text) > QUERY_MAX:
        await _again(
            context, row, _("Please send a shorter text (up to {max} characters).").format(max=QUERY_MAX)
        )
        return
    if row.kind == NAME_INPUT:
        try:
            await advisors.update_profile(context.db, advisor.id, ProfileFields(display_name=text), utcnow())
        except ProfileError:
            await _again(context, row, _("Please send a name of up to 100 characters."))
            return
        await chat_inputs.take(context.db, row)
        context.reply(*await profile_message(context, advisor, notice=_("✓ Name saved.")))
    elif row.kind == LANGUAGE_INPUT:
        found = languages.search(text, context.locale)
        if found and all(c in ASSUMED_LANGUAGES for c in found):
            # Only German matched: say it need not be added rather than "no such language".
            await _again(context, row, _("German is assumed for everyone; you need not add it."))
            return
        found = [c for c in found if c not in ASSUMED_LANGUAGES]
        if not found:
            await _again(context, row, _("We found no language of that name. Please try another spelling."))
            return
        await chat_inputs.take(context.db, row)
        screen, markup = languages_screen(context, advisor, found, _flow(row))
        context.reply(_("Found – tap to add:") + "\n\n" + screen, markup)
    else:
        await _home(context, row, advisor.id, text)


async def _home(context: BotContext, row: ChatInput, advisor_id: int, text: str) -> None:
    """Save the town found for ``text``, or offer the closest ones to choose from."""
    _ = context.gettext
    flow = _flow(row)
    result = search(text)
    match = result.match
    if isinstance(match, Gemeinde):
        await advisors.update_profile(context.db, advisor_id, ProfileFields(home_ags=match.ags), utcnow())
        await chat_inputs.take(context.db, row)
        advisor = await advisors.by_user(context.db, context.user.id)
        assert advisor is not None
        if flow.guided:
            context.reply(*await show_step(context, advisor, next_step("h"), _("✓ Home saved.")))
        else:
            context.reply(*await profile_message(context, advisor, notice=_("✓ Home saved.")))
        return
    choices = [c.place for c in (result.choices or result.candidates) if isinstance(c.place, Gemeinde)][:6]
    if not choices:
        await _again(context, row, _("We found no town of that name in Baden-Württemberg. Please try again."))
        return
    rows = [[InlineKeyboardButton(g.label, callback_data=flow.cb("h", g.ags))] for g in choices]
    rows.append(input_back(context, row.kind, flow))
    await chat_inputs.expect(context.db, context.user.id, row.kind, utcnow(), data=dict(row.data or {}))
    context.reply(_("Which one do you mean? Or type the name again."), InlineKeyboardMarkup(rows))
