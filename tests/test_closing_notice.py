"""A request closed by the coordination team: the contact reads why (from the chosen reason, in
their language; a typed reason stays internal) and what they can do next, with a button that
starts a new request."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import users
from handlers.callback_data import REQUESTS, data
from handlers.menus import REQUEST
from models import AuditAction, CoordinatorAction, KickoffRequest, utcnow
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import COORDINATOR, new_to, request_status
from tests.matching_helpers import add_request

ANA = TelegramUser(610, "Ana", "de")
JOHN = TelegramUser(611, "John", "en")


async def _request_of(h: Harness, contact: TelegramUser) -> KickoffRequest:
    """A submitted request of ``contact`` (who has talked to the bot before)."""
    await h.text(contact, "/start")
    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, contact.id)
        assert user is not None
        return await add_request(session, user, now=utcnow())


async def _close_with(h: Harness, request: KickoffRequest, code: str) -> list[Sent]:
    """The coordinator closes ``request`` with the menu reason ``code``; what that queued."""
    sent = await h.press(COORDINATOR, data(REQUESTS, "cr", request.id, code))
    assert await request_status(h, request.id) == "cancelled"
    return sent


async def test_german_contact_reads_the_reason_and_can_start_a_new_request(harness: Harness) -> None:
    h = harness
    request = await _request_of(h, ANA)
    sent = await _close_with(h, request, "noadvisor")
    notice = new_to(sent, ANA)
    assert f"hat Ihre Anfrage {request.reference} geschlossen" in notice.text
    assert "zurzeit keine passende Berater*in verfügbar" in notice.text
    assert "Was Sie jetzt tun können" in notice.text
    assert "neue Anfrage" in notice.text and "anderen Sprachen" in notice.text
    assert "hier in den Chat" in notice.text and h.runtime.settings.contact_email in notice.text
    assert notice.buttons == [("📝 Neue Anfrage stellen", REQUEST)]
    # The button starts the intake as /anfrage does.
    [started] = await h.press(ANA, REQUEST)
    [typed] = await h.text(ANA, "/anfrage")
    assert started.text == typed.text and started.buttons == typed.buttons


async def test_english_contact_reads_the_reason_in_english(harness: Harness) -> None:
    h = harness
    request = await _request_of(h, JOHN)
    notice = new_to(await _close_with(h, request, "duplicate"), JOHN)
    assert f"The coordination team has closed your request {request.reference}." in notice.text
    assert "It duplicates another request, which we continue to handle." in notice.text
    assert "What you can do now" in notice.text and "other languages or for a later time" in notice.text
    assert "Questions? Simply write them here in this chat" in notice.text
    assert notice.buttons == [("📝 Send a new request", REQUEST)]


async def test_every_menu_reason_has_its_own_sentence_for_the_contact(harness: Harness) -> None:
    from handlers import closing_notices
    from handlers.coordinator_request_views import CLOSE_REASONS

    assert set(closing_notices.FOR_CONTACT) == set(CLOSE_REASONS)


async def test_a_typed_reason_stays_internal(harness: Harness) -> None:
    h = harness
    for contact, general in (
        (ANA, "Wenn Sie mehr über den Grund wissen möchten"),
        (JOHN, "If you would like to know more about the reason"),
    ):
        request = await _request_of(h, contact)
        [prompt] = await h.press(COORDINATOR, data(REQUESTS, "ct", request.id))
        assert "the contact is told that the request was closed, without this text" in prompt.text
        sent = await h.text(COORDINATOR, "Bürgermeister verärgert, nicht mehr anrufen")
        notice = new_to(sent, contact)
        assert "Bürgermeister" not in notice.text
        assert general in notice.text and notice.buttons == [
            ("📝 Neue Anfrage stellen" if contact is ANA else "📝 Send a new request", REQUEST)
        ]


async def test_the_history_keeps_which_reason_was_chosen(harness: Harness) -> None:
    h = harness
    request = await _request_of(h, ANA)
    await _close_with(h, request, "unreachable")
    async with h.runtime.db.transaction() as session:
        details = await session.scalar(
            select(CoordinatorAction.details).where(
                CoordinatorAction.request_id == request.id, CoordinatorAction.action == AuditAction.CLOSE
            )
        )
    assert details is not None and details["reason_code"] == "unreachable"
    assert details["reason"] == "The contact cannot be reached"
