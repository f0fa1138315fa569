"""Checks of single values in knowledge-base content: as-of dates, URLs, placeholders, Telegram HTML.

Each check returns problems as ``(line within the value, message)`` so the loader can name the
content file's line; an empty list means the value is fine.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bot.services.knowledge_model import AsOf, Precision

# Every placeholder an answer or source may use, with what fills it. The caller passes the values
# (see knowledge.placeholder_values); they are HTML-escaped when filled in.
PLACEHOLDERS: dict[str, str] = {
    "contact_email": "the programme's e-mail address (setting CONTACT_EMAIL)",
    "contact_phone": "the programme's phone number (setting CONTACT_PHONE)",
    "privacy_url": "the privacy statement's URL (setting PRIVACY_URL); allowed in href and as a source",
    "draft_retention_days": "days until an unfinished request is deleted (setting DRAFT_RETENTION_DAYS)",
    "offer_response_hours": "hours an advisor has to accept an offer before the next one is asked "
    "(setting OFFER_RESPONSE_HOURS)",
}
# Placeholders that hold a URL and so may stand where a URL is expected.
URL_PLACEHOLDERS = frozenset({"privacy_url"})

# Telegram's HTML subset as this content may use it: tag -> the attributes it needs.
ALLOWED_TAGS: dict[str, frozenset[str]] = {"b": frozenset(), "i": frozenset(), "a": frozenset({"href"})}

_AS_OF = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_BRACE = re.compile(r"[{}]")
# Telegram accepts only these named entities (and numeric ones); a bare & breaks the message.
_BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});)")

Problems = list[tuple[int, str]]


def parse_as_of(value: str, today: date | None = None) -> AsOf:
    """``2022``, ``2020-12`` or ``2020-12-31`` as an :class:`AsOf`; ValueError with the reason otherwise."""
    match = _AS_OF.match(value.strip())
    if not match:
        raise ValueError(f"'as_of' must be a date like 2020-12-31, 2020-12 or 2020, not {value!r}")
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    try:
        when = date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"'as_of' {value!r} is not a real date ({exc})") from None
    if when > (today or date.today()):
        raise ValueError(f"'as_of' {value!r} lies in the future")
    precision = Precision.DAY if day else Precision.MONTH if month else Precision.YEAR
    return AsOf(when, precision)


def url_problem(value: str) -> str | None:
    """Why ``value`` is not an http(s) URL or a URL placeholder, or None when it is fine."""
    placeholder = _PLACEHOLDER.fullmatch(value)
    if placeholder:
        name = placeholder.group(1)
        if name in URL_PLACEHOLDERS:
            return None
        return f"{{{name}}} is not a URL placeholder (use one of: {', '.join(sorted(URL_PLACEHOLDERS))})"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        return f"{value!r} is not a web address (expected https://…)"
    if any(ch.isspace() for ch in value):
        return f"{value!r} contains a space"
    return None


def placeholder_problems(text: str) -> Problems:
    """Unknown ``{names}`` and stray braces in ``text``."""
    problems: Problems = []
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) not in PLACEHOLDERS:
            line = text.count("\n", 0, match.start()) + 1
            problems.append((line, f"unknown placeholder {match.group(0)} (known: {known})"))
    for match in _BRACE.finditer(_PLACEHOLDER.sub("", text)):
        problems.append(
            (1, f"stray {match.group(0)!r}: braces only mark placeholders such as {{contact_email}}")
        )
    return problems


def html_problems(text: str) -> Problems:
    """Tags outside Telegram's <b>, <i>, <a href>, unbalanced tags, bad links, unescaped & < >."""
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    problems = checker.problems
    for match in _BAD_AMPERSAND.finditer(text):
        problems.append((text.count("\n", 0, match.start()) + 1, "write &amp; for a plain '&'"))
    return problems


class _HtmlChecker(HTMLParser):
    """Collects what Telegram's HTML subset or the knowledge base does not allow in an answer."""

    def __init__(self) -> None:
        """A checker with no problems and no tag open."""
        super().__init__(convert_charrefs=False)
        self.problems: Problems = []
        self._open: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Accept only allowed tags with their allowed attributes."""
        line = self.getpos()[0]
        if tag not in ALLOWED_TAGS:
            self.problems.append((line, f"tag <{tag}> is not allowed (only <b>, <i> and <a href=…>)"))
            return
        names = {name for name, _ in attrs}
        if names != ALLOWED_TAGS[tag]:
            wanted = "exactly one attribute, href" if tag == "a" else "no attributes"
            self.problems.append((line, f"<{tag}> takes {wanted}"))
        if tag == "a":
            href = dict(attrs).get("href") or ""
            reason = url_problem(href)
            if reason:
                self.problems.append((line, f"link: {reason}"))
        self._open.append((tag, line))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Refuse self-closing tags."""
        self.problems.append((self.getpos()[0], f"<{tag}/> is not allowed"))

    def handle_endtag(self, tag: str) -> None:
        """Require closing tags in the order they were opened."""
        line = self.getpos()[0]
        if not self._open or self._open[-1][0] != tag:
            self.problems.append((line, f"</{tag}> does not close the last opened tag"))
            return
        self._open.pop()

    def handle_data(self, data: str) -> None:
        """Refuse bare angle brackets in text."""
        if "<" in data or ">" in data:
            self.problems.append((self.getpos()[0], "write &lt; and &gt; for plain '<' and '>'"))

    def handle_comment(self, data: str) -> None:
        """Refuse HTML comments."""
        self.problems.append((self.getpos()[0], "HTML comments are not allowed"))

    def close(self) -> None:
        """Report unfinished and unclosed tags at the end."""
        super().close()
        # HTMLParser keeps an unfinished tag ("<b" at the end) as raw data: report it too.
        if self.rawdata:
            self.problems.append((self.getpos()[0], "unfinished tag at the end"))
        for tag, line in self._open:
            self.problems.append((line, f"<{tag}> is never closed"))
