"""Recognising messages that ask to start a request ("Wir möchten eine Beratung") rather than a fact.

A message counts as an intake wish when it names an object (Beratung, kickoff talk) together with a
wish (möchten, would like) or an action (anfragen, book), and no blocking word (negation, withdraw,
become an advisor). A message phrased as a question ("Können auch Landkreise eine Beratung
anfragen?", "Which municipalities can request advice?") asks who, what or whether: it counts only
with a first-person wish ("Wir möchten …, geht das?"); otherwise it gets an answer, which may end
with the request button. The word lists live in the content folder's ``lexicon/intents.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.services.knowledge_model import Lexicon
from bot.services.text_analysis import Analyzer


class Intent(StrEnum):
    """What a message wants besides an answer."""

    NONE = "none"
    INTAKE = "intake"  # wants to request a kickoff talk: offer /anfrage


class IntentDetector:
    """Intake-wish detection for one language, on Snowball stems so any inflection matches."""

    def __init__(self, analyzer: Analyzer, lexicon: Lexicon) -> None:
        """Stem the lexicon's intake phrases for the analyzer's language."""
        self._analyzer = analyzer
        language = analyzer.language
        self._wish = self._phrases(lexicon.intake_wish.get(language, ()))
        self._action = self._phrases(lexicon.intake_action.get(language, ()))
        self._object = self._phrases(lexicon.intake_object.get(language, ()))
        self._block = self._phrases(lexicon.intake_block.get(language, ()))
        self._question = frozenset(self._analyzer.stem(w) for w in lexicon.intake_question.get(language, ()))
        self._request = self._phrases(lexicon.intake_request.get(language, ()))

    def _phrases(self, items: Iterable[str]) -> frozenset[tuple[str, ...]]:
        """The phrases as tuples of stems."""
        return frozenset(stems for item in items if (stems := tuple(self._analyzer.stems(item))))

    def detect(self, text: str) -> Intent:
        """INTAKE when ``text`` asks to start a request, else NONE."""
        stems = self._analyzer.stems(text)
        present = {tuple(stems[i : i + n]) for n in (1, 2, 3) for i in range(len(stems) - n + 1)}
        if present & self._block or not present & self._object:
            return Intent.NONE
        if stems and stems[0] in self._question:
            return Intent.INTAKE if present & self._request else Intent.NONE
        return Intent.INTAKE if present & (self._wish | self._action) else Intent.NONE
