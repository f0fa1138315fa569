"""Keyboards and texts shared by the start-of-conversation handlers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.commands import by_role
from bot.context import BotContext
from bot.i18n import N_
from handlers.callback_data import MINE, PROFILE, data
from models import Role

HELP, PRIVACY, LANGUAGE = "menu:help", "menu:privacy", "menu:language"
REQUEST, STATUS = "menu:request", "menu:status"
# The coordinator screens' own first buttons: open requests, all advisors, the last 12 months.
COORDINATOR_REQUESTS, COORDINATOR_ADVISORS, COORDINATOR_STATISTICS = "rq:l:0:o", "ad:l:0:all", "stats:365"
# The advisor screens' own buttons: the profile ("back to the profile") and the offers and requests list.
ADVISOR_PROFILE, ADVISOR_ASSIGNMENTS = data(PROFILE, "v"), data(MINE, "l")


def main_menu(context: BotContext) -> InlineKeyboardMarkup:
    """The buttons of what this user can do."""
    _ = context.gettext
    rows = [
        [InlineKeyboardButton(_("📝 Request a kickoff talk"), callback_data=REQUEST)],
        [InlineKeyboardButton(_("📋 My requests"), callback_data=STATUS)],
        [
            InlineKeyboardButton(_("ℹ️ Help"), callback_data=HELP),
            InlineKeyboardButton(_("🔒 Privacy"), callback_data=PRIVACY),
        ],
        [InlineKeyboardButton(_("🌐 Language"), callback_data=LANGUAGE)],
    ]
    if context.user.has_role(Role.ADVISOR):
        # Above the municipality buttons, which stay: an advisor may also be a municipality's contact.
        rows[:0] = [
            [
                InlineKeyboardButton(_("👤 My profile"), callback_data=ADVISOR_PROFILE),
                InlineKeyboardButton(_("📨 My assignments"), callback_data=ADVISOR_ASSIGNMENTS),
            ]
        ]
    if context.user.has_role(Role.COORDINATOR):
        # The screens coordinators open most; the rest is in their command menu.
        rows[:0] = [
            [
                InlineKeyboardButton(_("📂 Requests"), callback_data=COORDINATOR_REQUESTS),
                InlineKeyboardButton(_("👥 Advisors"), callback_data=COORDINATOR_ADVISORS),
                InlineKeyboardButton(_("📊 Statistics"), callback_data=COORDINATOR_STATISTICS),
            ]
        ]
    return InlineKeyboardMarkup(rows)


# Headings of the command groups, shown only to someone with more than one group (staff).
GROUP_HEADINGS = {
    Role.COORDINATOR: N_("<b>Coordination</b>"),
    Role.ADVISOR: N_("<b>As an advisor</b>"),
    Role.CONTACT: N_("<b>Requests, help and settings</b>"),
}
# Shown by /start and /hilfe: free text is answered from the knowledge base. The example must be
# one the knowledge base answers in both languages (tests/test_help_by_role.py asks it).
TYPE_A_QUESTION = N_(
    "💬 You can also simply type a question, for example: <i>What does the advice cost?</i> "
    "We answer right away or pass it on to our team."
)


def command_list(context: BotContext) -> str:
    """The commands this user may use, in their language, one per line, their own role's first.

    Staff see a heading above each group, so that their own commands stand apart from the
    municipal ones they may use as well.
    """
    groups = by_role(context.user.roles)
    blocks = []
    for role, group in groups:
        lines = [f"/{c.name(context.locale)} – {context.gettext(c.description)}" for c in group]
        if len(groups) > 1:
            lines.insert(0, context.gettext(GROUP_HEADINGS[role]))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def type_a_question(context: BotContext) -> str:
    """The hint that questions can simply be typed, with an example."""
    return context.gettext(TYPE_A_QUESTION)


def contact_line(context: BotContext) -> str:
    """How to reach the programme outside Telegram."""
    settings = context.settings
    return context.gettext("Contact outside Telegram: {email} · {phone}").format(
        email=settings.contact_email, phone=settings.contact_phone
    )
