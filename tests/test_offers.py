"""The offer cascade: decline and expiry pass on, reminders once, escalation, manual assignment, and
compare-and-set against double taps, the deadline, other people and forged ids."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.services import assignment, offer_sweeps, offers, requests
from bot.services.offers import OfferOutcome, OfferTiming
from models import Advisor, Offer, OfferStatus, RequestStatus, Role, User
from tests.matching_helpers import (
    MANNHEIM,
    MOESSINGEN,
    NOW,
    ULM,
    add_advisor,
    add_request,
    add_user,
    events_of,
    migrated,
    status_of,
)

HOUR = timedelta(hours=1)


@dataclass
class World:
    """A contact's submitted request, three advisors in order of fit and a coordinator."""

    db: Database
    request_id: int
    contact_id: int
    coordinator_id: int
    first: Advisor
    second: Advisor
    third: Advisor


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            contact = await add_user(session, "Ana")
            coordinator = await add_user(session, "Cora", [Role.COORDINATOR])
            first = await add_advisor(session, "Mehmet", home_ags=MOESSINGEN)
            second = await add_advisor(session, "Leyla", home_ags=ULM)
            third = await add_advisor(session, "Omid", home_ags=MANNHEIM)
            request = await add_request(session, contact)
        yield World(db, request.id, contact.id, coordinator.id, first, second, third)


def user_of(advisor: Advisor) -> int:
    assert advisor.user_id is not None
    return advisor.user_id


async def offer_first(w: World) -> Offer:
    async with w.db.transaction() as session:
        result = await offers.offer_next(session, w.request_id, NOW)
    assert result.kind == OfferOutcome.OFFERED and result.offer is not None
    return result.offer


async def offer_rows(w: World) -> list[tuple[int, str, str | None]]:
    async with w.db.transaction() as session:
        rows = await session.execute(
            select(Offer.advisor_id, Offer.status, Offer.decline_reason)
            .where(Offer.request_id == w.request_id)
            .order_by(Offer.id)
        )
        return list(rows.tuples().all())


async def test_first_offer_goes_to_the_best_candidate_with_deadlines_and_reasons(world: World) -> None:
    w = world
    offer = await offer_first(w)
    assert offer.advisor_id == w.first.id
    assert offer.respond_by == NOW + 48 * HOUR and offer.remind_at == NOW + 24 * HOUR
    assert [c["advisor_id"] for c in offer.ranking] == [w.first.id, w.second.id, w.third.id]
    assert {"code": "same_kreis"} in offer.ranking[0]["reasons"]
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.OFFERED
        assert await events_of(session, w.request_id) == [
            (None, "submitted", w.contact_id),
            ("submitted", "offered", None),
        ]
        again = await offers.offer_next(session, w.request_id, NOW)
    assert (
        again.kind == OfferOutcome.ALREADY_PENDING and again.offer is not None and again.offer.id == offer.id
    )
    assert len(await offer_rows(w)) == 1


