"""Small talk: "Danke", "Hallo", "ok", "Tschüss", "👍" get a short friendly reply – never stored as a
question, never the handover offer, never anything for the coordinators – while a message that
also asks something ("Danke, was kostet das?") is answered as a question."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services.small_talk import Kind, classify
from tests.faq_helpers import CONTACT, CONTACT_EN, COORDINATOR, faq_bot, make_coordinator, questions_of
from tests.harness import Harness

THANKS = [
    "Danke",
    "Vielen Dank!",
    "danke schön",
    "Thanks a lot!",
    "thx",
    "merci",
    "Vielen Dank für die Hilfe",
]
GREETINGS = ["Hallo", "Guten Tag", "Hi", "Moin", "Servus", "Good morning", "Hallo!"]
ACKNOWLEDGEMENTS = ["ok", "okay", "alles klar", "super", "prima", "great", "perfect", "got it", "Ok."]
GOODBYES = ["Tschüss", "bye", "Schönen Tag noch!", "Auf Wiedersehen"]
EMOJI = ["👍🙏", "😊", "👍", "👍🏽", "❤️", ":-)"]
NOT_SMALL_TALK = [
    "Danke, und was kostet das?",
    "Danke, was kostet das?",
    "Hallo, wer darf eine Beratung anfragen?",
    "ok, aber wann kommt der Termin?",
    "Hilfe",
    "Kosten?",
    "Was ist MiGlobe?",
    "???",
    "2",
    "Super " * 12,
]


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (THANKS, Kind.THANKS),
        (GREETINGS, Kind.GREETING),
        (ACKNOWLEDGEMENTS, Kind.ACKNOWLEDGEMENT),
        (GOODBYES, Kind.GOODBYE),
        (EMOJI, Kind.EMOJI),
    ],
)
def test_whole_messages_of_small_talk_are_recognised(texts: list[str], kind: Kind) -> None:
    assert {text: classify(text) for text in texts} == dict.fromkeys(texts, kind)


@pytest.mark.parametrize("text", NOT_SMALL_TALK)
def test_a_message_that_asks_anything_is_not_small_talk(text: str) -> None:
    assert classify(text) is None


def test_mixed_small_talk_is_answered_as_thanks() -> None:
    assert classify("Super, danke!") is Kind.THANKS
    assert classify("Hallo und danke 👍") is Kind.THANKS


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with faq_bot(database_url, tmp_path) as harness:
        yield harness


@pytest.mark.parametrize(
    ("person", "text", "expected"),
    [
        (CONTACT, "Vielen Dank!", "Gern geschehen!"),
        (CONTACT_EN, "Thanks a lot!", "You're welcome!"),
        (CONTACT, "👍🙏", "Wenn Sie eine Frage haben"),
        (CONTACT, "Hallo", "/anfrage"),
        (CONTACT_EN, "Hi", "/request"),
        (CONTACT, "alles klar", "Prima!"),
        (CONTACT_EN, "bye", "Goodbye!"),
    ],
)
async def test_small_talk_gets_a_short_reply_and_is_not_a_question(
    h: Harness, person, text: str, expected: str
) -> None:
    await make_coordinator(h, COORDINATOR)
    sent = await h.text(person, text)
    # One short message to the asker only: no handover offer, nothing for the coordinators.
    [reply] = sent
    assert reply.chat_id == person.id and expected in reply.text
    assert reply.buttons == []
    assert len(reply.text) < 250
    assert "Bot" not in reply.text
    assert await questions_of(h) == []


async def test_thanks_with_a_question_is_answered_as_the_question(h: Harness) -> None:
    [reply] = await h.text(CONTACT, "Danke, was kostet das?")
    assert "Stand:" in reply.text and "Gern geschehen" not in reply.text
    [question] = await questions_of(h, CONTACT)
    assert question.entry_id == "costs" and question.text == "Danke, was kostet das?"
