"""Coordinators move a request away from the advisor who holds it: offer it anew (the cascade goes on
without them) or give it to an advisor chosen from the ranking. Reached from the request's detail
view, from ``/zuweisen MG-…`` and from an advisor who is deactivated or paused.

The work is :func:`bot.services.reassignment.reassign` (locked, compare-and-set, audited); the detail
view is shown again in place afterwards, with what was done above it.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.authz import private_only, requires
from bot.context import BotContext
from bot.i18n import N_
from bot.services import offers, reassignment
from bot.services.booking import for_request
from bot.services.coordination_actions import ActionOutcome
from bot.services.matching_data import rank_request
from bot.services.offers import OfferTiming
from bot.services.reassignment import Mode
from handlers import coordinator_reassign_views as views
from handlers import coordinator_request_screen as screen
from handlers import reassign_notices
from handlers.callback_data import Pressed, parse, pattern
from handlers.notify import Outbox, me
from models import BookingStatus, KickoffRequest, Role, utcnow

STALE = N_("This button is no longer valid.")
NOT_HELD = N_("Nobody holds this request any more; it cannot be reassigned.")
UNAVAILABLE = N_("This advisor cannot take it (inactive, not in Telegram, or the current advisor).")


async def choice_screen(
    context: BotContext, request: KickoffRequest
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The reassign choice for a held request; None when nobody holds it (or it is past its kickoff)."""
    holder = await offers.holder(context.db, request.id)
    if holder is None or request.status not in reassignment.REASSIGNABLE:
        return None
    talk = await for_request(context.db, request.id)
    confirmed = talk is not None and talk.status == BookingStatus.CONFIRMED and talk.starts_at > utcnow()
    return views.choice(me(context), request, holder, talk if confirmed else None)


async def _menu(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Button: show whom the request can be handed to."""
    request = await context.db.get(KickoffRequest, pressed.id(0) or 0, populate_existing=True)
    shown = await choice_screen(context, request) if request is not None else None
    if shown is None:
        context.answer(context.gettext(NOT_HELD), alert=True)
        await screen.show_detail(update, context, pressed.id(0))
        return
    context.answer()
    screen.show(update, context, *shown)


async def _choose(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Button: ask to confirm handing the request to the chosen advisor."""
    request = await context.db.get(KickoffRequest, pressed.id(0) or 0, populate_existing=True)
    holder = await offers.holder(context.db, request.id) if request is not None else None
    if request is None or holder is None or request.status not in reassignment.REASSIGNABLE:
        context.answer(context.gettext(NOT_HELD), alert=True)
        await screen.show_detail(update, context, pressed.id(0))
        return
    context.answer()
    ranking = await rank_request(context.db, request.id, utcnow())
    r = me(context)
    heading = r._("🔄 <b>Give {reference} to another advisor</b>").format(
        reference=html.escape(request.reference)
    )
    text, markup = views.choose_screen(r, request, ranking.to_json() if ranking else [], holder, heading)
    screen.show(update, context, text, markup)


async def _reassign(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Button: hand the request to the chosen advisor and tell those concerned."""
    _ = context.gettext
    request_id = pressed.id(0)
    advisor_id = pressed.id(1) if pressed.action == "t" else None
    if request_id is None or (pressed.action == "t" and advisor_id is None):
        context.answer(_(STALE), alert=True)
        return
    mode = Mode.TO if pressed.action == "t" else Mode.ANEW
    result = await reassignment.reassign(
        context.db,
        request_id,
        context.user.id,
        utcnow(),
        mode,
        advisor_id,
        OfferTiming.from_settings(context.settings),
    )
    if result.kind != ActionOutcome.DONE:
        why = {ActionOutcome.INVALID: UNAVAILABLE, ActionOutcome.NOT_FOUND: screen.NOT_FOUND}
        context.answer(_(why.get(result.kind, NOT_HELD)), alert=True)
        if result.kind != ActionOutcome.NOT_FOUND:
            await screen.show_detail(update, context, request_id)
        return
    await reassign_notices.reassigned(Outbox.of(context), result)
    context.answer(_("Reassigned."))
    await screen.show_detail(update, context, request_id, notice=views.done_notice(me(context), result))


_ACTIONS = {"m": _menu, "c": _choose, "o": _reassign, "t": _reassign}


@requires(Role.COORDINATOR)
@private_only()
async def reassign_button(update: Update, context: BotContext) -> None:
    """Every reassign button; what it may do is decided by the database now."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, views.REASSIGN)
    action = _ACTIONS.get(pressed.action) if pressed is not None else None
    if pressed is None or action is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    await action(update, context, pressed)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [CallbackQueryHandler(reassign_button, pattern=pattern(views.REASSIGN))]
