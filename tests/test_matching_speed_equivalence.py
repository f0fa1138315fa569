"""Matching's shortcuts give what the plain formulas give: the scores worked out once per ranking,
the fairness cut-off, the column loader against whole entities, fresh reasons, the paused collector."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services.matching import (
    FAIRNESS_HORIZON,
    FAIRNESS_WEIGHT,
    LANGUAGE_WEIGHT,
    TOPIC_WEIGHT,
    AdvisorFacts,
    RequestNeeds,
    _part_scores,
    rank,
    score,
)
from bot.services.matching_data import advisor_facts, earlier_offers, facts_of, open_loads
from models import Advisor, User
from tests.matching_helpers import (
    BOEBLINGEN,
    MANNHEIM,
    MOESSINGEN,
    NOW,
    TUEBINGEN,
    TUEBINGEN_KREIS,
    ULM,
    add_advisor,
    migrated,
)

NEEDS = RequestNeeds(TUEBINGEN, TUEBINGEN_KREIS, ("tr", "ar"), ("festival", "open"))


def test_part_scores_are_the_rounded_shares() -> None:
    """Each precomputed part equals the formula rounded for that many found (up to the intake's 8)."""
    for weight in (LANGUAGE_WEIGHT, TOPIC_WEIGHT):
        assert _part_scores(weight, 0) == (0.0,)
        for asked in range(1, 9):
            assert _part_scores(weight, asked) == tuple(
                round(weight * n / asked, 3) for n in range(asked + 1)
            )


@given(st.integers(min_value=-5, max_value=200 * 86_400_000_000))
def test_fairness_matches_the_formula_around_the_horizon(microseconds: int) -> None:
    """The shortcut at and past the horizon gives what min() and round() give."""
    waited = timedelta(microseconds=microseconds)
    candidate = score(NEEDS, AdvisorFacts(1, last_assigned_at=NOW - waited), NOW)
    expected = round(FAIRNESS_WEIGHT * min(1.0, max(timedelta(0), waited) / FAIRNESS_HORIZON), 3)
    assert candidate.breakdown["fairness"] == expected


def test_edges_of_the_horizon() -> None:
    """A microsecond either side of the horizon, and the horizon itself."""
    for waited in (FAIRNESS_HORIZON - timedelta(microseconds=1), FAIRNESS_HORIZON, FAIRNESS_HORIZON * 2):
        candidate = score(NEEDS, AdvisorFacts(1, last_assigned_at=NOW - waited), NOW)
        assert candidate.breakdown["fairness"] == round(min(1.0, waited / FAIRNESS_HORIZON), 3)


def test_reasons_are_not_shared_between_candidates_or_rankings() -> None:
    """Changing one candidate's reason lists changes no other candidate and no later ranking."""
    pool = [AdvisorFacts(i, languages=("tr",), topics=("festival",), home_ags=ULM) for i in (1, 2)]
    first = rank(NEEDS, pool, NOW)
    first.candidates[0].reasons[0]["covered"].append("xx")
    assert first.candidates[1].reasons[0]["covered"] == ["tr"]
    assert rank(NEEDS, pool, NOW).candidates[0].reasons[0]["covered"] == ["tr"]


_ADVISORS = st.builds(
    AdvisorFacts,
    advisor_id=st.integers(1, 10_000),
    languages=st.sampled_from([(), ("tr",), ("ar",), ("tr", "ar"), ("uk", "de")]),
    kreise=st.sampled_from([(), (TUEBINGEN_KREIS,), ("08421",)]),
    regierungsbezirke=st.sampled_from([(), ("084",), ("081", "082")]),
    home_ags=st.sampled_from([None, TUEBINGEN, MOESSINGEN, ULM, MANNHEIM, BOEBLINGEN]),
    topics=st.sampled_from([(), ("festival",), ("fairtrade", "festival")]),
    capacity=st.integers(0, 3),
    open_load=st.integers(0, 3),
    last_assigned_at=st.one_of(
        st.none(), st.integers(-3, 200).map(lambda d: NOW - timedelta(days=d, hours=d))
    ),
)


@given(
    pool=st.lists(_ADVISORS, max_size=30, unique_by=lambda a: a.advisor_id),
    languages=st.sampled_from([(), ("tr",), ("tr", "ar", "fa")]),
    topics=st.sampled_from([(), ("open",), ("festival", "fairtrade")]),
    place=st.sampled_from([(TUEBINGEN, TUEBINGEN_KREIS), (MANNHEIM, "08222"), ("", "08421")]),
)
def test_the_ranking_orders_by_each_candidates_full_score(
    pool: list[AdvisorFacts], languages: tuple[str, ...], topics: tuple[str, ...], place: tuple[str, str]
) -> None:
    """The ranking's quick score (no breakdown, region parts shared by advisors of one home) puts the
    advisors in the order of the score each one's full breakdown gives, ties by id."""
    needs = RequestNeeds(place[0], place[1], languages, topics)
    full = sorted(pool, key=lambda a: (-score(needs, a, NOW).score, a.advisor_id))
    ranking = rank(needs, pool, NOW)
    assert [c.advisor_id for c in ranking.candidates] == [a.advisor_id for a in full]
    assert [c.score for c in ranking.candidates] == [score(needs, a, NOW).score for a in full]


async def test_column_loader_equals_facts_of_whole_entities(database_url: str) -> None:
    """The loader reading plain columns gives the facts facts_of gives for the whole entities."""
    async with migrated(database_url) as db, db.transaction() as session:
        await add_advisor(session, "Plain")
        await add_advisor(session, "Unlinked", linked=False, languages=(), kreise=("08416",))
        await add_advisor(session, "Homeless", home_ags=None, topics=(), capacity=0)
        await add_advisor(session, "Paused", paused_until=NOW + timedelta(days=3), active=False)
        await add_advisor(session, "Assigned", last_assigned_at=NOW - timedelta(days=4), kreise=("08416",))
        blocked = await add_advisor(session, "Blocked", languages=("tr", "ar", "tr"))
        user = await session.get(User, blocked.user_id)
        assert user is not None
        user.unreachable_since = NOW
        # Twice: the second time from the loader's cache, which must not differ either.
        for _ in range(2):
            loaded = await advisor_facts(session)
            rows = await session.execute(
                select(Advisor, User).outerjoin(User, User.id == Advisor.user_id).order_by(Advisor.id)
            )
            loads = await open_loads(session)
            expected = [facts_of(a, u, loads.get(a.id, 0)) for a, u in rows.tuples().all()]
            assert loaded == expected
        assert await earlier_offers(session, 1) == {}
