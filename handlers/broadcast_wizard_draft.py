"""Step 4 of the broadcast wizard: a draft's buttons (send now, schedule, type a moment, change
audience or text, discard), and continuing or starting over an unfinished broadcast. Releasing
is compare-and-set in the service: a second tap is told that it already happened."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from sqlalchemy import select

from bot.context import BotContext
from bot.i18n import N_
from bot.services import broadcast_progress, broadcasts, chat_inputs
from bot.services.broadcast_audience import AudienceFilter
from bot.services.broadcast_results import AudiencePreview, BroadcastOutcome
from handlers import broadcast_texts as bt
from handlers import broadcast_texts_draft as btd
from handlers.broadcast_wizard_audience import (
    audience_screen,
    start,
)
from handlers.broadcast_wizard_compose import (
    content_prompt,
    show_preview,
)
from handlers.broadcast_wizard_state import (
    AUDIENCE_INPUT,
    CONTENT_INPUT,
    WHEN_INPUT,
    Wizard,
    drop_question,
    keep,
    open_question,
    own_draft,
    refuse,
    say,
)
from handlers.callback_data import Pressed
from handlers.notify import me
from models import (
    Broadcast,
    BroadcastStatus,
    ChatInput,
    utcnow,
)

MAX_AHEAD = timedelta(days=366)
MORNING = time(9, 0)
MOMENT = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s+(\d{1,2})[:.](\d{2})\s*(?:uhr)?\s*$", re.I)


async def _own_draft_by_id(context: BotContext, pressed: Pressed) -> Broadcast | None:
    """The pressed draft if it exists, is still a draft and is the presser's; else say why not."""
    broadcast_id = pressed.id(0)
    broadcast = (
        await context.db.get(Broadcast, broadcast_id, populate_existing=True) if broadcast_id else None
    )
    if broadcast is None:
        say(context, N_("This broadcast no longer exists."))
        return None
    if broadcast.created_by_user_id != context.user.id:
        say(context, N_("This draft belongs to another coordinator."))
        return None
    if broadcast.status != BroadcastStatus.DRAFT:
        refuse(context, BroadcastOutcome.NOT_POSSIBLE)
        return None
    return broadcast


async def release(context: BotContext, broadcast: Broadcast, send_at: datetime | None) -> None:
    """Schedule the draft, then send the progress message with a cancel button and register it."""
    now = utcnow()
    result = await broadcasts.schedule(context.db, broadcast.id, context.user.id, now, send_at)
    if result.kind != BroadcastOutcome.DONE or result.broadcast is None:
        refuse(context, result.kind)
        return
    await drop_question(context)
    r = me(context)
    state = await broadcast_progress.progress(context.db, broadcast.id)
    assert state is not None
    starting = send_at is None
    count = await broadcasts.preview(context.db, broadcast.id) or AudiencePreview(0, 0, 0)
    if starting:
        context.answer(context.gettext("Sending starts."))
        confirmation = context.ngettext(
            "✅ Released: it goes out now to about {count} person.",
            "✅ Released: it goes out now to about {count} people.",
            count.total,
        )
    else:
        context.answer(context.gettext("Scheduled."))
        confirmation = context.gettext("✅ Scheduled: it goes out then to whoever matches at that moment.")
    context.edit(confirmation.format(count=bt.number(r, count.total)))
    row = context.send(
        context.user.telegram_id, bt.progress_text(r, state, starting=starting), bt.progress_markup(r, state)
    )
    await broadcast_progress.set_progress_message(context.db, broadcast.id, row)


def next_morning(now: datetime, tz: Any, weekday: int | None) -> datetime:
    """The next 09:00 in ``tz`` after ``now``: tomorrow's, or on ``weekday`` (0 = Monday) when given."""
    local = now.astimezone(tz)
    day: date = local.date() + timedelta(days=1)
    if weekday is not None:
        day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    moment = datetime.combine(day, MORNING, tzinfo=tz)
    while moment <= now:
        moment += timedelta(days=7)
    return moment


