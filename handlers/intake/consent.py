"""The consent before the intake: the short Art. 13 notice, or one line for a returning contact.

A contact whose latest request holds their consent to the current notice version confirms it in
one line, with the full notice one tap away. If the notice changed since (another version), the
full notice is shown again and says so. Nothing is stored before "agree"; the new draft records
the version and the time of this agreement.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.commands import command
from bot.context import BotContext
from bot.i18n import format_date
from bot.services import intake
from bot.services.intake import EarlierConsent
from handlers.intake import callbacks
from handlers.intake.callbacks import CONSENT
from handlers.menus import contact_line

# The button that opens the full notice from the one-line confirmation.
FULL = "full"


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


def consent_markup(context: BotContext) -> InlineKeyboardMarkup:
    """The buttons to agree to the privacy notice or not."""
    _ = context.gettext
    agree = callbacks.data(CONSENT, "y", intake.NOTICE_VERSION)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("✅ I agree"), callback_data=agree)],
            [InlineKeyboardButton(_("✖️ No, thanks"), callback_data=callbacks.data(CONSENT, "n"))],
        ]
    )


def _day(context: BotContext, earlier: EarlierConsent) -> str:
    """The day an earlier consent was given, in the user's language."""
    return format_date(earlier.given_at, context.locale, context.settings.tz, "medium")


def returning_line(context: BotContext, earlier: EarlierConsent) -> str:
    """The one line a returning contact confirms instead of reading the whole notice again."""
    return context.gettext(
        "You agreed to how we use your details on {date} (notice version {version}) – continue on that basis?"
    ).format(date=_day(context, earlier), version=html.escape(earlier.version))


def _returning_markup(context: BotContext) -> InlineKeyboardMarkup:
    """The buttons for a returning user who agreed before."""
    _ = context.gettext
    agree = callbacks.data(CONSENT, "y", intake.NOTICE_VERSION)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("✅ Yes, continue"), callback_data=agree)],
            [InlineKeyboardButton(_("📄 Read the notice"), callback_data=callbacks.data(CONSENT, FULL))],
            [InlineKeyboardButton(_("✖️ No, thanks"), callback_data=callbacks.data(CONSENT, "n"))],
        ]
    )


def full_screen(context: BotContext, earlier: EarlierConsent | None) -> tuple[str, InlineKeyboardMarkup]:
    """The whole notice with "agree"; for a consent to an older version, saying that it changed."""
    text = consent_notice(context)
    if earlier is not None and not earlier.current:
        changed = context.gettext(
            "ℹ️ Our notice has changed since you agreed on {date}. Please read it again before you continue."
        ).format(date=_day(context, earlier))
        text = changed + "\n\n" + text
    return text, consent_markup(context)


async def consent_screen(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    """What a contact sees before a new draft: one line if they agreed to this notice before, else all."""
    earlier = await intake.earlier_consent(context.db, context.user.id)
    if earlier is not None and earlier.current:
        return returning_line(context, earlier), _returning_markup(context)
    return full_screen(context, earlier)


async def agreed_text(context: BotContext, moment_label: str) -> str:
    """The consent message after "agree": the line or the notice it answered, and when."""
    earlier = await intake.earlier_consent(context.db, context.user.id)
    agreed = context.gettext("✅ You agreed on {date}.").format(date=moment_label)
    if earlier is not None and earlier.current:
        return returning_line(context, earlier) + "\n\n" + agreed
    return consent_notice(context) + "\n\n" + agreed
