"""One convention for gender forms and terms in every German text (catalog and knowledge answers).

The convention (README, "German style"): the gender star on the noun, with the article and
pronoun in the feminine form that agrees with it – "eine Berater*in", "Ihre Berater*in", "diese
Koordinator*in", plural "Berater*innen"; never a starred article ("eine*n", "Ihr*e", "einer*einem")
or a pair ("Beraterin oder Berater"). The person the contact turns to is the "Ansprechperson".
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from bot.services.knowledge import knowledge_base

ROOT = Path(__file__).resolve().parent.parent
# A star followed by anything but the feminine ending: a starred article or pronoun ("eine*n").
STARRED_WORD = re.compile(r"\w\*(?!in\b|innen\b)\w+")
PAIRS = re.compile(
    r"\b(Berater|Beraterin|Koordinator|Koordinatorin)\w* (oder|bzw\.|und) (ein |eine |Ihr |Ihre )?"
    r"(Berater|Beraterin|Koordinator|Koordinatorin)\b"
)
OTHER_TERMS = re.compile(r"Kontaktperson|Ansprechpartner")


def _problems(text: str) -> list[str]:
    return [m.group(0) for pattern in (STARRED_WORD, PAIRS, OTHER_TERMS) for m in pattern.finditer(text)]


def _german_catalog() -> list[str]:
    with (ROOT / "locales" / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    texts = []
    for message in catalog:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts.extend(s for s in strings if s)
    return texts


def test_the_checks_catch_what_they_are_for() -> None:
    assert _problems("mit einer*einem Berater*in") == ["r*einem"]
    assert _problems("Ihr*e Berater*in") == ["r*e"]
    assert _problems("Als Beraterin oder Berater:")
    assert _problems("Die Kontaktperson")
    assert not _problems("Ihre Berater*in und die Koordinator*innen, Migrant*innen")


def test_the_german_catalog_follows_one_convention() -> None:
    found = {text: _problems(text) for text in _german_catalog()}
    assert not {text: problems for text, problems in found.items() if problems}


def test_german_answers_follow_the_same_convention() -> None:
    found = {}
    for entry in knowledge_base().entries:
        text = entry.text("de")
        problems = _problems(f"{text.title}\n{text.answer}")
        if problems:
            found[entry.id] = problems
    assert not found
