"""A released broadcast from the chat: its progress, cancelling it (asked first, with the count
of those who have not got it yet), retrying the failed, and the list of recent broadcasts.
Any coordinator may do these (the team shares them); the services make each compare-and-set."""

from __future__ import annotations

from bot.context import BotContext
from bot.i18n import N_
from bot.runtime import outbox
from bot.services import broadcast_progress, broadcasts
from bot.services.broadcast_results import BroadcastOutcome
from handlers import broadcast_sweep
from handlers import broadcast_texts as bt
from handlers import broadcast_texts_recent as btr
from handlers.broadcast_wizard_state import (
    refuse,
    say,
)
from handlers.callback_data import Pressed
from handlers.notify import Outbox, me
from models import (
    Broadcast,
    BroadcastStatus,
    utcnow,
)


async def on_recent(context: BotContext) -> None:
    """The list of recent broadcasts that were released."""
    found = [
        b
        for b in await broadcast_progress.recent(context.db, 20)
        if b.status != BroadcastStatus.DRAFT and b.send_at is not None
    ][:10]
    context.answer()
    context.reply(*btr.recent_list(me(context), found))


async def _broadcast_by_id(context: BotContext, pressed: Pressed) -> Broadcast | None:
    """The pressed broadcast; None (and said so) when it no longer exists."""
    broadcast_id = pressed.id(0)
    broadcast = (
        await context.db.get(Broadcast, broadcast_id, populate_existing=True) if broadcast_id else None
    )
    if broadcast is None:
        say(context, N_("This broadcast no longer exists."))
    return broadcast


async def on_cancel_ask(context: BotContext, pressed: Pressed) -> None:
    """Ask before cancelling, with how many have not got it yet (counted from what was delivered)."""
    broadcast = await _broadcast_by_id(context, pressed)
    if broadcast is None:
        return
    state = await broadcast_progress.progress(context.db, broadcast.id)
    assert state is not None
    if broadcast.status not in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        await _already_over(context, broadcast)
        return
    context.answer()
    context.reply(*bt.cancel_question(me(context), state))


async def _already_over(context: BotContext, broadcast: Broadcast) -> None:
    """Say that the broadcast cannot be cancelled any more, and why."""
    if broadcast.status == BroadcastStatus.DRAFT:
        say(context, N_("This broadcast is still a draft; discard it from its preview."))
        return
    if broadcast.status == BroadcastStatus.CANCELLED:
        say(context, N_("This broadcast has already been cancelled."))
    else:
        say(context, N_("This broadcast has already been sent completely."))
    # A progress message that Telegram did not have yet when the broadcast ended still shows its
    # button: pressed there, it is brought up to date.
    where = await broadcast_progress.progress_message(context.db, broadcast.id)
    query = context._update.callback_query if context._update is not None else None
    if where is not None and query is not None and query.message is not None:
        if (query.message.chat.id, query.message.message_id) == where:
            await broadcast_sweep.update_progress_message(Outbox.of(context), broadcast.id)


async def on_cancel(context: BotContext, pressed: Pressed) -> None:
    """Cancel the broadcast: its report at once, or (sends under way) what is known and that it follows."""
    broadcast = await _broadcast_by_id(context, pressed)
    if broadcast is None:
        return
    result = await broadcasts.cancel(context.db, broadcast.id, context.user.id, utcnow())
    if result.kind == BroadcastOutcome.NOT_POSSIBLE:
        await _already_over(context, broadcast)
        context.edit(context.gettext("Nothing was changed."))
        return
    if result.kind != BroadcastOutcome.DONE:
        refuse(context, result.kind)
        return
    r = me(context)
    state = await broadcast_progress.progress(context.db, broadcast.id)
    assert state is not None
    context.answer(context.gettext("Broadcast cancelled."))
    context.edit(bt.report_text(r, state))
    out = Outbox.of(context)
    await broadcast_sweep.update_progress_message(out, broadcast.id)
    if result.broadcast is None or result.broadcast.finished_at is None:
        # Sends under way when it was cancelled may still arrive: the sweep sends the report, to
        # the creator and to whoever cancelled it, once they have an outcome.
        return
    if broadcast.created_by_user_id not in (None, context.user.id):
        creator = await out.reader(broadcast.created_by_user_id)
        if creator is not None:
            out.send(creator, bt.report_text(creator, state))


async def on_progress(context: BotContext, pressed: Pressed) -> None:
    """A broadcast's progress, opened from the recent list, with its cancel button while it runs.

    Its creator gets the progress message moved down to here: this one is kept up to date from now
    on, and the old one loses its button (two live copies could not both be kept up to date).
    Anyone else, or the creator while the old one has no message id to edit yet, gets a snapshot.
    """
    broadcast = await _broadcast_by_id(context, pressed)
    if broadcast is None:
        return
    if broadcast.status == BroadcastStatus.DRAFT:
        say(context, N_("This broadcast is still a draft; discard it from its preview."))
        return
    state = await broadcast_progress.progress(context.db, broadcast.id)
    assert state is not None
    r = me(context)
    markup = bt.progress_markup(r, state)
    old = await broadcast_progress.progress_message(context.db, broadcast.id)
    move = (
        broadcast.created_by_user_id == context.user.id
        and markup is not None
        and (old is not None or broadcast.progress_outbox_id is None)
    )
    context.answer()
    if move and old is not None:
        outbox.enqueue_edit(context.db, *old, bt.moved_text(r, state), None, inbox_id=context.scope.inbox_id)
    row = context.send(context.user.telegram_id, bt.progress_text(r, state), markup)
    if move:
        await broadcast_progress.set_progress_message(context.db, broadcast.id, row)


async def on_cancel_no(context: BotContext) -> None:
    """Keep the broadcast going."""
    context.answer()
    context.edit(context.gettext("↩️ Nothing was changed; it goes on."))


async def on_retry(context: BotContext, pressed: Pressed) -> None:
    """Send a finished broadcast again to those it failed for, with a new progress message."""
    broadcast = await _broadcast_by_id(context, pressed)
    if broadcast is None:
        return
    result = await broadcasts.retry_failed(context.db, broadcast.id, context.user.id, utcnow())
    if result.kind == BroadcastOutcome.NOT_POSSIBLE:
        say(context, N_("There is nothing to retry: it is being sent again already, or nothing failed."))
        return
    if result.kind != BroadcastOutcome.DONE:
        refuse(context, result.kind)
        return
    r = me(context)
    context.answer(context.gettext("Sending again."))
    context.edit(
        context.ngettext(
            "🔁 Broadcast #{id} is being sent again to the {count} person it failed for.",
            "🔁 Broadcast #{id} is being sent again to the {count} people it failed for.",
            result.count,
        ).format(id=broadcast.id, count=bt.number(r, result.count))
    )
    state = await broadcast_progress.progress(context.db, broadcast.id)
    assert state is not None
    row = context.send(context.user.telegram_id, bt.progress_text(r, state), bt.progress_markup(r, state))
    await broadcast_progress.set_progress_message(context.db, broadcast.id, row)
