"""Every command and every button the code registers, for every role and a stranger, in a private chat
and in a group: who may not act changes nothing in the database, and nothing sent into a group holds
the personal data of a contact.

``RULES`` says per command key and per callback pattern which roles may act (change the database) and
where. A command or button pattern without a rule fails the first test: whoever adds one decides here
who may use it. Each role gets one seeded database; its group probes run first (so that actions
allowed there meet the seeded state), then its private ones.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import COMMANDS
from bot.services.intake import NOTICE_VERSION
from models import Base
from tests.access_helpers import CALM, CONTACT, DANA, GROUP, MEHMET, World, leaks, seed_world, sent_to
from tests.harness import Harness, TelegramUser, bot_harness
from tests.matching_chat_helpers import COORDINATOR

STRANGER, CONTACT_ROLE, ADVISOR, DEACTIVATED, COORDINATOR_ROLE = (
    "stranger",
    "contact",
    "advisor",
    "deactivated advisor",
    "coordinator",
)
EVERYONE = frozenset({STRANGER, CONTACT_ROLE, ADVISOR, DEACTIVATED, COORDINATOR_ROLE})
ADVISORS = frozenset({ADVISOR, DEACTIVATED})
PRIVATE, IN_GROUP = "private", "group"
ANYWHERE = frozenset({PRIVATE, IN_GROUP})
ONLY_PRIVATE = frozenset({PRIVATE})
FALLBACK = "(any other button)"
PERSON = {
    CONTACT_ROLE: CONTACT,
    ADVISOR: MEHMET,
    DEACTIVATED: DANA,
    COORDINATOR_ROLE: COORDINATOR,
}


@dataclass(frozen=True)
class Rule:
    """Who may act (change the database) and where; ``samples`` are button data templates filled
    with the seeded ids (commands are sent under each of their names)."""

    roles: frozenset[str]
    where: frozenset[str] = ONLY_PRIVATE
    samples: tuple[str, ...] = ()


def _staff(*samples: str, where: frozenset[str] = ANYWHERE) -> Rule:
    """A rule for coordinators only."""
    return Rule(frozenset({COORDINATOR_ROLE}), where, samples)


NOBODY = frozenset[str]()
RULES: dict[str, Rule] = {
    # Commands, by their key in bot.commands.
    "start": Rule(EVERYONE),
    "request": Rule(EVERYONE),
    "status": Rule(EVERYONE),
    "help": Rule(EVERYONE),
    "privacy": Rule(EVERYONE),
    "language": Rule(EVERYONE),
    "news": Rule(EVERYONE),
    "mydata": Rule(EVERYONE),
    "delete": Rule(EVERYONE),
    "back": Rule(EVERYONE),
    "cancel": Rule(EVERYONE),
    "later": Rule(EVERYONE),
    "profile": Rule(ADVISORS, ANYWHERE),
    "pause": Rule(ADVISORS, ANYWHERE),
    "assignments": Rule(ADVISORS, ANYWHERE),
    "invite": _staff(where=ONLY_PRIVATE),
    "assign": _staff(),
    "questions": _staff(),
    "statistics": _staff(),
    "requests": _staff(),
    "advisors": _staff(),
    "coordinators": _staff(),
    "broadcast": _staff(where=ONLY_PRIVATE),
    "export": _staff(where=ONLY_PRIVATE),
    "knowledge": _staff(where=ONLY_PRIVATE),
    # Buttons, by the pattern their handler registers.
    "^menu:request$": Rule(EVERYONE, samples=("menu:request",)),
    "^ik:": Rule(EVERYONE, samples=(f"ik:cs:y:{NOTICE_VERSION}",)),
    "^pf:": Rule(ADVISORS, ANYWHERE, ("pf:v",)),
    "^pa:": Rule(ADVISORS, ANYWHERE, ("pa:end",)),
    "^ob:": Rule(ADVISORS, ANYWHERE, ("ob:s:l", "ob:l:+:tr")),
    "^as:": Rule(ADVISORS, ANYWHERE, ("as:l", "as:v:{held}", "as:v:{dana_held}")),
    "^of:": Rule(frozenset({ADVISOR}), ANYWHERE, ("of:v:{offer}", "of:a:{offer}")),
    "^bk:": Rule(frozenset({ADVISOR}), ANYWHERE, ("bk:p:{held}",)),
    "^oc:": Rule(frozenset({ADVISOR}), ANYWHERE, ("oc:h:{held}:1",)),
    "^rt:": Rule(frozenset({ADVISOR}), ANYWHERE, ("rt:k:{held}:0", "rt:n:{held}:0")),
    "^ca:": _staff("ca:a:{offered}:{mehmet}"),
    "^rq:": _staff("rq:d:{held}", "rq:h:{dana_held}", "rq:n:{held}", "rq:cr:{dana_held}:duplicate"),
    "^ra:": _staff("ra:m:{held}", "ra:c:{held}", "ra:o:{held}", "ra:t:{held}:{dana}"),
    "^ad:": _staff("ad:v:{mehmet}:0:all", "ad:i", "ad:r:{dana}:0:all"),
    "^co:": _staff("co:l", "co:a", "co:r:{coordinator_user}"),
    "^bc:": _staff("bc:l"),
    "^ex:": _staff("ex:p:30", "ex:f:csv:20260101:20261231", where=ONLY_PRIVATE),
    "^stats:": _staff("stats:30"),
    "^menu:status$": Rule(EVERYONE, samples=("menu:status",)),
    "^st:": Rule(frozenset({CONTACT_ROLE}), samples=("st:o:{held}", "st:y:{offered}")),
    "^menu:help$": Rule(EVERYONE, samples=("menu:help",)),
    "^menu:privacy$": Rule(EVERYONE, samples=("menu:privacy",)),
    "^pv:d$": Rule(EVERYONE, samples=("pv:d",)),
    "^pv:[wyn]": Rule(EVERYONE, samples=("pv:w", "pv:n:{contact_user}", "pv:y:{contact_user}:0:00000000")),
    "^menu:language$": Rule(EVERYONE, ANYWHERE, ("menu:language",)),
    "^lang:": Rule(EVERYONE, ANYWHERE, ("lang:en",)),
    "^nw:": Rule(EVERYONE, samples=("nw:off",)),
    "^faq:[mynhea]:": Rule(frozenset({CONTACT_ROLE}), samples=("faq:h:{question}",)),
    "^faq:[rd]:": _staff("faq:r:{question}", "faq:d:{question}"),
    "^kn:": _staff("kn:l:0", "kn:v:1", "kn:r:1", "kn:a:1:de", where=ONLY_PRIVATE),
    FALLBACK: Rule(NOBODY, samples=("zz:forged:1",)),
}


def _callback_handlers(harness: Harness) -> list[CallbackQueryHandler[Any, Any]]:
    """Every button handler, in the order PTB tries them."""
    handlers = harness.runtime.application.handlers
    return [h for group in sorted(handlers) for h in handlers[group] if isinstance(h, CallbackQueryHandler)]


def _key(handler: CallbackQueryHandler[Any, Any]) -> str:
    """A button handler's rule key: its pattern, or the fallback's name."""
    pattern = handler.pattern
    if pattern is None:
        return FALLBACK
    return pattern if isinstance(pattern, str) else pattern.pattern  # type: ignore[union-attr]


def _routed_to(harness: Harness, data: str) -> str:
    """The key of the button handler PTB gives ``data`` to (the first whose pattern matches)."""
    for handler in _callback_handlers(harness):
        key = _key(handler)
        if key == FALLBACK or re.match(key, data):
            return key
    raise AssertionError(f"no handler for {data}")


async def test_every_command_and_button_pattern_has_a_rule(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900") as h:
        names = {name for c in COMMANDS for name in c.names}
        registered = {
            name
            for group in h.runtime.application.handlers.values()
            for handler in group
            if isinstance(handler, CommandHandler)
            for name in handler.commands
        }
        assert registered <= names, f"commands missing in bot.commands: {registered - names}"
        patterns = {_key(handler) for handler in _callback_handlers(h)}
        assert {c.key for c in COMMANDS} | patterns == set(RULES), "add a rule for each new command or button"
        for key in patterns:
            samples = RULES[key].samples
            assert samples, f"{key} needs a sample"
            for sample in samples:
                filled = sample.format(**dict.fromkeys(World.__dataclass_fields__, 1))
                assert len(filled.encode()) <= 64 and _routed_to(h, filled) == key, (key, sample)


def _plain(value: Any) -> Any:
    """A column value in a comparable, printable form."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


