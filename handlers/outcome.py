"""After the talk the advisor reports: held? multi-month consultation agreed? a short note.

The answers travel in the buttons until the last step, which records them once with
:func:`bot.services.booking.record_outcome`; the note is the advisor's next text message
(kept as a ``chat_inputs`` row). The contact then sees the request's new status.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.services import booking, chat_inputs
from bot.services.booking import NOTE_MAX
from bot.services.booking_results import BookingOutcome, BookingResult
from bot.services.booking_sweeps import BookingDue
from handlers.booking_notices import propose_button
from handlers.callback_data import OUTCOME, Pressed, data, parse, pattern
from handlers.notify import Outbox, Reader, me
from handlers.status import STATUS_WORDS
from models import (
    Advisor,
    Booking,
    BookingStatus,
    ChatInput,
    KickoffRequest,
    OutboxLane,
    RequestStatus,
    utcnow,
)

NOTE_INPUT = "oc_note"


def question(r: Reader, talk: Booking, request: KickoffRequest) -> tuple[str, InlineKeyboardMarkup]:
    """The first question: was the talk held?"""
    text = r._("📝 <b>How did the kickoff talk {reference} on {when} go?</b> Did it take place?").format(
        reference=html.escape(request.reference), when=r.when(talk.starts_at)
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    r._("✅ Yes, it took place"), callback_data=data(OUTCOME, "h", talk.id, 1)
                )
            ],
            [
                InlineKeyboardButton(
                    r._("✖️ No, it did not take place"), callback_data=data(OUTCOME, "h", talk.id, 0)
                )
            ],
        ]
    )
    return text, markup


async def ask(out: Outbox, due: BookingDue) -> None:
    """The sweep's outcome question to the advisor (once per talk)."""
    r = await out.reader(due.advisor.user_id)
    if r is not None:
        out.send(r, *question(r, due.booking, due.request), lane=OutboxLane.BULK)


async def _own_talk(context: BotContext, booking_id: int) -> tuple[Booking, KickoffRequest] | None:
    """The talk if the presser is its advisor and its outcome is due; else answer why not."""
    _ = context.gettext
    talk = await context.db.get(Booking, booking_id, populate_existing=True)
    advisor = await context.db.get(Advisor, talk.advisor_id) if talk else None
    request = await context.db.get(KickoffRequest, talk.request_id) if talk else None
    if talk is None or advisor is None or request is None or advisor.user_id != context.user.id:
        context.answer(_("This is not available (any more)."), alert=True)
        return None
    if talk.status in (BookingStatus.HELD, BookingStatus.NOT_HELD):
        context.answer(_("The outcome of this talk has already been recorded."), alert=True)
        return None
    if talk.status != BookingStatus.CONFIRMED or talk.starts_at > utcnow():
        context.answer(_("The outcome can be recorded after the talk."), alert=True)
        return None
    return talk, request


def _heading(context: BotContext, talk: Booking, request: KickoffRequest) -> str:
    """Which talk a follow-up question is about: it replaces the message that named it."""
    return context.gettext("📝 <b>Kickoff talk {reference}</b> on {when}").format(
        reference=html.escape(request.reference), when=me(context).when(talk.starts_at)
    )


async def _ask_note(
    context: BotContext, talk: Booking, request: KickoffRequest, held: int, consultation: int
) -> None:
    """Ask the advisor for a short note on the talk."""
    _ = context.gettext
    await chat_inputs.expect(
        context.db,
        context.user.id,
        NOTE_INPUT,
        utcnow(),
        talk.id,
        {"held": held, "consultation": consultation},
    )
    text = _(
        "Anything the coordination team should know? Type a short note now (up to {max} characters), "
        "or save without one."
    ).format(max=NOTE_MAX)
    text = f"{_heading(context, talk, request)}\n{text}"
    save = InlineKeyboardButton(
        _("💾 Save without a note"), callback_data=data(OUTCOME, "s", talk.id, held, consultation)
    )
    context.edit(text, InlineKeyboardMarkup([[save]]))


