"""The advisor's profile (/profil, /profile): what matching knows about them, and buttons to change it.

Every change goes through :func:`bot.services.advisors.update_profile` (validated there). Toggles
say the state they want ("+tr", "-tr"), so a double tap cannot undo itself. The screens for single
fields are in :mod:`handlers.profile_screens`, typed answers in :mod:`handlers.profile_input`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import requires
from bot.commands import command
from bot.context import BotContext
from bot.regions import get_registry
from bot.services import advisors, chat_inputs
from bot.services.geography import regierungsbezirk_names
from bot.services.matching_data import open_loads
from handlers import profile_screens
from handlers.callback_data import PROFILE, data, parse, pattern
from handlers.intake import labels
from handlers.notify import Reader, me
from models import Advisor, Role, utcnow


def area_text(advisor: Advisor) -> str:
    """The served area in words: whole Regierungsbezirke, then single Kreise (escaped)."""
    return area_words(advisor.regierungsbezirke or [], advisor.kreise or [])


def area_words(bezirke: Sequence[str], kreise: Sequence[str]) -> str:
    """The served area: whole Regierungsbezirke ("RB Tübingen"), then single Kreise (escaped)."""
    names, registry = regierungsbezirk_names(), get_registry()
    parts = [f"RB {names[k]}" for k in bezirke if k in names]
    parts += [k.display_name for ags in kreise if (k := registry.kreis(ags)) is not None]
    return html.escape(", ".join(parts)) if parts else "–"


def home_text(advisor: Advisor) -> str:
    """The home municipality with its Kreis ("Mössingen, Landkreis Tübingen"), escaped."""
    gemeinde = get_registry().gemeinde(advisor.home_ags) if advisor.home_ags else None
    return html.escape(gemeinde.label) if gemeinde else "–"


def gaps_text(r: Reader, gaps: Sequence[str]) -> str:
    """What the profile still lacks before offers can come, in words ("your languages and the area
    you serve")."""
    if advisors.LANGUAGES in gaps and advisors.AREA in gaps:
        return r._("your languages and the area you serve")
    return r._("your languages") if advisors.LANGUAGES in gaps else r._("the area you serve")


def status_text(r: Reader, advisor: Advisor) -> str:
    """Available, not yet (languages or area missing), paused until a day, or inactive."""
    if not advisor.active:
        return r._("⛔ inactive – no offers; please contact the coordination team")
    if gaps := advisors.profile_gaps(advisor):
        return r._("⚠️ not yet available for offers – please add {missing}").format(missing=gaps_text(r, gaps))
    if advisor.paused_until is not None and advisor.paused_until > utcnow():
        last_day = advisor.paused_until - timedelta(minutes=1)  # the pause ends at the next midnight
        return r._("⏸ paused until {date} (inclusive)").format(date=r.day(last_day))
    return r._("✅ available for offers")


def deactivated_text(context: BotContext) -> str:
    """Why a deactivated advisor gets no offers (and cannot pause), and how to reach the team."""
    return context.gettext(
        "⛔ Your advisor profile has been deactivated by the coordination team, so you receive no "
        "offers and there is nothing to pause. If you have questions or would like to be active "
        "again, please contact the coordination team: {email}"
    ).format(email=html.escape(context.settings.contact_email))


async def profile_message(
    context: BotContext, advisor: Advisor, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The profile with its edit buttons."""
    r = me(context)
    _ = r._
    load = (await open_loads(context.db)).get(advisor.id, 0)
    topics = [html.escape(_(labels.TOPICS[t])) for t in advisor.topics or [] if t in labels.TOPICS]
    lines = [
        _("👤 <b>Your advisor profile</b>"),
        _("<b>Name:</b> {name}").format(name=html.escape(advisor.display_name)),
        _("<b>Languages:</b> {languages}").format(
            languages=html.escape(r.languages(advisor.languages or []))
        ),
        _("<b>Area served:</b> {area}").format(area=area_text(advisor)),
        _("<b>Home:</b> {home}").format(home=home_text(advisor)),
        _("<b>Topics:</b> {topics}").format(topics="".join(f"\n• {t}" for t in topics) or "–"),
        _("<b>Capacity:</b> {capacity} requests at a time (currently {load})").format(
            capacity=advisor.capacity, load=load
        ),
        _("<b>Status:</b> {status}").format(status=status_text(r, advisor)),
    ]
    text = "\n".join(lines)
    if notice:
        text = f"{notice}\n\n{text}"
    mine = command("assignments").name(context.locale)
    if advisor.active:
        text += "\n\n" + _("Pause offers with /{pause}; your offers and requests: /{mine}").format(
            pause=command("pause").name(context.locale), mine=mine
        )
    else:
        # No word of pausing or offers: they get none until the coordination team reactivates them.
        text += "\n\n" + deactivated_text(context)
        text += "\n" + _("Requests you still look after: /{mine}").format(mine=mine)

    def button(label: str, action: str) -> InlineKeyboardButton:
        """A button of the profile screen."""
        return InlineKeyboardButton(label, callback_data=data(PROFILE, action))

    markup = InlineKeyboardMarkup(
        [
            [button(_("🗣 Languages"), "l"), button(_("🗺 Area"), "r")],
            [button(_("🏠 Home"), "h"), button(_("🎯 Topics"), "t")],
            [button(_("🔢 Capacity"), "c"), button(_("✏️ Name"), "n")],
        ]
    )
    return text, markup


async def own_profile(update: Update, context: BotContext) -> Advisor | None:
    """The sender's advisor profile; says so when there is none (a role without a profile)."""
    advisor = await advisors.by_user(context.db, context.user.id)
    if advisor is None:
        text = context.gettext(
            "You have no advisor profile yet. Please ask the coordination team for an invitation."
        )
        if update.callback_query is not None:
            context.answer(text, alert=True)
        else:
            context.reply(text)
    return advisor


@requires(Role.ADVISOR)
async def show_profile(update: Update, context: BotContext) -> None:
    """Answer /profil and /profile."""
    advisor = await own_profile(update, context)
    if advisor is not None:
        await chat_inputs.clear(context.db, context.user.id)
        context.reply(*await profile_message(context, advisor))


@requires(Role.ADVISOR)
async def profile_button(update: Update, context: BotContext) -> None:
    """Every profile button: open a field's screen, toggle a choice, set a value, back to the profile."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, PROFILE)
    advisor = await own_profile(update, context)
    if advisor is None:
        return
    if pressed is None:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    if pressed.action == "v":
        await chat_inputs.clear(context.db, context.user.id)
        context.answer()
        context.edit(*await profile_message(context, advisor))
        return
    notice = await profile_screens.on_button(context, advisor, pressed)
    if notice is not None:
        # The field's screen asked to go back to the whole profile (after a single choice).
        context.edit(*await profile_message(context, advisor, notice=notice))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("profile").names, show_profile),
        CallbackQueryHandler(profile_button, pattern=pattern(PROFILE)),
    ]
