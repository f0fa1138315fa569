"""Entering the intake: /request, consent (in one line for a returning contact), continue or start
over, and /back. Pausing and discarding are in :mod:`handlers.intake.drafts`.

The consent comes first; a draft (and with it anything personal) exists only after "agree".
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs, intake
from handlers.intake import consent, drafts, flow, limit
from handlers.intake.callbacks import Pressed
from handlers.intake.common import DEEP_LINK, is_private, no_draft, private_only, timing
from handlers.intake.drafts import where
from handlers.menus import contact_line, main_menu
from models import ChatInput, utcnow

__all__ = [
    "CONSENT_INPUT",
    "DEEP_LINK",
    "back_command",
    "begin",
    "on_consent",
    "on_consent_text",
    "private_only",
    "where",
]

# While the privacy notice waits for its answer, typed text gets a pointer to the buttons, not
# the knowledge base's reply. Only that the question is open is stored, and only briefly.
CONSENT_INPUT = "ik_consent"
CONSENT_INPUT_TTL = timedelta(minutes=10)


async def begin(update: Update, context: BotContext, *, edit: bool = False) -> None:
    """Start the intake: the consent, or the offer to continue the draft that is open."""
    if not is_private(update):
        private_only(context)
        return
    draft = await intake.get_draft(context.db, context.user.id)
    when = await limit.next_allowed(context) if draft is None else None
    if when is not None:
        text, markup = limit.refusal(context, when, draft_kept=False), main_menu(context)
    elif draft is None:
        text, markup = await consent.consent_screen(context)
        await chat_inputs.expect(context.db, context.user.id, CONSENT_INPUT, utcnow(), ttl=CONSENT_INPUT_TTL)
    else:
        _ = context.gettext
        text = drafts.where(context, draft) + "\n\n" + _("Continue where you left off, or start over?")
        markup = InlineKeyboardMarkup(
            [
                [
                    drafts.general_button(context, N_("▶️ Continue"), drafts.CONTINUE),
                    drafts.general_button(context, N_("🔄 Start over"), "new"),
                ]
            ]
        )
    if edit:
        context.edit(text, markup)
    else:
        context.reply(text, markup)


async def on_consent(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Agree: store the consent with the draft and ask the first question. Decline: store nothing."""
    _ = context.gettext
    context.answer()
    if pressed.action != consent.FULL:
        await chat_inputs.clear(context.db, context.user.id, CONSENT_INPUT)
    if pressed.action == "n":
        text = _("No problem – nothing about a request has been stored.") + "\n\n" + contact_line(context)
        context.edit(text, main_menu(context))
        return
    if pressed.action == consent.FULL:
        earlier = await intake.earlier_consent(context.db, context.user.id)
        context.edit(*consent.full_screen(context, earlier))
        return
    if pressed.action != "y" or pressed.argument != intake.NOTICE_VERSION:
        # Agreeing to an older notice is not agreeing to the current one.
        context.edit(*consent.full_screen(context, None))
        return
    existing = await intake.get_draft(context.db, context.user.id)
    when = await limit.next_allowed(context) if existing is None else None
    if when is not None:
        # The notice was opened before the limit was reached: nothing is stored.
        context.edit(limit.refusal(context, when, draft_kept=False), main_menu(context))
        return
    draft = existing or await intake.start(context.db, context.user.id, timing(context))
    context.edit(await consent.agreed_text(context, context.format_datetime(draft.consented_at, "short")))
    await flow.show(context, draft, None if existing else _("Thank you! Let's begin."))


async def on_consent_text(context: BotContext, _row: ChatInput, _text: str) -> None:
    """Text typed while the privacy notice waits for a button: say what to press, with the buttons."""
    hint = context.gettext(
        "Before we start your request, please answer the privacy notice with one of the buttons below. "
        "Would you rather ask a question first? Tap “No, thanks” – nothing is stored – and send your "
        "question again."
    )
    _notice, markup = await consent.consent_screen(context)
    context.reply("ℹ️ " + hint, markup)


async def back_command(update: Update, context: BotContext) -> None:
    """Answer /zurueck and /back: one step back in the open draft."""
    if not is_private(update):
        private_only(context)
        return
    draft = await intake.get_draft(context.db, context.user.id)
    if draft is None:
        context.reply(no_draft(context), main_menu(context))
        return
    await flow.go_back(context, draft, edit=False)