def parse_moment(text: str, tz: Any) -> datetime | None:
    """ "24.12.2026 09:00" in ``tz`` as an aware datetime; None when it is not such a moment."""
    found = MOMENT.match(text)
    if found is None:
        return None
    day, month, year, hour, minute = (int(g) for g in found.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        return None


async def when_typed(context: BotContext, row: ChatInput, text: str) -> None:
    """A typed moment for the draft: released for then if it is a valid moment within the next year."""
    _ = context.gettext
    broadcast_id = row.target_id
    broadcast = await context.db.get(Broadcast, broadcast_id) if broadcast_id else None
    if (
        broadcast is None
        or broadcast.status != BroadcastStatus.DRAFT
        or broadcast.created_by_user_id != context.user.id
    ):
        await chat_inputs.take(context.db, row)
        context.reply(_("This broadcast is no longer a draft: it was sent, scheduled or discarded."))
        return
    moment = parse_moment(text, context.settings.tz)
    now = utcnow()
    r = me(context)
    back = btd.when_prompt(r, broadcast.id)[1]
    if moment is None:
        context.reply(_("Please write it like 24.12.2026 09:00 (day.month.year hours:minutes)."), back)
        return
    if moment <= now:
        context.reply(
            _("{when} has already passed. Please choose a moment in the future.").format(
                when=escape(r.when(moment))
            ),
            back,
        )
        return
    if moment > now + MAX_AHEAD:
        context.reply(_("Please choose a moment within the next twelve months."), back)
        return
    if not await chat_inputs.take(context.db, row):
        return
    await release(context, broadcast, moment)


async def on_draft_action(context: BotContext, pressed: Pressed) -> None:
    """The buttons under a draft's preview and its scheduling screen."""
    broadcast = await _own_draft_by_id(context, pressed)
    if broadcast is None:
        return
    r = me(context)
    action = pressed.action
    if action == "s":
        await release(context, broadcast, None)
    elif action == "t":
        context.answer()
        context.edit(btd.schedule_text(r, broadcast.id), btd.schedule_markup(r, broadcast.id))
    elif action == "q":
        now, tz = utcnow(), context.settings.tz
        choice = pressed.arg(1)
        if choice == "h":
            await release(context, broadcast, now + timedelta(hours=1))
        elif choice in ("t", "m"):
            await release(context, broadcast, next_morning(now, tz, 0 if choice == "m" else None))
        else:
            say(context, N_("This button is no longer valid."))
    elif action == "w":
        await chat_inputs.expect(context.db, context.user.id, WHEN_INPUT, utcnow(), broadcast.id, {})
        context.answer()
        context.edit(*btd.when_prompt(r, broadcast.id))
    elif action == "p":
        await drop_question(context)
        context.answer()
        context.edit(context.gettext("▶️ Here is your draft again."))
        await show_preview(context, broadcast)
    elif action == "ea":
        wizard = replace(
            Wizard.new(),
            audience=broadcast.audience,
            flt=AudienceFilter.from_json(broadcast.filters),
            screen="narrow",
            draft_id=broadcast.id,
        )
        await keep(context, AUDIENCE_INPUT, wizard)
        context.answer()
        context.reply(*await audience_screen(context, wizard))
    elif action == "et":
        wizard = replace(Wizard.new(), draft_id=broadcast.id)
        await keep(context, CONTENT_INPUT, wizard)
        context.answer()
        context.reply(*content_prompt(context, wizard))
    elif action == "d":
        result = await broadcasts.cancel(context.db, broadcast.id, context.user.id, utcnow())
        if result.kind != BroadcastOutcome.DONE:
            refuse(context, result.kind)
            return
        row = await open_question(context)
        if row is not None and row.target_id == broadcast.id:
            await chat_inputs.take(context.db, row)
        context.answer(context.gettext("Discarded."))
        context.edit(context.gettext("🗑 The broadcast was discarded."))


async def on_drop_wizard(context: BotContext, pressed: Pressed) -> None:
    """Discard a run that has no draft yet."""
    row = await open_question(context)
    token = pressed.id(0)
    if row is None or token is None or Wizard.of(row).token != token:
        context.answer(context.gettext("Discarded."))
        context.edit(context.gettext("🗑 The broadcast was discarded."))
        return
    await chat_inputs.take(context.db, row)
    context.answer(context.gettext("Discarded."))
    context.edit(context.gettext("🗑 The broadcast was discarded."))


async def on_continue(context: BotContext) -> None:
    """Continue the unfinished broadcast where it was left (its open question, else its draft)."""
    row = await open_question(context)
    if row is not None:
        wizard = Wizard.of(row)
        await keep(context, row.kind, wizard)
        context.answer()
        if row.kind == AUDIENCE_INPUT:
            context.edit(*await audience_screen(context, wizard))
        elif row.kind == CONTENT_INPUT:
            context.edit(*content_prompt(context, wizard))
        else:
            context.edit(*btd.when_prompt(me(context), wizard.draft_id or 0))
        return
    draft = await own_draft(context)
    if draft is None:
        context.answer()
        await start(context, edit=True)
        return
    context.answer()
    context.edit(context.gettext("▶️ Here is your draft again."))
    await show_preview(context, draft)


async def on_start_over(context: BotContext) -> None:
    """Discard the unfinished broadcast (drafts and open question) and start a new one."""
    now = utcnow()
    for draft in list(
        await context.db.scalars(
            select(Broadcast).where(
                Broadcast.created_by_user_id == context.user.id, Broadcast.status == BroadcastStatus.DRAFT
            )
        )
    ):
        await broadcasts.cancel(context.db, draft.id, context.user.id, now)
    await drop_question(context)
    context.answer()
    await start(context, edit=True)