_RUNTIME_TABLES = ("inbox", "outbox", "chat_leases", "send_budget")  # the process's bookkeeping
# Statements that cannot change a row; anything else is taken as a possible change.
_READING = re.compile(r"\s*(SELECT|PRAGMA|BEGIN|SAVEPOINT|RELEASE|ROLLBACK|COMMIT|SHOW|SET\b)", re.I)
_RUNTIME_WRITE = re.compile(
    r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(' + "|".join(_RUNTIME_TABLES) + r')"?\s', re.I
)
_SEEN_ONLY = re.compile(r'\s*UPDATE\s+"?users"?\s+SET\s+last_seen_at\s*=\s*\S+\s+WHERE\b', re.I)


class WriteWatch:
    """Notes when the bot ran a statement that may change a row the snapshot compares.

    A refused probe after which no such statement ran has changed nothing, and needs no new
    snapshot; one after which something may have written is compared row by row.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        """Watch every statement ``engine`` runs."""
        self.wrote = False
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        """Note a statement that may write outside the runtime's own tables."""
        if not (_READING.match(statement) or _RUNTIME_WRITE.match(statement) or _SEEN_ONLY.match(statement)):
            self.wrote = True

    def take(self) -> bool:
        """Whether something may have been written since the last call."""
        wrote, self.wrote = self.wrote, False
        return wrote


