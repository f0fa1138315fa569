"""The knowledge base measured on a labelled set: answer, clarify or decline, and how often it is right.

``tests/data/knowledge_eval.tsv`` holds questions written fresh as municipal staff would ask them,
never copied from the entries: ``in`` (an entry answers it), ``near`` (inside the programme's
domain but phrased unlike any entry, about a detail no entry covers, or about the asker's own
request: labelled with the entry that answers it or NONE) and ``off`` (off-topic, NONE). The
thresholds were calibrated on it.

``tests/data/knowledge_heldout.tsv`` (150 questions in the same format) was written afterwards by
someone who saw neither that set nor the entries' phrasings, and measured once, untouched: precision
95.7 %, in-scope right 80 %, near-miss safe 95.6 %, off-topic declined 92 %. Since the classifier
also learns what lies outside the entries (``lexicon/outside.yaml``) and every entry has more
phrasings, written without seeing either set: precision 98.6 %, in-scope right 86 %, near-miss
safe 97.8 %, off-topic declined 96 %. After a round of vocabulary (registered associations and
migrant self-organisations, forms, BW regions, events, everyday words made weak): precision 100 %,
in-scope right 92.5 %, near-miss safe 100 %, off-topic declined 96 % (the first set: precision
98.7 %, in-scope right 95.7 %, near-miss safe 97.8 %, off-topic declined 100 %).
Its floors below guard against getting worse; tune to neither set's single questions, only to what
they show.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.services import knowledge, knowledge_try
from bot.services.knowledge import KnowledgeBase, Outcome
from bot.services.knowledge_eval import NONE, Labelled, Report, Verdict, evaluate, read_labelled

LABELLED = Path(__file__).parent / "data" / "knowledge_eval.tsv"
HELD_OUT = Path(__file__).parent / "data" / "knowledge_heldout.tsv"
# What the shipped content and retrieval reach on this set, kept from getting worse. The goal:
# 98 % precision and 92 % of in-scope questions answered right, reached on this set and the
# held-out one (most of the rest are offered as "did you mean", with the right entry among the buttons).
MIN_PRECISION = 0.98  # of confident answers (reached: 98.7 %)
MIN_IN_SCOPE_RIGHT = 0.95  # reached: 95.7 %
MIN_IN_SCOPE_OFFERED = 0.92  # answered right, or the right entry among the "did you mean" buttons
MIN_NEAR_MISS_SAFE = 0.96  # answered right, clarified or declined (reached: 97.8 %)
MIN_OFF_TOPIC_DECLINED = 0.97  # reached: 100 %


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return knowledge.knowledge_base()


@pytest.fixture(scope="module")
def report(kb: KnowledgeBase) -> Report:
    return evaluate(kb, read_labelled(LABELLED))


def test_the_labelled_set_is_large_varied_and_valid(kb: KnowledgeBase) -> None:
    items = read_labelled(LABELLED)
    kinds = Counter(item.kind for item in items)
    assert len(items) >= 150
    assert kinds["near"] >= 40 and kinds["off"] >= 20 and kinds["in"] >= 80
    assert {item.language for item in items} == {"de", "en"}
    assert len({item.question for item in items}) == len(items), "a question is listed twice"
    assert all(item.kind in ("in", "near", "off") for item in items)
    assert all(item.expected == NONE for item in items if item.kind == "off")
    unknown = {item.expected for item in items if item.expected != NONE and kb.get(item.expected) is None}
    assert not unknown, f"expected ids not in the knowledge base: {unknown}"


def test_confident_answers_are_right_and_the_rest_is_clarified_or_declined(
    report: Report, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print("\n" + "\n".join(f"  {line}" for line in report.lines()))
        print("\n".join(f"  {line}" for line in report.mistakes()))
    assert report.precision() >= MIN_PRECISION
    assert report.share("in", "right") >= MIN_IN_SCOPE_RIGHT
    assert 1 - report.share("near", "wrong") >= MIN_NEAR_MISS_SAFE
    assert report.share("off", "decline") >= MIN_OFF_TOPIC_DECLINED


@pytest.mark.parametrize(
    ("locale", "question", "wrong"),
    [
        ("de", "Welche Sprachen sprechen die Berater?", "advisor-matching"),
        ("de", "Kann ich den Termin noch verschieben?", "how-to-request"),
        ("de", "Wer ist bei Ihnen Ansprechpartner?", "become-advisor"),
        ("de", "Wie lange dauert es, bis sich eine Beraterin meldet?", "become-advisor"),
        ("en", "Which languages do your advisors speak?", "advisor-matching"),
    ],
)
def test_a_key_word_the_entry_lacks_is_never_answered_with_it(
    kb: KnowledgeBase, locale: str, question: str, wrong: str
) -> None:
    result = kb.answer(question, locale)
    assert not (result.best and result.best.entry.id == wrong)


def test_the_held_out_set_keeps_its_figures(kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    items = read_labelled(HELD_OUT)
    assert len(items) >= 150 and {item.language for item in items} == {"de", "en"}
    assert all(kb.get(item.expected) for item in items if item.expected != NONE)
    report = evaluate(kb, items)
    with capsys.disabled():
        print("\n  held-out set:\n" + "\n".join(f"  {line}" for line in report.lines()))
    assert report.precision() >= 0.98
    assert report.share("in", "right") >= 0.92  # reached: 92.5 %
    assert 1 - report.share("near", "wrong") >= 0.97
    assert report.share("off", "decline") >= 0.95


def test_in_scope_questions_are_answered_or_offered_with_the_right_entry(kb: KnowledgeBase) -> None:
    in_scope = [item for item in read_labelled(LABELLED) if item.kind == "in"]
    offered = 0
    for item in in_scope:
        result = kb.answer(item.question, item.language)
        shown = [result.best] if result.best else list(result.clarifications())
        offered += any(match.entry.id == item.expected for match in shown)
    assert offered / len(in_scope) >= MIN_IN_SCOPE_OFFERED


def test_the_answer_contains_every_key_word_of_the_question(kb: KnowledgeBase) -> None:
    for question in ("Welche Sprachen sprechen die Berater?", "Kann ich den Termin noch verschieben?"):
        result = kb.answer(question, "de")
        assert result.best is None or not result.best.missing
    # "Sprachen" names the topic of the entry on languages; the entry on an advisor's training
    # never mentions it, so it is missing there.
    ranked = {
        m.entry.id: m
        for m in kb.answer("Welche Sprachen lernen die Berater im Training?", "de", limit=50).matches
    }
    assert "sprach" in ranked["advisor-training"].missing


def _match(index: int, score: float, probability: float, **more: object) -> knowledge.Match:
    entry = knowledge.knowledge_base().entries[index]
    return knowledge.Match(entry, score, "de", None, probability=probability, **more)  # type: ignore[arg-type]


def test_an_answer_needs_a_sure_classifier_and_words_that_agree() -> None:
    decide, answer, clarify, decline = knowledge.decide, Outcome.ANSWER, Outcome.CLARIFY, Outcome.DECLINE
    assert decide((_match(0, 0.8, 0.6), _match(1, 0.5, 0.1))) is answer
    # The classifier hesitates between two entries: offer both.
    assert decide((_match(0, 0.8, 0.40), _match(1, 0.7, 0.38))) is clarify
    assert decide((_match(0, 0.8, 0.1), _match(1, 0.7, 0.05))) is clarify
    # Sure, but the words disagree: a key word is missing, or much of the question is uncovered.
    assert decide((_match(0, 0.8, 0.6, missing=("sprach",)),)) is clarify
    assert decide((_match(0, 0.8, 0.5, uncovered=3.0),)) is clarify
    assert decide((_match(0, 0.8, 0.9, uncovered=3.0, heaviest_uncovered=1.5),)) is answer  # very sure
    # ... but not a word as specific as another entry's topic, unless the classifier is sure the
    # question lies inside the entries (it learned from questions outside them too).
    specific = {"uncovered": 3.0, "heaviest_uncovered": 3.0}
    assert decide((_match(0, 0.8, 0.9, outside=0.4, **specific),)) is clarify
    assert decide((_match(0, 0.8, 0.9, outside=0.05, **specific),)) is answer
    assert decide((_match(0, 0.8, 0.9, outside=0.05, uncovered=4.0, heaviest_uncovered=3.0),)) is clarify
    # A noun no entry knows: the question is about something else; answered only when the
    # classifier is sure of one entry and sure the question is not outside, offered when the rest
    # points very clearly to one entry, declined when the classifier places it outside.
    assert decide((_match(0, 0.8, 0.6, unknown=True),)) is decline
    assert decide((_match(0, 0.8, 0.9, unknown=True, outside=0.05),)) is answer
    assert decide((_match(0, 0.8, 0.9, unknown=True, outside=0.3),)) is clarify
    # The unknown word is what is left open; the rest of the question must still be covered.
    unknown_word = {"unknown": True, "outside": 0.05, "heaviest_uncovered": 5.7}
    assert decide((_match(0, 0.6, 0.8, uncovered=5.7, **unknown_word),)) is answer
    assert decide((_match(0, 0.6, 0.8, uncovered=9.7, **unknown_word),)) is clarify
    assert decide((_match(0, 0.8, 0.3, unknown=True, outside=0.6),)) is decline
    assert decide((_match(0, 0.8, 0.3, outside=0.6),)) is decline
    # Words and classifier agree, but the classifier sees the question about as much outside the
    # entries as inside this one (a detail no answer gives): offered, not answered.
    assert decide((_match(0, 0.84, 0.47, outside=0.07),)) is answer
    assert decide((_match(0, 0.84, 0.47, outside=0.34),)) is clarify
    assert decide((_match(0, 0.2, 0.6),)) is decline
    assert decide(()) is decline


def test_the_report_counts_each_verdict() -> None:
    def verdict(kind: str, expected: str, outcome: Outcome, answered: str | None) -> Verdict:
        return Verdict(Labelled("de", f"{kind}{expected}{outcome}", expected, kind), outcome, answered)

    report = Report(
        [
            verdict("in", "costs", Outcome.ANSWER, "costs"),
            verdict("in", "costs", Outcome.ANSWER, "duration"),
            verdict("near", NONE, Outcome.CLARIFY, None),
            verdict("off", NONE, Outcome.DECLINE, None),
            verdict("off", NONE, Outcome.ANSWER, "costs"),
        ]
    )
    assert report.counts("in") == Counter(total=2, right=1, wrong=1)
    assert report.precision() == pytest.approx(1 / 3)
    assert report.share("near", "clarify") == 1.0
    assert report.share("off", "decline") == 0.5


def test_the_command_line_prints_the_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labelled = tmp_path / "few.tsv"
    labelled.write_text(
        "language\tquestion\texpected\tkind\n"
        "de\tWas kostet uns die Beratung durch MiGlobe?\tcosts\tin\n"
        "en\tHow do I renew my passport?\tNONE\toff\n",
        encoding="utf-8",
    )
    assert knowledge_try.main(["--eval", str(labelled)]) == 0
    printed = capsys.readouterr().out
    assert "in       1 questions: right    1" in printed
    assert "off      1 questions: right    0, confident wrong   0, clarified   0, declined   1" in printed
    assert "precision of confident answers: 100.0%" in printed


@pytest.mark.parametrize(("locale", "word"), [("de", "Termin"), ("de", "Berater"), ("en", "appointment")])
def test_a_bare_word_many_entries_share_is_answered_with_a_choice(
    kb: KnowledgeBase, locale: str, word: str
) -> None:
    result = kb.answer(word, locale)
    assert result.outcome is Outcome.CLARIFY
    assert len(result.clarifications()) >= 2


@pytest.mark.parametrize(
    ("locale", "word", "entry_id"),
    [("de", "Kosten", "costs"), ("de", "Datenschutz", "privacy"), ("en", "costs", "costs")],
)
def test_a_bare_word_that_names_one_topic_is_answered(
    kb: KnowledgeBase, locale: str, word: str, entry_id: str
) -> None:
    result = kb.answer(word, locale)
    assert result.best is not None and result.best.entry.id == entry_id


@pytest.mark.parametrize(
    ("locale", "question", "entry_id"),
    [
        ("de", "Gibt es das Programm noch?", "programme-today"),
        ("de", "Kann ich den Termin noch verschieben?", "reschedule"),
        ("de", "Welche Sprachen sprechen die Berater?", "advisor-languages"),
        ("de", "Wie lange dauert es, bis sich eine Beraterin meldet?", "response-time"),
        ("de", "Wer ist bei Ihnen Ansprechpartner?", "contact-person"),
        ("de", "Wer finanziert das?", "costs"),
        ("de", "Wer ist mein Berater?", "my-advisor"),
        ("de", "Kann ich meine Anfrage zurückziehen?", "cancel-request"),
        ("en", "Who is our advisor?", "my-advisor"),
        ("en", "Is the programme still running?", "programme-today"),
    ],
)
def test_questions_users_met_get_the_entry_that_answers_them(
    kb: KnowledgeBase, locale: str, question: str, entry_id: str
) -> None:
    result = kb.answer(question, locale)
    assert result.best is not None and result.best.entry.id == entry_id
