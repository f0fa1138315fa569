"""Loading and validating knowledge-base entries and the lexicon from their YAML files.

Every problem in every file is collected, then one :class:`KnowledgeError` lists them all with file
and line, so an editor fixes a batch of mistakes in one go. The format is described in
``bot/knowledge/README.md``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from bot.services.knowledge_checks import (
    html_problems,
    parse_as_of,
    placeholder_problems,
    url_problem,
)
from bot.services.knowledge_model import LANGUAGES, Entry, EntryText, Lexicon, Source
from bot.services.knowledge_yaml import (
    ContentProblem,
    KnowledgeError,
    YamlReader,
    content_files,
    line_of,
    text_line,
)

ENTRY_FIELDS = ("id", "as_of", "sources")
TEXT_FIELDS = ("title", "questions", "answer", "keywords")
_REQUIRED_TEXT_FIELDS = ("title", "questions", "answer")
# Ids go into stored feedback and into Telegram callback data (64 bytes), hence short slugs.
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_MAX = 40
TITLE_MAX = 60
QUESTION_MAX = 300
ANSWER_MAX = 2000
_LANGUAGE_LIKE = re.compile(r"^[A-Za-z]{2}(?:[-_][A-Za-z]{2})?$")
INTAKE_LISTS = ("wish", "action", "object", "block", "question", "request")
_KNOWN_LANGUAGES = f"the knowledge base has {', '.join(LANGUAGES)}"


def load_entries(folder: Path, today: date | None = None) -> tuple[Entry, ...]:
    """Every entry of every YAML file in ``folder``, validated; raises KnowledgeError listing problems."""
    problems: list[ContentProblem] = []
    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    files = content_files(folder) if folder.is_dir() else []
    if not files:
        raise KnowledgeError([ContentProblem(folder, 0, "no .yaml content files in this folder")])
    for path in files:
        reader = YamlReader(path, problems)
        root = reader.compose()
        if root is None:
            continue
        for node in reader.sequence(root, "a content file (a list of entries)") or []:
            entry = _entry(reader, node, path.stem, today)
            if entry is None:
                continue
            if entry.id in seen:
                first = seen[entry.id]
                reader.fail(entry.line, f"id '{entry.id}' is already used in {first.file}, line {first.line}")
                continue
            seen[entry.id] = entry
            entries.append(entry)
    if problems:
        raise KnowledgeError(problems)
    return tuple(entries)


def _entry(reader: YamlReader, node: yaml.Node, topic: str, today: date | None) -> Entry | None:
    """One knowledge-base entry from YAML, or None with its problems recorded."""
    items = reader.mapping(node, "an entry")
    if items is None:
        return None
    before = len(reader.problems)
    entry_id = _entry_id(reader, node, items)
    where = f"entry '{entry_id or '?'}'"
    for key, value in items.items():
        if key in ENTRY_FIELDS or key in LANGUAGES:
            continue
        if _LANGUAGE_LIKE.match(key):
            reader.fail(reader.key_line(value), f"{where}: unknown language '{key}' ({_KNOWN_LANGUAGES})")
        else:
            expected = ", ".join((*ENTRY_FIELDS, *LANGUAGES))
            reader.fail(reader.key_line(value), f"{where}: unknown field '{key}' (expected: {expected})")
    for key in (*ENTRY_FIELDS, *LANGUAGES):
        if key not in items:
            missing = f"the {key} text" if key in LANGUAGES else f"'{key}'"
            reader.fail(node, f"{where}: {missing} is missing")
    as_of = None
    if "as_of" in items:
        raw = reader.scalar(items["as_of"], f"{where}: 'as_of'")
        if raw is not None:
            try:
                as_of = parse_as_of(raw, today)
            except ValueError as exc:
                reader.fail(items["as_of"], f"{where}: {exc}")
    sources = _sources(reader, items["sources"], where) if "sources" in items else ()
    texts = {lang: _text(reader, items[lang], f"{where} ({lang})") for lang in LANGUAGES if lang in items}
    if len(reader.problems) > before or entry_id is None or as_of is None:
        return None
    complete = {lang: text for lang, text in texts.items() if text is not None}
    return Entry(entry_id, topic, as_of, sources, complete, reader.path, line_of(node))


def _entry_id(reader: YamlReader, node: yaml.Node, items: dict[str, yaml.Node]) -> str | None:
    """An entry's id if it is valid."""
    if "id" not in items:
        return None
    value = reader.scalar(items["id"], "an entry's 'id'")
    if value is None:
        return None
    if not ID_PATTERN.match(value) or len(value) > ID_MAX:
        reader.fail(items["id"], f"id {value!r}: use lowercase letters, digits and '-', at most {ID_MAX}")
        return None
    return value


