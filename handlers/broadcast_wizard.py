"""/rundruf and /broadcast: coordinators write one message to many, in four steps.

1. audience: advisors, contacts who agreed to receive news, or both;
2. narrowing (optional, combinable): Regierungsbezirk, Kreis (typed, searched in the region
   registry), language, request status, with the live recipient count after every change;
3. content: a text (its Telegram formatting kept as HTML) or a photo/document with a caption;
4. preview: the message exactly as recipients get it, the count, and send now / schedule /
   change audience / change text / discard.

Everything lives in the database, so a restart mid-wizard loses nothing: until the content
arrives the choices are the data of the coordinator's ``chat_inputs`` row (which also routes
their typed Kreis names, texts and dates here); from then on the draft is a ``Broadcast`` row.
Wizard buttons carry a token of the wizard they belong to, so an old screen's buttons change
nothing; toggles say "on" or "off" rather than "flip", so a double tap does not undo itself.
Releasing, cancelling and retrying are compare-and-set in the services: a second tap is told
politely that it already happened.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.authz import InGroup, private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.regions import Gemeinde, Kreis, search
from bot.runtime import outbox
from bot.services import broadcast_progress, broadcasts, chat_inputs, languages
from bot.services.broadcast_audience import AudienceFilter, filter_errors
from bot.services.broadcast_content import CAPTION_LIMIT, TEXT_LIMIT, Media, visible_text
from bot.services.broadcast_engine import outbox_call
from bot.services.broadcasts import AudiencePreview, BroadcastOutcome, preview_audience
from handlers import broadcast_sweep
from handlers import broadcast_texts as bt
from handlers.callback_data import BROADCAST, Pressed, parse, pattern
from handlers.notify import Outbox, me
from models import (
    Broadcast,
    BroadcastAudience,
    BroadcastStatus,
    ChatInput,
    MediaKind,
    Role,
    utcnow,
)

AUDIENCE_INPUT = "bc_audience"  # steps 1–2 (typed text: a Kreis name)
CONTENT_INPUT = "bc_content"  # step 3, or a new text for a draft
WHEN_INPUT = "bc_when"  # a typed date and time for a draft
# The chat_inputs kinds whose typed answers handlers.awaiting hands to ``on_text``.
KINDS: tuple[str, ...] = (AUDIENCE_INPUT, CONTENT_INPUT, WHEN_INPUT)

# Writing a broadcast takes a while; the question stays open that long (and across restarts).
WIZARD_TTL = timedelta(hours=3)
SCREENS = ("aud", "narrow", bt.RB, bt.KR, bt.LA, bt.ST)
LANGUAGES_SHOWN = 10
KREIS_CHOICES = 6
QUERY_MAX = 100
MAX_AHEAD = timedelta(days=366)
MORNING = time(9, 0)
MOMENT = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s+(\d{1,2})[:.](\d{2})\s*(?:uhr)?\s*$", re.I)


# ---------------------------------------------------------------------------------------------
# The wizard's state before a draft exists (the chat_inputs row's data)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wizard:
    """Steps 1–3 of one run: its token, the choices so far, the screen shown, the draft edited."""

    token: int
    audience: str | None = None
    flt: AudienceFilter = field(default_factory=AudienceFilter)
    screen: str = "aud"
    draft_id: int | None = None

    @classmethod
    def new(cls) -> Wizard:
        """A fresh run with its own token."""
        return cls(token=100_000 + secrets.randbelow(900_000))

    @classmethod
    def of(cls, row: ChatInput) -> Wizard:
        """The run stored in ``row``."""
        stored: dict[str, Any] = row.data or {}
        screen = stored.get("screen")
        return cls(
            token=int(stored.get("token") or 0),
            audience=stored.get("audience"),
            flt=AudienceFilter.from_json(stored.get("filters")),
            screen=screen if screen in SCREENS else "aud",
            draft_id=row.target_id,
        )

    def to_json(self) -> dict[str, Any]:
        """What goes into the chat_inputs row."""
        return {
            "token": self.token,
            "audience": self.audience,
            "filters": self.flt.to_json(),
            "screen": self.screen,
        }

    @property
    def editing(self) -> bool:
        """Whether this run changes the audience of an existing draft."""
        return self.draft_id is not None


async def _keep(context: BotContext, kind: str, wizard: Wizard) -> None:
    await chat_inputs.expect(
        context.db, context.user.id, kind, utcnow(), wizard.draft_id, wizard.to_json(), ttl=WIZARD_TTL
    )


async def _open_question(context: BotContext) -> ChatInput | None:
    row = await chat_inputs.current(context.db, context.user.id, utcnow())
    return row if row is not None and row.kind in KINDS else None


async def _drop_question(context: BotContext) -> None:
    """Close this module's open question, if one is (another module's stays)."""
    row = await _open_question(context)
    if row is not None:
        await chat_inputs.take(context.db, row)


async def _own_draft(context: BotContext) -> Broadcast | None:
    return await context.db.scalar(
        select(Broadcast)
        .where(Broadcast.created_by_user_id == context.user.id, Broadcast.status == BroadcastStatus.DRAFT)
        .order_by(Broadcast.id.desc())
        .limit(1)
    )


# ---------------------------------------------------------------------------------------------
# Screens
# ---------------------------------------------------------------------------------------------


async def _audience_screen(context: BotContext, wizard: Wizard) -> tuple[str, InlineKeyboardMarkup]:
    r = me(context)
    if wizard.screen == "aud" or wizard.audience is None:
        counts = {
            a.value: (await preview_audience(context.db, a, AudienceFilter())).total
            for a in BroadcastAudience
        }
        return bt.step1_text(r, counts), bt.step1_markup(r, wizard.token)
    count = await preview_audience(context.db, wizard.audience, wizard.flt)
    shown = await languages.most_requested(context.db, LANGUAGES_SHOWN) if wizard.screen == bt.LA else []
    return (
        bt.step2_text(r, wizard.screen, wizard.audience, wizard.flt, count, wizard.editing),
        bt.step2_markup(r, wizard.token, wizard.screen, wizard.audience, wizard.flt, shown, wizard.editing),
    )


def _content_prompt(context: BotContext, wizard: Wizard) -> tuple[str, InlineKeyboardMarkup]:
    r = me(context)
    if wizard.draft_id is not None:
        return bt.change_text_prompt(r, wizard.draft_id)
    return bt.content_prompt(r), bt.content_prompt_markup(r, wizard.token)


async def _show_preview(context: BotContext, broadcast: Broadcast) -> None:
    """Send the message as recipients get it, then the summary with the count and the choices."""
    method, payload = outbox_call(broadcast)
    outbox.enqueue(context.db, context.user.telegram_id, method, payload, inbox_id=context.scope.inbox_id)
    r = me(context)
    count = await broadcasts.preview(context.db, broadcast.id) or AudiencePreview(0, 0, 0)
    context.send(
        context.user.telegram_id, bt.preview_text(r, broadcast, count), bt.preview_markup(r, broadcast.id)
    )


async def _start(context: BotContext, *, edit: bool = False) -> None:
    """Step 1 of a new run."""
    wizard = Wizard.new()
    await _keep(context, AUDIENCE_INPUT, wizard)
    text, markup = await _audience_screen(context, wizard)
    (context.edit if edit else context.reply)(text, markup)


# ---------------------------------------------------------------------------------------------
# /rundruf
# ---------------------------------------------------------------------------------------------


def _write_privately(context: BotContext) -> None:
    """The group's answer to /rundruf: broadcasts are written in the private chat."""
    context.reply(
        context.gettext("Please write broadcasts in your private chat with us: /{command}").format(
            command=command("broadcast").name(context.locale)
        )
    )


