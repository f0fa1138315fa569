"""The guided set-up after an invitation: a privacy note on the advisor's own data, then languages,
area, home, topics and capacity one after the other, and what happens next.

Each step can be skipped and done later in /profil; offers reach the advisor only once their
languages and area are set (:func:`bot.services.advisors.profile_gaps`, which matching enforces).
The step screens are the profile's own (:mod:`handlers.profile_screens`) with ``ob:`` buttons; the
step in progress lives in the buttons (and, while a town is typed, in the ``chat_inputs`` row),
so the set-up survives a restart.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.authz import requires
from bot.commands import command
from bot.context import BotContext
from bot.services import advisors, chat_inputs
from handlers.advisor_profile import gaps_text, own_profile
from handlers.callback_data import PROFILE, data, parse, pattern
from handlers.notify import me
from handlers.privacy import message_retention_lines
from handlers.profile_flow import END, GUIDED, ONBOARD, STEPS, next_step
from handlers.profile_screens import (
    area_screen,
    capacity_screen,
    home_screen,
    languages_screen,
    on_button,
    topics_screen,
)
from models import Advisor, Role

Screen = tuple[str, InlineKeyboardMarkup]


def _name(context: BotContext, key: str) -> str:
    """A command's name in the reader's language ("profil" or "profile")."""
    return command(key).name(context.locale)


def privacy_note(context: BotContext) -> str:
    """What we store about an advisor, why, who sees it and how long (every period from the settings)."""
    _, ngettext, settings = context.gettext, context.ngettext, context.settings
    request = settings.request_retention_days
    periods = [
        _(
            "Your profile is kept until you delete it with /{command}; then only an anonymous placeholder "
            "remains, so that the statistics add up."
        ).format(command=_name(context, "delete")),
        ngettext(
            "A request you looked after is anonymised {count} day after it ends: the contact's details and "
            "the outcome note are removed.",
            "A request you looked after is anonymised {count} days after it ends: the contact's details and "
            "the outcome note are removed.",
            request,
        ).format(count=request),
        # The same wording as /datenschutz: the same periods apply to everyone.
        *message_retention_lines(context),
    ]
    return "\n\n".join(
        [
            _("🔒 <b>Your data as an advisor</b>"),
            _(
                "What we store: your Telegram name, id and language; your profile (the name contacts and "
                "coordinators see, your languages, the area you serve, your home town, topics, capacity "
                "and pauses); the offers you receive and your answers; the dates and outcome notes of "
                "your talks."
            ),
            _(
                "Why: to offer you requests that suit you and to arrange the kickoff talks. The "
                "coordination team sees your profile and your requests; a municipal contact sees your "
                "name once you look after their request."
            ),
            "\n".join([_("<b>How long</b>"), *("• " + line for line in periods)]),
            _("/{mydata}: everything stored about you, as a file. More in /{privacy}.").format(
                mydata=_name(context, "mydata"), privacy=_name(context, "privacy")
            ),
        ]
    )


def welcome(context: BotContext) -> Screen:
    """The first message after the invitation: welcome, the privacy note, and the way into the set-up."""
    _ = context.gettext
    intro = _(
        "🎉 <b>Welcome to MiGlobe!</b> You are now registered as an advisor. In five short steps we set "
        "up your profile: languages, area, home, topics and capacity. Offers can reach you once your "
        "languages and the area you serve are set."
    )
    start = InlineKeyboardButton(_("▶️ Set up my profile"), callback_data=data(ONBOARD, "s", STEPS[0]))
    return f"{intro}\n\n{privacy_note(context)}", InlineKeyboardMarkup([[start]])


def closing(context: BotContext, advisor: Advisor) -> Screen:
    """The end of the set-up: whether offers can come now, and what happens next."""
    _ = context.gettext
    gaps = advisors.profile_gaps(advisor)
    if gaps:
        state = _(
            "⚠️ <b>Your profile is saved, but offers cannot reach you yet.</b> Still missing: {missing}. "
            "Please add them with /{command}."
        ).format(missing=gaps_text(me(context), gaps), command=_name(context, "profile"))
    else:
        state = _("✅ <b>Your profile is set up.</b> You are now available for offers.")
    hours = context.settings.offer_response_hours
    count = int(hours) if hours == int(hours) else round(hours, 1)
    lines = [
        state,
        _("<b>What happens next</b>"),
        "• "
        + context.ngettext(
            "When a municipality's request suits you, we send you an offer here in this chat. Please "
            "accept or decline it within {count} hour; after that it goes to another advisor.",
            "When a municipality's request suits you, we send you an offer here in this chat. Please "
            "accept or decline it within {count} hours; after that it goes to another advisor.",
            int(count),
        ).format(count=count),
        "• " + _("/{command}: see or change your profile.").format(command=_name(context, "profile")),
        "• "
        + _("/{command}: no new offers for a while, e.g. during holidays.").format(
            command=_name(context, "pause")
        ),
        "• " + _("/{command}: your offers and requests.").format(command=_name(context, "assignments")),
    ]
    profile = InlineKeyboardButton(_("👤 My profile"), callback_data=data(PROFILE, "v"))
    return "\n\n".join(lines[:2]) + "\n" + "\n".join(lines[2:]), InlineKeyboardMarkup([[profile]])


async def show_step(context: BotContext, advisor: Advisor, step: str, notice: str | None = None) -> Screen:
    """The screen of one step of the set-up (``END``: the closing), with ``notice`` above it."""
    if step == "h":
        text, markup = await home_screen(context, advisor, GUIDED)
    else:
        # Leaving the home step by a button: a town typed later is no longer an answer to it.
        await chat_inputs.clear(context.db, context.user.id)
        screens = {"l": languages_screen, "r": area_screen, "t": topics_screen, "c": capacity_screen}
        if step in screens:
            text, markup = screens[step](context, advisor, flow=GUIDED)
        else:
            text, markup = closing(context, advisor)
    return (f"{notice}\n\n{text}" if notice else text), markup


@requires(Role.ADVISOR)
async def onboarding_button(update: Update, context: BotContext) -> None:
    """A button of the set-up: go to a step, or change a field and stay (or go on after a single choice)."""
    assert update.callback_query is not None
    advisor = await own_profile(update, context)
    if advisor is None:
        return
    pressed = parse(update.callback_query.data, ONBOARD)
    if pressed is not None and pressed.action == "s" and pressed.arg(0) in (*STEPS, END):
        context.answer()
        context.edit(*await show_step(context, advisor, pressed.arg(0)))
        return
    if pressed is None or pressed.action == "s":
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    notice = await on_button(context, advisor, pressed, GUIDED)
    if notice is not None:
        # A single choice (a town, a capacity) was saved: on to the next step.
        context.edit(*await show_step(context, advisor, next_step(pressed.action), notice))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [CallbackQueryHandler(onboarding_button, pattern=pattern(ONBOARD))]