async def _snapshot(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the inbox and outbox (and a user's last_seen_at, which every update
    moves); the users rows of the one-time strangers (created by their first write) are left out."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in _RUNTIME_TABLES]
    found = {}
    async with h.runtime.db.transaction() as session:
        for table in tables:
            columns = [c for c in table.columns if not (table.name == "users" and c.name == "last_seen_at")]
            query = select(*columns)
            if table.name == "users":
                query = query.where(table.c.telegram_id < FIRST_STRANGER)
            rows = (await session.execute(query)).all()
            found[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
    return found


def _changes(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> dict[str, Any]:
    """What differs between two snapshots, table by table."""
    return {
        name: {
            "gone": [r for r in rows if r not in after[name]],
            "new": [r for r in after[name] if r not in rows],
        }
        for name, rows in before.items()
        if rows != after[name]
    }


FIRST_STRANGER = 700_000
_strangers = itertools.count(FIRST_STRANGER)


async def _probe(h: Harness, role: str, chat: str, kind: str, text: str) -> None:
    """Send one command or press one button (a stranger is a new person each time, who never wrote)."""
    person = TelegramUser(next(_strangers), "Fremd", "de") if role == STRANGER else PERSON[role]
    if kind == "command":
        await (h.text(person, text) if chat == PRIVATE else h.text_in_group(person, text, chat_id=GROUP))
    else:
        await (h.press(person, text) if chat == PRIVATE else h.press_in_group(person, text, chat_id=GROUP))


def _probes(world: World) -> list[tuple[str, str, str]]:
    """(rule key, command or button, text) for every command name and every button sample."""
    found = [(c.key, "command", f"/{name}") for c in COMMANDS for name in c.names]
    found += [
        (key, "button", sample.format(**world.ids()))
        for key, rule in RULES.items()
        if key not in {c.key for c in COMMANDS}
        for sample in rule.samples
    ]
    return found


@pytest.mark.parametrize("role", sorted(EVERYONE))
async def test_who_may_not_act_changes_nothing_and_groups_see_no_personal_data(
    database_url: str, role: str
) -> None:
    async with bot_harness(database_url, coordinator_ids="900", **CALM) as h:
        world = await seed_world(h)
        seeded = {row.id for row in await sent_to(h, GROUP)}
        wrong: list[str] = []
        before: dict[str, list[tuple[Any, ...]]] | None = None
        writes = WriteWatch(h.runtime.db.engine)
        for chat in (IN_GROUP, PRIVATE):
            for key, kind, text in _probes(world):
                rule = RULES[key]
                if role in rule.roles and chat in rule.where:
                    await _probe(h, role, chat, kind, text)
                    before = None  # it may change things: the next refused probe needs a new baseline
                    continue
                before = before or await _snapshot(h)
                writes.take()
                await _probe(h, role, chat, kind, text)
                # Nothing written, nothing changed: the snapshot is only taken again after a write.
                after = await _snapshot(h) if writes.take() else before
                if after != before:
                    wrong.append(f"{role} in {chat}: {text} changed {_changes(before, after)}")
                before = after
        to_group = [row for row in await sent_to(h, GROUP) if row.id not in seeded]
        leaked = [row.payload.get("text") or row.method for row in to_group if leaks(row.payload)]
        assert not wrong, "\n".join(wrong)
        assert not leaked, leaked