@requires(Role.COORDINATOR)
@private_only(InGroup.REFUSE, refusal=_write_privately)
async def broadcast_command(update: Update, context: BotContext) -> None:
    """Start a broadcast, or offer to continue the unfinished one."""
    if await _open_question(context) is not None or await _own_draft(context) is not None:
        r = me(context)
        context.reply(bt.unfinished_text(r), bt.unfinished_markup(r))
        return
    await _start(context)


# ---------------------------------------------------------------------------------------------
# Buttons
# ---------------------------------------------------------------------------------------------


def _say(context: BotContext, text: str) -> None:
    context.answer(context.gettext(text), alert=True)


async def _wizard_of(
    context: BotContext, pressed: Pressed, kinds: tuple[str, ...]
) -> tuple[ChatInput, Wizard] | None:
    """The open run whose token the button carries (and in one of ``kinds``); else say it is stale."""
    row = await _open_question(context)
    token = pressed.id(0)
    if row is None or row.kind not in kinds or token is None or Wizard.of(row).token != token:
        _say(context, N_("This screen is out of date. Send /rundruf to see your broadcast again."))
        return None
    return row, Wizard.of(row)


async def _on_audience(context: BotContext, pressed: Pressed) -> None:
    found = await _wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    audience = pressed.arg(1)
    if audience not in set(BroadcastAudience):
        _say(context, N_("This button is no longer valid."))
        return
    flt = wizard.flt
    if audience == BroadcastAudience.ADVISORS:
        flt = replace(flt, request_statuses=())  # a contacts-only filter
    wizard = replace(wizard, audience=audience, flt=flt, screen="narrow")
    await _keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await _audience_screen(context, wizard))


