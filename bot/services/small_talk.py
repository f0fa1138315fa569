"""Small talk: "Danke", "Hallo", "ok", "Tschüss", "👍" – messages that are not questions at all.

Telegram-free. :func:`classify` says what kind of small talk a whole message is, or None when it
is (or contains) anything else: "Danke, und was kostet das?" is a question and goes to the
knowledge base. Such messages get a short friendly reply; they are not stored as questions, so
they never reach the coordinators or skew the statistics of unanswered questions.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

# Longer than this is not "just a thank-you" any more, whatever words it uses.
MAX_CHARACTERS = 60
MAX_WORDS = 8


class Kind(StrEnum):
    """What a small-talk message does."""

    THANKS = "thanks"
    GREETING = "greeting"
    ACKNOWLEDGEMENT = "acknowledgement"
    GOODBYE = "goodbye"
    EMOJI = "emoji"


_THANKS = """danke dankeschön dankesehr dankeschoen dank merci thanks thank thx ty thankyou cheers tks"""
_GREETING = """hallo hello hi hey heya moin moinmoin servus grüezi gruezi hallöchen halloechen huhu
    salut tag morgen abend grüß gott"""
_ACKNOWLEDGEMENT = """ok okay okey oki okidoki kk super prima toll klasse spitze perfekt perfect great
    fine gut good klar verstanden understood noted passt cool nice wunderbar top genau ja yes yep
    yeah jep alright gerne gern schön excellent awesome"""
_GOODBYE = """tschüss tschüß tschüs tschuess tschau ciao bye goodbye wiedersehen wiederhören ade adieu
    mfg lg vg grüße gruß grüsse gruss regards"""
# Words that may surround small talk without making it a question ("Vielen Dank für die Hilfe").
_FILLER = """vielen herzlichen herzlich besten tausend lieben liebe liebes recht sehr so much very a
    lot you u für die das den the for your ihre ihnen euch dir info infos information informationen
    hilfe help antwort antworten answer answers auskunft rückmeldung reply und and nochmal nochmals
    again schon mal zusammen all everyone there team leute erstmal oh ah aha ach wirklich really echt
    mega voll dear alles guten viele beste freundliche freundlichen kind best many wow
    schnelle schnell nette ausführliche quick fast prompt"""
# Multi-word phrases whose words alone would mean something else ("schönen Tag" is a goodbye).
_PHRASES: dict[tuple[str, ...], Kind] = {
    ("schönen", "tag"): Kind.GOODBYE,
    ("schönen", "tag", "noch"): Kind.GOODBYE,
    ("schönen", "abend"): Kind.GOODBYE,
    ("schönes", "wochenende"): Kind.GOODBYE,
    ("gute", "nacht"): Kind.GOODBYE,
    ("bis", "bald"): Kind.GOODBYE,
    ("bis", "dann"): Kind.GOODBYE,
    ("bis", "später"): Kind.GOODBYE,
    ("bis", "morgen"): Kind.GOODBYE,
    ("auf", "wiedersehen"): Kind.GOODBYE,
    ("auf", "wiederhören"): Kind.GOODBYE,
    ("see", "you"): Kind.GOODBYE,
    ("have", "a", "nice", "day"): Kind.GOODBYE,
    ("good", "morning"): Kind.GREETING,
    ("good", "afternoon"): Kind.GREETING,
    ("good", "evening"): Kind.GREETING,
    ("good", "day"): Kind.GREETING,
    ("alles", "klar"): Kind.ACKNOWLEDGEMENT,
    ("got", "it"): Kind.ACKNOWLEDGEMENT,
    ("sounds", "good"): Kind.ACKNOWLEDGEMENT,
    ("all", "right"): Kind.ACKNOWLEDGEMENT,
    ("no", "problem"): Kind.ACKNOWLEDGEMENT,
    ("kein", "problem"): Kind.ACKNOWLEDGEMENT,
    ("thank", "you"): Kind.THANKS,
}
_LONGEST_PHRASE = max(len(phrase) for phrase in _PHRASES)
# When a message mixes kinds ("Super, danke!"), the reply fits the first of these it contains.
_PRIORITY = (Kind.THANKS, Kind.GOODBYE, Kind.GREETING, Kind.ACKNOWLEDGEMENT)
# Emoticons typed as characters count like emoji.
_EMOTICON = re.compile(r"^(?:[:;=8][-']?[()\[\]DPp*|/\\]+|<3|\^\^|\^_\^|[xX]D)+$")


def _words(text: str) -> dict[str, Kind | None]:
    """Filler words: allowed around small talk, but no small talk on their own."""
    return {word: None for word in text.split()}


_VOCABULARY: dict[str, Kind | None] = {
    **_words(_FILLER),
    **{word: Kind.THANKS for word in _THANKS.split()},
    **{word: Kind.GREETING for word in _GREETING.split()},
    **{word: Kind.ACKNOWLEDGEMENT for word in _ACKNOWLEDGEMENT.split()},
    **{word: Kind.GOODBYE for word in _GOODBYE.split()},
}


def _tokens(text: str) -> list[str]:
    """The message's words, lower case; everything that is not a letter separates words."""
    cleaned = "".join(ch if ch.isalpha() else " " for ch in text.casefold())
    return cleaned.split()


def _only_emoji(text: str) -> bool:
    """Whether ``text`` consists of pictographs (and spaces or punctuation), e.g. "👍🙏" or ":-)"."""
    compact = "".join(text.split())
    if _EMOTICON.match(compact):
        return True
    symbols = [ch for ch in compact if unicodedata.category(ch) == "So"]
    # Joiners, variation selectors and skin tones belong to the emoji; letters or digits do not.
    others = [
        ch
        for ch in compact
        if unicodedata.category(ch) not in ("So", "Sk", "Mn", "Cf", "Po", "Pd", "Ps", "Pe")
        and not ("\U0001f3fb" <= ch <= "\U0001f3ff")
    ]
    return bool(symbols) and not others


def _kinds(tokens: list[str]) -> set[Kind] | None:
    """The kinds of small talk in ``tokens``, or None as soon as one word is not small talk."""
    found: set[Kind] = set()
    i = 0
    while i < len(tokens):
        for size in range(min(_LONGEST_PHRASE, len(tokens) - i), 1, -1):
            kind = _PHRASES.get(tuple(tokens[i : i + size]))
            if kind is not None:
                found.add(kind)
                i += size
                break
        else:
            if tokens[i] not in _VOCABULARY:
                return None
            single = _VOCABULARY[tokens[i]]
            if single is not None:
                found.add(single)
            i += 1
    return found


def classify(text: str) -> Kind | None:
    """The kind of small talk the whole of ``text`` is, or None for a question or anything else."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_CHARACTERS:
        return None
    if _only_emoji(stripped):
        return Kind.EMOJI
    tokens = _tokens(stripped)
    if not tokens or len(tokens) > MAX_WORDS or any(ch.isdigit() for ch in stripped):
        return None
    kinds = _kinds(tokens)
    if not kinds:
        return None
    return next(kind for kind in _PRIORITY if kind in kinds)
