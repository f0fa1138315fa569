"""/neuigkeiten and /news through the handlers: the choice is shown and switched with one button,
stored with its time, offered under the request confirmation, and decides who gets broadcasts."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.broadcast_audience import AudienceFilter, select_recipients
from handlers.news import NOTICE_VERSION
from models import NewsConsent, User
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import data_of, last
from tests.matching_chat_helpers import submit_request

ANA = TelegramUser(700, "Ana", "de")
BEN = TelegramUser(701, "Ben", "en")


async def _consent(h: Harness, person: TelegramUser) -> NewsConsent | None:
    async with h.runtime.db.transaction() as session:
        return await session.scalar(
            select(NewsConsent)
            .join(User, User.id == NewsConsent.user_id)
            .where(User.telegram_id == person.id)
        )


async def _news_chats(h: Harness) -> list[int]:
    """The chats a broadcast to all contacts would reach."""
    async with h.runtime.db.transaction() as session:
        return [r.chat_id for r in await select_recipients(session, "contacts", AudienceFilter())]


async def test_switching_news_on_and_off_in_german(harness: Harness) -> None:
    h = harness
    [screen] = await h.text(ANA, "/neuigkeiten")
    assert "<b>Programm-Neuigkeiten</b>" in screen.text and "Veranstaltungen" in screen.text
    assert "/neuigkeiten" in screen.text and "Sie erhalten keine Programm-Neuigkeiten." in screen.text
    assert screen.buttons == [("📰 Programm-Neuigkeiten erhalten", "nw:on")]
    assert await _consent(h, ANA) is None and await _news_chats(h) == []

    [on] = await h.press(ANA, "nw:on")
    assert on.method == "editMessageText" and "✅ Sie erhalten Programm-Neuigkeiten." in on.text
    assert on.buttons == [("🔕 Neuigkeiten abbestellen", "nw:off")]
    assert h.answered_callbacks()[-1]["text"] == "Programm-Neuigkeiten eingeschaltet."
    consent = await _consent(h, ANA)
    assert consent is not None and consent.notice_version == NOTICE_VERSION and consent.consented_at
    assert await _news_chats(h) == [ANA.id]

    # A double tap: the choice stands, nothing is edited, the answer says so.
    assert await h.press(ANA, "nw:on") == []
    assert h.answered_callbacks()[-1]["text"] == "Sie erhalten bereits Programm-Neuigkeiten."
    assert await _news_chats(h) == [ANA.id]

    [off] = await h.press(ANA, "nw:off")
    assert "Sie erhalten keine Programm-Neuigkeiten." in off.text and off.buttons[0][1] == "nw:on"
    assert await _consent(h, ANA) is None and await _news_chats(h) == []
    assert await h.press(ANA, "nw:off") == []
    assert h.answered_callbacks()[-1]["text"] == "Programm-Neuigkeiten sind bereits ausgeschaltet."

    # Toggled a second time: on again, with a new time.
    [again] = await h.press(ANA, "nw:on")
    assert again.buttons[0][1] == "nw:off"
    renewed = await _consent(h, ANA)
    assert renewed is not None and renewed.consented_at >= consent.consented_at
    [shown] = await h.text(ANA, "/news")  # the English name works too, the answer stays German
    assert "✅ Sie erhalten Programm-Neuigkeiten." in shown.text


async def test_switching_news_in_english(harness: Harness) -> None:
    h = harness
    [screen] = await h.text(BEN, "/news")
    assert "<b>Programme news</b>" in screen.text and "events and new offers" in screen.text
    assert "/news" in screen.text and "You do not receive programme news." in screen.text
    [on] = await h.press(BEN, data_of(screen, "Receive programme news"))
    assert "✅ You receive programme news." in on.text
    assert h.answered_callbacks()[-1]["text"] == "Programme news switched on."
    [off] = await h.press(BEN, data_of(on, "Stop programme news"))
    assert "You do not receive programme news." in off.text
    assert h.answered_callbacks()[-1]["text"] == "Programme news switched off."
    assert await _consent(h, BEN) is None


async def test_the_request_confirmation_offers_news_once(harness: Harness) -> None:
    h = harness
    _request, sent = await submit_request(h, ANA)
    confirmation = next(s for s in sent if s.chat_id == ANA.id and "MG-" in s.text)
    assert confirmation.buttons == [("📰 Programm-Neuigkeiten erhalten", "nw:on:c")]
    pressed = await h.press(ANA, "nw:on:c", message_id=42)
    # The button leaves the confirmation (its text, with the reference, stays); the choice follows.
    [dropped] = [s for s in pressed if s.method == "editMessageReplyMarkup"]
    assert dropped.payload == {"chat_id": ANA.id, "message_id": 42}
    assert not any(s.method == "editMessageText" for s in pressed)
    screen = last(pressed)
    assert screen.method == "sendMessage" and "✅ Sie erhalten Programm-Neuigkeiten." in screen.text
    assert screen.buttons == [("🔕 Neuigkeiten abbestellen", "nw:off")]
    assert await _news_chats(h) == [ANA.id]
    assert await h.press(ANA, "nw:on:c", message_id=42) == []  # double tap
    # Who already agreed is not asked again under the next request.
    _second, sent = await submit_request(h, ANA)
    confirmation = next(s for s in sent if s.chat_id == ANA.id and "MG-" in s.text)
    assert confirmation.buttons == []


async def test_the_privacy_notice_mentions_news_and_forged_buttons_change_nothing(harness: Harness) -> None:
    h = harness
    [privacy] = await h.text(BEN, "/privacy")
    assert "Programme news: only if you agree" in privacy.text and "/news" in privacy.text
    [datenschutz] = await h.text(ANA, "/datenschutz")
    assert "/neuigkeiten" in datenschutz.text
    for data in ("nw:maybe", "nw:on:x", "nw:", "nw:off:c:1"):
        assert await h.press(BEN, data) == [], data
        assert h.answered_callbacks()[-1]["text"] == "This button is no longer valid.", data
    assert await _consent(h, BEN) is None