async def _on_screen(context: BotContext, pressed: Pressed) -> None:
    """Switch between the filter menu and one filter kind (also back from step 3 to step 2)."""
    found = await _wizard_of(context, pressed, (AUDIENCE_INPUT, CONTENT_INPUT))
    if found is None:
        return
    _row, wizard = found
    screen = pressed.arg(1)
    if (
        screen not in SCREENS
        or wizard.audience is None
        or (screen == bt.ST and wizard.audience == BroadcastAudience.ADVISORS)
    ):
        _say(context, N_("This button is no longer valid."))
        return
    wizard = replace(wizard, screen=screen)
    await _keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await _audience_screen(context, wizard))


def _with(flt: AudienceFilter, kind: str, value: str, on: bool) -> AudienceFilter:
    attribute = {bt.RB: "regierungsbezirke", bt.KR: "kreise", bt.LA: "languages", bt.ST: "request_statuses"}[
        kind
    ]
    values = [v for v in getattr(flt, attribute) if v != value]
    if on:
        values.append(value)
    return replace(flt, **{attribute: tuple(values)})


async def _on_filter(context: BotContext, pressed: Pressed) -> None:
    """Turn one filter value on or off (idempotent: the button says which)."""
    found = await _wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    kind, value, on = pressed.arg(1), pressed.arg(2), pressed.arg(3)
    if kind not in (bt.RB, bt.KR, bt.LA, bt.ST) or on not in ("0", "1") or wizard.audience is None:
        _say(context, N_("This button is no longer valid."))
        return
    flt = _with(wizard.flt, kind, value, on == "1")
    if filter_errors(flt) or (kind == bt.LA and on == "1" and len(flt.languages) > languages.MAX_SELECTED):
        _say(context, N_("This button is no longer valid."))
        return
    wizard = replace(wizard, flt=flt, screen=kind)
    await _keep(context, AUDIENCE_INPUT, wizard)
    count = await preview_audience(context.db, wizard.audience or "", flt)
    context.answer(
        context.gettext("Recipients right now: {count}").format(count=bt.number(me(context), count.total))
    )
    context.edit(*await _audience_screen(context, wizard))


async def _on_clear(context: BotContext, pressed: Pressed) -> None:
    found = await _wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    wizard = replace(wizard, flt=AudienceFilter(), screen="narrow")
    await _keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await _audience_screen(context, wizard))


async def _on_back_to_audience(context: BotContext, pressed: Pressed) -> None:
    found = await _wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    _row, wizard = found
    wizard = replace(wizard, screen="aud")
    await _keep(context, AUDIENCE_INPUT, wizard)
    context.answer()
    context.edit(*await _audience_screen(context, wizard))


async def _on_next(context: BotContext, pressed: Pressed) -> None:
    """From the audience to the message (or, changing a draft, store the audience and preview)."""
    row = await _open_question(context)
    token = pressed.id(0)
    if row is not None and row.kind == CONTENT_INPUT and token is not None and Wizard.of(row).token == token:
        context.answer()  # a double tap: the question for the message is already open
        return
    found = await _wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    row, wizard = found
    if wizard.audience is None:
        _say(context, N_("Please choose who should get it first."))
        return
    if wizard.draft_id is None:
        wizard = replace(wizard, screen="narrow")
        await _keep(context, CONTENT_INPUT, wizard)
        context.answer()
        context.edit(*_content_prompt(context, wizard))
        return
    result = await broadcasts.update_draft(
        context.db, wizard.draft_id, context.user.id, utcnow(), audience=wizard.audience, flt=wizard.flt
    )
    if result.kind != BroadcastOutcome.DONE or result.broadcast is None:
        await chat_inputs.take(context.db, row)
        _refuse(context, result.kind)
        return
    await chat_inputs.take(context.db, row)
    context.answer(context.gettext("Saved."))
    context.edit(context.gettext("✅ Audience saved."))
    await _show_preview(context, result.broadcast)


