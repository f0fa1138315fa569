"""Every command, its German and English name, its role, and the menus Telegram shows.

Commands come in pairs (``/hilfe`` and ``/help`` do the same); a menu lists the names of the
user's language. Telegram allows only ``[a-z0-9_]`` in command names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.config import SUPPORTED_LOCALES, Settings
from bot.db import Database
from bot.i18n import N_, translate
from bot.runtime import outbox
from bot.services import users
from models import Role, User


@dataclass(frozen=True)
class Command:
    """One command: its names per locale, its menu description and who sees it."""

    key: str
    de: str
    en: str
    description: str
    role: Role = Role.CONTACT
    # Commands that only make sense inside a flow (/back, /later, /cancel) stay out of Telegram's menu.
    in_menu: bool = True

    @property
    def names(self) -> list[str]:
        """Every name the command answers to."""
        return sorted({self.de, self.en})

    def name(self, locale: str) -> str:
        """The command's name in ``locale``."""
        return self.de if locale == "de" else self.en


COMMANDS: tuple[Command, ...] = (
    Command("start", "start", "start", N_("Main menu")),
    Command("request", "anfrage", "request", N_("Request a kickoff talk")),
    Command("status", "meineanfragen", "status", N_("Your requests and where they stand")),
    Command("help", "hilfe", "help", N_("What you can do here")),
    Command("privacy", "datenschutz", "privacy", N_("How your data is handled")),
    Command("language", "sprache", "language", N_("Change the language")),
    Command("news", "neuigkeiten", "news", N_("Programme news: on or off")),
    # Privacy (issue 12): everything stored about oneself as a file, and erasing it. Named in /hilfe
    # and /datenschutz; kept out of Telegram's short menu so nobody deletes by a stray tap.
    Command("mydata", "meinedaten", "mydata", N_("Everything stored about you, as a file"), in_menu=False),
    Command("delete", "loeschen", "delete", N_("Delete your data"), in_menu=False),
    Command("back", "zurueck", "back", N_("One step back in your draft of a request"), in_menu=False),
    # Inside the intake: pause (the draft is kept; advisors' /pause is their own) or discard (asks first).
    Command("later", "pausieren", "later", N_("Pause your draft (your answers are kept)"), in_menu=False),
    Command(
        "cancel", "abbrechen", "cancel", N_("Discard the draft of a request (asks first)"), in_menu=False
    ),
    # Advisors (issue 6): profile, what they were offered and what they hold, pause. Within a role
    # the order is the order of help and menu: what is used most comes first.
    Command("profile", "profil", "profile", N_("Your advisor profile"), Role.ADVISOR),
    Command("assignments", "auftraege", "assignments", N_("Your offers and requests"), Role.ADVISOR),
    Command("pause", "pause", "pause", N_("Pause new offers until a date"), Role.ADVISOR),
    # Coordinators: the three screens of their main menu first, then questions, hand assignment,
    # invitations (issues 6, 8) and the rarer tools.
    Command("requests", "anfragen", "requests", N_("Requests: filter, open, act"), Role.COORDINATOR),
    Command("advisors", "berater", "advisors", N_("Advisors: load, pause, invite"), Role.COORDINATOR),
    Command("statistics", "statistik", "stats", N_("The programme's numbers"), Role.COORDINATOR),
    # Questions the bot passed on, waiting for a person's answer.
    Command("questions", "fragen", "questions", N_("Open questions from contacts"), Role.COORDINATOR),
    Command("assign", "zuweisen", "assign", N_("Assign a request by hand"), Role.COORDINATOR),
    Command("invite", "einladen", "invite", N_("Invite a new advisor"), Role.COORDINATOR),
    # The answers coordinators made in the chat from answered questions: change, retire, reactivate.
    Command("knowledge", "wissen", "knowledge", N_("Our team's answers: change or retire"), Role.COORDINATOR),
    Command("broadcast", "rundruf", "broadcast", N_("Send a message to many people"), Role.COORDINATOR),
    Command("export", "export", "export", N_("Requests and advisors as a spreadsheet"), Role.COORDINATOR),
    # Coordinators (issue 12): who coordinates; grant and revoke the role in the chat.
    Command(
        "coordinators", "koordination", "coordinators", N_("Coordinators: add or remove"), Role.COORDINATOR
    ),
)
_BY_KEY = {command.key: command for command in COMMANDS}


def command(key: str) -> Command:
    """The command with this key."""
    return _BY_KEY[key]


# Whose commands come first in help and menus: a coordinator's own work, then an advisor's, then
# what everyone (a municipality's contact) can do. Someone with several roles sees each group.
ROLE_ORDER: tuple[Role, ...] = (Role.COORDINATOR, Role.ADVISOR, Role.CONTACT)


def by_role(roles: frozenset[Role]) -> list[tuple[Role, list[Command]]]:
    """The commands someone with ``roles`` may use, grouped by role, their most specific role first."""
    return [(role, [c for c in COMMANDS if c.role is role]) for role in ROLE_ORDER if role in roles]


def menu(roles: frozenset[Role], locale: str) -> list[BotCommand]:
    """The command menu for someone with ``roles`` who reads ``locale``, their own role's first."""
    return [
        BotCommand(c.name(locale), translate(locale, c.description))
        for _role, group in by_role(roles)
        for c in group
        if c.in_menu
    ]


async def publish(bot: Bot, db: Database, settings: Settings) -> None:
    """Set the menus: contacts per language everywhere; advisors and coordinators in their chats."""
    contact = frozenset({Role.CONTACT})
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(menu(contact, settings.default_locale), scope=scope)
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(menu(contact, locale), scope=scope, language_code=locale)
    async with db.transaction() as session:
        staff = {
            u.id: u
            for role in (Role.ADVISOR, Role.COORDINATOR)
            for u in await users.users_with_role(session, role)
        }
    for user in staff.values():
        await bot.set_my_commands(menu(user.roles, user.locale), scope=BotCommandScopeChat(user.telegram_id))


def enqueue_menu(session: AsyncSession, user: User) -> None:
    """Queue the menu of a user's own chat, e.g. after a role or language change."""
    outbox.enqueue(
        session,
        user.telegram_id,
        "setMyCommands",
        {
            "commands": [c.to_dict() for c in menu(user.roles, user.locale)],
            "scope": BotCommandScopeChat(user.telegram_id).to_dict(),
        },
        include_chat_id=False,
    )