def _sources(reader: YamlReader, node: yaml.Node, where: str) -> tuple[Source, ...]:
    """An entry's sources (URL and optional title)."""
    sources: list[Source] = []
    for item in reader.sequence(node, f"{where}: 'sources'") or []:
        if isinstance(item, yaml.ScalarNode):
            url, title = reader.scalar(item, f"{where}: a source"), None
        else:
            fields = reader.mapping(item, f"{where}: a source") or {}
            for key in fields.keys() - {"url", "title"}:
                reader.fail(fields[key], f"{where}: a source has 'url' and 'title', not '{key}'")
            if "url" not in fields:
                reader.fail(item, f"{where}: a source needs a 'url'")
                continue
            url = reader.scalar(fields["url"], f"{where}: a source's url")
            title = (
                reader.scalar(fields["title"], f"{where}: a source's title") if "title" in fields else None
            )
        if url is None:
            continue
        reason = url_problem(url)
        if reason:
            reader.fail(item, f"{where}: source {reason}")
            continue
        sources.append(Source(url, title))
    if not sources and isinstance(node, yaml.SequenceNode):
        reader.fail(node, f"{where}: at least one source is needed")
    return tuple(sources)


def _text(reader: YamlReader, node: yaml.Node, where: str) -> EntryText | None:
    """An entry's text in one language."""
    items = reader.mapping(node, where)
    if items is None:
        return None
    for key, value in items.items():
        if key not in TEXT_FIELDS:
            reader.fail(
                reader.key_line(value), f"{where}: unknown field '{key}' (expected: {', '.join(TEXT_FIELDS)})"
            )
    for key in _REQUIRED_TEXT_FIELDS:
        if key not in items:
            reader.fail(reader.key_line(node), f"{where}: '{key}' is missing")
    title = reader.scalar(items["title"], f"{where}: 'title'") if "title" in items else None
    if title is not None:
        _check_plain(reader, items["title"], title, f"{where}: 'title'", TITLE_MAX)
    questions = _plain_list(reader, items.get("questions"), f"{where}: 'questions'", QUESTION_MAX)
    keywords = _plain_list(reader, items.get("keywords"), f"{where}: 'keywords'", QUESTION_MAX)
    answer = reader.scalar(items["answer"], f"{where}: 'answer'") if "answer" in items else None
    if answer is not None:
        _check_answer(reader, items["answer"], answer, f"{where}: 'answer'")
    if "questions" in items and not questions:
        reader.fail(items["questions"], f"{where}: at least one question is needed")
    if title is None or answer is None or not questions:
        return None
    return EntryText(title, tuple(questions), answer, tuple(keywords))


def _plain_list(reader: YamlReader, node: yaml.Node | None, what: str, limit: int) -> list[str]:
    """A list of distinct plain-text strings, each checked."""
    if node is None:
        return []
    values: list[str] = []
    for value, item in reader.strings(node, what):
        if value in values:
            reader.fail(item, f"{what}: {value!r} is listed twice")
            continue
        _check_plain(reader, item, value, what, limit)
        values.append(value)
    return values


def _check_plain(reader: YamlReader, node: yaml.Node, value: str, what: str, limit: int) -> None:
    """Record a plain-text value that is too long or contains markup."""
    if len(value) > limit:
        reader.fail(node, f"{what}: {len(value)} characters, at most {limit}")
    if any(ch in value for ch in "<>{}"):
        reader.fail(node, f"{what}: plain text only (no HTML tags or {{placeholders}})")


