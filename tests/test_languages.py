"""Finding a language by what people type: names in either language, endonyms, aliases, typos."""

from __future__ import annotations

import pytest

from bot.services import languages


@pytest.mark.parametrize(
    ("typed", "locale", "code"),
    [
        ("Türkisch", "de", "tr"),
        ("turkish", "en", "tr"),
        ("Tigrinisch", "de", "ti"),  # the German name people use; CLDR says "Tigrinya"
        ("Tigrinja", "de", "ti"),
        ("Farsi", "de", "fa"),
        ("Kurmandschi", "de", "ku"),
        ("Paschtu", "de", "ps"),
        ("Arabsich", "de", "ar"),  # a typo
    ],
)
def test_typed_names_find_the_language(typed: str, locale: str, code: str) -> None:
    assert languages.search(typed, locale)[0] == code
