"""What coordinators change about an advisor, in words: pause, reactivate, deactivate. The work is
:mod:`bot.services.coordination_advisors` (audited, role checked again there); the advisor is told in
their own language. Every change first locks the advisor's row and compares with what the button
asked for, so a double tap or a second coordinator changes nothing twice.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.context import BotContext
from bot.i18n import N_
from bot.services import advisors, coordination_advisors
from bot.services.coordination_actions import ActionOutcome
from bot.services.coordination_requests import OPEN_STATUSES as OPEN
from bot.services.offers import OfferTiming
from handlers import cascade
from handlers import coordinator_advisor_actions as actions
from handlers import coordinator_advisor_views as views
from handlers.notify import Outbox, Reader, me
from models import Advisor, utcnow

NOT_FOUND = N_("This advisor was not found.")
DEACTIVATED = N_("This advisor is deactivated; reactivate them instead.")
TOLD_PAUSED = N_(
    "⏸ The coordination team has paused new offers for you until {date} (inclusive). Offers you "
    "already have stay open."
)
TOLD_REACTIVATED = N_("▶️ The coordination team has reactivated you: you can receive offers again.")
TOLD_DEACTIVATED = N_(
    "⛔ The coordination team has deactivated your advisor profile: you will get no new offers. "
    "Offers still waiting for your answer were passed on. If you have questions, please contact "
    "the coordination team."
)


@dataclass(frozen=True)
class Done:
    """What an action did: the short answer to the button, and the notice above the detail."""

    toast: str
    notice: str | None = None
    alert: bool = False


def today(context: BotContext) -> date:
    """Today in the programme's time zone."""
    return utcnow().astimezone(context.settings.tz).date()


async def locked(context: BotContext, advisor_id: int) -> Advisor | None:
    """The advisor, freshly read and locked for this transaction (on PostgreSQL; SQLite has one writer)."""
    return await context.db.scalar(
        select(Advisor)
        .where(Advisor.id == advisor_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _tell(context: BotContext, advisor: Advisor, text: Callable[[Reader], str]) -> None:
    """Queue a message worded by ``text`` to the advisor in their own language, if they are in Telegram."""
    out = Outbox.of(context)
    reader = await out.reader(advisor.user_id)
    if reader is not None:
        out.send(reader, text(reader))


def _refused(context: BotContext, kind: ActionOutcome) -> Done:
    """The answer when a change is not allowed or the advisor is gone."""
    if kind == ActionOutcome.NOT_ALLOWED:
        return Done(context.gettext("This is only available to coordinators."), alert=True)
    return Done(context.gettext(NOT_FOUND), alert=True)


async def pause(context: BotContext, advisor_id: int, until: date) -> Done:
    """Pause an advisor until ``until`` and say so."""
    _ = context.gettext
    advisor = await locked(context, advisor_id)
    if advisor is None:
        return Done(_(NOT_FOUND), alert=True)
    if not advisor.active:
        return Done(_(DEACTIVATED), alert=True)
    r, tz = me(context), context.settings.tz
    if advisor.paused_until == advisors.pause_end(until, tz):
        return Done(_("Already paused until {date}.").format(date=views.day_text(r, until)))
    result = await coordination_advisors.pause(context.db, advisor_id, context.user.id, until, tz, utcnow())
    if result.kind != ActionOutcome.DONE:
        return _refused(context, result.kind)
    await _tell(context, advisor, lambda a: a._(TOLD_PAUSED).format(date=views.day_text(a, until)))
    notice = _("✓ Paused until {date} (inclusive).").format(date=views.day_text(r, until))
    held = [req for _o, req in await advisors.assignments(context.db, advisor_id) if req.status in OPEN]
    if held:
        # Their open requests stay with them; those that cannot wait get a reassign button below.
        notice += "\n" + _(
            "They hold open requests: {references}. Offer one anew or give it to another advisor with "
            "its 🔄 button below."
        ).format(references=", ".join(html.escape(req.reference) for req in held))
    return Done(_("Paused."), notice)


async def reactivate(context: BotContext, advisor_id: int) -> Done:
    """Make a paused or inactive advisor available again and say so."""
    _ = context.gettext
    advisor = await locked(context, advisor_id)
    if advisor is None:
        return Done(_(NOT_FOUND), alert=True)
    paused = advisor.paused_until is not None and advisor.paused_until > utcnow()
    if advisor.active and not paused:
        return Done(_("Already active."))
    result = await coordination_advisors.reactivate(context.db, advisor_id, context.user.id, utcnow())
    if result.kind != ActionOutcome.DONE:
        return _refused(context, result.kind)
    await _tell(context, advisor, lambda a: a._(TOLD_REACTIVATED))
    return Done(
        _("Reactivated."),
        _("✓ {name} is active again and can receive offers.").format(name=html.escape(advisor.display_name)),
    )


async def deactivate(context: BotContext, advisor_id: int) -> Done:
    """Take an advisor out of matching and say so."""
    _ = context.gettext
    advisor = await locked(context, advisor_id)
    if advisor is None:
        return Done(_(NOT_FOUND), alert=True)
    if not advisor.active:
        return Done(_("Already deactivated."))
    result = await coordination_advisors.deactivate(
        context.db, advisor_id, context.user.id, utcnow(), OfferTiming.from_settings(context.settings)
    )
    if result.kind != ActionOutcome.DONE:
        return _refused(context, result.kind)
    # The advisor hears why first, then which offers were withdrawn; the next advisors get theirs.
    await _tell(context, advisor, lambda a: a._(TOLD_DEACTIVATED))
    out = Outbox.of(context)
    for passed in result.passed_on:
        await cascade.announce(out, passed)
    r = me(context)
    lines = [_("✓ {name} is deactivated.").format(name=html.escape(advisor.display_name))]
    lines += actions.passed_on_lines(r, result.passed_on)
    held = actions.still_held_line(r, result.still_held)
    return Done(_("Deactivated."), "\n".join([*lines, held] if held else lines))
