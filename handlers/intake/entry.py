"""Entering and leaving the intake: /request, consent, continue or start over, /back, /cancel.

The consent notice comes first; a draft (and with it anything personal) exists only after "agree".
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import intake
from bot.services.intake_answers import TOTAL_STEPS, step_number
from handlers import faq_coordination
from handlers.intake import callbacks, flow, limit
from handlers.intake.callbacks import CONSENT, GENERAL, Pressed
from handlers.intake.common import is_private, timing
from handlers.menus import contact_line, main_menu
from models import IntakeDraft, IntakeStep

DEEP_LINK = "anfrage"


def consent_notice(context: BotContext) -> str:
    """The short Art. 13 notice shown before anything is stored."""
    _ = context.gettext
    url = html.escape(context.settings.privacy_url, quote=True)
    return "\n\n".join(
        [
            _("<b>Before we start: how your details are used</b>"),
            _(
                "Who: the MiGlobe Baden-Württemberg programme team is responsible for your details "
                "(see the privacy statement)."
            ),
            _(
                "What: your municipality, your name, department or role, e-mail address, phone number "
                "(optional) and what you tell us about topics, languages, goals and suitable dates."
            ),
            _(
                "Why: to find a suitable advisor and to arrange the kickoff talk. The coordination team "
                "and the advisor who takes on your request see these details. Legal basis: your consent "
                "(Art. 6(1)(a) GDPR), which you can withdraw at any time."
            ),
            " ".join(
                [
                    context.ngettext(
                        "How long: an unfinished request is deleted after {count} day without activity.",
                        "How long: an unfinished request is deleted after {count} days without activity.",
                        context.settings.draft_retention_days,
                    ).format(count=context.settings.draft_retention_days),
                    context.ngettext(
                        "A sent request is anonymised {count} day after it ends; you can delete everything "
                        "earlier with /{command}.",
                        "A sent request is anonymised {count} days after it ends; you can delete everything "
                        "earlier with /{command}.",
                        context.settings.request_retention_days,
                    ).format(
                        count=context.settings.request_retention_days,
                        command=command("delete").name(context.locale),
                    ),
                ]
            ),
            _(
                "Your rights: access, correction, deletion, restriction, data portability, withdrawal of "
                "consent and complaint to a supervisory authority."
            ),
            _('Full privacy statement: <a href="{url}">{url}</a>').format(url=url),
            contact_line(context),
        ]
    )


def _consent_markup(context: BotContext) -> InlineKeyboardMarkup:
    _ = context.gettext
    agree = callbacks.data(CONSENT, "y", intake.NOTICE_VERSION)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("✅ I agree"), callback_data=agree)],
            [InlineKeyboardButton(_("✖️ No, thanks"), callback_data=callbacks.data(CONSENT, "n"))],
        ]
    )


def where(context: BotContext, draft: IntakeDraft) -> str:
    """Where the draft stands, in one sentence ("… at step 5 of 10")."""
    _ = context.gettext
    number = step_number(IntakeStep(draft.step))
    if number is None:
        return _("Your request for a kickoff talk is complete but not sent yet.")
    return _("You have started a request for a kickoff talk and are at step {number} of {total}.").format(
        number=number, total=TOTAL_STEPS
    )


def _general(context: BotContext, label: str, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.gettext(label), callback_data=callbacks.data(GENERAL, action))


def private_only(context: BotContext) -> None:
    """Requests hold personal details: point from a group to the private chat."""
    _ = context.gettext
    username = context.bot.username
    markup = None
    if username:
        link = f"https://t.me/{username}?start={DEEP_LINK}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("💬 Open a private chat"), url=link)]])
    context.reply(_("For your privacy, requests are made in a private chat with us."), markup)


async def begin(update: Update, context: BotContext, *, edit: bool = False) -> None:
    """Start the intake: the consent notice, or the offer to continue a draft in progress."""
    if not is_private(update):
        private_only(context)
        return
    draft = await intake.get_draft(context.db, context.user.id)
    when = await limit.next_allowed(context) if draft is None else None
    if when is not None:
        text, markup = limit.refusal(context, when, draft_kept=False), main_menu(context)
    elif draft is None:
        text, markup = consent_notice(context), _consent_markup(context)
    else:
        _ = context.gettext
        text = where(context, draft) + "\n\n" + _("Continue where you left off, or start over?")
        markup = InlineKeyboardMarkup(
            [[_general(context, N_("▶️ Continue"), "cont"), _general(context, N_("🔄 Start over"), "new")]]
        )
    if edit:
        context.edit(text, markup)
    else:
        context.reply(text, markup)


async def on_consent(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Agree: store the consent with the draft and ask the first question. Decline: store nothing."""
    _ = context.gettext
    context.answer()
    if pressed.action == "n":
        text = _("No problem – nothing about a request has been stored.") + "\n\n" + contact_line(context)
        context.edit(text, main_menu(context))
        return
    if pressed.action != "y" or pressed.argument != intake.NOTICE_VERSION:
        # Agreeing to an older notice is not agreeing to the current one.
        context.edit(consent_notice(context), _consent_markup(context))
        return
    existing = await intake.get_draft(context.db, context.user.id)
    when = await limit.next_allowed(context) if existing is None else None
    if when is not None:
        # The notice was opened before the limit was reached: nothing is stored.
        context.edit(limit.refusal(context, when, draft_kept=False), main_menu(context))
        return
    draft = existing or await intake.start(context.db, context.user.id, timing(context))
    agreed = _("✅ You agreed on {date}.").format(date=context.format_datetime(draft.consented_at, "short"))
    context.edit(consent_notice(context) + "\n\n" + agreed)
    await flow.show(context, draft, None if existing else _("Thank you! Let's begin."))