async def _record(
    context: BotContext, booking_id: int, held: bool, consultation: bool, note: str | None, *, pressed: bool
) -> None:
    """Record the outcome once; thank the advisor (in place of the pressed message, or anew after a
    typed note) and tell the contact the new status."""
    _ = context.gettext
    await chat_inputs.clear(context.db, context.user.id, NOTE_INPUT)
    result = await booking.record_outcome(
        context.db, booking_id, context.user.id, held, consultation, note, utcnow()
    )
    if result.kind != BookingOutcome.OUTCOME_RECORDED:
        text = (
            _("The outcome of this talk has already been recorded.")
            if result.kind == BookingOutcome.STALE
            else _("This is not available (any more).")
        )
        if pressed:
            context.answer(text, alert=True)
        else:
            context.reply(text)
        return
    assert result.request is not None and result.booking is not None
    context.answer(_("Recorded."))
    r = me(context)
    if held:
        agreed = _("a consultation was agreed") if consultation else _("no consultation for now")
        text = _("✓ Thank you! Recorded: the talk took place, {agreed}.").format(agreed=agreed)
        markup = None
    else:
        text = _("✓ Recorded: the talk did not take place. Propose a new date when you are ready.")
        markup = InlineKeyboardMarkup([[propose_button(r, result.request)]])
    if pressed:
        context.edit(text, markup)
    else:
        context.reply(text, markup)
    await _tell_contact(Outbox.of(context), result)


async def _tell_contact(out: Outbox, result: BookingResult) -> None:
    """Tell the municipal contact what the advisor reported."""
    request = result.request
    assert request is not None
    r = await out.reader(request.contact_user_id)
    if r is None:
        return
    status = r._(STATUS_WORDS[RequestStatus(request.status)])
    if result.booking is not None and result.booking.held:
        text = r._("✅ Your kickoff talk {reference} has been recorded as held. Thank you!")
    else:
        text = r._(
            "ℹ️ Your kickoff talk {reference} did not take place. Your advisor will propose a new date."
        )
    text = text.format(reference=html.escape(request.reference))
    out.send(r, text + "\n" + r._("Status: {status}").format(status=status))


async def outcome_button(update: Update, context: BotContext) -> None:
    """Held? → consultation? → note or save."""
    assert update.callback_query is not None
    pressed: Pressed | None = parse(update.callback_query.data, OUTCOME)
    booking_id = pressed.id(0) if pressed else None
    flags = [pressed.arg(i) for i in (1, 2)] if pressed else []
    if pressed is None or booking_id is None or any(f not in ("", "0", "1") for f in flags):
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    found = await _own_talk(context, booking_id)
    if found is None:
        return
    talk, request = found
    held = flags[0] == "1"
    if pressed.action == "h" and held:
        _ = context.gettext
        context.answer()
        rows = [
            [InlineKeyboardButton(_("Yes"), callback_data=data(OUTCOME, "c", talk.id, 1, 1))],
            [InlineKeyboardButton(_("No"), callback_data=data(OUTCOME, "c", talk.id, 1, 0))],
        ]
        question = _("Did you agree on a consultation over several months?")
        context.edit(f"{_heading(context, talk, request)}\n{question}", InlineKeyboardMarkup(rows))
    elif pressed.action == "h":
        context.answer()
        await _ask_note(context, talk, request, 0, 0)
    elif pressed.action == "c" and held:
        context.answer()
        await _ask_note(context, talk, request, 1, int(flags[1] == "1"))
    elif pressed.action == "s":
        await _record(context, talk.id, held, flags[1] == "1", None, pressed=True)
    else:
        context.answer(context.gettext("This button is no longer valid."), alert=True)


async def on_note(context: BotContext, row: ChatInput, text: str) -> None:
    """The advisor's typed note: record the outcome with it."""
    if row.target_id is None or not await chat_inputs.take(context.db, row):
        return
    held = bool(row.data.get("held"))
    consultation = held and bool(row.data.get("consultation"))
    await _record(context, row.target_id, held, consultation, text[:NOTE_MAX], pressed=False)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [CallbackQueryHandler(outcome_button, pattern=pattern(OUTCOME))]
