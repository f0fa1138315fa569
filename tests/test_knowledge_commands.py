"""Every ``/command`` the knowledge base names exists, and is one a municipal contact may use.

Answers tell people what to send (``/meineanfragen``, ``/loeschen``); a command that is not
registered in :mod:`bot.commands` would leave them with a reply that does nothing.
"""

from __future__ import annotations

import re

import pytest

from bot.commands import COMMANDS
from bot.services import knowledge
from bot.services.knowledge_model import LANGUAGES
from models import Role

# A command is a slash at the start of a line or after a space, bracket, quote or tag, followed by
# a name; so "https://bw.miglobe.de/miglobe/", "</b>" and "2021/2022" are no commands.
_COMMAND = re.compile(r"(?:^|(?<=[\s(\[„“\"'>«»]))/([A-Za-z][A-Za-z0-9_]*)", re.MULTILINE)
REGISTERED = {name: command for command in COMMANDS for name in command.names}
ENTRIES = knowledge.knowledge_base().entries


def commands_named(text: str) -> list[str]:
    """The command names (without the slash) that ``text`` tells someone to send, in order."""
    return _COMMAND.findall(text)


def unregistered(text: str) -> list[str]:
    """The commands named in ``text`` that bot/commands.py does not register."""
    return [name for name in commands_named(text) if name not in REGISTERED]


def _texts(entry: knowledge.Entry) -> list[str]:
    """Everything of an entry a person reads or types: titles, questions, keywords and answers."""
    return [
        piece
        for language in LANGUAGES
        for text in [entry.text(language)]
        for piece in (text.title, *text.questions, *text.keywords, text.answer)
    ]


def test_the_collector_finds_commands_and_ignores_links_tags_and_fractions() -> None:
    text = (
        "Senden Sie <b>/meineanfragen</b> (oder /status).\n"
        '/hilfe zeigt alles; siehe <a href="https://bw.miglobe.de/miglobe/">bw.miglobe.de</a>, '
        "die Ausschreibungen 2021/2022 und „/sprache“."
    )
    assert commands_named(text) == ["meineanfragen", "status", "hilfe", "sprache"]


def test_a_made_up_command_is_caught() -> None:
    fake = "Mit <b>/meinestatistik</b> sehen Sie alles; mit /loeschen löschen Sie es, oder /Hilfe."
    assert unregistered(fake) == ["meinestatistik", "Hilfe"]
    assert unregistered("Mit /meinedaten und /delete.") == []


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_command_an_entry_names_is_registered_for_contacts(entry: knowledge.Entry) -> None:
    for text in _texts(entry):
        assert unregistered(text) == [], f"{entry.id}: not a command of bot/commands.py in {text!r}"
        for name in commands_named(text):
            # The knowledge base answers municipal contacts: an advisor's or coordinator's command
            # would only get them a refusal.
            assert REGISTERED[name].role is Role.CONTACT, f"{entry.id}: /{name} is not for contacts"


def test_the_knowledge_base_names_commands_at_all() -> None:
    named = {name for entry in ENTRIES for text in _texts(entry) for name in commands_named(text)}
    assert {"anfrage", "request", "meineanfragen", "status", "meinedaten", "mydata"} <= named
