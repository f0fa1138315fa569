"""Advisor onboarding: a coordinator creates a one-time link (/einladen, /invite); opening it
(``/start inv_<token>``) makes that Telegram user an advisor.

Redeeming is a compare-and-set in :mod:`bot.services.invitations`: of two people with the same
link exactly one becomes the advisor; the other is told the link is used. The new advisor is led
through the set-up (:mod:`handlers.advisor_onboarding`); the coordinators are told in their
private chats who joined through which invitation.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import commands
from bot.authz import InGroup, private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import advisors, invitations
from bot.services.invitations import RedeemOutcome, RedeemResult
from handlers import advisor_onboarding
from handlers.intake.common import is_private
from handlers.notify import Outbox, Reader, me
from models import Advisor, AdvisorInvitation, Role, User, utcnow

START_PATTERN = rf"^/start(@\w+)?\s+{invitations.START_PREFIX}[A-Za-z0-9_-]{{1,60}}\s*$"
INVALID = {
    RedeemOutcome.EXPIRED: N_(
        "This invitation link has expired. Please ask the coordination team for a new one."
    ),
    RedeemOutcome.USED: N_(
        "This invitation link has already been used. Please ask the coordination team for a new one."
    ),
    RedeemOutcome.UNKNOWN: N_(
        "This invitation link is not valid. Please check it or ask the coordination team for a new one."
    ),
    RedeemOutcome.PROFILE_TAKEN: N_(
        "This invitation belongs to a profile that is already linked to someone else. Please ask the "
        "coordination team."
    ),
}


async def invitation_text(context: BotContext) -> str:
    """Create a new one-time link, valid for 7 days, and say how to forward it (/invite and /advisors)."""
    _ = context.gettext
    invitation = await invitations.create(context.db, context.user.id, utcnow())
    username = context.bot.username or (context.settings.bot_username or "").lstrip("@")
    command = f"<code>/start {invitations.START_PREFIX}{html.escape(invitation.token)}</code>"
    lines = [
        _("🔗 <b>Invitation for a new advisor</b>"),
        _("Forward this link to the person. It works once and until {date}:").format(
            date=me(context).when(invitation.expires_at)
        ),
    ]
    if username:
        lines.append(html.escape(invitations.deep_link(username, invitation.token)))
    lines += [
        _("Or they send this message here in the chat: {command}").format(command=command),
        _("Whoever opens it becomes an advisor and is asked to complete their profile."),
    ]
    return "\n\n".join(lines)


@requires(Role.COORDINATOR)
@private_only(InGroup.REFUSE)
async def invite(update: Update, context: BotContext) -> None:
    """Answer /einladen and /invite: a new invitation link to forward to the advisor."""
    context.reply(await invitation_text(context))


async def redeem(update: Update, context: BotContext) -> None:
    """``/start inv_<token>``: make the user an advisor, lead them into the set-up, tell the coordinators."""
    _ = context.gettext
    if not is_private(update):
        context.reply(_("Please open the invitation link in a private chat with us."))
        return
    assert update.effective_message is not None
    payload = (update.effective_message.text or "").split(maxsplit=1)[-1].strip()
    token = invitations.token_from_start(payload)
    result = await invitations.redeem(context.db, token or "", context.user.id, utcnow())
    if result.kind == RedeemOutcome.REDEEMED and result.advisor is not None:
        commands.enqueue_menu(context.db, context.user)
        context.reply(*advisor_onboarding.welcome(context))
        await _tell_coordinators(context, result)
    elif result.kind == RedeemOutcome.ALREADY_REDEEMED:
        context.reply(
            _("You have already used this invitation. Your profile: /{command}").format(
                command=command("profile").name(context.locale)
            )
        )
    else:
        context.reply(_(INVALID.get(result.kind, INVALID[RedeemOutcome.UNKNOWN])))


def joined_text(r: Reader, advisor: Advisor, invitation: AdvisorInvitation, creator: User | None) -> str:
    """For a coordinator: who joined through which invitation (made when and by whom), and whether
    offers can reach them yet."""
    name = html.escape(advisor.display_name)
    created = r.when(invitation.created_at)
    if creator is not None:
        line = r._(
            "🆕 <b>{name}</b> has joined as an advisor through the invitation link that {creator} created "
            "on {date}."
        ).format(name=name, creator=html.escape(creator.first_name or "–"), date=created)
    else:
        line = r._(
            "🆕 <b>{name}</b> has joined as an advisor through an invitation link created on {date}."
        ).format(name=name, date=created)
    if advisors.profile_gaps(advisor):
        state = r._(
            "They are now setting up their profile; offers can reach them once their languages and the "
            "area they serve are set."
        )
    else:
        state = r._("Their languages and area are set, so offers can reach them.")
    more = r._("All advisors: /{command}").format(command=command("advisors").name(r.locale))
    return f"{line}\n{state}\n{more}"


async def _tell_coordinators(context: BotContext, result: RedeemResult) -> None:
    """Tell every coordinator (in their private chat, their language) that the invitation was used."""
    if result.invitation is None or result.advisor is None:
        return
    out = Outbox.of(context)
    creator = await invitations.creator_of(context.db, result.invitation)
    for reader in await out.coordinators():
        if reader.user_id != context.user.id:
            out.send(reader, joined_text(reader, result.advisor, result.invitation, creator))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers (with the set-up's buttons); the deep link must come before /start's own
    handler."""
    return [
        CommandHandler("start", redeem, filters=filters.Regex(START_PATTERN)),
        CommandHandler(command("invite").names, invite),
        *advisor_onboarding.handlers(),
    ]
