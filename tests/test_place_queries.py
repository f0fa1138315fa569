"""Municipality names as clerks write them: "Esslingen a.N.", "Freiburg i. Br.", "Biberach/Riß",
"Schw. Gmünd", "VS-Villingen" and the like find the place; places outside BW still do not."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.regions import get_registry, normalize, search
from bot.regions.text import UMLAUTS_AE, words
from bot.regions.written_forms import heads, shortens
from models import IntakeStep
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import draft_of, walk_to

QUERIES = Path(__file__).parent / "data" / "place_queries.tsv"
REGISTRY = get_registry()


def _rows() -> list[tuple[str, str, str]]:
    with QUERIES.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [(row[0], row[1], row[2]) for row in csv.reader(lines, delimiter="\t")]


def test_the_query_list_is_real_and_large_enough() -> None:
    rows = _rows()
    assert len(rows) >= 60
    assert len({query for query, _ags, _name in rows}) == len(rows)
    for query, ags, name in rows:
        gemeinde = REGISTRY.gemeinde(ags)
        assert gemeinde is not None and gemeinde.name == name, (query, ags, name)


def test_at_least_95_percent_of_written_forms_find_the_right_gemeinde() -> None:
    rows = _rows()
    wrong = [
        (q, ags, search(q).match) for q, ags, _name in rows if getattr(search(q).match, "ags", None) != ags
    ]
    share = 1 - len(wrong) / len(rows)
    assert share >= 0.95, wrong


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Esslingen a.N.", "Esslingen am Neckar"),
        ("Esslingen a. N.", "Esslingen am Neckar"),
        ("freiburg i. br.", "Freiburg im Breisgau"),
        ("Biberach/Riß", "Biberach an der Riß"),
        ("Schw. Gmünd", "Schwäbisch Gmünd"),
        ("VS-Villingen", "Villingen-Schwenningen"),
        ("Ebersbach a.d.F.", "Ebersbach an der Fils"),
        ("Vaihingen a. d. Enz", "Vaihingen an der Enz"),
        ("Rottenburg a.N.", "Rottenburg am Neckar"),
        ("Weil a. Rh.", "Weil am Rhein"),
        ("St. Georgen", "St. Georgen im Schwarzwald"),
        ("Friedrichshall", "Bad Friedrichshall"),
        ("Schwabisch Gmund", "Schwäbisch Gmünd"),
        # The shortening that names the place wins over one that leaves letters unused.
        ("Zell u.A.", "Zell unter Aichelberg"),
        ("Neuhausen o.E.", "Neuhausen ob Eck"),
        # "St." is Sankt or Stadt, whichever the name has.
        ("Weil d. St.", "Weil der Stadt"),
        ("St.Georgen i.Schw.", "St. Georgen im Schwarzwald"),
        # A river or title the official name does not carry.
        ("Mühlacker a. d. Enz", "Mühlacker"),
        ("Tübingen, Universitätsstadt", "Tübingen"),
        ("Kehl am Rhein", "Kehl"),  # not Weil am Rhein: two typos in one short word are too many
        # A title before or after the name, written out or shortened.
        ("Gde. Ammerbuch", "Ammerbuch"),
        ("Bgm.-Amt Rottenburg a.N.", "Rottenburg am Neckar"),
        ("Tübingen Stadt", "Tübingen"),
    ],
)
def test_the_forms_named_in_the_issue_resolve(query: str, expected: str) -> None:
    result = search(query)
    assert result.match is not None and result.match.name == expected, (query, result.best)
    assert not result.ambiguous


def test_every_official_destatis_name_resolves() -> None:
    # "Esslingen am Neckar, Stadt", "Stuttgart, Landeshauptstadt": as a clerk copies it from a list.
    for gemeinde in REGISTRY.gemeinden:
        result = search(gemeinde.name_official)
        if result.ambiguous:
            assert gemeinde in [c.place for c in result.choices], gemeinde.name_official
        else:
            assert result.match is gemeinde, (gemeinde.name_official, result.best)


def test_written_forms_of_a_landkreis_resolve() -> None:
    assert search("Landkreis Schwäb. Hall").match is REGISTRY.kreis("08127")
    assert search("LK Biberach a.d. Riß").match is REGISTRY.kreis("08426")


@pytest.mark.parametrize(
    "query",
    [
        "Frankfurt a.M.",
        "Offenbach a. M.",
        "Neustadt a.d. Weinstraße",
        "Mühlheim a.d. Ruhr",
        "Halle (Saale)",
        "Hall in Tirol",
        "Lindau (Bodensee)",
        "Neu-Ulm",
        "Weißenburg i. Bay.",
        "Dillingen a.d. Donau",
        "Ludwigshafen a. Rh.",
    ],
)
def test_written_forms_outside_bw_are_not_confident(query: str) -> None:
    result = search(query)
    assert not result.confident and result.match is None and result.choices == (), (query, result.best)


def test_shortening_keeps_the_first_letter_and_the_order_of_the_rest() -> None:
    assert shortens("n", "neckar") and shortens("brsg", "breisgau") and shortens("schwaeb", "schwaebisch")
    assert shortens("st", "sankt") and shortens("st", "stadt")
    assert (
        not shortens("br", "rhein")
        and not shortens("sgb", "schwaebisch")
        and not shortens("neckar", "neckar")
    )


def test_words_mark_shortenings_initials_and_separators() -> None:
    found = words("VS-Villingen a.N./Schw. Gmünd", UMLAUTS_AE)
    assert [w.text for w in found] == ["vs", "villingen", "a", "n", "schw", "gmuend"]
    assert [w.abbreviated for w in found] == [False, False, True, True, True, False]
    assert [w.initials for w in found] == [True, False, False, False, False, False]
    assert [w.separated for w in found] == [False, True, False, False, True, False]
    assert [[w.text for w in head] for head in heads(words("Ulm/Donau", UMLAUTS_AE))] == [["ulm"]]


def test_normalize_keeps_sankt_apart_from_the_name() -> None:
    assert normalize("St.Georgen") == "sankt georgen"


@pytest.mark.parametrize(
    ("locale", "query", "step_text", "ags"),
    [
        ("de", "Esslingen a.N.", "Schritt 2 von 10", "08116019"),
        ("en", "Freiburg i. Br.", "Step 2 of 10", "08311000"),
    ],
)
async def test_the_intake_takes_a_written_form_at_once(
    harness: Harness, locale: str, query: str, step_text: str, ags: str
) -> None:
    user = TelegramUser(731, "A", locale)
    await walk_to(harness, user, IntakeStep.MUNICIPALITY)
    [reply] = await harness.text(user, query)
    assert step_text in reply.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["place"]["ags"] == ags


@pytest.mark.parametrize("query", ["S.", "Gde. B.", "St.", "a. d."])
def test_shortenings_alone_name_no_place(query: str) -> None:
    # A letter or two could be a hundred places: nothing to act on, nothing to choose from.
    result = search(query)
    assert not result.confident and result.choices == (), (query, result.best)
