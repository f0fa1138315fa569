"""A ranking orders by the scores alone and builds a candidate's reasons only when it is looked at;
an offer keeps the best candidates and its own advisor's entry, not everyone."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services import matching, offers
from bot.services.matching import AdvisorFacts, RequestNeeds, rank, score
from bot.services.matching_ranking import RECORDED_CANDIDATES
from bot.services.offer_results import OfferOutcome
from models import Offer
from tests.matching_helpers import (
    BOEBLINGEN,
    MANNHEIM,
    NOW,
    TUEBINGEN,
    TUEBINGEN_KREIS,
    ULM,
    add_advisor,
    add_request,
    add_user,
    migrated,
)

NEEDS = RequestNeeds(TUEBINGEN, TUEBINGEN_KREIS, ("tr", "ar"), ("festival", "open"))

_advisors = st.builds(
    AdvisorFacts,
    advisor_id=st.integers(1, 10_000),
    languages=st.lists(st.sampled_from(["tr", "ar", "ru", "uk"]), max_size=3).map(tuple),
    kreise=st.lists(st.sampled_from([TUEBINGEN_KREIS, "08415", "08222"]), max_size=2).map(tuple),
    regierungsbezirke=st.lists(st.sampled_from(["081", "084"]), max_size=2).map(tuple),
    home_ags=st.sampled_from([None, TUEBINGEN, ULM, MANNHEIM, BOEBLINGEN]),
    topics=st.lists(st.sampled_from(["festival", "school", "open"]), max_size=2).map(tuple),
    capacity=st.integers(0, 3),
    open_load=st.integers(0, 3),
    active=st.booleans(),
    reachable=st.booleans(),
    paused_until=st.sampled_from([None, NOW - timedelta(days=1), NOW + timedelta(days=1)]),
    last_assigned_at=st.sampled_from([None, NOW - timedelta(days=3), NOW - timedelta(days=400)]),
    offered_before=st.sampled_from([None, "declined"]),
)


def _alike(count: int) -> list[AdvisorFacts]:
    """``count`` advisors alike but for their ids (1 …), so that the ids give the order."""
    return [
        AdvisorFacts(n, languages=("tr",), regierungsbezirke=("084",), home_ags=ULM)
        for n in range(1, count + 1)
    ]


@settings(max_examples=150, deadline=None)
@given(st.lists(_advisors, max_size=25, unique_by=lambda a: a.advisor_id))
def test_the_quick_order_is_the_order_of_the_full_candidates(pool: list[AdvisorFacts]) -> None:
    """Ordered by the scores alone, the ranking is what scoring everyone in full and sorting gives,
    and its best and eligible candidates are the full candidates' ones."""
    full = sorted((score(NEEDS, a, NOW) for a in pool), key=lambda c: (-c.score, c.advisor_id))
    ranking = rank(NEEDS, pool, NOW)
    assert ranking.best == next((c for c in full if c.eligible), None)
    assert ranking.eligible == tuple(c for c in full if c.eligible)
    assert ranking.candidates == tuple(full)
    assert len(ranking) == len(pool)


def test_only_the_candidates_looked_at_are_built(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Finding the best of 300 advisors and keeping the record of an offer builds 20 candidates."""
    built: list[int] = []
    full = matching._score

    def counted(asked, advisor, now):  # type: ignore[no-untyped-def]
        built.append(advisor.advisor_id)
        return full(asked, advisor, now)

    monkeypatch.setattr(matching, "_score", counted)
    pool = _alike(300)
    ranking = rank(NEEDS, pool, NOW)
    assert built == []
    best = ranking.best
    assert best is not None and best.advisor_id == 1 and built == [1]
    ranking.record(best.advisor_id)
    assert len(built) == RECORDED_CANDIDATES


def test_the_record_keeps_the_best_and_the_offered_advisor() -> None:
    """The record holds the best candidates in order, and a hand offer's advisor from further down."""
    pool = _alike(40)
    ranking = rank(NEEDS, pool, NOW)
    best_first = [c["advisor_id"] for c in ranking.record(1)]
    assert best_first == list(range(1, RECORDED_CANDIDATES + 1))
    further_down = [c["advisor_id"] for c in ranking.record(35)]
    assert further_down == [*range(1, RECORDED_CANDIDATES + 1), 35]
    assert ranking.record(35)[-1] == ranking.candidates[34].to_json()


async def test_an_offer_stores_the_best_candidates_not_everyone(database_url: str) -> None:
    """With more advisors than the record keeps, the offer's stored ranking is the record."""
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            for n in range(RECORDED_CANDIDATES + 5):
                await add_advisor(session, f"Advisor {n}", capacity=3)
            request = await add_request(session, await add_user(session, "Ana"))
        async with db.transaction() as session:
            result = await offers.offer_next(session, request.id, NOW)
            assert result.kind == OfferOutcome.OFFERED and result.offer is not None
        async with db.transaction() as session:
            stored = await session.scalar(select(Offer.ranking).where(Offer.request_id == request.id))
    assert stored is not None and len(stored) == RECORDED_CANDIDATES
    assert stored[0]["advisor_id"] == result.offer.advisor_id
    assert [c["score"] for c in stored] == sorted((c["score"] for c in stored), reverse=True)