def _check_answer(reader: YamlReader, node: yaml.Node, answer: str, what: str) -> None:
    """Record an answer that is too long or has bad placeholders or HTML."""
    if len(answer) > ANSWER_MAX:
        reader.fail(node, f"{what}: {len(answer)} characters, at most {ANSWER_MAX}")
    # Placeholders sit inside href values too, so check them on the raw text before the HTML.
    for offset, message in (*placeholder_problems(answer), *html_problems(answer)):
        reader.fail(text_line(node, offset), f"{what}: {message}")


def load_lexicon(folder: Path) -> Lexicon:
    """Stop words, synonyms and intake words from ``folder`` (missing files mean empty lists)."""
    problems: list[ContentProblem] = []
    stop = _per_language(folder / "stopwords.yaml", problems, "stop words")
    weak = _per_language(folder / "weak.yaml", problems, "weak words")
    forms = _per_language(folder / "wordforms.yaml", problems, "word forms")
    groups = _per_language(folder / "synonyms.yaml", problems, "synonym groups")
    intents = _per_language(folder / "intents.yaml", problems, "intake words")
    outside_questions = _per_language(folder / "outside.yaml", problems, "questions outside")
    intake: dict[str, dict[str, tuple[str, ...]]] = {kind: {} for kind in INTAKE_LISTS}
    for lang, (reader, node) in intents.items():
        fields = reader.mapping(node, f"intake words ({lang})") or {}
        for key, value in fields.items():
            if key not in intake:
                reader.fail(
                    reader.key_line(value),
                    f"intake words ({lang}): unknown list '{key}' ({', '.join(INTAKE_LISTS)})",
                )
                continue
            intake[key][lang] = tuple(_words(reader, value))
    stopwords = {lang: frozenset(_words(reader, node)) for lang, (reader, node) in stop.items()}
    weak_words = {lang: frozenset(_words(reader, node)) for lang, (reader, node) in weak.items()}
    wordforms = {lang: _wordforms(reader, node) for lang, (reader, node) in forms.items()}
    synonyms = {lang: _groups(reader, node) for lang, (reader, node) in groups.items()}
    outside = {lang: tuple(_words(reader, node)) for lang, (reader, node) in outside_questions.items()}
    if problems:
        raise KnowledgeError(problems)
    return Lexicon(
        stopwords=stopwords,
        weak=weak_words,
        wordforms=wordforms,
        synonyms=synonyms,
        outside=outside,
        intake_wish=intake["wish"],
        intake_action=intake["action"],
        intake_object=intake["object"],
        intake_block=intake["block"],
        intake_question=intake["question"],
        intake_request=intake["request"],
    )


def _per_language(
    path: Path, problems: list[ContentProblem], what: str
) -> dict[str, tuple[YamlReader, yaml.Node]]:
    """A file's top-level nodes per language."""
    if not path.exists():
        return {}
    reader = YamlReader(path, problems)
    root = reader.compose()
    items = reader.mapping(root, what) if root is not None else None
    found: dict[str, tuple[YamlReader, yaml.Node]] = {}
    for lang, node in (items or {}).items():
        if lang not in LANGUAGES:
            reader.fail(reader.key_line(node), f"{what}: unknown language '{lang}' ({_KNOWN_LANGUAGES})")
            continue
        found[lang] = (reader, node)
    return found


def _words(reader: YamlReader, node: yaml.Node) -> list[str]:
    """A word list's words."""
    return [value for value, _ in reader.strings(node, "a word list")]


def _groups(reader: YamlReader, node: yaml.Node) -> tuple[tuple[str, ...], ...]:
    """The synonym groups (each of two words or more)."""
    groups: list[tuple[str, ...]] = []
    for item in reader.sequence(node, "synonym groups") or []:
        words = tuple(_words(reader, item))
        if len(words) < 2:
            reader.fail(item, "a synonym group needs at least two words")
            continue
        groups.append(words)
    return tuple(groups)


def _wordforms(reader: YamlReader, node: yaml.Node) -> dict[str, str]:
    """Word forms that map a spelling to its base word."""
    forms: dict[str, str] = {}
    for term, value in (reader.mapping(node, "word forms") or {}).items():
        for form, item in reader.strings(value, f"word forms of '{term}'"):
            if form in forms:
                reader.fail(item, f"word form {form!r} is already listed under '{forms[form]}'")
                continue
            forms[form] = term
    return forms