async def test_decline_passes_to_the_next_candidate_who_accepts(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        declined = await offers.decline(session, offer.id, user_of(w.first), "time", NOW + HOUR)
    assert declined.kind == OfferOutcome.DECLINED and declined.changed
    assert declined.next is not None and declined.next.kind == OfferOutcome.OFFERED
    following = declined.next.offer
    assert following is not None and following.advisor_id == w.second.id
    assert following.respond_by == NOW + HOUR + 48 * HOUR
    async with w.db.transaction() as session:
        accepted = await offers.accept(session, following.id, user_of(w.second), NOW + 2 * HOUR)
    assert accepted.kind == OfferOutcome.ACCEPTED and accepted.advisor is not None
    assert accepted.advisor.last_assigned_at == NOW + 2 * HOUR
    assert await offer_rows(w) == [(w.first.id, "declined", "time"), (w.second.id, "accepted", None)]
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.ACCEPTED
        assert (await events_of(session, w.request_id))[-1] == ("offered", "accepted", user_of(w.second))
        holder = await offers.holder(session, w.request_id)
        assert holder is not None and holder.id == w.second.id


async def test_a_timeout_that_fell_due_while_stopped_is_passed_on_by_the_next_sweep(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        assert await offer_sweeps.expire_due(session, NOW + 47 * HOUR) == []
    restarted = NOW + timedelta(days=5)  # the bot was down past the deadline
    async with w.db.transaction() as session:
        expired = await offer_sweeps.expire_due(session, restarted)
    assert [r.kind for r in expired] == [OfferOutcome.EXPIRED]
    assert expired[0].offer is not None and expired[0].offer.id == offer.id
    following = expired[0].next
    assert following is not None and following.kind == OfferOutcome.OFFERED and following.offer is not None
    assert following.offer.advisor_id == w.second.id and following.offer.respond_by == restarted + 48 * HOUR
    async with w.db.transaction() as session:
        assert await offer_sweeps.expire_due(session, restarted) == []  # nothing twice
    assert [row[1] for row in await offer_rows(w)] == ["expired", "pending"]


async def test_reminder_half_way_is_sent_exactly_once(world: World) -> None:
    w = world
    async with w.db.transaction() as session:
        result = await offers.offer_next(session, w.request_id, NOW, OfferTiming(timedelta(hours=10)))
    assert result.offer is not None and result.offer.remind_at == NOW + 5 * HOUR
    async with w.db.transaction() as session:
        assert await offer_sweeps.due_reminders(session, NOW + 4 * HOUR) == []
    async with w.db.transaction() as session:
        due = await offer_sweeps.due_reminders(session, NOW + 6 * HOUR)
    assert [d.offer.id for d in due] == [result.offer.id] and due[0].advisor.id == w.first.id
    assert due[0].offer.reminded_at == NOW + 6 * HOUR
    for later in (NOW + 7 * HOUR, NOW + 9 * HOUR):
        async with w.db.transaction() as session:
            assert await offer_sweeps.due_reminders(session, later) == []


async def test_no_reminder_for_an_offer_answered_before_it_was_due(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        await offers.accept(session, offer.id, user_of(w.first), NOW + HOUR)
    async with w.db.transaction() as session:
        assert await offer_sweeps.due_reminders(session, NOW + 30 * HOUR) == []


async def test_escalation_when_the_last_candidate_declines(world: World) -> None:
    w = world
    offer = await offer_first(w)
    for advisor in (w.first, w.second):
        async with w.db.transaction() as session:
            result = await offers.decline(session, offer.id, user_of(advisor), "region", NOW)
        assert result.next is not None and result.next.offer is not None
        offer = result.next.offer
    async with w.db.transaction() as session:
        last = await offers.decline(session, offer.id, user_of(w.third), "capacity", NOW)
    assert last.next is not None and last.next.kind == OfferOutcome.ESCALATED
    ranking = last.next.ranking
    assert ranking is not None and ranking.best is None
    assert [c.advisor_id for c in ranking.candidates] == [w.first.id, w.second.id, w.third.id]
    assert all(c.excluded[0]["code"] == "already_offered" for c in ranking.candidates)
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.NO_MATCH
        assert (await events_of(session, w.request_id))[-1] == ("offered", "no_match", None)


async def test_escalation_when_nobody_fits_from_the_start(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        contact = await add_user(session, "Ana")
        await add_advisor(session, "Paused", paused_until=NOW + timedelta(days=7))
        await add_advisor(session, "Full", capacity=1)
        request = await add_request(session, contact)
        other = await add_request(session, contact)
        await offers.offer_next(session, other.id, NOW)  # takes Full's only slot
        result = await offers.offer_next(session, request.id, NOW)
        assert result.kind == OfferOutcome.ESCALATED and result.ranking is not None
        assert [c.excluded[0]["code"] for c in result.ranking.candidates] == ["paused", "at_capacity"]
        assert await status_of(session, request.id) == RequestStatus.NO_MATCH
        assert (await events_of(session, request.id))[-1] == ("submitted", "no_match", None)


async def test_manual_assignment_after_escalation(world: World) -> None:
    w = world
    async with w.db.transaction() as session:
        for advisor in (w.first, w.second, w.third):
            (await session.get(Advisor, advisor.id)).active = False  # type: ignore[union-attr]
        assert (await offers.offer_next(session, w.request_id, NOW)).kind == OfferOutcome.ESCALATED
        third = await session.get(Advisor, w.third.id)
        assert third is not None
        third.active, third.paused_until = True, NOW + timedelta(days=30)  # paused: only by hand
    async with w.db.transaction() as session:
        refused = await assignment.assign_manually(session, w.request_id, w.third.id, w.contact_id, NOW)
        assert refused.kind == OfferOutcome.NOT_ALLOWED
        inactive = await assignment.assign_manually(session, w.request_id, w.first.id, w.coordinator_id, NOW)
        assert inactive.kind == OfferOutcome.ADVISOR_UNAVAILABLE
    async with w.db.transaction() as session:
        assigned = await assignment.assign_manually(session, w.request_id, w.third.id, w.coordinator_id, NOW)
    # A hand assignment is an offer from the coordination team: the advisor still answers it.
    assert assigned.kind == OfferOutcome.ASSIGNED and assigned.offer is not None
    assert (
        assigned.offer.status == OfferStatus.PENDING
        and assigned.offer.offered_by_user_id == w.coordinator_id
        and assigned.offer.respond_by == NOW + OfferTiming().response
    )
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.OFFERED
        assert (await events_of(session, w.request_id))[-1] == ("no_match", "offered", w.coordinator_id)
        accepted = await offers.accept(session, assigned.offer.id, user_of(w.third), NOW + HOUR)
    assert accepted.kind == OfferOutcome.ACCEPTED
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.ACCEPTED
        twice = await assignment.assign_manually(session, w.request_id, w.second.id, w.coordinator_id, NOW)
    assert twice.kind == OfferOutcome.ALREADY_ASSIGNED and twice.advisor is not None
    assert twice.advisor.id == w.third.id


async def test_manual_assignment_withdraws_a_pending_offer_to_someone_else(world: World) -> None:
    w = world
    pending = await offer_first(w)
    async with w.db.transaction() as session:
        assigned = await assignment.assign_manually(session, w.request_id, w.second.id, w.coordinator_id, NOW)
    assert assigned.kind == OfferOutcome.ASSIGNED
    assert [o.id for o in assigned.withdrawn] == [pending.id]
    assert await offer_rows(w) == [(w.first.id, "withdrawn", None), (w.second.id, "pending", None)]
    async with w.db.transaction() as session:
        late = await offers.accept(session, pending.id, user_of(w.first), NOW + HOUR)
    assert late.kind == OfferOutcome.ALREADY_DECIDED and late.offer is not None
    assert late.offer.status == OfferStatus.WITHDRAWN


async def test_manual_assignment_of_the_advisor_holding_the_pending_offer(world: World) -> None:
    w = world
    pending = await offer_first(w)
    async with w.db.transaction() as session:
        assigned = await assignment.assign_manually(session, w.request_id, w.first.id, w.coordinator_id, NOW)
    # The cascade's offer is replaced by one from the coordination team, with a fresh deadline.
    assert assigned.offer is not None and assigned.offer.id != pending.id
    assert [o.id for o in assigned.withdrawn] == [pending.id]
    assert await offer_rows(w) == [(w.first.id, "withdrawn", None), (w.first.id, "pending", None)]


async def test_double_accept_changes_once(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        assert (await offers.accept(session, offer.id, user_of(w.first), NOW)).kind == OfferOutcome.ACCEPTED
    async with w.db.transaction() as session:
        again = await offers.accept(session, offer.id, user_of(w.first), NOW)
        declined = await offers.decline(session, offer.id, user_of(w.first), "other", NOW)
        events = await events_of(session, w.request_id)
    assert again.kind == declined.kind == OfferOutcome.ALREADY_DECIDED and not again.changed
    assert [e[1] for e in events] == ["submitted", "offered", "accepted"]


async def test_concurrent_accepts_and_offers_change_once(world: World) -> None:
    w = world

    async def next_offer() -> OfferOutcome:
        async with w.db.transaction() as session:
            return (await offers.offer_next(session, w.request_id, NOW)).kind

    kinds = await asyncio.gather(next_offer(), next_offer(), next_offer())
    assert sorted(kinds) == ["already_pending", "already_pending", "offered"]
    offer_id = await _pending_id(w)

    async def accept() -> OfferOutcome:
        async with w.db.transaction() as session:
            return (await offers.accept(session, offer_id, user_of(w.first), NOW)).kind

    assert sorted(await asyncio.gather(accept(), accept())) == ["accepted", "already_decided"]
    async with w.db.transaction() as session:
        assert [e[1] for e in await events_of(session, w.request_id)] == ["submitted", "offered", "accepted"]


async def _pending_id(w: World) -> int:
    async with w.db.transaction() as session:
        offer = await offers.pending_offer(session, w.request_id)
    assert offer is not None
    return offer.id


async def test_accept_after_the_sweep_expired_it_changes_nothing(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        await offer_sweeps.expire_due(session, NOW + 49 * HOUR)
    async with w.db.transaction() as session:
        late = await offers.accept(session, offer.id, user_of(w.first), NOW + 50 * HOUR)
    assert late.kind == OfferOutcome.ALREADY_DECIDED and late.offer is not None
    assert late.offer.status == OfferStatus.EXPIRED
    assert [row[1] for row in await offer_rows(w)] == ["expired", "pending"]


async def test_accept_past_the_deadline_before_the_sweep_is_too_late_and_passes_on(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        late = await offers.accept(session, offer.id, user_of(w.first), NOW + 48 * HOUR)
    assert late.kind == OfferOutcome.TOO_LATE
    assert late.next is not None and late.next.offer is not None and late.next.offer.advisor_id == w.second.id
    assert [row[1] for row in await offer_rows(w)] == ["expired", "pending"]
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.OFFERED


@pytest.mark.parametrize("who", ["other advisor", "contact", "stranger"])
async def test_only_the_offers_advisor_can_answer_it(world: World, who: str) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        caller = {"other advisor": user_of(w.second), "contact": w.contact_id}.get(who)
        caller = caller or (await add_user(session, "Eve")).id
    async with w.db.transaction() as session:
        accepted = await offers.accept(session, offer.id, caller, NOW)
        declined = await offers.decline(session, offer.id, caller, "other", NOW)
    assert accepted.kind == declined.kind == OfferOutcome.NOT_YOURS
    assert accepted.offer is None and accepted.advisor is None  # nothing about the offer leaks
    assert await offer_rows(w) == [(w.first.id, "pending", None)]
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.OFFERED


async def test_a_forged_offer_id_changes_nothing(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        forged = await offers.accept(session, offer.id + 1000, user_of(w.first), NOW)
        assert forged.kind == OfferOutcome.NOT_FOUND
        assert (await offers.decline(session, -1, user_of(w.first), "x", NOW)).kind == OfferOutcome.NOT_FOUND
        assert (await offers.offer_next(session, 424242, NOW)).kind == OfferOutcome.NOT_FOUND
    assert await offer_rows(w) == [(w.first.id, "pending", None)]


async def test_a_withdrawn_request_cannot_be_accepted(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        assert await requests.withdraw(session, w.request_id, w.contact_id, NOW) is not None
        late = await offers.accept(session, offer.id, user_of(w.first), NOW)
    assert late.kind == OfferOutcome.REQUEST_CLOSED
    assert await offer_rows(w) == [(w.first.id, "withdrawn", None)]
    async with w.db.transaction() as session:
        assert await status_of(session, w.request_id) == RequestStatus.WITHDRAWN
        assert (await offers.offer_next(session, w.request_id, NOW)).kind == OfferOutcome.REQUEST_CLOSED


async def test_withdrawal_takes_the_pending_offer_back(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        assert await requests.withdraw(session, w.request_id, w.contact_id, NOW) is not None
        cleanup = await assignment.after_withdrawal(session, w.request_id, w.contact_id, NOW)
        result = cleanup.offer
        assert result is not None and result.kind == OfferOutcome.WITHDRAWN and cleanup.booking is None
        assert result.offer is not None and result.offer.id == offer.id
        assert result.advisor is not None and result.advisor.id == w.first.id
        assert (await assignment.after_withdrawal(session, w.request_id, w.contact_id, NOW)).offer is None
    assert await offer_rows(w) == [(w.first.id, "withdrawn", None)]


async def test_an_advisor_who_blocked_the_bot_is_skipped(world: World) -> None:
    w = world
    offer = await offer_first(w)
    async with w.db.transaction() as session:
        assert await offer_sweeps.skip_unreachable(session, NOW) == []
        user = await session.get(User, user_of(w.first))
        assert user is not None
        user.unreachable_since = NOW
    async with w.db.transaction() as session:
        skipped = await offer_sweeps.skip_unreachable(session, NOW + HOUR)
    assert [r.kind for r in skipped] == [OfferOutcome.SKIPPED]
    assert skipped[0].advisor is not None and skipped[0].advisor.id == w.first.id
    assert skipped[0].offer is not None and skipped[0].offer.id == offer.id
    assert skipped[0].next is not None and skipped[0].next.kind == OfferOutcome.OFFERED
    assert await offer_rows(w) == [(w.first.id, "declined", "unreachable"), (w.second.id, "pending", None)]


async def test_match_submitted_starts_forgotten_requests_once(world: World) -> None:
    w = world
    async with w.db.transaction() as session:
        started = await offer_sweeps.match_submitted(session, NOW)
    assert [(r.kind, r.request.id if r.request else None) for r in started] == [
        (OfferOutcome.OFFERED, w.request_id)
    ]
    async with w.db.transaction() as session:
        assert await offer_sweeps.match_submitted(session, NOW) == []
        count = await session.scalar(select(func.count()).select_from(Offer))
    assert count == 1