async def on_general(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Continue, start over or delete a draft; "noop" buttons (calendar headings) do nothing."""
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
        context.edit(consent_notice(context), _consent_markup(context))
        return
    if draft is None:
        context.answer(
            _("This request is no longer in progress. Send /request to start a new one."), alert=True
        )
        return
    context.answer()
    if pressed.action == "cont":
        await flow.save(context, draft, edit=True)
    elif pressed.action == "del" and await intake.discard(context.db, draft):
        context.edit(_("Your draft has been deleted."), main_menu(context))
    else:
        await flow.conflict(context, edit=True)


async def back_command(update: Update, context: BotContext) -> None:
    """Answer /zurueck and /back: one step back in the request in progress."""
    if not is_private(update):
        private_only(context)
        return
    draft = await intake.get_draft(context.db, context.user.id)
    if draft is None:
        _ = context.gettext
        context.reply(_("There is no request in progress. Send /request to start one."), main_menu(context))
        return
    await flow.go_back(context, draft, edit=False)


async def cancel_command(update: Update, context: BotContext) -> None:
    """Answer /abbrechen and /cancel: pause the intake; the draft is kept for a while."""
    _ = context.gettext
    if not is_private(update):
        private_only(context)
        return
    draft = await intake.get_draft(context.db, context.user.id)
    # Outside an active intake, /cancel also gives back a question a coordinator pressed "reply" on.
    if (draft is None or not draft.active) and await faq_coordination.cancel_pending_reply(update, context):
        return
    if draft is None:
        context.reply(_("There is no request in progress. Send /request to start one."), main_menu(context))
        return
    if not await flow.pause(context, draft):
        await flow.conflict(context)
        return
    text = _(
        "Your request is paused. Your answers are kept for {days} days; continue any time with /request."
    ).format(days=context.settings.draft_retention_days)
    markup = InlineKeyboardMarkup(
        [[_general(context, N_("▶️ Continue"), "cont"), _general(context, N_("🗑 Delete draft"), "del")]]
    )
    context.reply(text, markup)
