"""Coordinators assign a request by hand: from an escalation's buttons, or with ``/zuweisen MG-2026-0001``.

The ranked list shows every advisor with the reasons for and against them; the assignment itself is
:func:`bot.services.assignment.assign_manually` (a compare-and-set on the request), so two
coordinators pressing at once assign it once, and a stale button says who has it.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.services import coordination_actions, offers
from bot.services.matching_data import rank_request
from bot.services.offers import OfferOutcome, OfferTiming
from bot.services.reassignment import REASSIGNABLE
from handlers import cascade
from handlers import coordinator_reassign_views as reassign_views
from handlers import coordinator_request_screen as screen
from handlers.callback_data import ASSIGN, REQUESTS, data, parse, pattern
from handlers.notify import Outbox, me
from models import KickoffRequest, Role, utcnow

REFERENCE_MAX = 20
# The last argument of an assign button shown in place of the detail view.
FROM_DETAIL = "d"


async def _request_by_reference(context: BotContext, reference: str) -> KickoffRequest | None:
    """The request with the typed reference, None if there is none."""
    if not reference or len(reference) > REFERENCE_MAX:
        return None
    return await context.db.scalar(
        select(KickoffRequest).where(func.upper(KickoffRequest.reference) == reference.upper())
    )


@requires(Role.COORDINATOR)
@private_only()
async def assign_command(update: Update, context: BotContext) -> None:
    """Answer /zuweisen and /assign with a reference: the ranked advisors and buttons to assign."""
    _ = context.gettext
    words = (update.effective_message.text or "").split() if update.effective_message else []
    reference = words[1] if len(words) > 1 else ""
    request = await _request_by_reference(context, reference)
    if request is None:
        example = _("Please add the reference of a request, e.g. /{command} MG-2026-0001.").format(
            command=command("assign").name(context.locale)
        )
        if reference:
            found = _("There is no request {reference}.").format(
                reference=html.escape(reference[:REFERENCE_MAX])
            )
            example = f"{found} {example}"
        lists = _("Or choose the request from a list:")
        context.reply(f"{example}\n{lists}", _lists_to_choose_from(context))
        return
    ranking = await rank_request(context.db, request.id, utcnow())
    ranked = ranking.to_json() if ranking else []
    heading = await assign_heading(context, request)
    holder = await offers.holder(context.db, request.id)
    if holder is not None and request.status in REASSIGNABLE:
        # Held: the same ranking, with the ways to move it (anew, or to one of these advisors).
        context.reply(*reassign_views.choose_screen(me(context), request, ranked, holder, heading, anew=True))
        return
    context.reply(*cascade.ranking_message(me(context), request, ranked, heading))


def _lists_to_choose_from(context: BotContext) -> InlineKeyboardMarkup:
    """Ways on from a missing or unknown reference: the request lists a coordinator assigns from
    (a request opened there has its own assign button)."""
    _ = context.gettext
    waiting = InlineKeyboardButton(_("🆘 No advisor found yet"), callback_data=data(REQUESTS, "l", 0, "n"))
    open_ones = InlineKeyboardButton(_("📂 All open requests"), callback_data=data(REQUESTS, "l", 0, "o"))
    return InlineKeyboardMarkup([[waiting], [open_ones]])


def ranking_in_detail(
    context: BotContext, request: KickoffRequest, ranking: list[dict[str, Any]], heading: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The ranking shown in place of a request's detail view: its assign buttons bring the detail
    back (refreshed) once pressed, and a back button returns to it unchanged."""
    r = me(context)
    text, _markup = cascade.ranking_message(r, request, ranking, heading)
    rows = []
    for row in cascade.assign_buttons(r, request.id, ranking) if request.status in cascade.ASSIGNABLE else []:
        rows.append(
            [InlineKeyboardButton(b.text, callback_data=f"{b.callback_data}:{FROM_DETAIL}") for b in row]
        )
    back = InlineKeyboardButton(r._("↩️ Back to the request"), callback_data=data(REQUESTS, "d", request.id))
    return text, InlineKeyboardMarkup([*rows, [back]])


