"""/anfragen and /requests through the bot (offline harness, PTB's process_update): list, filter,
paginate, detail with history and match reasons; assign, re-offer, close, note; the coordinators'
group; every button refused to contacts and advisors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import users
from bot.services.users import grant_role
from handlers.callback_data import REQUESTS, data
from models import AuditAction, CoordinatorAction, KickoffRequest, Role, User, utcnow
from tests.harness import Harness, Sent, TelegramUser, bot_harness
from tests.matching_chat_helpers import (
    COORDINATOR,
    MOESSINGEN,
    REUTLINGEN,
    button,
    new_to,
    offers_of,
    onboard,
    request_status,
    submit_request,
    to,
)
from tests.matching_helpers import add_request

CONTACT = TelegramUser(600, "Ana", "de")
MEHMET = TelegramUser(601, "Mehmet", "en")
LEYLA = TelegramUser(602, "Leyla", "en")
FREIBURG, FREIBURG_KREIS = "08311000", "08311"
REFUSALS = ("This is only available to coordinators.", "Das steht nur der Koordination zur Verfügung.")


async def _seed_requests(h: Harness, count: int) -> list[KickoffRequest]:
    """``count`` requests an hour apart (newest last), the oldest one five days old and untouched,
    the newest one in Freiburg (Regierungsbezirk 083)."""
    await h.text(CONTACT, "/start")
    now = utcnow()
    made = []
    async with h.runtime.db.transaction() as session:
        contact = await users.get_by_telegram_id(session, CONTACT.id)
        assert contact is not None
        for index in range(count):
            created = now - timedelta(days=5) if index == 0 else now - timedelta(hours=count - index)
            place = {"place_ags": FREIBURG, "kreis_ags": FREIBURG_KREIS} if index == count - 1 else {}
            made.append(await add_request(session, contact, now=created, **place))  # type: ignore[arg-type]
    return made


def _buttons_with(message: Sent, prefix: str) -> list[str]:
    return [d for _label, d in message.buttons if d.startswith(prefix)]


def _toasts(h: Harness) -> list[str]:
    return [str(c.get("text", "")) for c in h.answered_callbacks()]


async def test_list_paginates_filters_and_opens_a_request(harness: Harness) -> None:
    h = harness
    made = await _seed_requests(h, 10)
    [first] = await h.text(COORDINATOR, "/requests")
    assert "page 1 of 2 (10 in all)" in first.text
    assert first.text.index(made[-1].reference) < first.text.index(made[-2].reference)  # newest first
    assert len(_buttons_with(first, "rq:d:")) == 8
    [second] = await h.press(COORDINATOR, button(first, "rq:l:1:"))
    assert "page 2 of 2" in second.text and second.method == "editMessageText"
    assert made[0].reference in second.text and "⏰ unchanged for 5 days" in second.text
    assert len(_buttons_with(second, "rq:d:")) == 2

    # Region: Freiburg only.
    [menu] = await h.press(COORDINATOR, button(second, "rq:fr:"))
    freiburg = next(d for label, d in menu.buttons if label.endswith("Freiburg"))
    [listed] = await h.press(COORDINATOR, freiburg)
    assert "(1 in all)" in listed.text and made[-1].reference in listed.text
    # Status: waiting too long (in all regions again).
    [menu] = await h.press(COORDINATOR, data(REQUESTS, "fs", "o"))
    waiting = next(d for label, d in menu.buttons if "waiting too long" in label)
    [listed] = await h.press(COORDINATOR, waiting)
    assert "(1 in all)" in listed.text and made[0].reference in listed.text

    [detail] = await h.press(COORDINATOR, _buttons_with(listed, "rq:d:")[0])
    assert f"Request {made[0].reference}" in detail.text
    assert "Ana Müller" in detail.text and "ana@tuebingen.example" in detail.text
    assert "History:" in detail.text and "→ received (Ana Müller)" in detail.text
    assert "Unchanged for 5 days" in detail.text
    back = button(detail, "rq:l:")
    assert back == data(REQUESTS, "l", 0, "w")  # back to the same filter and page
    [history] = await h.press(COORDINATOR, button(detail, "rq:h:"))
    assert f"History of {made[0].reference}" in history.text


async def test_german_coordinator_sees_german_screens(harness: Harness) -> None:
    h = harness
    made = await _seed_requests(h, 2)
    kora = TelegramUser(901, "Kora", "de")
    await h.text(kora, "/start")
    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, kora.id)
        assert user is not None
        grant_role(user, Role.COORDINATOR)
    [listing] = await h.text(kora, "/anfragen")
    assert "Anfragen" in listing.text and "Seite 1 von 1" in listing.text
    [detail] = await h.press(kora, _buttons_with(listing, "rq:d:")[0])
    assert f"Anfrage {made[-1].reference}" in detail.text and "Verlauf" in detail.text
    assert any("Notiz" in label for label, _d in detail.buttons)


async def test_reoffer_assign_note_and_close_are_done_told_and_audited(harness: Harness) -> None:
    h = harness
    await onboard(h, MEHMET, display_name="Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await onboard(h, LEYLA, display_name="Leyla", languages=["tr"], home_ags=REUTLINGEN)
    request, _sent = await submit_request(h, CONTACT)
    assert await offers_of(h, request.id) == [("Mehmet", "pending")]

    [detail] = await h.press(COORDINATOR, data(REQUESTS, "d", request.id))
    assert "Offered to:</b> Mehmet" in detail.text and "Match reasons" in detail.text

    # Offer anew: Mehmet's offer is withdrawn and Leyla gets one.
    [confirm] = await h.press(COORDINATOR, button(detail, "rq:o:"))
    assert "Mehmet" in confirm.text
    sent = await h.press(COORDINATOR, button(confirm, "rq:oy:"))
    assert "withdrawn" in new_to(sent, MEHMET).text
    assert "New request" in new_to(sent, LEYLA).text
    assert await offers_of(h, request.id) == [("Mehmet", "withdrawn"), ("Leyla", "pending")]
    assert "Offered to Leyla." in _toasts(h)
    [detail] = to(sent, COORDINATOR)
    assert "Offered to:</b> Leyla" in detail.text and "Offered anew by Cora" in detail.text

    # Assign by hand from the ranking: Mehmet (whose offer was withdrawn) takes it after all.
    [ranking] = await h.press(COORDINATOR, button(detail, "rq:a:"))
    mehmet = next(d for label, d in ranking.buttons if "Mehmet" in label)
    assert ranking.method == "editMessageText"  # in place of the detail view
    sent = await h.press(COORDINATOR, mehmet)
    [refreshed] = to(sent, COORDINATOR)
    # The detail view comes back in place, as the request now is.
    assert refreshed.method == "editMessageText" and "Offered to:</b> Mehmet" in refreshed.text
    assert "Offered to Mehmet on behalf of the coordination team" in refreshed.text
    offer = new_to(sent, MEHMET)
    sent = await h.press(MEHMET, button(offer, "of:a:"))
    assert await request_status(h, request.id) == "accepted"

    # A note, with markup that must arrive escaped.
    [prompt] = await h.press(COORDINATOR, data(REQUESTS, "n", request.id))
    assert "Only coordinators see it" in prompt.text
    [refreshed] = await h.text(COORDINATOR, "Rückruf <b>Montag</b>")
    # The prompt that had replaced the detail view becomes the view again, refreshed.
    assert refreshed.method == "editMessageText" and refreshed.payload["message_id"] == 1
    assert "Note saved" in refreshed.text
    assert "Note by Cora: Rückruf &lt;b&gt;Montag&lt;/b&gt;" in refreshed.text
    assert "Cora offered it to Mehmet" in refreshed.text
    assert "Assigned to Mehmet by" not in refreshed.text  # the assignment's bookkeeping lines are left out

    # Close with a typed reason: the holder and the contact are told.
    [menu] = await h.press(COORDINATOR, data(REQUESTS, "c", request.id))
    await h.press(COORDINATOR, button(menu, "rq:ct:"))
    too_long = await h.text(COORDINATOR, "x" * 501)
    assert "up to 500 characters" in too_long[0].text
    sent = await h.text(COORDINATOR, "Gemeinde hat abgesagt")
    assert "closed the request" in new_to(sent, MEHMET).text
    assert "geschlossen" in new_to(sent, CONTACT).text
    assert await request_status(h, request.id) == "cancelled"
    [status] = await h.text(CONTACT, "/meineanfragen")
    assert "vom Koordinationsteam geschlossen" in status.text
    # Pressing an old close button again changes nothing.
    await h.press(COORDINATOR, data(REQUESTS, "cr", request.id, "duplicate"))
    assert "This request is already finished." in _toasts(h)

    async with h.runtime.db.transaction() as session:
        actions = list(
            await session.scalars(
                select(CoordinatorAction.action).where(CoordinatorAction.request_id == request.id)
            )
        )
    assert sorted(actions) == sorted(
        [AuditAction.REOFFER, AuditAction.ASSIGN, AuditAction.NOTE, AuditAction.CLOSE]
    )


async def test_escalations_go_to_the_coordinators_group_and_open_privately(database_url: str) -> None:
    group = -100777
    async with bot_harness(database_url, coordinator_ids="900", coordinator_group_id=str(group)) as h:
        await h.text(COORDINATOR, "/start")
        request, sent = await submit_request(h, CONTACT)  # no advisor exists: escalation
        [escalation] = [s for s in sent if s.chat_id == group]
        assert "Keine Berater*in für" in escalation.text  # the group gets the default language
        assert not [s for s in sent if s.chat_id == COORDINATOR.id]
        opened = await h.press_in_group(COORDINATOR, button(escalation, "rq:d:"), chat_id=group)
        assert [s.chat_id for s in opened] == [COORDINATOR.id]  # personal data only in private
        assert f"Request {request.reference}" in opened[0].text
        # A contact pressing the same button in the group gets nothing.
        assert await h.press_in_group(CONTACT, button(escalation, "rq:d:"), chat_id=group) == []


async def test_every_request_button_is_refused_to_contacts_and_advisors(harness: Harness) -> None:
    h = harness
    await onboard(h, MEHMET, display_name="Mehmet", languages=["tr"], home_ags=MOESSINGEN)
    request, _sent = await submit_request(h, CONTACT)
    before = await request_status(h, request.id)
    pressed = [
        data(REQUESTS, action, *args)
        for action, args in [
            ("l", (0, "o")),
            ("fs", ("o",)),
            ("fr", ("o",)),
            ("d", (request.id,)),
            ("h", (request.id,)),
            ("a", (request.id,)),
            ("o", (request.id,)),
            ("oy", (request.id,)),
            ("c", (request.id,)),
            ("cr", (request.id, "duplicate")),
            ("ct", (request.id,)),
            ("n", (request.id,)),
            ("q", (request.id,)),
        ]
    ]
    for person in (CONTACT, MEHMET):
        for command in ("/anfragen", "/requests"):
            [refusal] = await h.text(person, command)
            assert refusal.text in REFUSALS
        for callback in pressed:
            assert await h.press(person, callback) == [], callback
    toasts = _toasts(h)
    assert len([t for t in toasts if t in REFUSALS]) == 2 * len(pressed)
    assert await request_status(h, request.id) == before
    assert await offers_of(h, request.id) == [("Mehmet", "pending")]
    async with h.runtime.db.transaction() as session:
        assert not list(await session.scalars(select(CoordinatorAction)))
        users_ = list(await session.scalars(select(User)))
    assert all(not u.has_role(Role.COORDINATOR) for u in users_ if u.telegram_id != COORDINATOR.id)


async def test_forged_and_stale_request_buttons_are_answered_politely(harness: Harness) -> None:
    h = harness
    await h.text(COORDINATOR, "/start")
    for forged in (
        "rq:zz:1",
        "rq:d:999999",
        "rq:d:abc",
        "rq:l:0:q",
        "rq:l:x:o",
        "rq:l:0:o999",
        "rq:cr:1:nope",
    ):
        assert await h.press(COORDINATOR, forged) == [], forged
    toasts = _toasts(h)
    assert len(toasts) == 7 and all(
        t in ("This button is no longer valid.", "This request was not found.") for t in toasts
    ), toasts


async def test_the_waiting_threshold_is_a_setting(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900", request_waiting_days="6") as h:
        made = await _seed_requests(h, 2)  # the older one has waited five days
        [listing] = await h.text(COORDINATOR, "/requests")
        assert made[0].reference in listing.text and "⏰" not in listing.text
        [menu] = await h.press(COORDINATOR, data(REQUESTS, "fs", "o"))
        [waiting] = await h.press(COORDINATOR, next(d for label, d in menu.buttons if "waiting" in label))
        assert "No requests match this filter." in waiting.text


async def test_the_coordinator_menu_opens_the_request_list(harness: Harness) -> None:
    h = harness
    made = await _seed_requests(h, 1)
    [start] = await h.text(COORDINATOR, "/start")
    [listing] = await h.press(COORDINATOR, start.buttons[0][1])
    assert "Requests" in listing.text and made[0].reference in listing.text
