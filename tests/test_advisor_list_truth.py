"""The coordinators' advisor list tells the truth about profiles matching would skip: an advisor
without languages or area is "profile incomplete – no offers yet", in the list, the detail and the
filter, and is not counted as available (offline harness, both databases)."""

from __future__ import annotations

from datetime import timedelta

from models import Advisor, User, utcnow
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import COORDINATOR, one_to, to
from tests.matching_helpers import TUEBINGEN_KREIS, add_advisor

CORA_DE = TelegramUser(COORDINATOR.id, "Cora", "de")


def _edit(sent: list[Sent], person: TelegramUser) -> Sent:
    [edited] = [s for s in to(sent, person) if s.method == "editMessageText"]
    return edited


async def _advisors(h: Harness) -> dict[str, int]:
    """Ready (languages and area), Speechless (no languages), Nowhere (no area, paused too)."""
    ids: dict[str, int] = {}
    async with h.runtime.db.transaction() as session:
        ready = await add_advisor(session, "Ready", kreise=(TUEBINGEN_KREIS,))
        speechless = await add_advisor(session, "Speechless", languages=(), kreise=(TUEBINGEN_KREIS,))
        nowhere = await add_advisor(session, "Nowhere", regierungsbezirke=())
        nowhere.paused_until = utcnow() + timedelta(days=3)
        for advisor in (ready, speechless, nowhere):
            ids[advisor.display_name] = advisor.id
            user = await session.get(User, advisor.user_id)
            assert user is not None
    return ids


async def test_the_list_and_filter_say_incomplete_not_available(harness: Harness) -> None:
    h = harness
    await _advisors(h)
    listed = one_to(await h.text(COORDINATOR, "/advisors"), COORDINATOR)
    assert "<b>Ready</b> · ✅ available" in listed.text
    assert "<b>Speechless</b> · ⚠️ profile incomplete – no offers yet: languages missing" in listed.text
    assert (
        "<b>Nowhere</b> · ⚠️ profile incomplete – no offers yet: area served missing · ⏸ paused" in listed.text
    )
    assert listed.text.count("✅ available") == 1

    available = _edit(await h.press(COORDINATOR, "ad:l:0:available"), COORDINATOR)
    assert "<b>Advisors</b> (1)" in available.text and "Speechless" not in available.text
    assert "Nowhere" not in available.text

    choices = _edit(await h.press(COORDINATOR, "ad:f:0:all"), COORDINATOR)
    assert "ad:l:0:incomplete" in [d for _l, d in choices.buttons]
    incomplete = _edit(await h.press(COORDINATOR, "ad:l:0:incomplete"), COORDINATOR)
    assert "<b>Advisors</b> (2)" in incomplete.text and "Ready" not in incomplete.text
    assert "Showing only: ⚠️ profile incomplete" in incomplete.text


async def test_the_detail_says_what_is_missing_in_german_and_keeps_reactivate(harness: Harness) -> None:
    h = harness
    ids = await _advisors(h)
    await h.text(CORA_DE, "/berater")
    detail = _edit(await h.press(CORA_DE, f"ad:v:{ids['Speechless']}:0:all"), CORA_DE)
    assert "⚠️ Profil unvollständig – noch keine Angebote: Sprachen fehlen" in detail.text
    assert "verfügbar" not in detail.text.replace("nicht verfügbar", "")

    paused = _edit(await h.press(CORA_DE, f"ad:v:{ids['Nowhere']}:0:all"), CORA_DE)
    assert "⚠️ Profil unvollständig – noch keine Angebote: Einsatzgebiet fehlt" in paused.text
    assert "⏸ pausiert bis" in paused.text
    # Still paused underneath: the coordinator can end the pause from here.
    assert f"ad:r:{ids['Nowhere']}:0:all" in [d for _l, d in paused.buttons]


async def test_a_completed_profile_is_available_again(harness: Harness) -> None:
    h = harness
    ids = await _advisors(h)
    async with h.runtime.db.transaction() as session:
        advisor = await session.get(Advisor, ids["Speechless"])
        assert advisor is not None
        advisor.languages = ["ar"]
    listed = one_to(await h.text(COORDINATOR, "/advisors"), COORDINATOR)
    assert "<b>Speechless</b> · ✅ available" in listed.text
