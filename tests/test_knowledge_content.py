"""The knowledge base's content: complete in both languages, sourced, dated, and checked on load.

Broken content files are written into a temporary folder and loaded from there; every problem must
name its file and line.
"""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services import knowledge
from bot.services.knowledge import (
    CONTENT_DIR,
    PLACEHOLDERS,
    KnowledgeError,
    load_knowledge,
    placeholder_values,
    render_answer,
    source_links_html,
)
from bot.services.knowledge_checks import html_problems, url_problem
from bot.services.knowledge_model import LANGUAGES, AsOf, Precision
from bot.services.knowledge_placeholders import hours_text

MIN_ENTRIES = 25
MIN_QUESTIONS = 3
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
ENTRIES = knowledge.knowledge_base().entries


def test_there_are_enough_entries_with_unique_ids() -> None:
    assert len(ENTRIES) >= MIN_ENTRIES
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)
    assert knowledge.knowledge_base() is knowledge.knowledge_base()  # loaded once


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_entry_has_both_languages_a_source_and_a_date(entry: knowledge.Entry) -> None:
    assert set(entry.texts) == set(LANGUAGES)
    for text in entry.texts.values():
        assert text.title and text.answer
        assert len(text.questions) >= MIN_QUESTIONS
    assert entry.sources
    assert all(url_problem(s.url) is None for s in entry.sources)
    assert any(s.url.startswith(("http://", "https://")) or s.url == "{privacy_url}" for s in entry.sources)
    assert entry.as_of.date <= date.today()


def test_every_placeholder_is_known_and_documented() -> None:
    readme = (CONTENT_DIR / "README.md").read_text(encoding="utf-8")
    used = {
        name
        for e in ENTRIES
        for text in e.texts.values()
        for name in PLACEHOLDER.findall(text.answer + " ".join(s.url for s in e.sources))
    }
    assert used <= PLACEHOLDERS.keys()
    for name in PLACEHOLDERS:
        assert f"{{{name}}}" in readme, f"{{{name}}} is not described in bot/knowledge/README.md"
    assert set(placeholder_values(Settings(_env_file=None))) == PLACEHOLDERS.keys()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_rendered_answers_are_filled_and_valid_telegram_html(entry: knowledge.Entry) -> None:
    values = placeholder_values(Settings(_env_file=None))
    values["contact_email"] = "team&co@example.org"  # must come out escaped
    for language in LANGUAGES:
        rendered = render_answer(entry, language, values)
        assert not PLACEHOLDER.search(rendered)
        assert html_problems(rendered) == []
        if "{contact_email}" in entry.text(language).answer:
            assert html.escape("team&co@example.org") in rendered
    links = source_links_html(entry, values)
    assert links.count("<a href=") == len(entry.sources)
    assert html_problems(links) == []


# Answers speak for the programme as it runs now (bot/knowledge/FACTS.md, "Whose voice"): nothing
# may say or hint that it ended, narrate research ("the sources say", "later pages give"), or call
# the chat "the bot". Phrases, not single words: "nicht mehr zurückziehen" or "after it ends" are fine.
FORBIDDEN_PHRASES = re.compile(
    "|".join(
        [
            # the programme ended, or may have
            r"ausgelaufen|auslaufen|\bdiscontinued\b|\bis over\b|\bended in\b",
            r"\b(?:ist|wurde|sei) (?:\w+ ){0,2}beendet\b|\b(?:has|have|had|was) (?:\w+ )?ended\b",
            r"\bgibt es (?:\w+ )?nicht mehr\b|\bläuft (?:\w+ )?nicht mehr\b",
            r"\bnicht mehr (?:aktiv|angeboten|statt|läuft)\b",
            r"\bno longer (?:exists?|runs?|running|active|offered|available)\b",
            # narration of research
            r"\bQuellen?\b|\bsources?\b|\baccording to\b|\blaut (?:den|dem|der|DEAB|Forum|SKEW)\b",
            r"\b(?:spätere|neuere) (?:Seiten|Angaben|Zahlen)\b|\bSeiten nennen\b|\bpages give\b",
            r"\b(?:later|newer) (?:pages|information|figures)\b|\b(?:haben|hat) wir nicht\b",
            r"\behrlich gesagt\b|\bto be honest\b",
            # the chat calling itself a bot
            r"\b(?:der|den|dem|des|dieser|diesen|diesem) Bots?\b|\b(?:the|this) bot\b",
        ]
    ),
    re.IGNORECASE,
)


