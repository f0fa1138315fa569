"""Coordinators' requests and advisors: list, filter, paginate, detail with history; close, note,
re-offer, assign; advisor list, detail, pause, reactivate and deactivate; the audit trail."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.services import audit, booking, coordination_actions, coordination_advisors, offers
from bot.services.audit import HistoryKind
from bot.services.coordination_actions import ActionOutcome
from bot.services.coordination_advisors import Availability
from bot.services.coordination_requests import RequestFilter, list_requests, request_detail
from bot.services.offers import OfferOutcome
from models import Advisor, AuditAction, OfferStatus, RequestStatus, Role, User
from tests.hand_offer_helpers import accept_hand_offer, assign_and_accept
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

BERLIN = ZoneInfo("Europe/Berlin")
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
FREIBURG, FREIBURG_KREIS = "08311000", "08311"  # Regierungsbezirk Freiburg ("083")


@dataclass
class World:
    """A coordinator, a contact, an advisor (no coordinator), three advisors in order of fit."""

    db: Database
    coordinator_id: int
    contact_id: int
    advisor_user_id: int
    first: Advisor
    second: Advisor
    third: Advisor


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            coordinator = await add_user(session, "Cora", [Role.COORDINATOR])
            contact = await add_user(session, "Ana")
            first = await add_advisor(session, "Mehmet", home_ags=MOESSINGEN)
            second = await add_advisor(session, "Özlem", home_ags=ULM)
            third = await add_advisor(session, "Omid", home_ags=MANNHEIM)
        assert first.user_id is not None
        yield World(db, coordinator.id, contact.id, first.user_id, first, second, third)


async def new_request(w: World, created: timedelta = timedelta(0), **kwargs: object) -> int:
    async with w.db.transaction() as session:
        contact = await session.get(User, w.contact_id)
        assert contact is not None
        request = await add_request(session, contact, now=NOW + created, **kwargs)  # type: ignore[arg-type]
        return request.id


async def test_list_is_newest_first_filtered_and_paginated(world: World) -> None:
    w = world
    ids = [await new_request(w, i * HOUR) for i in range(5)]
    freiburg = await new_request(w, 6 * HOUR, place_ags=FREIBURG, kreis_ags=FREIBURG_KREIS)
    async with w.db.transaction() as session:
        await offers.offer_next(session, ids[0], NOW + 7 * HOUR)
    now = NOW + 8 * HOUR
    async with w.db.transaction() as session:
        everything = await list_requests(session, now, page_size=4)
        assert everything.total == 6 and everything.pages == 2
        assert [r.id for r in everything.items] == [freiburg, ids[4], ids[3], ids[2]]
        assert everything.has_next and not everything.has_previous
        second = await list_requests(session, now, page=1, page_size=4)
        assert [r.id for r in second.items] == [ids[1], ids[0]] and not second.has_next
        # A page past the end shows the last page rather than nothing.
        assert [r.id for r in (await list_requests(session, now, page=9, page_size=4)).items] == [
            ids[1],
            ids[0],
        ]
        offered = await list_requests(session, now, RequestFilter(statuses=(RequestStatus.OFFERED,)))
        assert [r.id for r in offered.items] == [ids[0]]
        row = offered.items[0]
        assert row.advisor_id == w.first.id and row.advisor_name == "Mehmet" and row.advisor_pending
        assert row.age == 8 * HOUR and row.idle == HOUR and row.regierungsbezirk == "084"
        bezirk = await list_requests(session, now, RequestFilter(regierungsbezirk="083"))
        assert [r.id for r in bezirk.items] == [freiburg]
        tuebingen = await list_requests(
            session, now, RequestFilter(statuses=("submitted",), regierungsbezirk="084"), page_size=10
        )
        assert [r.id for r in tuebingen.items] == [ids[4], ids[3], ids[2], ids[1]]
        empty = await list_requests(session, now, RequestFilter(statuses=(RequestStatus.CLOSED,)))
        assert empty.items == () and empty.total == 0 and empty.pages == 1


async def test_waiting_too_long_marker_and_filter(world: World) -> None:
    w = world
    old = await new_request(w)
    fresh = await new_request(w, 2 * DAY)
    async with w.db.transaction() as session:
        await offers.offer_next(session, fresh, NOW + 2 * DAY)  # progress on the fresh one
    now = NOW + 3 * DAY + HOUR
    async with w.db.transaction() as session:
        rows = {r.id: r for r in (await list_requests(session, now)).items}
        assert rows[old].waiting_too_long and not rows[fresh].waiting_too_long
        waiting = await list_requests(session, now, RequestFilter(waiting_only=True))
        assert [r.id for r in waiting.items] == [old]
        # The threshold is the caller's: with one day, both wait too long.
        strict = await list_requests(session, now, RequestFilter(waiting_only=True), waiting_after=DAY)
        assert [r.id for r in strict.items] == [fresh, old]
        assert all(r.waiting_too_long for r in strict.items)


async def test_detail_merges_events_offers_and_audit_in_time_order(world: World) -> None:
    w = world
    request_id = await new_request(w)
    async with w.db.transaction() as session:
        await offers.offer_next(session, request_id, NOW + HOUR)
    async with w.db.transaction() as session:
        note = await coordination_actions.add_note(
            session, request_id, w.coordinator_id, "  Bürgermeisterin ruft zurück  ", NOW + 2 * HOUR
        )
        assert note.kind == ActionOutcome.DONE
    async with w.db.transaction() as session:
        result = await coordination_actions.assign(
            session, request_id, w.second.id, w.coordinator_id, NOW + 3 * HOUR
        )
        assert result.kind == OfferOutcome.ASSIGNED
        await accept_hand_offer(session, result, NOW + 3 * HOUR + MINUTE)
    async with w.db.transaction() as session:
        detail = await request_detail(session, request_id, NOW + 4 * HOUR)
    assert detail is not None and detail.holder is not None and detail.holder.id == w.second.id
    assert detail.pending_offer is None and detail.row.status == RequestStatus.ACCEPTED
    lines = [(e.at - NOW, e.kind, e.code, e.advisor_name) for e in detail.history]
    assert lines == [
        (timedelta(0), HistoryKind.STATUS, "submitted", None),
        (HOUR, HistoryKind.OFFER, "offered", "Mehmet"),
        (HOUR, HistoryKind.STATUS, "offered", None),
        (2 * HOUR, HistoryKind.AUDIT, AuditAction.NOTE, None),
        (3 * HOUR, HistoryKind.AUDIT, AuditAction.ASSIGN, "Özlem"),
        (3 * HOUR, HistoryKind.OFFER_DECIDED, OfferStatus.WITHDRAWN, "Mehmet"),
        (3 * HOUR, HistoryKind.OFFER, "offered", "Özlem"),
        (3 * HOUR + MINUTE, HistoryKind.OFFER_DECIDED, OfferStatus.ACCEPTED, "Özlem"),
        (3 * HOUR + MINUTE, HistoryKind.STATUS, "accepted", None),
    ]
    by_code = {(e.kind, e.code): e for e in detail.history}
    assert by_code[(HistoryKind.AUDIT, AuditAction.NOTE)].details == {"text": "Bürgermeisterin ruft zurück"}
    assert by_code[(HistoryKind.AUDIT, AuditAction.NOTE)].actor_name == "Cora"
    assert by_code[(HistoryKind.STATUS, "accepted")].actor_user_id == w.second.user_id
    # The first offer keeps the reasons it was made for; the detail shows the latest ranking.
    first_offer = detail.history[1]
    assert {"code": "same_kreis"} in first_offer.details["reasons"] and first_offer.details["score"] > 0
    assert [c["advisor_id"] for c in detail.match_reasons] == [w.first.id, w.second.id, w.third.id]
    async with w.db.transaction() as session:
        assert await request_detail(session, 999_999, NOW) is None


async def test_reoffer_passes_on_then_escalates(world: World) -> None:
    w = world
    request_id = await new_request(w)
    async with w.db.transaction() as session:
        await offers.offer_next(session, request_id, NOW)
    seen = []
    for step in range(1, 4):
        async with w.db.transaction() as session:
            result = await coordination_actions.reoffer(
                session, request_id, w.coordinator_id, NOW + step * HOUR
            )
        assert result.kind == ActionOutcome.DONE and result.withdrawn is not None and result.next is not None
        assert result.withdrawn.offer is not None and result.withdrawn.offer.status == OfferStatus.WITHDRAWN
        seen.append((result.withdrawn.advisor.id if result.withdrawn.advisor else None, result.next.kind))
    assert seen == [
        (w.first.id, OfferOutcome.OFFERED),
        (w.second.id, OfferOutcome.OFFERED),
        (w.third.id, OfferOutcome.ESCALATED),
    ]
    async with w.db.transaction() as session:
        assert await status_of(session, request_id) == RequestStatus.NO_MATCH
        escalated = await list_requests(
            session, NOW + 4 * HOUR, RequestFilter(statuses=(RequestStatus.NO_MATCH,))
        )
        assert [r.id for r in escalated.items] == [request_id]
        # Nothing pending, nobody left: re-offering again escalates again and withdraws nothing.
        again = await coordination_actions.reoffer(session, request_id, w.coordinator_id, NOW + 5 * HOUR)
        assert (
            again.withdrawn is None and again.next is not None and again.next.kind == OfferOutcome.ESCALATED
        )
        trail = await audit.actions(session, request_id=request_id)
        assert [a.action for a in trail] == [AuditAction.REOFFER] * 4
        assert trail[-1].details == {"withdrawn_advisor_id": w.first.id, "outcome": "offered"}
        assert trail[-1].advisor_id == w.second.id


async def test_close_withdraws_the_pending_offer_and_records_the_reason(world: World) -> None:
    w = world
    request_id = await new_request(w)
    async with w.db.transaction() as session:
        await offers.offer_next(session, request_id, NOW)
    async with w.db.transaction() as session:
        assert (
            await coordination_actions.close_request(session, request_id, w.coordinator_id, "  ", NOW)
        ).kind == (ActionOutcome.INVALID)
        result = await coordination_actions.close_request(
            session, request_id, w.coordinator_id, "Gemeinde hat abgesagt", NOW + HOUR
        )
    assert result.kind == ActionOutcome.DONE and result.request is not None
    assert result.request.status == RequestStatus.CANCELLED and result.holder is None
    assert result.withdrawal is not None and result.withdrawal.offer is not None
    assert result.withdrawal.offer.advisor is not None and result.withdrawal.offer.advisor.id == w.first.id
    async with w.db.transaction() as session:
        assert (await events_of(session, request_id))[-1] == ("offered", "cancelled", w.coordinator_id)
        again = await coordination_actions.close_request(session, request_id, w.coordinator_id, "again", NOW)
        assert again.kind == ActionOutcome.NOT_POSSIBLE
        detail = await request_detail(session, request_id, NOW + 2 * HOUR)
        assert detail is not None
        (closing,) = [e for e in detail.history if e.code == AuditAction.CLOSE]
        assert closing.details == {
            "reason": "Gemeinde hat abgesagt",
            "from_status": "offered",
            "to_status": "cancelled",
        }
        # Nothing to re-offer or note on a missing request.
        assert (await coordination_actions.reoffer(session, request_id, w.coordinator_id, NOW)).kind == (
            ActionOutcome.NOT_POSSIBLE
        )
        assert (await coordination_actions.add_note(session, 999_999, w.coordinator_id, "x", NOW)).kind == (
            ActionOutcome.NOT_FOUND
        )


async def test_only_coordinators_act(world: World) -> None:
    w = world
    request_id = await new_request(w)
    async with w.db.transaction() as session:
        await offers.offer_next(session, request_id, NOW)
    for outsider in (w.contact_id, w.advisor_user_id):
        async with w.db.transaction() as session:
            assert (await coordination_actions.add_note(session, request_id, outsider, "hi", NOW)).kind == (
                ActionOutcome.NOT_ALLOWED
            )
            closed = await coordination_actions.close_request(session, request_id, outsider, "no", NOW)
            assert closed.kind == ActionOutcome.NOT_ALLOWED
            assert (await coordination_actions.reoffer(session, request_id, outsider, NOW)).kind == (
                ActionOutcome.NOT_ALLOWED
            )
            assigned = await coordination_actions.assign(session, request_id, w.second.id, outsider, NOW)
            assert assigned.kind == OfferOutcome.NOT_ALLOWED
            paused = await coordination_advisors.pause(
                session, w.first.id, outsider, date(2026, 4, 1), BERLIN, NOW
            )
            assert paused.kind == ActionOutcome.NOT_ALLOWED
            assert (await coordination_advisors.deactivate(session, w.first.id, outsider, NOW)).kind == (
                ActionOutcome.NOT_ALLOWED
            )
    async with w.db.transaction() as session:
        assert await status_of(session, request_id) == RequestStatus.OFFERED
        assert await audit.actions(session) == []
        detail = await coordination_advisors.advisor_detail(session, w.first.id, NOW)
        assert detail is not None and detail.row.availability == Availability.AVAILABLE


async def test_advisor_list_shows_load_and_availability_sorted_by_name(world: World) -> None:
    w = world
    async with w.db.transaction() as session:
        await add_advisor(session, "Ada", linked=False)
        zoe = await add_advisor(session, "Zoë", capacity=1, home_ags=MANNHEIM)
        request_ids = []
        contact = await session.get(User, w.contact_id)
        assert contact is not None
        for _ in range(2):
            request_ids.append((await add_request(session, contact)).id)
        await offers.offer_next(session, request_ids[0], NOW)  # Mehmet: pending offer
        await assign_and_accept(session, request_ids[1], zoe.id, w.coordinator_id, NOW, audited=True)
    async with w.db.transaction() as session:
        assert (
            await coordination_advisors.pause(
                session, w.second.id, w.coordinator_id, date(2026, 3, 20), BERLIN, NOW
            )
        ).kind == ActionOutcome.DONE
        page = await coordination_advisors.list_advisors(session, NOW, page_size=10)
    rows = {r.name: r for r in page.items}
    assert [r.name for r in page.items] == ["Ada", "Mehmet", "Omid", "Özlem", "Zoë"]
    assert (rows["Mehmet"].load, rows["Mehmet"].availability) == (1, Availability.AVAILABLE)
    assert (rows["Omid"].load, rows["Omid"].availability) == (0, Availability.AVAILABLE)
    assert (rows["Zoë"].load, rows["Zoë"].capacity, rows["Zoë"].availability) == (
        1,
        1,
        Availability.AT_CAPACITY,
    )
    assert rows["Özlem"].availability == Availability.PAUSED
    assert rows["Özlem"].paused_until is not None and rows["Özlem"].paused_until.astimezone(
        BERLIN
    ).date() == date(2026, 3, 21)
    assert rows["Ada"].availability == Availability.UNLINKED and rows["Mehmet"].home_name == "Mössingen"
    assert rows["Mehmet"].languages == ("tr",)
    async with w.db.transaction() as session:
        paged = await coordination_advisors.list_advisors(session, NOW, page=1, page_size=2)
        assert [r.name for r in paged.items] == ["Omid", "Özlem"] and paged.pages == 3
        paused = await coordination_advisors.list_advisors(session, NOW, availability=Availability.PAUSED)
        assert [r.name for r in paused.items] == ["Özlem"]
        detail = await coordination_advisors.advisor_detail(session, zoe.id, NOW)
    assert detail is not None and [r.id for _o, r in detail.held] == [request_ids[1]] and detail.pending == ()


async def test_deactivate_passes_pending_offers_on_and_reactivate_restores(world: World) -> None:
    w = world
    request_id = await new_request(w)
    async with w.db.transaction() as session:
        await offers.offer_next(session, request_id, NOW)
    async with w.db.transaction() as session:
        result = await coordination_advisors.deactivate(session, w.first.id, w.coordinator_id, NOW + HOUR)
    assert result.kind == ActionOutcome.DONE and result.advisor is not None and not result.advisor.active
    (passed,) = result.passed_on
    assert passed.offer is not None and passed.offer.status == OfferStatus.WITHDRAWN
    assert (
        passed.next is not None
        and passed.next.offer is not None
        and passed.next.offer.advisor_id == w.second.id
    )
    async with w.db.transaction() as session:
        detail = await coordination_advisors.advisor_detail(session, w.first.id, NOW + HOUR)
        assert detail is not None and detail.row.availability == Availability.INACTIVE
        assert [a.action for a in detail.actions] == [AuditAction.ADVISOR_DEACTIVATE]
        assert detail.actions[0].details == {"passed_on_request_ids": [request_id]}
        back = await coordination_advisors.reactivate(session, w.first.id, w.coordinator_id, NOW + 2 * HOUR)
        assert back.kind == ActionOutcome.DONE
        row = (await coordination_advisors.advisor_detail(session, w.first.id, NOW + 2 * HOUR)).row  # type: ignore[union-attr]
        assert row.availability == Availability.AVAILABLE
        assert (await coordination_advisors.reactivate(session, 999_999, w.coordinator_id, NOW)).kind == (
            ActionOutcome.NOT_FOUND
        )


def test_the_coordination_services_need_no_telegram() -> None:
    """The chat handlers sit on top; the domain layer must run (and be tested) without PTB."""
    modules = [
        "audit", "coordination_requests", "coordination_actions", "coordination_advisors", "broadcasts",
        "broadcast_engine", "broadcast_progress", "funnel_stats", "charts", "exports",
    ]  # fmt: skip
    imports = "; ".join(f"import bot.services.{m}" for m in modules)
    check = "import sys; print([m for m in sys.modules if m.startswith(('telegram', 'matplotlib.pyplot'))])"
    result = subprocess.run(
        [sys.executable, "-c", f"{imports}; {check}"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


async def test_closing_a_consultation_completes_it(world: World) -> None:
    w = world
    request_id = await new_request(w)
    talk = NOW + 5 * DAY
    async with w.db.transaction() as session:
        await assign_and_accept(session, request_id, w.first.id, w.coordinator_id, NOW, audited=True)
        proposed = await booking.propose(session, request_id, w.advisor_user_id, talk, NOW)
        assert proposed.booking is not None
        await booking.confirm(session, proposed.booking.id, w.contact_id, proposed.booking.sequence, NOW)
        recorded = await booking.record_outcome(
            session, proposed.booking.id, w.advisor_user_id, True, True, None, talk + HOUR
        )
        assert recorded.kind == booking.BookingOutcome.OUTCOME_RECORDED
        assert await status_of(session, request_id) == RequestStatus.CONSULTATION
    async with w.db.transaction() as session:
        rows = await list_requests(session, talk + 30 * DAY)
        assert not rows.items[0].waiting_too_long  # a consultation runs for months
        result = await coordination_actions.close_request(
            session, request_id, w.coordinator_id, "Begleitung abgeschlossen", talk + 30 * DAY
        )
    assert result.kind == ActionOutcome.DONE and result.request is not None
    assert result.request.status == RequestStatus.CLOSED
    assert result.holder is not None and result.holder.id == w.first.id
    assert (
        result.withdrawal is not None
        and result.withdrawal.offer is None
        and result.withdrawal.booking is None
    )
