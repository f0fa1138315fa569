"""The coordinators' actions that change a request from its screen: offer it anew, close it.

The work is done by :mod:`bot.services.coordination_actions` (audited); this module words it and
tells the advisors and the contact what changed. Navigation and typed notes are in
:mod:`handlers.coordinator_requests`.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import N_
from bot.services import coordination_actions
from bot.services.coordination_actions import ActionOutcome
from bot.services.offers import OfferTiming
from handlers import cascade, closing_notices, withdrawal
from handlers import coordinator_request_screen as screen
from handlers import coordinator_request_views as views
from handlers.callback_data import Pressed
from handlers.notify import Outbox, me
from models import utcnow

STALE = N_("This button is no longer valid.")
NOT_FOUND = N_("This request was not found.")
CANNOT_REOFFER = N_("This request cannot be offered anew in its current state.")
ALREADY_FINISHED = N_("This request is already finished.")

_show = screen.show
_detail = screen.detail
_show_detail = screen.show_detail


async def _refused(
    update: Update, context: BotContext, kind: ActionOutcome, request_id: int, why: str
) -> bool:
    """Answer an action the service did not do (``why`` when the status did not allow it, then the
    request as it is now); False when it was done."""
    if kind == ActionOutcome.DONE:
        return False
    context.answer(context.gettext(NOT_FOUND if kind == ActionOutcome.NOT_FOUND else why), alert=True)
    if kind != ActionOutcome.NOT_FOUND:
        await _show_detail(update, context, request_id)
    return True


async def reoffer_ask(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Ask the coordinator to confirm offering the request anew."""
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer()
    _show(update, context, *views.reoffer_confirmation(me(context), detail))


async def reoffer(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Withdraw the request's offer and offer it to the next advisor in line."""
    _ = context.gettext
    request_id = pressed.id(0)
    if request_id is None:
        context.answer(_(STALE), alert=True)
        return
    timing = OfferTiming.from_settings(context.settings)
    result = await coordination_actions.reoffer(context.db, request_id, context.user.id, utcnow(), timing)
    if await _refused(update, context, result.kind, request_id, CANNOT_REOFFER):
        return
    out = Outbox.of(context)
    await cascade.announce(out, result.withdrawn)
    await cascade.announce(out, result.next)
    following = result.next
    if following is not None and following.advisor is not None and following.offer is not None:
        context.answer(_("Offered to {name}.").format(name=following.advisor.display_name))
    else:
        context.answer(_("No advisor is available; the request waits for you to assign it."), alert=True)
    await _show_detail(update, context, request_id)


async def close_ask(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Show the reasons a request can be closed for."""
    detail = await _detail(context, pressed.id(0))
    if detail is None:
        context.answer(context.gettext(NOT_FOUND), alert=True)
        return
    context.answer()
    _show(update, context, *views.close_menu(me(context), detail.request.id, detail.request.reference))


async def close_with_reason(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Close the request for one of the listed reasons."""
    label = views.CLOSE_REASONS.get(pressed.arg(1))
    if label is None or pressed.id(0) is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    # The reason is recorded in the closing coordinator's language, as they chose it; the contact
    # reads the code's own sentence in theirs.
    await close(update, context, pressed.id(0), context.gettext(label), code=pressed.arg(1))


async def close(
    update: Update,
    context: BotContext,
    request_id: int | None,
    reason: str,
    at: int | None = None,
    code: str | None = None,
) -> None:
    """Close a request with a reason, tell the advisors and the contact, and show it again."""
    _ = context.gettext
    if request_id is None:
        context.answer(_(STALE), alert=True)
        return
    result = await coordination_actions.close_request(
        context.db, request_id, context.user.id, reason, utcnow(), code=code
    )
    if await _refused(update, context, result.kind, request_id, ALREADY_FINISHED) or result.request is None:
        return
    out = Outbox.of(context)
    if result.withdrawal is not None:
        await withdrawal.tell_advisors(
            out, result.request, result.withdrawal, result.holder, closing_notices.CLOSED_FOR_HOLDER
        )
    await closing_notices.tell_contact(out, result.request, code)
    context.answer(_("Closed."))
    await _show_detail(update, context, request_id, notice=_("🔒 Closed."), at=at)