async def _on_drop_wizard(context: BotContext, pressed: Pressed) -> None:
    """Discard a run that has no draft yet."""
    row = await _open_question(context)
    token = pressed.id(0)
    if row is None or token is None or Wizard.of(row).token != token:
        context.answer(context.gettext("Discarded."))
        context.edit(context.gettext("🗑 The broadcast was discarded."))
        return
    await chat_inputs.take(context.db, row)
    context.answer(context.gettext("Discarded."))
    context.edit(context.gettext("🗑 The broadcast was discarded."))


async def _on_continue(context: BotContext) -> None:
    row = await _open_question(context)
    if row is not None:
        wizard = Wizard.of(row)
        await _keep(context, row.kind, wizard)
        context.answer()
        if row.kind == AUDIENCE_INPUT:
            context.edit(*await _audience_screen(context, wizard))
        elif row.kind == CONTENT_INPUT:
            context.edit(*_content_prompt(context, wizard))
        else:
            context.edit(*bt.when_prompt(me(context), wizard.draft_id or 0))
        return
    draft = await _own_draft(context)
    if draft is None:
        context.answer()
        await _start(context, edit=True)
        return
    context.answer()
    context.edit(context.gettext("▶️ Here is your draft again."))
    await _show_preview(context, draft)


async def _on_start_over(context: BotContext) -> None:
    now = utcnow()
    for draft in list(
        await context.db.scalars(
            select(Broadcast).where(
                Broadcast.created_by_user_id == context.user.id, Broadcast.status == BroadcastStatus.DRAFT
            )
        )
    ):
        await broadcasts.cancel(context.db, draft.id, context.user.id, now)
    await _drop_question(context)
    context.answer()
    await _start(context, edit=True)


async def _on_recent(context: BotContext) -> None:
    found = [
        b
        for b in await broadcast_progress.recent(context.db, 20)
        if b.status != BroadcastStatus.DRAFT and b.send_at is not None
    ][:10]
    context.answer()
    context.reply(*bt.recent_list(me(context), found))


# -- the draft's buttons (preview, schedule) ----------------------------------------------------


def _refuse(context: BotContext, kind: BroadcastOutcome) -> None:
    if kind == BroadcastOutcome.NOT_FOUND:
        _say(context, N_("This broadcast no longer exists."))
    elif kind == BroadcastOutcome.NOT_ALLOWED:
        _say(context, N_("This is only available to coordinators."))
    else:
        _say(context, N_("This broadcast is no longer a draft: it was sent, scheduled or discarded."))


async def _own_draft_by_id(context: BotContext, pressed: Pressed) -> Broadcast | None:
    """The pressed draft if it exists, is still a draft and is the presser's; else say why not."""
    broadcast_id = pressed.id(0)
    broadcast = (
        await context.db.get(Broadcast, broadcast_id, populate_existing=True) if broadcast_id else None
    )
    if broadcast is None:
        _say(context, N_("This broadcast no longer exists."))
        return None
    if broadcast.created_by_user_id != context.user.id:
        _say(context, N_("This draft belongs to another coordinator."))
        return None
    if broadcast.status != BroadcastStatus.DRAFT:
        _refuse(context, BroadcastOutcome.NOT_POSSIBLE)
        return None
    return broadcast


async def _release(context: BotContext, broadcast: Broadcast, send_at: datetime | None) -> None:
    """Schedule the draft, then send the progress message with a cancel button and register it."""
    now = utcnow()
    result = await broadcasts.schedule(context.db, broadcast.id, context.user.id, now, send_at)
    if result.kind != BroadcastOutcome.DONE or result.broadcast is None:
        _refuse(context, result.kind)
        return
    await _drop_question(context)
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


def _next_morning(now: datetime, tz: Any, weekday: int | None) -> datetime:
    local = now.astimezone(tz)
    day: date = local.date() + timedelta(days=1)
    if weekday is not None:
        day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    moment = datetime.combine(day, MORNING, tzinfo=tz)
    while moment <= now:
        moment += timedelta(days=7)
    return moment


