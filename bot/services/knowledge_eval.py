"""Measuring the knowledge base on a labelled set of questions: right answers, wrong ones, the rest.

A labelled set is a TSV file with the columns ``language``, ``question``, ``expected`` (the id of
the entry that answers it, or ``NONE``) and optionally ``kind`` (``in``: a plain in-scope question;
``near``: inside the programme's domain but phrased unlike any entry, or about a detail no entry
covers; ``off``: off-topic). A header line naming the columns is optional.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.services.knowledge import KnowledgeBase, Outcome

NONE = "NONE"
KINDS = ("in", "near", "off")


@dataclass(frozen=True)
class Labelled:
    """One labelled question."""

    language: str
    question: str
    expected: str  # an entry id or NONE
    kind: str  # in, near or off


@dataclass(frozen=True)
class Verdict:
    """What the knowledge base did with one labelled question."""

    item: Labelled
    outcome: Outcome
    answered: str | None  # the entry given as the answer (outcome ANSWER)

    @property
    def right(self) -> bool:
        """Answered with the expected entry."""
        return self.outcome is Outcome.ANSWER and self.answered == self.item.expected

    @property
    def wrong(self) -> bool:
        """Answered confidently with another entry, or answered a question nothing answers."""
        return self.outcome is Outcome.ANSWER and self.answered != self.item.expected


@dataclass
class Report:
    """Counts over a labelled set, overall and per kind."""

    verdicts: list[Verdict] = field(default_factory=list)

    def counts(self, kind: str | None = None) -> Counter[str]:
        """right / wrong / clarify / decline / total for one kind (or all)."""
        counts: Counter[str] = Counter()
        for verdict in self.verdicts:
            if kind is not None and verdict.item.kind != kind:
                continue
            counts["total"] += 1
            if verdict.right:
                counts["right"] += 1
            elif verdict.wrong:
                counts["wrong"] += 1
            else:
                counts[verdict.outcome.value] += 1
        return counts

    def precision(self) -> float:
        """The share of confident answers that were right (1.0 when nothing was answered)."""
        c = self.counts()
        answered = c["right"] + c["wrong"]
        return c["right"] / answered if answered else 1.0

    def share(self, kind: str, *what: str) -> float:
        """The share of ``kind`` questions with a verdict in ``what`` (right, wrong, clarify, decline)."""
        c = self.counts(kind)
        return sum(c[w] for w in what) / c["total"] if c["total"] else 1.0

    def lines(self) -> list[str]:
        """The report as text lines: per kind and overall, then the precision of confident answers."""
        out = []
        for kind in (*KINDS, None):
            c = self.counts(kind)
            if not c["total"]:
                continue
            out.append(
                f"{kind or 'all':5} {c['total']:4} questions: right {c['right']:4}, "
                f"confident wrong {c['wrong']:3}, clarified {c['clarify']:3}, declined {c['decline']:3}"
            )
        out.append(f"precision of confident answers: {self.precision():.1%}")
        return out

    def mistakes(self) -> list[str]:
        """Every confident wrong answer, and every in-scope question not answered right."""
        found = []
        for v in self.verdicts:
            if v.wrong or (v.item.kind == "in" and not v.right):
                got = v.answered if v.outcome is Outcome.ANSWER else v.outcome.value
                item = v.item
                found.append(f"{item.kind:4} {item.language} {item.question!r}: {item.expected} -> {got}")
        return found


def read_labelled(path: Path) -> list[Labelled]:
    """The labelled questions of a TSV file (see the module's docstring)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if row]
    if rows and rows[0][:3] == ["language", "question", "expected"]:
        rows = rows[1:]
    items = []
    for row in rows:
        language, question, expected = (cell.strip() for cell in row[:3])
        kind = row[3].strip() if len(row) > 3 else ("off" if expected == NONE else "in")
        items.append(Labelled(language, question, expected, kind))
    return items


def evaluate(kb: KnowledgeBase, items: Iterable[Labelled]) -> Report:
    """Ask every labelled question and record what the knowledge base did."""
    report = Report()
    for item in items:
        result = kb.answer(item.question, item.language)
        answered = result.best.entry.id if result.best else None
        report.verdicts.append(Verdict(item, result.outcome, answered))
    return report
