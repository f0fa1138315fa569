"""Cleaning and validating what people type into the intake: names, roles, e-mail, phone, free text.

Each ``clean_*`` function returns the normalised value or raises :class:`Invalid` with a
:class:`Problem` the handlers turn into a message in the user's language.
"""

from __future__ import annotations

import enum
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

NAME_MAX = 100
ROLE_MAX = 100
EMAIL_MAX = 254
GOALS_MAX = 1000
TOPIC_OTHER_MAX = 200
SEARCH_MAX = 100

# Categories that never belong in a stored answer: controls, format chars (bidi overrides,
# zero-width joiners), unassigned and private-use code points, lone surrogates.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs"})
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


class Problem(enum.StrEnum):
    """Why an answer was refused."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    NO_LETTERS = "no_letters"
    EMAIL = "email"
    PHONE = "phone"


class Invalid(ValueError):
    """An answer that cannot be used; ``limit`` is the maximum length where that matters."""

    def __init__(self, problem: Problem, limit: int = 0) -> None:
        """An input problem and the limit it broke."""
        super().__init__(problem.value)
        self.problem = problem
        self.limit = limit


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Unicode-normalise (NFC), drop invisible and control characters, collapse spaces.

    ``multiline`` keeps line breaks (at most one empty line in a row); otherwise they become spaces.
    """
    text = unicodedata.normalize("NFC", text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for line in lines:
        line = "".join(ch for ch in line if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
        kept.append(_SPACES.sub(" ", line).strip())
    if not multiline:
        return " ".join(part for part in kept if part)
    joined = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def has_letters(text: str) -> bool:
    """Whether ``text`` contains at least one letter (emoji-only or digits-only answers do not)."""
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def _checked(text: str, maximum: int, *, minimum: int = 1, multiline: bool = False) -> str:
    """The text trimmed, or Invalid when it is empty, too long or has line breaks."""
    # Length is checked on what the user typed, so the limit they are told matches what they see.
    if len(text.strip()) > maximum:
        raise Invalid(Problem.TOO_LONG, maximum)
    value = clean_text(text, multiline=multiline)
    if not value:
        raise Invalid(Problem.EMPTY)
    if not has_letters(value):
        raise Invalid(Problem.NO_LETTERS)
    if len(value) < minimum:
        raise Invalid(Problem.TOO_SHORT)
    return value


def clean_name(text: str) -> str:
    """A person's name: 2–100 characters with at least one letter."""
    return _checked(text, NAME_MAX, minimum=2)


def clean_role(text: str) -> str:
    """A department or role: 2–100 characters with at least one letter."""
    return _checked(text, ROLE_MAX, minimum=2)


def clean_goals(text: str) -> str:
    """Goals and context: up to 1000 characters with at least one letter; line breaks kept."""
    return _checked(text, GOALS_MAX, multiline=True)


def clean_topic_other(text: str) -> str:
    """A topic of the municipality's own: up to 200 characters with at least one letter."""
    return _checked(text, TOPIC_OTHER_MAX, minimum=2)


def clean_email(text: str) -> str:
    """A syntactically valid e-mail address (no DNS lookup), its domain normalised."""
    value = clean_text(text)
    if not value:
        raise Invalid(Problem.EMPTY)
    if len(value) > EMAIL_MAX:
        raise Invalid(Problem.TOO_LONG, EMAIL_MAX)
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise Invalid(Problem.EMAIL) from None
    return result.normalized


def clean_phone(text: str, region: str = "DE") -> str:
    """A valid phone number in E.164 (``+497111234567``); numbers without ``+`` are German."""
    value = clean_text(text)
    if not value:
        raise Invalid(Problem.EMPTY)
    if len(value) > 40:
        raise Invalid(Problem.TOO_LONG, 40)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise Invalid(Problem.PHONE) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid(Problem.PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """A stored E.164 number as people read it: "+49 711 1234567"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_search(text: str) -> str:
    """A search query (municipality, language): cleaned; empty or over-long is refused."""
    if len(text.strip()) > SEARCH_MAX:
        raise Invalid(Problem.TOO_LONG, SEARCH_MAX)
    value = clean_text(text)
    if not value:
        raise Invalid(Problem.EMPTY)
    if not has_letters(value) and not value.replace(" ", "").isdigit():
        raise Invalid(Problem.NO_LETTERS)
    return value
