"""Turning a question a coordinator answered into a draft knowledge-base entry for the maintainers.

The draft is a YAML file in the content format of ``bot/knowledge/README.md`` that loads as it
is: the answer in the asker's language, repeated in the other language for translation, comments
saying what to review. Maintainers move it into ``bot/knowledge/entries/`` once it is right; the
bot never reads the drafts folder.
"""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
from datetime import date
from pathlib import Path

from bot.services.knowledge_loader import ANSWER_MAX, QUESTION_MAX, TITLE_MAX
from bot.services.knowledge_model import LANGUAGES
from models import Question

# Draft sources point at the programme's site until a maintainer names the real one.
PLACEHOLDER_SOURCE = "https://bw.miglobe.de/miglobe/"
_LINE_BREAKS = re.compile(r"\r\n|\r|[\u2028\u2029\x85]")


def draft_id(question: Question) -> str:
    """The draft entry's id (lowercase, digits and '-', as entry ids must be)."""
    return f"question-{question.id}"


def _clean(text: str) -> str:
    """Unify line breaks, drop control characters YAML and Telegram would choke on, tabs to spaces."""
    text = _LINE_BREAKS.sub("\n", text).replace("\t", "    ")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")


def _plain(text: str, limit: int) -> str:
    """One line of plain text as titles and questions need it: no tags, no braces, at most ``limit``."""
    line = " ".join(_clean(text).split())
    line = line.replace("<", "‹").replace(">", "›").replace("{", "(").replace("}", ")")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _answer_html(text: str) -> str:
    """The coordinator's plain-text answer as content HTML: escaped, braces are not placeholders."""
    escaped = html.escape(_clean(text).strip(), quote=False).replace("{", "(").replace("}", ")")
    lines = [line.strip() for line in escaped.split("\n")]
    return "\n".join(lines).strip("\n") or "…"


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: no YAML special character can slip through.
    return json.dumps(text, ensure_ascii=False)


def render_draft(question: Question, answered_on: date) -> str:
    """The draft entry's YAML text for an answered question."""
    asked_in = question.locale if question.locale in LANGUAGES else LANGUAGES[0]
    title = _plain(question.text, TITLE_MAX)
    asked = _plain(question.text, QUESTION_MAX)
    answer = _answer_html(question.answer_text or "")
    head = [
        f"# Draft from question {question.id}, answered by the coordination team on {answered_on}.",
        "# Review it before moving it into bot/knowledge/entries/<topic>.yaml (format: see",
        "# bot/knowledge/README.md): check the facts, give the real source, choose a lasting id,",
        "# add more ways people ask, and translate the language marked TODO (it repeats the original).",
    ]
    if len(answer) > ANSWER_MAX:
        head.append(f"# The answer has {len(answer)} characters; entries allow at most {ANSWER_MAX}.")
    body = [
        f"- id: {draft_id(question)}",
        f"  as_of: {answered_on.year:04d}-{answered_on.month:02d}",
        "  sources:",
        f"    - url: {PLACEHOLDER_SOURCE}  # TODO: the source this answer rests on",
    ]
    for language in LANGUAGES:
        todo = "" if language == asked_in else "  # TODO: translate"
        body += [
            f"  {language}:{todo}",
            f"    title: {_quoted(title)}",
            "    questions:",
            f"      - {_quoted(asked)}",
            "    answer: |",
            *(f"      {line}" if line else "" for line in answer.split("\n")),
        ]
    return "\n".join(head + body) + "\n"


def write_draft(folder: Path, question: Question, answered_on: date) -> Path:
    """Write (or rewrite) the question's draft file in ``folder``; returns its path.

    Written to a temporary file first, so a maintainer never sees half a draft.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{draft_id(question)}.yaml"
    temporary = path.with_suffix(".yaml.tmp")
    temporary.write_text(render_draft(question, answered_on), encoding="utf-8")
    os.replace(temporary, path)
    return path
