"""/status and /meineanfragen: the list in plain words, a request opened, withdrawal with
confirmation while no kickoff was held, and nobody sees or touches another contact's request."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.services import requests
from models import KickoffRequest, RequestStatus, User, utcnow
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import IntakeStep, data_of, events_of, requests_of, tap, walk_to
from tests.transactions import recorded_statements

FIELDS = {
    "place_kind": "gemeinde",
    "place_ags": "08416041",
    "place_name": "Tübingen, Landkreis Tübingen",
    "kreis_ags": "08416",
    "contact_name": "Ana <Müller>",
    "contact_role": "Integration office",
    "email": "ana@tuebingen.de",
    "phone": None,
    "topics": ["festival"],
    "topic_other": None,
    "languages": ["tr"],
    "goals": None,
    "time_windows": [],
    "flexible": True,
    "meeting_format": "online",
    "locale": "en",
    "consent_version": "2026-11",
}


async def make_request(
    harness: Harness, user: TelegramUser, status: RequestStatus = RequestStatus.SUBMITTED, **fields: object
) -> KickoffRequest:
    """A stored request of ``user`` (made through the service, not the intake, to keep tests short)."""
    await harness.text(user, "/start")
    async with harness.runtime.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == user.id))
        assert user_id is not None
        values = {**FIELDS, **fields, "consented_at": utcnow()}
        request = await requests.create(session, values, user_id, 2026, utcnow())
        if status is not RequestStatus.SUBMITTED:
            await session.execute(
                update(KickoffRequest).where(KickoffRequest.id == request.id).values(status=status)
            )
        return request


async def _status(harness: Harness, request_id: int) -> str:
    async with harness.runtime.db.transaction() as session:
        request = await session.get(KickoffRequest, request_id)
        assert request is not None
        return request.status


async def test_without_requests_the_status_says_so_and_offers_to_start(harness: Harness) -> None:
    [reply] = await harness.text(TelegramUser(1000, "A", "en"), "/status")
    assert "You have not sent a request yet." in reply.text
    assert data_of(reply, "Request a kickoff talk") == "menu:request"


async def test_the_list_shows_each_request_in_plain_words_newest_first(harness: Harness) -> None:
    user = TelegramUser(1001, "A", "en")
    older = await make_request(harness, user)
    newer = await make_request(harness, user, RequestStatus.SCHEDULED, place_name="Landkreis Tübingen")
    [reply] = await harness.text(user, "/status")
    assert reply.text.index(newer.reference) < reply.text.index(older.reference)
    assert "Status: received" in reply.text and "Next: We are looking for an advisor" in reply.text
    assert "Status: kickoff talk agreed" in reply.text and "takes place as agreed" in reply.text
    assert [data for _t, data in reply.buttons] == [f"st:o:{newer.id}", f"st:o:{older.id}"]


async def test_the_list_speaks_german_and_answers_to_meineanfragen(harness: Harness) -> None:
    user = TelegramUser(1002, "A", "de")
    await make_request(harness, user, RequestStatus.NO_MATCH)
    [reply] = await harness.text(user, "/meineanfragen")
    assert "<b>Ihre Anfragen</b>" in reply.text and "Status: noch keine Berater*in gefunden" in reply.text
    assert "Koordinationsteam sucht persönlich" in reply.text


async def test_the_menu_button_shows_the_list_in_place(harness: Harness) -> None:
    user = TelegramUser(1003, "A", "en")
    request = await make_request(harness, user)
    [edit] = await harness.press(user, "menu:status", message_id=42)
    assert edit.method == "editMessageText" and edit.payload["message_id"] == 42
    assert request.reference in edit.text


async def test_a_draft_in_progress_is_listed_with_a_way_to_continue(harness: Harness) -> None:
    user = TelegramUser(1004, "A", "en")
    await walk_to(harness, user, IntakeStep.PHONE)
    [reply] = await harness.text(user, "/status")
    assert "step 5 of 10" in reply.text
    [prompt] = await tap(harness, user, reply, "Continue")
    assert "Step 5 of 10" in prompt.text


async def test_only_the_latest_ten_are_listed(harness: Harness) -> None:
    user = TelegramUser(1005, "A", "en")
    for _ in range(12):
        await make_request(harness, user)
    [reply] = await harness.text(user, "/status")
    assert "Showing the latest 10 of 12 requests." in reply.text and len(reply.buttons) == 10


async def test_exactly_a_page_is_counted_and_fewer_are_not(harness: Harness) -> None:
    # Fewer requests than the page holds are all there are: no count is asked for them.
    user = TelegramUser(1008, "A", "en")
    for _ in range(3):
        await make_request(harness, user)
    with recorded_statements(harness.runtime.db) as statements:
        [reply] = await harness.text(user, "/status")
    assert len(reply.buttons) == 3 and "Showing the latest" not in reply.text
    assert not [s for s in statements if s.startswith("SELECT count(*)")]
    for _ in range(7):
        await make_request(harness, user)
    [reply] = await harness.text(user, "/status")  # a full page: the count says there are no more
    assert len(reply.buttons) == 10 and "Showing the latest" not in reply.text


async def test_a_request_opens_with_its_details_escaped(harness: Harness) -> None:
    user = TelegramUser(1006, "A", "en")
    request = await make_request(harness, user)
    [detail] = await harness.press(user, f"st:o:{request.id}")
    assert request.reference in detail.text and "Ana &lt;Müller&gt;" in detail.text
    assert "Tübingen, Landkreis Tübingen" in detail.text and "flexible" in detail.text
    assert [d for _t, d in detail.buttons] == [f"st:w:{request.id}", "st:l"]


async def test_withdrawal_needs_confirmation_and_is_recorded_once(harness: Harness) -> None:
    user = TelegramUser(1007, "A", "en")
    request = await make_request(harness, user, RequestStatus.OFFERED)
    [confirm] = await harness.press(user, f"st:w:{request.id}")
    assert "really want to withdraw" in confirm.text and await _status(harness, request.id) == "offered"
    [kept] = await tap(harness, user, confirm, "No, keep it")
    assert await _status(harness, request.id) == "offered" and "Withdraw" in str(kept.buttons)
    [done] = await tap(harness, user, confirm, "Yes, withdraw")
    assert "has been withdrawn" in done.text and "Status: withdrawn by the municipality" in done.text
    assert "Withdraw" not in str(done.buttons)
    [again] = await harness.press(user, f"st:y:{request.id}")  # a double tap
    assert "can no longer be withdrawn" in again.text
    assert await _status(harness, request.id) == "withdrawn"
    assert await events_of(harness, request.id) == [(None, "submitted"), ("offered", "withdrawn")]


async def test_no_withdrawal_once_the_kickoff_was_held(harness: Harness) -> None:
    user = TelegramUser(1008, "A", "en")
    request = await make_request(harness, user, RequestStatus.KICKOFF_HELD)
    [detail] = await harness.press(user, f"st:o:{request.id}")
    assert "Withdraw" not in str(detail.buttons)
    for data in (f"st:w:{request.id}", f"st:y:{request.id}"):
        [refused] = await harness.press(user, data)
        assert "can no longer be withdrawn" in refused.text
    assert await _status(harness, request.id) == "kickoff_held"


async def test_one_contact_never_sees_or_touches_another_contacts_request(harness: Harness) -> None:
    ana, ben = TelegramUser(1009, "Ana", "en"), TelegramUser(1010, "Ben", "en")
    theirs = await make_request(harness, ana)
    mine = await make_request(harness, ben, place_name="Landkreis Esslingen")
    [listing] = await harness.text(ben, "/status")
    assert mine.reference in listing.text and theirs.reference not in listing.text
    assert "Tübingen" not in listing.text
    for action in ("o", "w", "y"):
        assert await harness.press(ben, f"st:{action}:{theirs.id}") == []
        assert harness.answered_callbacks()[-1]["text"] == "This request was not found."
    assert await _status(harness, theirs.id) == "submitted"


async def test_status_buttons_in_a_group_or_forged_change_nothing(harness: Harness) -> None:
    user = TelegramUser(1011, "A", "en")
    request = await make_request(harness, user)
    assert await harness.press_in_group(user, f"st:y:{request.id}") == []
    assert harness.answered_callbacks()[-1]["text"] == "This button is not for you."
    for data in ("st:y:abc", "st:x:1", f"st:y:{request.id}:1", "st:y:" + "9" * 40):
        assert await harness.press(user, data) == []
        assert harness.answered_callbacks()[-1]["text"] == "This button is no longer valid."
    assert await _status(harness, request.id) == "submitted"


async def test_in_a_group_no_request_is_listed(harness: Harness) -> None:
    user = TelegramUser(1012, "A", "en")
    request = await make_request(harness, user)
    [reply] = await harness.text_in_group(user, "/status")
    assert request.reference not in reply.text and "private chat" in reply.text


async def test_a_request_made_through_the_intake_is_listed_and_can_be_withdrawn(harness: Harness) -> None:
    user = TelegramUser(1013, "A", "de")
    confirmation = await tap(harness, user, await walk_to(harness, user, IntakeStep.SUMMARY), "📨")
    [request] = await requests_of(harness, user.id)
    assert "/meineanfragen" in confirmation[-1].text
    [listing] = await harness.text(user, "/status")
    # Matching (issue 6) starts on submit; with no advisor registered it goes to the coordinators.
    assert request.reference in listing.text and "Status: noch keine Berater*in gefunden" in listing.text
    [detail] = await tap(harness, user, listing, request.reference)
    [confirm] = await tap(harness, user, detail, "zurückziehen")
    [done] = await tap(harness, user, confirm, "Ja, zurückziehen")
    assert "zurückgezogen" in done.text and await _status(harness, request.id) == "withdrawn"