async def _on_draft_action(context: BotContext, pressed: Pressed) -> None:
    broadcast = await _own_draft_by_id(context, pressed)
    if broadcast is None:
        return
    r = me(context)
    action = pressed.action
    if action == "s":
        await _release(context, broadcast, None)
    elif action == "t":
        context.answer()
        context.edit(bt.schedule_text(r, broadcast.id), bt.schedule_markup(r, broadcast.id))
    elif action == "q":
        now, tz = utcnow(), context.settings.tz
        choice = pressed.arg(1)
        if choice == "h":
            await _release(context, broadcast, now + timedelta(hours=1))
        elif choice in ("t", "m"):
            await _release(context, broadcast, _next_morning(now, tz, 0 if choice == "m" else None))
        else:
            _say(context, N_("This button is no longer valid."))
    elif action == "w":
        await chat_inputs.expect(context.db, context.user.id, WHEN_INPUT, utcnow(), broadcast.id, {})
        context.answer()
        context.edit(*bt.when_prompt(r, broadcast.id))
    elif action == "p":
        await _drop_question(context)
        context.answer()
        context.edit(context.gettext("▶️ Here is your draft again."))
        await _show_preview(context, broadcast)
    elif action == "ea":
        wizard = replace(
            Wizard.new(),
            audience=broadcast.audience,
            flt=AudienceFilter.from_json(broadcast.filters),
            screen="narrow",
            draft_id=broadcast.id,
        )
        await _keep(context, AUDIENCE_INPUT, wizard)
        context.answer()
        context.reply(*await _audience_screen(context, wizard))
    elif action == "et":
        wizard = replace(Wizard.new(), draft_id=broadcast.id)
        await _keep(context, CONTENT_INPUT, wizard)
        context.answer()
        context.reply(*_content_prompt(context, wizard))
    elif action == "d":
        result = await broadcasts.cancel(context.db, broadcast.id, context.user.id, utcnow())
        if result.kind != BroadcastOutcome.DONE:
            _refuse(context, result.kind)
            return
        row = await _open_question(context)
        if row is not None and row.target_id == broadcast.id:
            await chat_inputs.take(context.db, row)
        context.answer(context.gettext("Discarded."))
        context.edit(context.gettext("🗑 The broadcast was discarded."))


# -- cancel and retry (any coordinator: the team shares them) -------------------------------------


async def _broadcast_by_id(context: BotContext, pressed: Pressed) -> Broadcast | None:
    broadcast_id = pressed.id(0)
    broadcast = (
        await context.db.get(Broadcast, broadcast_id, populate_existing=True) if broadcast_id else None
    )
    if broadcast is None:
        _say(context, N_("This broadcast no longer exists."))
    return broadcast


async def _on_cancel_ask(context: BotContext, pressed: Pressed) -> None:
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
    if broadcast.status == BroadcastStatus.DRAFT:
        _say(context, N_("This broadcast is still a draft; discard it from its preview."))
        return
    if broadcast.status == BroadcastStatus.CANCELLED:
        _say(context, N_("This broadcast has already been cancelled."))
    else:
        _say(context, N_("This broadcast has already been sent completely."))
    # A progress message that Telegram did not have yet when the broadcast ended still shows its
    # button: pressed there, it is brought up to date.
    where = await broadcast_progress.progress_message(context.db, broadcast.id)
    query = context._update.callback_query if context._update is not None else None
    if where is not None and query is not None and query.message is not None:
        if (query.message.chat.id, query.message.message_id) == where:
            await broadcast_sweep.update_progress_message(Outbox.of(context), broadcast.id)


async def _on_cancel(context: BotContext, pressed: Pressed) -> None:
    broadcast = await _broadcast_by_id(context, pressed)
    if broadcast is None:
        return
    result = await broadcasts.cancel(context.db, broadcast.id, context.user.id, utcnow())
    if result.kind == BroadcastOutcome.NOT_POSSIBLE:
        await _already_over(context, broadcast)
        context.edit(context.gettext("Nothing was changed."))
        return
    if result.kind != BroadcastOutcome.DONE:
        _refuse(context, result.kind)
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


async def _on_progress(context: BotContext, pressed: Pressed) -> None:
    """A broadcast's progress, opened from the recent list, with its cancel button while it runs.

    Its creator gets the progress message moved down to here: this one is kept up to date from now
    on, and the old one loses its button (two live copies could not both be kept up to date).
    Anyone else, or the creator while the old one has no message id to edit yet, gets a snapshot.
    """
    broadcast = await _broadcast_by_id(context, pressed)
    if broadcast is None:
        return
    if broadcast.status == BroadcastStatus.DRAFT:
        _say(context, N_("This broadcast is still a draft; discard it from its preview."))
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


