"""Whether a ranked list of entries answers a question: answer, "did you mean …?", or decline.

An entry is given as the answer only when everything points to it: the classifier trained on the
entries' phrasings is sure of it and ahead of the runner-up, and the words agree – it matches the
question's words well enough, contains every key word of the question, and leaves little of the
question's weight uncovered. A question with a noun no entry knows is about something else –
unless the classifier, which also learned what lies outside the entries, is sure it is not.
The thresholds are calibrated on ``tests/data/knowledge_eval.tsv`` (see tests/test_knowledge_eval.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.services.knowledge_curated_text import TOPIC as CURATED_TOPIC
from bot.services.knowledge_model import Entry

# The entry's word match (lexical score in [0, 1]) must reach this to be the answer.
CONFIDENCE_THRESHOLD = 0.3
# The classifier's probability for the answer, and its lead over the runner-up.
PROBABILITY_MIN = 0.2
PROBABILITY_LEAD = 0.05
# The answer may leave at most this much of the question's weight uncovered (about one common word).
UNCOVERED_MAX = 1.0
# When the classifier is this sure, more of the question may stay uncovered ("Wir sind eine
# Gemeinde mit 1.800 Einwohnern, sind wir zu klein?"): the entry's own phrasings vouch for it.
# A noun no entry knows still stops an answer ("Wie melde ich einen Hund an?").
PROBABILITY_SURE = 0.7
# A question with a word no entry knows is offered as "did you mean" only when this sure.
PROBABILITY_UNKNOWN = 0.8
UNCOVERED_MAX_SURE = 4.0
# ... but never a word as specific as one that a single other entry is about ("Frist").
UNCOVERED_WORD_MAX_SURE = 2.5
# A classifier this sure of an entry, far ahead of the runner-up and sure the question is not
# outside the entries, may leave a word no entry knows and a few more words uncovered ("Wie
# schnell bekommen wir nach dem Absenden eine Rückmeldung?"); every key word must still be there.
PROBABILITY_TRUSTED = 0.7
LEAD_TRUSTED = 0.3
OUTSIDE_MAX_TRUSTED = 0.25
UNCOVERED_MAX_TRUSTED = 3.0
# A bare word that many entries share ("Termin") is answered only when the classifier is this
# sure which entry it names ("Kosten"); otherwise the closest entries are offered.
PROBABILITY_BARE_WORD = 0.75
# A question the classifier places outside the entries more likely than not is declined, not
# offered as "did you mean" ("Wie schreibt man eine gute Sitzungsvorlage?").
OUTSIDE_DECLINE = 0.5
# An answer needs the classifier to see the question clearly inside: its probability of "outside"
# below this share of the answer's own ("Wie viele Berater sind gerade frei?" asks a detail no
# entry gives, though its words are the advisors entry's).
OUTSIDE_SHARE_MAX = 0.7
# Entries scoring less than this are not even offered as "closest entries".
SUGGESTION_FLOOR = 0.15
# A best entry scoring at least this (but not sure enough to answer) is offered as "Did you mean …?".
CLARIFY_FLOOR = 0.45


@dataclass(frozen=True)
class Match:
    """An entry ranked for a question: its scores and the phrasing that fitted best."""

    entry: Entry
    score: float  # the lexical score in [0, 1]
    language: str  # the language whose phrasings matched (the user's, or the other as fallback)
    phrasing: str | None
    missing: tuple[str, ...] = ()  # the question's key words (stems) the entry does not contain
    unknown: bool = False  # the question has a noun no entry knows
    uncovered: float = 0.0  # the weight of the question's words the entry does not contain
    probability: float = 0.0  # the classifier's probability that the question is about this entry
    vague: bool = False  # the question is a single word that many entries share ("Termin")
    heaviest_uncovered: float = 0.0  # the weight of the weightiest question word the entry lacks
    outside: float = 0.0  # the classifier's probability that the question is about none of the entries


class Outcome(StrEnum):
    """What the bot does with a question: answer it, ask which entry was meant, or decline honestly."""

    ANSWER = "answer"  # a clear winner that covers the question's key words: show it as the answer
    CLARIFY = "clarify"  # close entries but no clear winner: "Did you mean …?" with them as buttons
    DECLINE = "decline"  # nothing fits: say so and offer a person


def decide(matches: tuple[Match, ...], threshold: float = CONFIDENCE_THRESHOLD) -> Outcome:
    """Answer, clarify or decline, from the ranked matches (best first)."""
    if not matches:
        return Outcome.DECLINE
    top = matches[0]
    if top.outside >= OUTSIDE_DECLINE:
        return Outcome.DECLINE
    # Only for the reviewed files' entries: a chat-made entry has few phrasings of its own, so its
    # probability is low beside "outside" even when the question is exactly one of them.
    if top.entry.topic != CURATED_TOPIC and top.outside >= OUTSIDE_SHARE_MAX * top.probability:
        return _clarify_or_decline(top, matches)
    runner_up = matches[1].probability if len(matches) > 1 else 0.0
    sure = top.probability >= PROBABILITY_MIN and top.probability - runner_up >= PROBABILITY_LEAD
    very_sure = top.probability >= PROBABILITY_SURE
    relaxed = very_sure and top.heaviest_uncovered <= UNCOVERED_WORD_MAX_SURE
    allowed = UNCOVERED_MAX_SURE if relaxed else UNCOVERED_MAX
    words_agree = top.score >= threshold and not top.missing and top.uncovered <= allowed
    named = not top.vague or top.probability >= PROBABILITY_BARE_WORD
    if sure and words_agree and not top.unknown and named:
        return Outcome.ANSWER
    trusted = (
        top.probability >= PROBABILITY_TRUSTED
        and top.probability - runner_up >= LEAD_TRUSTED
        and top.outside <= OUTSIDE_MAX_TRUSTED
    )
    # The word no entry knows is the weightiest one left open; the classifier vouches for it, so
    # only the rest of what is left open counts ("… nach dem Absenden eine Rückmeldung?").
    left_open = top.uncovered - (top.heaviest_uncovered if top.unknown else 0.0)
    if (
        trusted
        and top.score >= threshold
        and not top.missing
        and left_open <= UNCOVERED_MAX_TRUSTED
        and named
    ):
        return Outcome.ANSWER
    return _clarify_or_decline(top, matches)


def _clarify_or_decline(top: Match, matches: tuple[Match, ...]) -> Outcome:
    """Not sure enough to answer: offer the closest entries if they fit well enough, else decline."""
    best_words = max(m.score for m in matches)
    if top.unknown:
        # Something no entry names, yet the rest points clearly to one entry: offer it to choose.
        sure_of_rest = top.probability >= PROBABILITY_UNKNOWN and best_words >= CLARIFY_FLOOR
        return Outcome.CLARIFY if sure_of_rest else Outcome.DECLINE
    return Outcome.CLARIFY if best_words >= CLARIFY_FLOOR else Outcome.DECLINE