async def assign_heading(context: BotContext, request: KickoffRequest) -> str:
    """The ranking's heading: "assign by hand", or why it cannot be assigned any more."""
    _ = context.gettext
    reference = html.escape(request.reference)
    if request.status in cascade.ASSIGNABLE:
        return _("👥 <b>Assign {reference} by hand</b>").format(reference=reference)
    advisor = await offers.holder(context.db, request.id)
    if advisor is not None and request.status in REASSIGNABLE:
        return _(
            "👥 <b>{reference} is with {name}.</b> You can offer it anew without them or give it to "
            "another advisor:"
        ).format(reference=reference, name=html.escape(advisor.display_name))
    if advisor is not None:
        return _("👥 <b>{reference} already has an advisor: {name}.</b> The ranking for reference:").format(
            reference=reference, name=html.escape(advisor.display_name)
        )
    return _(
        "👥 <b>{reference} cannot be assigned in its current state.</b> The ranking for reference:"
    ).format(reference=reference)


@requires(Role.COORDINATOR)
async def assign_button(update: Update, context: BotContext) -> None:
    """Assign the request to the chosen advisor; tell the advisor, the contact and withdrawn offers."""
    assert update.callback_query is not None
    _ = context.gettext
    pressed = parse(update.callback_query.data, ASSIGN)
    request_id = pressed.id(0) if pressed else None
    advisor_id = pressed.id(1) if pressed else None
    if pressed is None or pressed.action != "a" or request_id is None or advisor_id is None:
        context.answer(_("This button is no longer valid."), alert=True)
        return
    timing = OfferTiming.from_settings(context.settings)
    result = await coordination_actions.assign(
        context.db, request_id, advisor_id, context.user.id, utcnow(), timing
    )
    reference = html.escape(result.request.reference) if result.request else ""
    if pressed.arg(2) == FROM_DETAIL and result.changed and result.advisor is not None:
        # Pressed in place of the detail view: the view comes back as the request now is.
        context.answer(_("Offered."))
        await cascade.announce(Outbox.of(context), result)
        notice = _("✓ Offered to {name} on behalf of the coordination team.").format(
            name=html.escape(result.advisor.display_name)
        )
        await screen.show_detail(update, context, request_id, notice=notice)
        return
    if result.kind == OfferOutcome.ASSIGNED and result.advisor is not None:
        context.answer(_("Offered."))
        details = InlineKeyboardButton(_("📄 Details"), callback_data=data(REQUESTS, "d", request_id))
        context.edit(
            _(
                "📨 {reference} is offered to {name} on behalf of the coordination team. The contact "
                "hears their name once they accept; a decline or no answer comes back to you."
            ).format(reference=reference, name=html.escape(result.advisor.display_name)),
            InlineKeyboardMarkup([[details]]),
        )
        await cascade.announce(Outbox.of(context), result)
    elif result.kind == OfferOutcome.ALREADY_ASSIGNED:
        name = html.escape(result.advisor.display_name) if result.advisor else "–"
        text = _("{reference} already has an advisor: {name}.").format(reference=reference, name=name)
        context.answer(_("Already assigned."), alert=True)
        context.edit(text)
    elif result.kind == OfferOutcome.ADVISOR_UNAVAILABLE:
        context.answer(
            _("This advisor is inactive or not linked to Telegram; please choose another."), alert=True
        )
    elif result.kind == OfferOutcome.REQUEST_CLOSED:
        context.answer(_("This request is closed."), alert=True)
        context.edit(_("{reference} is closed; nothing to assign.").format(reference=reference))
    else:
        context.answer(_("This request was not found."), alert=True)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("assign").names, assign_command),
        CallbackQueryHandler(assign_button, pattern=pattern(ASSIGN)),
    ]
