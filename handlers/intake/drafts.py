"""Pausing, continuing and discarding the draft: /pausieren (/later), /abbrechen (/cancel), their buttons.

Words: what is unfinished is "your draft"; a sent request is never spoken of as dropped.

- /pausieren, /later pause: free text goes to the rest of the bot, the draft is kept until it expires.
- /abbrechen, /cancel discard, after a question; the answer says that nothing was sent.
- A button of a paused draft does not act: it answers "paused" and turns its message into the
  paused screen with "▶️ Continue". Continuing shows the current question in the pressed message
  and notes the moment (``answers["_resumed"]``, epoch seconds, ignored by everything else).
  A screen last sent or edited clearly before that moment is out of date: its buttons change nothing and
  the screen loses them, so there is only ever one live screen after a break. A "▶️ Continue" of
  an older paused screen pressed after the draft was continued elsewhere says so and opens nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import intake
from bot.services.intake_answers import TOTAL_STEPS, copied, step_number
from handlers import faq_coordination
from handlers.intake import callbacks, flow
from handlers.intake.callbacks import GENERAL, Pressed
from handlers.intake.common import draft_gone, is_private, no_draft, private_only
from handlers.intake.consent import consent_screen
from handlers.menus import main_menu
from models import IntakeDraft, IntakeStep, utcnow

RESUMED = "_resumed"
# The moment of continuing is the bot's clock, a message's time Telegram's: a screen counts as out
# of date only when it is clearly older, so a bot clock a little ahead never disarms the live screen.
CLOCK_SLACK_SECONDS = 5
# GENERAL actions: continue (from /request's offer or "No, keep it"), continue a paused screen,
# ask to discard, discard for sure.
CONTINUE, RESUME, DISCARD, DISCARD_SURE = "cont", "resume", "del", "delok"


def general_button(context: BotContext, label: str, action: str) -> InlineKeyboardButton:
    """A button that belongs to the draft as a whole, not to one step."""
    return InlineKeyboardButton(context.gettext(label), callback_data=callbacks.data(GENERAL, action))


def where(context: BotContext, draft: IntakeDraft) -> str:
    """Where the draft stands, in one sentence ("… step 5 of 10")."""
    _ = context.gettext
    number = step_number(IntakeStep(draft.step))
    if number is None:
        return _("Your draft of a request for a kickoff talk is complete but not sent yet.")
    return _("You have a draft of a request for a kickoff talk open, at step {number} of {total}.").format(
        number=number, total=TOTAL_STEPS
    )


def paused_screen(context: BotContext, draft: IntakeDraft) -> tuple[str, InlineKeyboardMarkup]:
    """The paused draft: where it stands, how long it is kept, continue or discard."""
    days = context.settings.draft_retention_days
    kept = context.ngettext(
        "Your answers are kept for {days} day; continue any time with the button or /{request}.",
        "Your answers are kept for {days} days; continue any time with the button or /{request}.",
        days,
    ).format(days=days, request=command("request").name(context.locale))
    text = "\n\n".join(["⏸ " + context.gettext("Your draft is paused."), where(context, draft), kept])
    markup = InlineKeyboardMarkup(
        [
            [
                general_button(context, N_("▶️ Continue"), RESUME),
                general_button(context, N_("🗑 Discard draft"), DISCARD),
            ]
        ]
    )
    return text, markup


def discard_question(context: BotContext, draft: IntakeDraft) -> tuple[str, InlineKeyboardMarkup]:
    """Asked before a draft is discarded: what goes, and that a pause is the other way."""
    _ = context.gettext
    text = "\n\n".join(
        [
            _("<b>Discard your draft?</b>"),
            where(context, draft),
            _(
                "Your answers will be deleted and nothing will be sent. For a break instead, send /{later}."
            ).format(later=command("later").name(context.locale)),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [general_button(context, N_("🗑 Yes, discard"), DISCARD_SURE)],
            [general_button(context, N_("▶️ No, continue"), CONTINUE)],
        ]
    )
    return text, markup


async def _draft_for_command(update: Update, context: BotContext) -> IntakeDraft | None:
    """The draft a draft command (/back, /later, /cancel) acts on, after the checks."""
    if not is_private(update):
        private_only(context)
        return None
    draft = await intake.get_draft(context.db, context.user.id)
    # Outside an active intake, /cancel also gives back a question a coordinator pressed "reply" on.
    if (draft is None or not draft.active) and await faq_coordination.cancel_pending_reply(update, context):
        return None
    if draft is None:
        context.reply(no_draft(context), main_menu(context))
    return draft


async def pause_command(update: Update, context: BotContext) -> None:
    """Answer /pausieren and /later: pause the draft; it is kept until it expires."""
    draft = await _draft_for_command(update, context)
    if draft is None:
        return
    if draft.active and not await flow.pause(context, draft):
        await flow.conflict(context)
        return
    context.reply(*paused_screen(context, draft))


async def cancel_command(update: Update, context: BotContext) -> None:
    """Answer /abbrechen and /cancel: ask whether to discard the draft (nothing changes yet)."""
    draft = await _draft_for_command(update, context)
    if draft is not None:
        context.reply(*discard_question(context, draft))


async def _continue(context: BotContext, draft: IntakeDraft) -> None:
    """Make the draft live again in the pressed message; every older screen is out of date from now."""
    answers = copied(draft.answers)
    answers[RESUMED] = int(utcnow().timestamp())
    await flow.save(context, draft, edit=True, answers=answers)


async def on_general(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Continue, start over or discard a draft; "noop" buttons (calendar headings) do nothing."""
    _ = context.gettext
    if pressed.action == "noop":
        context.answer()
        return
    draft = await intake.get_draft(context.db, context.user.id)
    if pressed.action == "new":
        context.answer()
        if draft is not None and not await intake.discard(context.db, draft):
            await flow.conflict(context, edit=True)
            return
        context.edit(*await consent_screen(context))
        return
    if draft is None:
        context.answer(draft_gone(context), alert=True)
        context.edit(draft_gone(context))
        return
    if pressed.action == RESUME and draft.active:
        # An older paused screen: the draft was continued elsewhere; a second live screen would confuse.
        notice = _("You have already continued this draft. Please answer in the newest message.")
        context.answer(notice)
        context.edit("▶️ " + notice)
        return
    context.answer()
    if pressed.action in (CONTINUE, RESUME):
        await _continue(context, draft)
    elif pressed.action == DISCARD:
        context.edit(*discard_question(context, draft))
    elif pressed.action == DISCARD_SURE and await intake.discard(context.db, draft):
        done = _("Your draft has been discarded. Nothing was sent; requests sent earlier are not affected.")
        context.edit("🗑 " + done, main_menu(context))
    else:
        await flow.conflict(context, edit=True)


def on_paused_button(context: BotContext, draft: IntakeDraft) -> None:
    """A step's button while the draft is paused: change nothing, offer to continue."""
    context.answer(context.gettext("⏸ Paused – press ▶️ Continue to go on."))
    context.edit(*paused_screen(context, draft))


def is_stale(update: Update, draft: IntakeDraft) -> bool:
    """Whether the pressed message was last sent or edited before the draft was last continued."""
    resumed = draft.answers.get(RESUMED)
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(resumed, int) or message is None:
        return False
    changed = getattr(message, "edit_date", None) or message.date
    return int(changed.timestamp()) < resumed - CLOCK_SLACK_SECONDS


def on_stale_button(context: BotContext) -> None:
    """A button of a screen from before the last "Continue": it loses its buttons, nothing changes."""
    notice = context.gettext("This screen is out of date. Please continue in the newest message.")
    context.answer(notice)
    context.edit("⏸ " + notice)