async def _on_cancel_no(context: BotContext) -> None:
    context.answer()
    context.edit(context.gettext("↩️ Nothing was changed; it goes on."))


async def _on_retry(context: BotContext, pressed: Pressed) -> None:
    broadcast = await _broadcast_by_id(context, pressed)
    if broadcast is None:
        return
    result = await broadcasts.retry_failed(context.db, broadcast.id, context.user.id, utcnow())
    if result.kind == BroadcastOutcome.NOT_POSSIBLE:
        _say(context, N_("There is nothing to retry: it is being sent again already, or nothing failed."))
        return
    if result.kind != BroadcastOutcome.DONE:
        _refuse(context, result.kind)
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


DRAFT_ACTIONS = ("s", "t", "q", "w", "p", "ea", "et", "d")


@requires(Role.COORDINATOR)
@private_only()
async def on_button(update: Update, context: BotContext) -> None:
    """Every button of the wizard, the progress message, the report and the recent list."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, BROADCAST)
    if pressed is None:
        _say(context, N_("This button is no longer valid."))
        return
    routes = {
        "a": _on_audience,
        "m": _on_screen,
        "f": _on_filter,
        "c": _on_clear,
        "b": _on_back_to_audience,
        "n": _on_next,
        "z": _on_drop_wizard,
        "x": _on_cancel_ask,
        "xy": _on_cancel,
        "v": _on_progress,
        "r": _on_retry,
        **dict.fromkeys(DRAFT_ACTIONS, _on_draft_action),
    }
    if pressed.action in routes:
        await routes[pressed.action](context, pressed)
    elif pressed.action == "k":
        await _on_continue(context)
    elif pressed.action == "o":
        await _on_start_over(context)
    elif pressed.action == "l":
        await _on_recent(context)
    elif pressed.action == "xn":
        await _on_cancel_no(context)
    else:
        _say(context, N_("This button is no longer valid."))


# ---------------------------------------------------------------------------------------------
# Typed answers and attachments
# ---------------------------------------------------------------------------------------------


def _message(context: BotContext) -> Message | None:
    update = context._update
    return update.effective_message if update is not None else None


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """A typed answer to one of this module's questions (see ``KINDS``)."""
    if not context.user.has_role(Role.COORDINATOR):
        await chat_inputs.take(context.db, row)
        context.reply(context.gettext("This is only available to coordinators."))
        return
    if row.kind == AUDIENCE_INPUT:
        await _kreis_typed(context, row, text)
    elif row.kind == WHEN_INPUT:
        await _when_typed(context, row, text)
    else:
        message = _message(context)
        await _content(context, row, message.text_html if message is not None else escape(text), None)


def kreise_for(query: str) -> tuple[list[str], bool]:
    """The Kreise a typed name may mean (a town stands for its Kreis), and whether that is sure.

    Every exact match counts, so "Heilbronn" offers the Stadtkreis and the Landkreis, and
    "Talheim" the Kreise of both Talheims; a typo is taken when the search is confident.
    """
    result = search(query)
    exact = [c.place for c in result.candidates if c.exact]
    if exact:
        places, sure = exact, True
    elif result.match is not None:
        places, sure = [result.match], True
    else:
        places, sure = [c.place for c in (result.choices or result.candidates)], False
    kreise: list[str] = []
    for place in places:
        ags = (
            place.ags
            if isinstance(place, Kreis)
            else place.kreis_ags
            if isinstance(place, Gemeinde)
            else None
        )
        if ags and ags not in kreise:
            kreise.append(ags)
    return kreise, sure


