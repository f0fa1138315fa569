"""The ranking of advisors for coordinators says in words how well each one fits, with the reasons
and no score; English explains the German administrative words the first time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.matching import AdvisorFacts, RequestNeeds, rank
from handlers import reasons
from handlers.notify import Reader

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TUEBINGEN, MOESSINGEN, REUTLINGEN, ULM, MANNHEIM = "08416041", "08416025", "08415061", "08421000", "08222000"
NEEDS = RequestNeeds(place_ags=TUEBINGEN, kreis_ags="08416", languages=("tr",), topics=("festival",))


def _reader(locale: str) -> Reader:
    return Reader(1, 1, locale, ZoneInfo("Europe/Berlin"))


def _ranking() -> list[dict[str, object]]:
    people = [
        AdvisorFacts(1, "Mehmet Demir", languages=("tr",), home_ags=MOESSINGEN, topics=("festival",)),
        AdvisorFacts(2, "Aylin Yılmaz", languages=("tr",), home_ags=ULM),
        AdvisorFacts(3, "Omid", languages=("fa",), home_ags=REUTLINGEN),
        AdvisorFacts(4, "Lena", languages=("tr",), home_ags=REUTLINGEN, topics=("festival",)),
    ]
    return rank(NEEDS, people, NOW).to_json()


def _candidate(*reason_items: dict[str, object]) -> dict[str, object]:
    return {"advisor_id": 1, "name": "X", "score": 589.0, "reasons": list(reason_items), "excluded": []}


SPEAKS_ALL = {"code": "languages", "covered": ["tr"], "missing": []}
SPEAKS_PART = {"code": "languages", "covered": ["de"], "missing": ["tr"]}
TOPIC = {"code": "topics", "matched": ["festival"], "missing": []}
NO_TOPIC = {"code": "topics", "matched": [], "missing": ["festival"]}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ((SPEAKS_ALL, {"code": "same_kreis"}, TOPIC), reasons.Fit.VERY_GOOD),
        ((SPEAKS_ALL, {"code": "same_region"}), reasons.Fit.VERY_GOOD),  # no topic asked
        ((SPEAKS_ALL, {"code": "same_kreis"}, NO_TOPIC), reasons.Fit.GOOD),
        ((SPEAKS_ALL, {"code": "same_regierungsbezirk"}, TOPIC), reasons.Fit.GOOD),
        ((SPEAKS_ALL, {"code": "served_area"}), reasons.Fit.GOOD),
        ((SPEAKS_ALL, {"code": "outside_area"}, TOPIC), reasons.Fit.LIMITED),
        ((SPEAKS_PART, {"code": "same_kreis"}, TOPIC), reasons.Fit.LIMITED),
        (({"code": "same_kreis"},), reasons.Fit.VERY_GOOD),  # no language asked
    ],
)
def test_the_words_follow_the_parts_of_the_score(items: tuple[dict[str, object], ...], expected: str) -> None:
    assert reasons.fit(_candidate(*items)) == expected


def test_the_ranking_shows_words_and_reasons_never_a_score() -> None:
    ranking = _ranking()
    english = reasons.ranking_lines(_reader("en"), ranking)
    german = reasons.ranking_lines(_reader("de"), ranking)
    assert english[0].startswith("1. <b>Mehmet Demir</b> – <i>very good fit</i>: speaks Turkish")
    assert german[0].startswith("1. <b>Mehmet Demir</b> – <i>passt sehr gut</i>: spricht Türkisch")
    by_name = {line.split("<b>")[1].split("</b>")[0]: line for line in english}
    assert "<i>good fit</i>" in by_name["Aylin Yılmaz"] and "<i>limited fit</i>" in by_name["Omid"]
    assert "<i>very good fit</i>" in by_name["Lena"]
    words = {line.split("<i>")[1].split("</i>")[0] for line in german}
    assert words == {"passt sehr gut", "passt gut", "passt eingeschränkt"}
    for line in english + german:
        # No score in brackets, e.g. "(589)" or "(8)"; kilometres and loads are reasons, not scores.
        assert not re.search(r"\(\d+(\.\d+)?\)", line), line
        assert f"{ranking[0]['score']:.0f}" not in line


def test_english_explains_kreis_once_german_needs_no_explanation() -> None:
    ranking = _ranking()
    english = "\n".join(reasons.ranking_lines(_reader("en"), ranking))
    assert english.count("lives in the same district (Kreis)") == 1
    assert english.count("lives in the same planning region (Region)") == 1
    assert "lives in the same Region" in english  # the second time without the explanation
    assert "lives in the same administrative region (Regierungsbezirk)" in english
    german = "\n".join(reasons.ranking_lines(_reader("de"), ranking))
    assert "wohnt im selben Kreis" in german and "(Kreis)" not in german
    # An advisor's own "why you" explains it too.
    why = reasons.own_reasons(_reader("en"), ranking, 1)
    assert "lives in the same district (Kreis)" in why


def test_an_incomplete_profile_is_named_in_words() -> None:
    for missing, english, german in [
        (["languages"], "profile incomplete: no languages yet", "Profil unvollständig: noch keine Sprachen"),
        (["area"], "profile incomplete: no area yet", "Profil unvollständig: noch kein Einsatzgebiet"),
        (
            ["languages", "area"],
            "profile incomplete: no languages and no area yet",
            "noch keine Sprachen und",
        ),
    ]:
        item = {"code": "incomplete_profile", "missing": missing}
        assert reasons.reason(_reader("en"), item) == english
        assert german in reasons.reason(_reader("de"), item)


def test_why_you_names_what_speaks_for_the_advisor_not_what_they_lack() -> None:
    partly = {"code": "languages", "covered": ["tr"], "missing": ["ti"]}
    ranking = [_candidate(partly, {"code": "same_kreis"})]
    why = reasons.own_reasons(_reader("de"), ranking, 1)
    assert "Türkisch" in why and "Tigrinya" not in why and "nicht" not in why
    # The coordinator's ranking still shows the gap.
    assert "Tigrinya" in "\n".join(reasons.ranking_lines(_reader("de"), ranking))
    # Nobody speaks any of the languages: no language word at all, the region still counts.
    none = {"code": "languages", "covered": [], "missing": ["ti"]}
    assert "Tigrinya" not in reasons.own_reasons(_reader("de"), [_candidate(none, {"code": "same_kreis"})], 1)
