"""/berater and /advisors: coordinators list the advisors (load, availability, area), open one, pause,
reactivate or deactivate them, and invite new ones.

The work is done by :mod:`bot.services.coordination_advisors` (audited, role checked again there);
this module answers the buttons (texts in :mod:`handlers.coordinator_advisor_views`, the changes and
what the advisor is told in :mod:`handlers.coordinator_advisor_changes`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs, coordination_advisors
from handlers import coordinator_advisor_actions as actions
from handlers import coordinator_advisor_changes as changes
from handlers import coordinator_advisor_views as views
from handlers.advisor_invite import invitation_text
from handlers.advisor_pause import from_code, in_range, typed_day
from handlers.callback_data import ADVISORS, Pressed, parse, pattern
from handlers.coordinator_advisor_views import Place
from handlers.intake.common import is_private
from handlers.notify import me
from models import Advisor, ChatInput, Role, utcnow

PAUSE_INPUT = "ad_pause"
# The chat_inputs kinds whose typed answers handlers.awaiting hands to ``on_text``.
KINDS: tuple[str, ...] = (PAUSE_INPUT,)
STALE = N_("This button is no longer valid.")
NOT_FOUND = changes.NOT_FOUND


async def _show_detail(
    context: BotContext, advisor_id: int, place: Place, done: changes.Done | None = None
) -> None:
    """Answer the button (with ``done``'s toast) and show the advisor in place of the pressed message."""
    detail = await coordination_advisors.advisor_detail(context.db, advisor_id, utcnow())
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer(done.toast if done else None, alert=done.alert if done else False)
    notice = done.notice if done else None
    context.edit(*await views.detail_screen(context.db, me(context), detail, place, notice))


# Each button action reads its arguments; False means they do not fit (forged or from an old version).
Step = Callable[[Update, BotContext, Pressed], Awaitable[bool]]


async def _list(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: show a page of the advisor list."""
    place = Place.parse(pressed, 0)
    if place is None:
        return False
    page = await coordination_advisors.list_advisors(
        context.db, utcnow(), place.page, availability=place.only
    )
    context.answer()
    context.edit(*views.list_screen(me(context), page, place.only))
    return True


async def _filters(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: show the advisor list's filters."""
    place = Place.parse(pressed, 0)
    if place is None:
        return False
    context.answer()
    context.edit(*views.filter_screen(me(context), place))
    return True


async def _invite(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: send an invitation link for a new advisor."""
    context.answer()
    context.reply(await invitation_text(context))
    return True


async def _view(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: show one advisor's detail."""
    advisor_id, place = pressed.id(0), Place.parse(pressed, 1)
    if advisor_id is None or place is None:
        return False
    await _show_detail(context, advisor_id, place)
    return True


async def _pausable(context: BotContext, advisor_id: int, place: Place) -> Advisor | None:
    """The advisor if they can be paused; otherwise say why (unknown, or deactivated: shown anew)."""
    advisor = await context.db.get(Advisor, advisor_id, populate_existing=True)
    if advisor is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
    elif not advisor.active:
        await _show_detail(
            context, advisor_id, place, changes.Done(context.gettext(changes.DEACTIVATED), alert=True)
        )
    else:
        return advisor
    return None


async def _pause_choices(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: offer how long to pause the advisor."""
    advisor_id, place = pressed.id(0), Place.parse(pressed, 1)
    if advisor_id is None or place is None:
        return False
    advisor = await _pausable(context, advisor_id, place)
    if advisor is not None:
        context.answer()
        context.edit(*actions.pause_screen(me(context), advisor, place, changes.today(context)))
    return True


async def _pause_until(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: pause the advisor until the chosen date."""
    advisor_id, code, place = pressed.id(0), pressed.arg(1), Place.parse(pressed, 2)
    until = from_code(code)
    if advisor_id is None or place is None or until is None or not in_range(until, changes.today(context)):
        return False
    await _show_detail(context, advisor_id, place, await changes.pause(context, advisor_id, until))
    return True


async def _ask_date(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: ask for the date a pause ends."""
    advisor_id, place = pressed.id(0), Place.parse(pressed, 1)
    if advisor_id is None or place is None:
        return False
    if not is_private(update):
        # Typed answers are only read in the private chat (handlers.awaiting).
        context.answer(
            context.gettext("Please type dates in our private chat, or choose a length."), alert=True
        )
        return True
    advisor = await _pausable(context, advisor_id, place)
    if advisor is not None:
        await chat_inputs.expect(
            context.db, context.user.id, PAUSE_INPUT, utcnow(), advisor_id, place.to_json()
        )
        context.answer()
        context.edit(*actions.date_question(me(context), advisor, place, changes.today(context)))
    return True


async def _reactivate_button(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: make the advisor available again."""
    advisor_id, place = pressed.id(0), Place.parse(pressed, 1)
    if advisor_id is None or place is None:
        return False
    await _show_detail(context, advisor_id, place, await changes.reactivate(context, advisor_id))
    return True


async def _confirm_deactivation(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: ask whether to deactivate the advisor."""
    advisor_id, place = pressed.id(0), Place.parse(pressed, 1)
    if advisor_id is None or place is None:
        return False
    detail = await coordination_advisors.advisor_detail(context.db, advisor_id, utcnow())
    if detail is None or not detail.advisor.active:
        await _show_detail(context, advisor_id, place, changes.Done(context.gettext("Already deactivated.")))
        return True
    context.answer()
    context.edit(*actions.deactivate_question(me(context), detail, place))
    return True


async def _deactivate_button(update: Update, context: BotContext, pressed: Pressed) -> bool:
    """Button: deactivate the advisor."""
    advisor_id, place = pressed.id(0), Place.parse(pressed, 1)
    if advisor_id is None or place is None:
        return False
    await _show_detail(context, advisor_id, place, await changes.deactivate(context, advisor_id))
    return True


_STEPS: dict[str, Step] = {
    "l": _list,
    "f": _filters,
    "i": _invite,
    "v": _view,
    "p": _pause_choices,
    "u": _pause_until,
    "t": _ask_date,
    "r": _reactivate_button,
    "d": _confirm_deactivation,
    "y": _deactivate_button,
}


@requires(Role.COORDINATOR)
@private_only()
async def show_advisors(update: Update, context: BotContext) -> None:
    """Answer /berater and /advisors: the first page of advisors, sorted by name."""
    await chat_inputs.clear(context.db, context.user.id, PAUSE_INPUT)
    page = await coordination_advisors.list_advisors(context.db, utcnow())
    context.reply(*views.list_screen(me(context), page, None))


@requires(Role.COORDINATOR)
@private_only()
async def advisors_button(update: Update, context: BotContext) -> None:
    """Every button of the advisor screens; anything but "type a date" drops an open date question."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, ADVISORS)
    step = _STEPS.get(pressed.action) if pressed is not None else None
    if pressed is not None and pressed.action != "t":
        await chat_inputs.clear(context.db, context.user.id, PAUSE_INPUT)
    if pressed is None or step is None or not await step(update, context, pressed):
        context.answer(context.gettext(STALE), alert=True)


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """The typed last day of a pause: pause the advisor and show them anew, or ask again politely."""
    _ = context.gettext
    if not context.user.has_role(Role.COORDINATOR) or row.target_id is None:
        await chat_inputs.clear(context.db, context.user.id)
        context.reply(_("This is only available to coordinators."))
        return
    place = Place.from_json(row.data)
    advisor = await context.db.get(Advisor, row.target_id, populate_existing=True)
    if advisor is None:
        await chat_inputs.take(context.db, row)
        context.reply(_(NOT_FOUND))
        return
    until, problem = typed_day(me(context), text, changes.today(context))
    if until is None:
        await chat_inputs.expect(context.db, context.user.id, row.kind, utcnow(), row.target_id, row.data)
        context.reply(*actions.date_question(me(context), advisor, place, changes.today(context), problem))
        return
    if not await chat_inputs.take(context.db, row):
        return  # answered meanwhile (a repeated update)
    done = await changes.pause(context, advisor.id, until)
    detail = await coordination_advisors.advisor_detail(context.db, advisor.id, utcnow())
    if detail is None:
        context.reply(_(NOT_FOUND))
        return
    context.reply(
        *await views.detail_screen(context.db, me(context), detail, place, done.notice or done.toast)
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("advisors").names, show_advisors),
        CallbackQueryHandler(advisors_button, pattern=pattern(ADVISORS)),
    ]