async def _kreis_typed(context: BotContext, row: ChatInput, text: str) -> None:
    wizard = Wizard.of(row)
    r = me(context)
    if wizard.audience is None:
        context.reply(context.gettext("Please choose who should get it with the buttons above."))
        return
    query = text.strip()
    if not query or len(query) > QUERY_MAX:
        context.reply(context.gettext("Please type the name of a Kreis or of a town in Baden-Württemberg."))
        return
    kreise, sure = kreise_for(query)
    if not kreise:
        context.reply(
            context.gettext("No Kreis or town of that name was found in Baden-Württemberg. Please try again.")
        )
        return
    if len(kreise) > 1 or not sure:
        wizard = replace(wizard, screen=bt.KR)
        await _keep(context, AUDIENCE_INPUT, wizard)
        context.reply(
            context.gettext("Which Kreis do you mean? Or type the name again."),
            bt.kreis_choices_markup(r, wizard.token, kreise[:KREIS_CHOICES]),
        )
        return
    wizard = replace(wizard, flt=_with(wizard.flt, bt.KR, kreise[0], True), screen=bt.KR)
    await _keep(context, AUDIENCE_INPUT, wizard)
    screen, markup = await _audience_screen(context, wizard)
    notice = context.gettext("✓ Added: {kreis}").format(kreis=escape(bt.kreis_name(kreise[0])))
    context.reply(f"{notice}\n\n{screen}", markup)


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


async def _when_typed(context: BotContext, row: ChatInput, text: str) -> None:
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
    back = bt.when_prompt(r, broadcast.id)[1]
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
    await _release(context, broadcast, moment)


async def _content(context: BotContext, row: ChatInput, html_text: str, media: Media | None) -> None:
    """The message for a new draft, or the new message of a draft; then the preview."""
    _ = context.gettext
    r = me(context)
    wizard = Wizard.of(row)
    shown = len(visible_text(html_text))
    limit = CAPTION_LIMIT if media is not None else TEXT_LIMIT
    if shown > limit:
        error = (
            _(
                "This caption has {length} characters; a caption may have at most {limit}. "
                "Please shorten it and send it again."
            )
            if media is not None
            else _(
                "This text has {length} characters; a message may have at most {limit}. "
                "Please shorten it and send it again."
            )
        )
        context.reply(error.format(length=bt.number(r, shown), limit=bt.number(r, limit)))
        return
    if media is None and not visible_text(html_text).strip():
        context.reply(_("Please send the message as text, or a photo or a document."))
        return
    now = utcnow()
    if wizard.draft_id is None:
        result = await broadcasts.create_draft(
            context.db, context.user.id, wizard.audience or "", wizard.flt, html_text, now, media
        )
    else:
        result = await broadcasts.update_draft(
            context.db,
            wizard.draft_id,
            context.user.id,
            now,
            text=html_text,
            media=media,
            remove_media=media is None,
        )
    if result.kind == BroadcastOutcome.INVALID and set(result.errors) <= {"text", "media"}:
        context.reply(_("This cannot be sent as a broadcast. Please send a text, or a photo or a document."))
        return
    if not await chat_inputs.take(context.db, row):
        return
    if result.kind != BroadcastOutcome.DONE or result.broadcast is None:
        context.reply(_("This broadcast is no longer a draft: it was sent, scheduled or discarded."))
        return
    await _show_preview(context, result.broadcast)


async def on_media(update: Update, context: BotContext) -> None:
    """A non-text message: the broadcast's photo or document when this module asked; else the fallback's."""
    row = await _open_question(context) if context.scope.user is not None else None
    if row is None:
        from handlers import fallback  # here: fallback imports this module

        await fallback.unsupported_message(update, context)
        return
    await _media_answer(update, context)


@requires(Role.COORDINATOR)
async def _media_answer(update: Update, context: BotContext) -> None:
    _ = context.gettext
    row = await _open_question(context)
    message = update.effective_message
    if row is None or message is None:
        return
    if row.kind != CONTENT_INPUT:
        hint = (
            _("Please type the date and time, e.g. 24.12.2026 09:00.")
            if row.kind == WHEN_INPUT
            else _("Please use the buttons above, or type the name of a Kreis.")
        )
        context.reply(hint)
        return
    media: Media | None = None
    if message.photo:
        media = Media(MediaKind.PHOTO, file_id=message.photo[-1].file_id)
    elif message.document is not None:
        media = Media(
            MediaKind.DOCUMENT, file_id=message.document.file_id, filename=message.document.file_name
        )
    if media is None:
        context.reply(
            _(
                "This kind of message cannot be sent as a broadcast. Please send a text, or a photo or a "
                "document with a caption."
            )
        )
        return
    await _content(context, row, message.caption_html or "", media)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("broadcast").names, broadcast_command),
        CallbackQueryHandler(on_button, pattern=pattern(BROADCAST)),
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
            on_media,
        ),
    ]
