"""Region registry and name search: counts, lookups, distances and what people type for a place."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from bot.regions import (
    LANDKREIS,
    STADTKREIS,
    Gemeinde,
    Kreis,
    SearchResult,
    distance_km,
    get_registry,
    normalize,
    search,
)
from bot.regions.registry import load_registry

REGISTRY = get_registry()
DUPLICATE_NAMES = {
    "Altdorf",
    "Altheim",
    "Dürnau",
    "Hochdorf",
    "Malsch",
    "Rosenberg",
    "Schömberg",
    "Talheim",
}


def _only(name: str) -> Gemeinde:
    found = [g for g in REGISTRY.gemeinden if g.name == name]
    assert len(found) == 1, f"{name!r} is not a unique Gemeinde name: {found}"
    return found[0]


def _chosen(result: SearchResult) -> list[Gemeinde | Kreis]:
    return [c.place for c in result.choices]


def _assert_finds(result: SearchResult, place: Gemeinde | Kreis) -> None:
    """``place`` is the confident top hit, or one of the ask-which choices."""
    assert result.confident, f"{result.query!r}: nothing confident, best {result.best}"
    if result.ambiguous:
        assert any(p is place for p in _chosen(result)), (result.query, _chosen(result))
    else:
        assert result.match is place, (result.query, result.best)


def _assert_not_in_bw(result: SearchResult) -> None:
    assert not result.confident, (result.query, result.best)
    assert result.match is None
    assert result.choices == ()
    assert all(not c.confident for c in result.candidates)


# --- registry ---------------------------------------------------------------------------------


def test_counts() -> None:
    assert len(REGISTRY.gemeinden) == 1101
    assert len({g.ags for g in REGISTRY.gemeinden}) == 1101
    assert len(REGISTRY.kreise) == 44
    kinds = Counter(k.kind for k in REGISTRY.kreise)
    assert kinds == {LANDKREIS: 35, STADTKREIS: 9}
    assert len(REGISTRY.regionen) == 12
    assert REGISTRY.regierungsbezirke == ("Stuttgart", "Karlsruhe", "Freiburg", "Tübingen")


def test_get_registry_is_a_cached_singleton() -> None:
    assert get_registry() is get_registry() is REGISTRY


def test_every_gemeinde_belongs_to_exactly_one_kreis_and_region() -> None:
    in_kreise = [g for k in REGISTRY.kreise for g in REGISTRY.gemeinden_in_kreis(k.ags)]
    assert sorted(g.ags for g in in_kreise) == sorted(g.ags for g in REGISTRY.gemeinden)
    region_kreise = [ags for r in REGISTRY.regionen for ags in r.kreis_ags]
    assert sorted(region_kreise) == sorted(k.ags for k in REGISTRY.kreise)
    for g in REGISTRY.gemeinden:
        kreis = REGISTRY.kreis_of(g)
        assert (kreis.name, kreis.kind) == (g.kreis, g.kreis_kind)
        assert (kreis.region, kreis.regierungsbezirk) == (g.region, g.regierungsbezirk)
        assert g.ags.startswith(kreis.ags)
        assert 47.5 < g.lat < 49.8 and 7.5 < g.lon < 10.5
        assert g.population > 0 and len(g.plz) == 5


def test_stadtkreise_are_one_gemeinde_each() -> None:
    for kreis in REGISTRY.kreise:
        members = REGISTRY.gemeinden_in_kreis(kreis.ags)
        if kreis.kind == STADTKREIS:
            assert len(members) == 1 and members[0].ags == f"{kreis.ags}000"
            assert members[0].kind == STADTKREIS
        else:
            assert len(members) > 1


def test_gemeinden_per_regierungsbezirk_match_the_source() -> None:
    counts = Counter(g.regierungsbezirk for g in REGISTRY.gemeinden)
    assert counts == {"Stuttgart": 343, "Karlsruhe": 210, "Freiburg": 294, "Tübingen": 254}


def test_lookup_by_ags() -> None:
    stuttgart = REGISTRY.gemeinde("08111000")
    assert stuttgart is not None and stuttgart.name == "Stuttgart"
    assert REGISTRY.gemeinde("08 111 000") is stuttgart
    assert REGISTRY.gemeinde(" 08111 000 ") is stuttgart
    assert REGISTRY.gemeinde("09162000") is None  # München
    assert REGISTRY.gemeinde("") is None
    tuebingen = REGISTRY.gemeinde("08416041")
    assert tuebingen is not None
    assert tuebingen.name == "Tübingen"
    assert tuebingen.name_official == "Tübingen, Universitätsstadt"
    assert tuebingen.kind == "Große Kreisstadt"
    assert tuebingen.label == "Tübingen, Landkreis Tübingen"


def test_kreis_lookup_and_display_names() -> None:
    tuebingen = REGISTRY.kreis("08416")
    assert tuebingen is not None
    assert (tuebingen.name, tuebingen.display_name) == ("Tübingen", "Landkreis Tübingen")
    heilbronn_city = REGISTRY.kreis("08 121")
    assert heilbronn_city is not None
    assert (heilbronn_city.name, heilbronn_city.kind) == ("Heilbronn", STADTKREIS)
    assert heilbronn_city.display_name == "Stadtkreis Heilbronn"
    ortenau = REGISTRY.kreis("08317")
    assert ortenau is not None and ortenau.display_name == "Ortenaukreis"
    assert REGISTRY.kreis("09162") is None
    # No Destatis suffix leaks into names.
    assert all("," not in k.name for k in REGISTRY.kreise)


def test_region_lookup() -> None:
    neckar_alb = REGISTRY.region("0841")
    assert neckar_alb is not None
    assert neckar_alb.name == "Region Neckar-Alb"
    assert neckar_alb.regierungsbezirk == "Tübingen"
    assert neckar_alb.kreis_ags == ("08415", "08416", "08417")
    assert REGISTRY.region("0999") is None


def test_gemeinden_of_a_kreis() -> None:
    members = REGISTRY.gemeinden_in_kreis("08416")
    assert {g.kreis for g in members} == {"Tübingen"}
    assert "Rottenburg am Neckar" in {g.name for g in members}
    assert [g.ags for g in members] == sorted(g.ags for g in members)
    assert REGISTRY.gemeinden_in_kreis("09162") == ()


def test_lookup_by_postcode() -> None:
    assert [g.name for g in REGISTRY.by_postcode("70173")] == ["Stuttgart"]
    shared = REGISTRY.by_postcode("88422")
    assert len(shared) > 1 and all(g.plz == "88422" for g in shared)
    assert REGISTRY.by_postcode("10115") == ()  # Berlin
    for g in REGISTRY.gemeinden:
        assert g in REGISTRY.by_postcode(g.plz)


def test_duplicate_names_are_the_eight_from_source_md() -> None:
    counts = Counter(g.name for g in REGISTRY.gemeinden)
    assert {name for name, n in counts.items() if n > 1} == DUPLICATE_NAMES
    assert all(counts[name] == 2 for name in DUPLICATE_NAMES)


def test_loading_twice_gives_equal_data() -> None:
    fresh = load_registry()
    assert fresh is not REGISTRY
    assert fresh.gemeinden == REGISTRY.gemeinden
    assert fresh.kreise == REGISTRY.kreise


# --- distances --------------------------------------------------------------------------------


def test_distance_stuttgart_karlsruhe() -> None:
    stuttgart, karlsruhe = _only("Stuttgart"), _only("Karlsruhe")
    assert 62 <= distance_km(stuttgart, karlsruhe) <= 66
    assert distance_km(stuttgart, karlsruhe) == pytest.approx(distance_km(karlsruhe, stuttgart))
    assert distance_km(stuttgart, stuttgart) == 0


def test_distance_from_coordinates() -> None:
    stuttgart, ulm = _only("Stuttgart"), _only("Ulm")
    assert distance_km((stuttgart.lat, stuttgart.lon), ulm) == pytest.approx(distance_km(stuttgart, ulm))
    # One degree of latitude is ~111.2 km everywhere.
    assert distance_km((48.0, 9.0), (49.0, 9.0)) == pytest.approx(111.2, abs=0.2)
    # A degree of longitude shrinks with cos(latitude).
    assert distance_km((48.0, 9.0), (48.0, 10.0)) == pytest.approx(
        111.2 * math.cos(math.radians(48.0)), abs=0.3
    )


def test_distances_within_bw_are_plausible() -> None:
    # BW spans about 230 km north-south and 230 km east-west.
    freiburg, wertheim = _only("Freiburg im Breisgau"), _only("Wertheim")
    assert 200 < distance_km(freiburg, wertheim) < 300
    assert distance_km(_only("Heidelberg"), _only("Mannheim")) < 20


# --- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Großbottwar", "grossbottwar"),
        ("Schwäbisch Gmünd", "schwaebisch gmuend"),
        ("  TÜBINGEN ", "tuebingen"),
        ("St. Georgen im Schwarzwald", "sankt georgen im schwarzwald"),
        ("St Georgen", "sankt georgen"),
        ("Rheinfelden (Baden)", "rheinfelden baden"),
        ("Villingen-Schwenningen", "villingen schwenningen"),
        ("Lahr/Schwarzwald", "lahr schwarzwald"),
        ("Tu\u0308bingen", "tuebingen"),  # decomposed umlaut as some keyboards send it
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- search: every Gemeinde -------------------------------------------------------------------


def test_every_gemeinde_is_found_by_its_exact_name() -> None:
    for g in REGISTRY.gemeinden:
        result = search(g.name)
        _assert_finds(result, g)
        # An exact name always ranks first among its equals, marked exact.
        top = result.candidates[0]
        assert top.exact and top.score == 100
        if g.name not in DUPLICATE_NAMES:
            assert top.place is g, (g.name, top.place)


def test_duplicate_names_ask_which_with_kreis_for_disambiguation() -> None:
    for name in DUPLICATE_NAMES:
        result = search(name)
        namesakes = {g.ags for g in REGISTRY.gemeinden if g.name == name}
        assert result.ambiguous and result.match is None
        assert namesakes <= {p.ags for p in _chosen(result)}
        labels = [c.label for c in result.choices]
        assert len(set(labels)) == len(labels)  # the Kreis tells them apart


def test_every_gemeinde_is_found_by_its_ags() -> None:
    for g in REGISTRY.gemeinden:
        for query in (g.ags, f"{g.ags[:2]} {g.ags[2:5]} {g.ags[5:]}"):
            result = search(query)
            assert result.match is g, query
            assert result.candidates[0].exact


def test_every_gemeinde_is_found_without_umlauts_and_in_capitals() -> None:
    def variants(name: str) -> set[str]:
        spelled = name.replace("ß", "ss")
        ae = spelled.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
        ae = ae.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
        plain = spelled.translate(str.maketrans("äöüÄÖÜ", "aouAOU"))
        return {ae, plain, name.upper(), name.lower()}

    for g in REGISTRY.gemeinden:
        for query in variants(g.name):
            _assert_finds(search(query), g)


def test_every_sankt_name_is_found_both_ways() -> None:
    saints = [g for g in REGISTRY.gemeinden if g.name.startswith("St. ")]
    assert len(saints) >= 5
    for g in saints:
        rest = g.name.removeprefix("St. ")
        for query in (f"Sankt {rest}", f"St {rest}", f"st.{rest}"):
            _assert_finds(search(query), g)


# --- search: what people type -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Stuttgart", "Stuttgart"),
        ("stuttgart", "Stuttgart"),
        ("STUTTGART", "Stuttgart"),
        ("Stuttgrat", "Stuttgart"),
        ("Karlsruh", "Karlsruhe"),
        ("Heidelburg", "Heidelberg"),
        ("Freiburk", "Freiburg im Breisgau"),
        ("Schwaebisch Gmuend", "Schwäbisch Gmünd"),
        ("Schwabisch Gmund", "Schwäbisch Gmünd"),
        ("Schwaebisch Gmund", "Schwäbisch Gmünd"),
        ("Tuebingen", "Tübingen"),
        ("Tubingen", "Tübingen"),
        ("Großbottwar", "Großbottwar"),
        ("Grossbottwar", "Großbottwar"),
        ("Grosbottwar", "Großbottwar"),
        ("St. Georgen im Schwarzwald", "St. Georgen im Schwarzwald"),
        ("Sankt Georgen im Schwarzwald", "St. Georgen im Schwarzwald"),
        ("Sankt Georgen", "St. Georgen im Schwarzwald"),
        ("St. Georgen", "St. Georgen im Schwarzwald"),
        ("Freiburg", "Freiburg im Breisgau"),
        ("Villingen", "Villingen-Schwenningen"),
        ("Villingen Schwenningen", "Villingen-Schwenningen"),
        ("Rheinfelden", "Rheinfelden (Baden)"),
        ("Rheinfelden Baden", "Rheinfelden (Baden)"),
        ("Weil am Rhein", "Weil am Rhein"),
        ("Friedrichshafen", "Friedrichshafen"),
        ("Esslingen", "Esslingen am Neckar"),
        ("Lahr", "Lahr/Schwarzwald"),
        ("Stadt Tübingen", "Tübingen"),
        ("Gemeinde Großbottwar", "Großbottwar"),
        ("Große Kreisstadt Ludwigsburg", "Ludwigsburg"),
        ("Stadtkreis Heilbronn", "Heilbronn"),
    ],
)
def test_search_finds_the_gemeinde(query: str, expected: str) -> None:
    result = search(query)
    assert result.match is _only(expected), (query, result.best)
    assert not result.ambiguous


def test_exact_beats_short_form_beats_typo() -> None:
    exact = search("Freiburg im Breisgau").candidates[0]
    short = search("Freiburg").candidates[0]
    typo = search("Freiburk").candidates[0]
    assert exact.exact and not short.exact and not typo.exact
    assert exact.score > short.score > typo.score
    assert all(c.confident for c in (exact, short, typo))


def test_schwenningen_asks_between_the_gemeinde_and_villingen_schwenningen() -> None:
    # Schwenningen is a Gemeinde (Landkreis Sigmaringen) and half of Villingen-Schwenningen.
    result = search("Schwenningen")
    assert result.ambiguous
    chosen = _chosen(result)
    assert _only("Schwenningen") in chosen and _only("Villingen-Schwenningen") in chosen
    assert result.best is not None and result.best.place is _only("Schwenningen")


def test_short_form_shared_by_several_gemeinden_asks_which() -> None:
    result = search("Weil")
    assert result.ambiguous
    assert {p.name for p in _chosen(result)} == {
        "Weil am Rhein",
        "Weil der Stadt",
        "Weil im Schönbuch",
    }


def test_talheim_asks_which_and_the_kreis_settles_it() -> None:
    result = search("Talheim")
    assert result.ambiguous and result.match is None
    chosen = _chosen(result)
    assert len(chosen) == 2
    assert {p.kreis for p in chosen if isinstance(p, Gemeinde)} == {"Heilbronn", "Tuttlingen"}
    for choice in result.choices:
        assert isinstance(choice.place, Gemeinde)
        # The label shown to the user, typed back, selects exactly that Talheim.
        assert search(choice.label).match is choice.place
        assert search(f"Talheim {choice.place.kreis}").match is choice.place


@pytest.mark.parametrize(
    ("query", "kreis_ags"),
    [
        ("Landkreis Tübingen", "08416"),
        ("Landkreis Tuebingen", "08416"),
        ("Kreis Esslingen", "08116"),
        ("LK Ludwigsburg", "08118"),
        ("Lkr. Ludwigsburg", "08118"),
        ("Landratsamt Böblingen", "08115"),
        ("Landkreis Heilbronn", "08125"),
        ("Landkreis Karlsruhe", "08215"),
        ("Ortenaukreis", "08317"),
        ("Ortenau", "08317"),
        ("Rems-Murr-Kreis", "08119"),
        ("Kreis Rems-Murr", "08119"),
        ("Landkreis Ludwigsbrug", "08118"),
        ("08416", "08416"),
    ],
)
def test_search_finds_the_landkreis(query: str, kreis_ags: str) -> None:
    result = search(query)
    assert result.match is REGISTRY.kreis(kreis_ags), (query, result.best)


def test_bare_town_name_means_the_town_not_the_landkreis() -> None:
    for name in ("Tübingen", "Ludwigsburg", "Heilbronn", "Karlsruhe", "Biberach an der Riß"):
        result = search(name)
        assert isinstance(result.best and result.best.place, Gemeinde), name
        assert result.best is not None and result.best.place.name == name
        if not result.ambiguous:
            assert result.match is result.best.place
    # The Landkreis is still offered further down, for "did you mean the Landkreis?".
    places = [c.place for c in search("Tübingen").candidates]
    assert REGISTRY.kreis("08416") in places


def test_stadtkreis_ags_finds_its_gemeinde() -> None:
    assert search("08221").match is _only("Heidelberg")


def test_search_by_postcode() -> None:
    assert search("70173").match is _only("Stuttgart")
    tuebingen = _only("Tübingen")
    assert search(tuebingen.plz).match is tuebingen
    with_name = search(f"{tuebingen.plz} Tübingen")
    assert with_name.match is tuebingen and with_name.query == f"{tuebingen.plz} Tübingen"
    # An unknown name after a postcode falls back to the postcode.
    assert search(f"{tuebingen.plz} Xyzzyqwerty").match is tuebingen
    shared = search("88422", limit=2)
    assert shared.ambiguous
    # Every Gemeinde with that seat postcode is offered, even beyond the limit.
    assert {p.ags for p in _chosen(shared)} == {g.ags for g in REGISTRY.by_postcode("88422")}
    assert len(shared.candidates) == len(shared.choices)


def test_unknown_codes_find_nothing() -> None:
    for query in ("10115", "09162000", "08999", "123", "0811100"):
        result = search(query)
        assert result.candidates == () and not result.confident, query


@pytest.mark.parametrize(
    "query",
    [
        "München",
        "Muenchen",
        "Berlin",
        "Paris",
        "Hamburg",
        "Köln",
        "Frankfurt",
        "Wien",
        "xyzzy qwerty",
        "Basel",
        "Straßburg",
        "Ludwigshafen",
        "Memmingen",
        "Darmstadt",
        "Regensburg",
    ],
)
def test_places_outside_bw_are_not_confident(query: str) -> None:
    _assert_not_in_bw(search(query))


def test_near_misses_are_offered_but_not_confident() -> None:
    # "Ludwigshafen" is in Rhineland-Palatinate; Bodman-Ludwigshafen may still be meant.
    result = search("Ludwigshafen")
    assert result.best is not None and result.best.place is _only("Bodman-Ludwigshafen")
    assert not result.confident
    # A word prefix only suggests.
    prefix = search("Schwäbisch")
    assert not prefix.confident
    assert {_only("Schwäbisch Gmünd"), _only("Schwäbisch Hall")} <= {c.place for c in prefix.candidates}


def test_empty_query_finds_nothing() -> None:
    for query in ("", "   ", "--"):
        result = search(query)
        assert result.candidates == () and result.best is None and result.match is None


def test_candidates_are_ranked_and_limited() -> None:
    for query in ("Tübingen", "Stuttgrat", "Bad", "Talheim", "Neustadt"):
        result = search(query, limit=3)
        scores = [c.score for c in result.candidates]
        assert scores == sorted(scores, reverse=True), query
        assert all(0 <= s <= 100 for s in scores)
        assert len(result.candidates) <= max(3, len(result.choices))
        assert all(c in result.candidates for c in result.choices)
    assert len(search("Stuttgart", limit=1).candidates) == 1