def test_the_phrase_check_catches_the_old_wording_and_lets_plain_text_pass() -> None:
    old = [
        "Das Forum der Kulturen schreibt, das Projekt ist Ende 2020 ausgelaufen.",
        "Neuere Angaben haben wir nicht.",
        "Spätere Seiten nennen 15, 16 oder 17 Berater*innen.",
        "Ob neue Berater*innen gesucht werden, steht in den Quellen nicht.",
        "Mit /meinedaten schickt Ihnen der Bot eine Übersicht.",
        "To be honest: the project ended in late 2020.",
        "The sources do not say whether new advisors are sought.",
        "The bot speaks no other languages.",
        "Is MiGlobe no longer running? It was discontinued.",
    ]
    assert [text for text in old if not FORBIDDEN_PHRASES.search(text)] == []
    fine = [
        "Von 2018 bis Ende 2020 haben wir 30 Auftaktgespräche in 29 Kommunen geführt.",
        "Nach dem Auftaktgespräch können Sie die Anfrage nicht mehr zurückziehen.",
        "Unter jeder Antwort sehen Sie, worauf sie beruht, und ihren Stand.",
        "A request is anonymised 182 days after it ends. If a button no longer works, use the latest.",
        "Hier im Chat beantworten wir Ihre Fragen; tippen Sie auf „Eine Person fragen“.",
    ]
    assert [text for text in fine if FORBIDDEN_PHRASES.search(text)] == []


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_answers_speak_for_the_running_programme_without_narrating_research(entry: knowledge.Entry) -> None:
    for language in LANGUAGES:
        text = entry.text(language)
        for shown in (text.title, text.answer):
            found = FORBIDDEN_PHRASES.search(shown)
            assert found is None, f"{entry.id} ({language}): {found.group(0)!r} in {shown!r}"


def test_offer_response_hours_is_the_setting_without_a_trailing_zero() -> None:
    def shown(**settings: float) -> str:
        """The placeholder's value under these settings."""
        return placeholder_values(Settings(_env_file=None, **settings))["offer_response_hours"]

    default = Settings(_env_file=None).offer_response_hours
    assert shown() == hours_text(default) and not shown().endswith(".0")
    assert float(shown()) == default
    assert (shown(offer_response_hours=36), shown(offer_response_hours=1.5)) == ("36", "1.5")
    entry = knowledge.knowledge_base().get("response-time")
    assert entry is not None
    values = placeholder_values(Settings(_env_file=None, offer_response_hours=72))
    assert "<b>72 Stunden</b>" in render_answer(entry, "de", values)
    assert "<b>72 hours</b>" in render_answer(entry, "en", values)


def test_as_of_dates_are_shown_in_the_users_language() -> None:
    month = AsOf(date(2020, 12, 1), Precision.MONTH)
    assert month.format("de") == "Dezember 2020"
    assert month.format("en") == "December 2020"
    assert AsOf(date(2022, 1, 1), Precision.YEAR).format("de") == "2022"
    assert str(month) == "2020-12"


VALID = """\
- id: sample
  as_of: 2020-12
  sources:
    - https://example.org/page
  de:
    title: Titel
    questions:
      - Eine Frage?
    answer: |
      Eine <b>Antwort</b>.
      Zweite Zeile.
  en:
    title: Title
    questions:
      - A question?
    answer: |
      An <b>answer</b>.
      Second line.
"""

