"""The live chat-made entries as a content file (``python -m bot export-knowledge``).

The file is in the format of ``bot/knowledge/README.md`` and loads with the loader as it is, so the
maintainers can review the team's answers and move them into ``bot/knowledge/entries/``. The loader
requires a German and an English side and a source with a web address, which a chat-made entry may
lack; the export then fills in what is missing and says so in a ``# TODO`` comment:

- a language the team did not answer in is a copy of the other language, to be translated;
- a side without questions of its own repeats the other side's questions, to be translated;
- the source is the programme's site under the title "MiGlobe-Programmteam", to be replaced by
  the page the answer rests on (in the chat the team itself is named, without an address).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import knowledge_curated_text as rules
from bot.services import knowledge_curation as curation
from bot.services.knowledge_model import LANGUAGES
from models import CuratedEntry, CuratedStatus

# The loader needs a web address; the programme's own site stands in until a maintainer names one.
PLACEHOLDER_SOURCE = "https://bw.miglobe.de/miglobe/"
_NAMES = {"de": "German", "en": "English"}


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one); line separators escaped to stay one line."""
    dumped = json.dumps(text, ensure_ascii=False)
    return dumped.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\x85")


def _block(answer: str, indent: str) -> list[str]:
    """The answer as a literal block (stripped, so its first line never starts with a space)."""
    return [f"{indent}{line}" if line else "" for line in answer.split("\n")]


def _side(entry: CuratedEntry, language: str) -> list[str]:
    """One language's part of the entry, with TODO comments where it is copied from the other."""
    own = curation.sides(entry)
    answered = language in own
    source_language = language if answered else own[0]
    questions = curation.side_questions(entry, source_language)
    borrowed = not (entry.questions or {}).get(language)
    note = ""
    if not answered:
        note = f"  # TODO: translate – a copy of the {_NAMES.get(source_language, source_language)} text"
    elif borrowed:
        note = "  # TODO: add questions in this language – these are the other language's"
    lines = [
        f"  {language}:{note}",
        f"    title: {_quoted(rules.title(questions))}",
        "    questions:",
        *(f"      - {_quoted(question)}" for question in questions),
        "    answer: |",
        *_block(rules.answer_html(entry.answers[source_language]), "      "),
    ]
    return lines


def render(entries: Sequence[CuratedEntry], exported_on: date) -> str:
    """The YAML text of ``entries`` (only those with an answer; retired ones are left out)."""
    head = [
        f"# Answers the coordination team made in the chat, exported on {exported_on.isoformat()}.",
        "# Review each before moving it into bot/knowledge/entries/<topic>.yaml (format: see",
        "# bot/knowledge/README.md): check the facts, name the source, choose a lasting id, translate",
        "# what is marked TODO. Retire an entry in the chat (/wissen) once the reviewed one is in place.",
    ]
    body: list[str] = []
    for entry in entries:
        if entry.status != CuratedStatus.LIVE or not curation.sides(entry):
            continue
        body += [
            "",
            f"- id: {rules.key(entry.id)}",
            f"  as_of: {entry.as_of.isoformat()}",
            "  sources:",
            f"    - url: {PLACEHOLDER_SOURCE}  # TODO: the page this answer rests on",
            f"      title: {_quoted(rules.SOURCE_TITLE)}",
        ]
        for language in LANGUAGES:
            body += _side(entry, language)
    if not body:
        body = ["", "[]  # no live entries"]
    return "\n".join(head + body) + "\n"


async def export(session: AsyncSession, exported_on: date) -> tuple[str, int]:
    """The YAML text of every live chat-made entry, and how many it holds."""
    entries = [e for e in await curation.every_entry(session) if e.status == CuratedStatus.LIVE]
    entries = [e for e in entries if curation.sides(e)]
    return render(entries, exported_on), len(entries)
