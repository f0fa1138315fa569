"""/statistik through the handlers: coordinators get the numbers and two charts; others are refused."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import charts, users
from bot.services.funnel_stats import FunnelCounts
from bot.services.knowledge import knowledge_base
from models import Question, utcnow
from tests.harness import Harness, TelegramUser
from tests.matching_helpers import add_request

PNG = b"\x89PNG\r\n\x1a\n"


async def test_coordinator_gets_numbers_and_two_charts(harness: Harness) -> None:
    coordinator = TelegramUser(900, "Coord", "de")
    sent = await harness.text(coordinator, "/statistik")
    report = sent[0]
    assert report.method == "sendMessage"
    assert "<b>Statistik vom" in report.text and "Anfragen: 0" in report.text
    assert [d for _t, d in report.buttons] == ["stats:30", "stats:365", "stats:all"]
    photos = [s for s in sent if s.method == "sendPhoto"]
    assert len(photos) == 2
    for photo in photos:
        assert base64.b64decode(photo.payload["photo"]["content_b64"]).startswith(PNG)
    again = await harness.press(coordinator, "stats:30")
    assert again[0].text.startswith("<b>Statistik vom")


async def test_contacts_and_forged_buttons_are_refused(harness: Harness) -> None:
    contact = TelegramUser(501, "Ana", "en")
    [refusal] = await harness.text(contact, "/stats")
    assert refusal.text == "This is only available to coordinators."
    assert await harness.press(contact, "stats:all") == []
    assert harness.answered_callbacks()[-1]["text"] == "This is only available to coordinators."
    assert await harness.press(TelegramUser(900, "Coord", "de"), "stats:9999") == []


async def test_breakdowns_read_right_for_one_and_name_the_questions(harness: Harness) -> None:
    contact = TelegramUser(502, "Ana", "de")
    answer = await harness.text(contact, "Was kostet die Beratung?")  # answered from the knowledge base
    assert answer and "Quelle" in answer[0].text
    async with harness.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, contact.id)
        assert user is not None
        await add_request(session, user, languages=["ar"], now=utcnow() - timedelta(days=2))
        [question] = list(await session.scalars(select(Question)))
    entry = knowledge_base().get(question.entry_id or "")
    assert entry is not None
    [report, *_charts] = await harness.text(TelegramUser(900, "Coord", "de"), "/statistik")
    assert "Arabisch: Anfragen 1 · Auftaktgespräche 0 · Beratungen 0" in report.text
    assert f"{entry.text('de').title}: 1-mal gefragt" in report.text
    assert f"{question.entry_id}:" not in report.text  # the title, not the internal id


@pytest.mark.parametrize(
    ("locale", "title", "caption_starts", "map_title", "bezirk"),
    [
        (
            "de",
            "Anfragen nach Stufe",
            ("Anfragen nach Stufe, ", "Anfragen nach Kommune, "),
            "Anfragen nach Kommune",
            "Regierungsbezirk Tübingen",
        ),
        (
            "en",
            "Requests by stage",
            ("Requests by stage, ", "Requests by municipality, "),
            "Requests by municipality",
            "Regierungsbezirk Tübingen",
        ),
    ],
)
async def test_charts_have_the_right_titles_and_every_photo_a_caption(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
    title: str,
    caption_starts: tuple[str, str],
    map_title: str,
    bezirk: str,
) -> None:
    drawn: dict[str, object] = {}

    def funnel_spy(counts: FunnelCounts, labels: charts.FunnelLabels) -> bytes:
        drawn["funnel"] = labels
        return funnel_chart(counts, labels)

    def map_spy(places: dict[str, int], labels: charts.MapLabels) -> bytes:
        drawn["map"] = labels
        return municipality_map(places, labels)

    funnel_chart, municipality_map = charts.funnel_chart, charts.municipality_map
    monkeypatch.setattr(charts, "funnel_chart", funnel_spy)
    monkeypatch.setattr(charts, "municipality_map", map_spy)
    sent = await harness.text(TelegramUser(900, "Coord", locale), "/statistik")
    photos = [s for s in sent if s.method == "sendPhoto"]
    assert len(photos) == 2
    # Every photo says what it shows, for which period.
    for photo, start in zip(photos, caption_starts, strict=True):
        caption = photo.payload["caption"]
        assert caption.startswith(start) and " – " in caption and str(utcnow().year) in caption
    funnel_labels, map_labels = drawn["funnel"], drawn["map"]
    assert isinstance(funnel_labels, charts.FunnelLabels) and isinstance(map_labels, charts.MapLabels)
    assert funnel_labels.title == title
    assert "Verlauf" not in funnel_labels.title and "funnel" not in funnel_labels.title
    assert map_labels.title == map_title
    assert bezirk in [note.text for note in charts.map_annotations(map_labels)]