# (case, text replaced in VALID, replacement, the line the problem must be reported on, message part)
BROKEN = [
    (
        "missing field",
        "    answer: |\n      An <b>answer</b>.\n      Second line.\n",
        "",
        "  en:",
        "'answer' is missing",
    ),
    ("missing as_of", "  as_of: 2020-12\n", "", "- id: sample", "'as_of' is missing"),
    ("bad date", "as_of: 2020-12", "as_of: 2020-13", "as_of:", "not a real date"),
    ("date format", "as_of: 2020-12", "as_of: Dezember 2020", "as_of:", "must be a date"),
    ("future date", "as_of: 2020-12", "as_of: 2999-01", "as_of:", "future"),
    ("bad URL", "https://example.org/page", "htp://example.org/page", "htp://", "not a web address"),
    (
        "no source",
        "  sources:\n    - https://example.org/page\n",
        "  sources: []\n",
        "sources:",
        "at least one source",
    ),
    ("unknown language", "  en:\n", "  fr:\n    title: Titre\n  en:\n", "  fr:", "unknown language 'fr'"),
    (
        "unknown field",
        "    title: Title",
        "    title: Title\n    anwser: x",
        "anwser",
        "unknown field 'anwser'",
    ),
    ("invalid tag", "Second line.", "Second <u>line</u>.", "Second <u>", "tag <u> is not allowed"),
    ("unclosed tag", "An <b>answer</b>.", "An <b>answer.", "An <b>answer.", "<b> is never closed"),
    ("bad link", "Second line.", 'See <a href="javascript:x">this</a>.', "javascript", "not a web address"),
    ("bare ampersand", "Zweite Zeile.", "Fisch & Brot.", "Fisch &", "&amp;"),
    (
        "unknown placeholder",
        "Second line.",
        "Write to {contact_mail}.",
        "{contact_mail}",
        "unknown placeholder",
    ),
    ("HTML in a title", "title: Titel", "title: <b>Titel</b>", "<b>Titel", "plain text only"),
    (
        "duplicate key",
        "    title: Title\n",
        "    title: Title\n    title: Again\n",
        "title: Again",
        "appears twice",
    ),
    ("bad id", "- id: sample", "- id: Sample Entry", "- id: Sample", "lowercase letters"),
    ("not YAML", "    title: Title\n", "    title: [Title\n", "title: [Title", "not valid YAML"),
]


def _line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_a_broken_entry_names_its_file_and_line(
    tmp_path: Path, old: str, new: str, marker: str, message: str
) -> None:
    assert old in VALID
    text = VALID.replace(old, new, 1)
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(tmp_path)
    problems = caught.value.problems
    assert any(message in p.message for p in problems), str(caught.value)
    problem = next(p for p in problems if message in p.message)
    assert problem.file == tmp_path / "broken.yaml"
    line = _line_of(text, marker)
    # YAML syntax errors may surface a line late; the message then names where the construct began.
    assert problem.line == line or f"starts on line {line}" in problem.message, str(caught.value)
    assert f"broken.yaml, line {problem.line}" in str(caught.value)


def test_the_valid_sample_loads(tmp_path: Path) -> None:
    (tmp_path / "sample.yaml").write_text(VALID, encoding="utf-8")
    kb = load_knowledge(tmp_path)
    assert [e.id for e in kb.entries] == ["sample"]
    assert kb.entries[0].topic == "sample"
    assert kb.entries[0].as_of == AsOf(date(2020, 12, 1), Precision.MONTH)


def test_a_duplicate_id_names_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# another topic\n" + VALID, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == tmp_path / "b.yaml" and problem.line == 2
    assert f"already used in {tmp_path / 'a.yaml'}, line 1" in problem.message


def test_all_problems_of_all_files_are_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(VALID.replace("2020-12", "2020-13"), encoding="utf-8")
    (tmp_path / "two.yaml").write_text(VALID.replace("sample", "other").replace("<b>answer</b>", "<u>x</u>"))
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(tmp_path)
    assert {p.file.name for p in caught.value.problems} == {"one.yaml", "two.yaml"}


def test_an_empty_folder_or_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"no \.yaml content files"):
        load_knowledge(tmp_path)
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"empty.yaml, line 1: the file is empty"):
        load_knowledge(tmp_path)


def test_a_broken_lexicon_file_names_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "synonyms.yaml").write_text(
        "de:\n  - [kosten, preis]\nfr:\n  - [prix, coût]\n", encoding="utf-8"
    )
    (tmp_path / "intents.yaml").write_text("de:\n  wish: [möchten]\n  wunsch: [wollen]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(lexicon_dir=tmp_path)
    found = {(p.file.name, p.line) for p in caught.value.problems}
    assert found == {("synonyms.yaml", 3), ("intents.yaml", 3)}, str(caught.value)
