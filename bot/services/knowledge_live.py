"""The knowledge base a question is answered from right now: the reviewed files plus chat-made entries.

The shipped base (``knowledge.knowledge_base()``) is extended by the live entries the coordinators
made in the chat (:mod:`knowledge_curation`). Building the search indexes and training the entry
classifiers takes seconds and leaves tens of megabytes that Python does not give back, so a child
process builds it and saves it in the cache folder (one copy, the latest), and the bot only loads
it, from a worker thread (the chat stays responsive); if the child fails, the thread builds it.
The base is kept per process and rebuilt only when the entries changed: every call reads a cheap
version (how many entries, the sum of their revisions), which every change raises. Several
processes on one database therefore each see a change with their next question. A change made by
hand in the database must raise ``revision`` too, or the processes keep the base they built.
"""

from __future__ import annotations

import asyncio
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import knowledge_curated_text as rules
from bot.services import knowledge_curation as curation
from bot.services.knowledge import KnowledgeBase, knowledge_base
from bot.services.knowledge_cache import copy_name
from bot.services.knowledge_model import AsOf, Entry, EntryText, Precision, Source
from bot.services.saved_copies import cache_folder, kept, kept_apart
from models import CuratedEntry, CuratedStatus

SOURCE = Source("", rules.SOURCE_TITLE)  # no address: shown as plain text, the team itself
# Where a chat-made entry "comes from" when a message or a check names an entry's file.
DATABASE = Path("curated_entries")
LIVE_COPY = "knowledge-live"  # the saved copies' names begin with this


@dataclass(frozen=True)
class _Built:
    """A knowledge base built for one database at one version of its chat-made entries."""

    database: str
    version: tuple[int, int]
    base: KnowledgeBase


_built: _Built | None = None


def to_entry(row: CuratedEntry) -> Entry | None:
    """A chat-made entry as a knowledge-base entry (topic "team"), texts only in its answer's
    languages; None when it has no answer with questions."""
    texts = {}
    for language in curation.sides(row):
        questions = curation.side_questions(row, language)
        if questions:
            answer = rules.answer_html(row.answers[language])
            texts[language] = EntryText(rules.title(questions), tuple(questions), answer)
    if not texts:
        return None
    as_of = AsOf(row.as_of, Precision.DAY)
    return Entry(rules.key(row.id), rules.TOPIC, as_of, (SOURCE,), texts, DATABASE, row.id)


def live_entries(rows: list[CuratedEntry]) -> list[Entry]:
    """The entries the bot answers from, oldest first."""
    found = (to_entry(row) for row in rows if row.status == CuratedStatus.LIVE)
    return [entry for entry in found if entry is not None]


async def knowledge_for(db: AsyncSession) -> KnowledgeBase:
    """The knowledge base to answer from in this session's transaction."""
    global _built
    database = str(db.get_bind().url)
    version = await curation.version(db)
    built = _built
    if built is not None and built.database == database and built.version == version:
        return built.base
    rows = await curation.every_entry(db)
    entries = live_entries(rows)
    base = await asyncio.to_thread(_extended, entries) if entries else knowledge_base()
    # The version of the rows just read: a change committed between the two reads is seen next time.
    _built = _Built(database, curation.version_of(rows), base)
    return base


def _extended(entries: list[Entry]) -> KnowledgeBase:
    """The shipped base extended by ``entries``: the saved copy, else built by a child process
    (and saved), else built here; older saved copies are removed."""
    given = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
    name = copy_name(LIVE_COPY, given)
    code = f"import {__name__} as built; built.extend_from_input()"
    apart = ("the knowledge base with the team's answers", code, pickle.dumps((name, entries)))
    base = kept_apart(name, lambda: knowledge_base().extended(entries), _usable, apart)
    for older in cache_folder().glob(f"{LIVE_COPY}-*.pickle"):
        if older.name != name:
            older.unlink(missing_ok=True)  # another process still using it only builds it again
    return base


def extend_from_input() -> None:
    """Build and save the extended base named on standard input (a pickled name and entries):
    what the child process of :func:`_extended` runs."""
    name, entries = pickle.load(sys.stdin.buffer)
    kept(name, lambda: knowledge_base().extended(entries), _usable)


def _usable(saved: object) -> bool:
    """Whether a loaded copy is a knowledge base."""
    return isinstance(saved, KnowledgeBase)
