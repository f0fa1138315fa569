"""The guided set-up after an invitation (privacy note, five skippable steps, what happens next),
offers only once languages and area are set, the coordinators told who joined, and pickers whose
buttons keep their places."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.commands import menu
from bot.services import advisors, offers
from bot.services.advisors import ProfileFields
from bot.services.matching_data import rank_request
from handlers.notify import Reader
from models import Advisor, AdvisorInvitation, Role, User, utcnow
from tests.harness import Harness, Sent, TelegramUser, bot_harness
from tests.intake_helpers import data_of, last
from tests.matching_chat_helpers import COORDINATOR, MOESSINGEN, submit_request, to
from tests.matching_helpers import NOW, add_advisor, add_request, add_user, migrated

LENA = TelegramUser(711, "Lena", "de")
SARA = TelegramUser(712, "Sara", "en")
CONTACT = TelegramUser(713, "Ana", "de")
DORA = TelegramUser(901, "Dora", "de")  # a second coordinator, reading German
# Periods that appear nowhere else, so the note can only have them from the settings.
PERIODS = {"inbox_retention_days": 11, "outbox_retention_days": 13, "request_retention_days": 123}


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    """The bot with unusual storage periods and two coordinators (Cora in English, Dora in German)."""
    async with bot_harness(database_url, coordinator_ids=f"{COORDINATOR.id},{DORA.id}", **PERIODS) as harness:
        await harness.text(DORA, "/start")  # Dora has written to the bot, so she is a stored user
        yield harness


async def _invite(h: Harness) -> str:
    [invitation] = await h.text(COORDINATOR, "/invite")
    found = re.search(r"start=(inv_[A-Za-z0-9_-]+)", invitation.text)
    assert found, invitation.text
    return found.group(1)


async def _advisor(h: Harness, person: TelegramUser) -> Advisor:
    async with h.runtime.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == person.id))
        assert user_id is not None
        found = await advisors.by_user(session, user_id)
        assert found is not None
        return found


def _labels(message: Sent) -> list[str]:
    """The choices' labels without their ○/✓ mark, in order (the last button, "Skip" that becomes
    "Next" or "Done", left out)."""
    return [label.removeprefix("✓ ").removeprefix("○ ") for label, _data in message.buttons][:-1]


def _commands(text: str) -> list[str]:
    return re.findall(r"(?<![<\w])/([a-z]+)\b", text)


async def test_german_set_up_step_by_step_then_available(h: Harness) -> None:
    welcome = to(await h.text(LENA, f"/start {await _invite(h)}"), LENA)[0]
    # The privacy note: what, why, and every period as configured.
    assert "Willkommen bei MiGlobe" in welcome.text and "Ihre Daten als Berater*in" in welcome.text
    assert "123 Tage nach" in welcome.text and "11 Tagen" in welcome.text and "13 Tagen" in welcome.text
    assert "/loeschen" in welcome.text and "/meinedaten" in welcome.text
    assert "verfügbar für Angebote" not in welcome.text
    languages = last(await h.press(LENA, data_of(welcome, "Profil einrichten")))
    assert "Schritt 1 von 5" in languages.text and "/profil" in languages.text
    assert data_of(languages, "Überspringen") == "ob:s:r"
    languages = last(await h.press(LENA, data_of(languages, "Arabisch")))
    assert "✓ Arabisch" in [t for t, _d in languages.buttons]
    area = last(await h.press(LENA, data_of(languages, "Weiter")))
    assert "Schritt 2 von 5" in area.text
    area = last(await h.press(LENA, data_of(area, "RB Tübingen")))
    home = last(await h.press(LENA, data_of(area, "Weiter")))
    assert "Schritt 3 von 5" in home.text and "Gemeinde" in home.text
    [topics] = await h.text(LENA, "Mössingen")
    assert "Schritt 4 von 5" in topics.text and "✓" in topics.text
    topics = last(await h.press(LENA, data_of(topics, "Fest")))
    capacity = last(await h.press(LENA, data_of(topics, "Weiter")))
    assert "Schritt 5 von 5" in capacity.text
    closing = last(await h.press(LENA, data_of(capacity, "3")))
    assert "verfügbar für Angebote" in closing.text and "48 Stunden" in closing.text
    names = {c.command for c in menu(frozenset({Role.ADVISOR}), "de")}
    assert {"profil", "pause", "auftraege"} <= set(_commands(closing.text)) <= names
    advisor = await _advisor(h, LENA)
    assert advisor.languages == ["ar"] and advisor.regierungsbezirke == ["084"]
    assert advisor.home_ags == MOESSINGEN and advisor.topics and advisor.capacity == 3
    [profile] = await h.text(LENA, "/profil")
    assert "Status:</b> ✅" in profile.text


async def test_english_set_up_skipped_is_not_available_until_languages_and_area(h: Harness) -> None:
    welcome = to(await h.text(SARA, f"/start {await _invite(h)}"), SARA)[0]
    assert "Your data as an advisor" in welcome.text and "123 days" in welcome.text
    assert "11 days" in welcome.text and "13 days" in welcome.text
    screen = last(await h.press(SARA, data_of(welcome, "Set up my profile")))
    steps = []
    while "What happens next" not in screen.text:
        steps.append(re.search(r"Step (\d) of 5", screen.text).group(1))  # type: ignore[union-attr]
        # Skip; the capacity has a value from the start, so it only goes on.
        label = "Next" if "Step 5" in screen.text else "Skip"
        screen = last(await h.press(SARA, data_of(screen, label)))
    assert steps == ["1", "2", "3", "4", "5"]
    assert "offers cannot reach you yet" in screen.text
    assert "your languages and the area you serve" in screen.text
    # Every command the closing names exists and is in the advisor's menu.
    names = {c.command for c in menu(frozenset({Role.ADVISOR}), "en")}
    assert {"profile", "pause", "assignments"} <= set(_commands(screen.text)) <= names
    [profile] = await h.text(SARA, "/profile")
    assert "not yet available for offers" in profile.text and "✅ available" not in profile.text
    # Ending a pause promises no offers while languages and area are missing.
    await h.text(SARA, f"/pause 31.12.{utcnow().year}")
    ended = last(await h.press(SARA, "pa:end"))
    assert "pause has ended" in ended.text and "receive offers again" not in ended.text
    assert "not yet available" in ended.text
    # A town typed after the home step was skipped is no answer any more.
    [other] = await h.text(SARA, "Mössingen")
    assert "Home saved" not in other.text
    # Matching does not offer a request to her while languages or area are missing.
    advisor_id = (await _advisor(h, SARA)).id
    async with h.runtime.db.transaction() as session:
        await advisors.update_profile(session, advisor_id, ProfileFields(languages=["tr", "ti"]), utcnow())
    request, sent = await submit_request(h, CONTACT)
    assert not to(sent, SARA)
    async with h.runtime.db.transaction() as session:
        ranking = await rank_request(session, request.id, utcnow())
        assert ranking is not None and ranking.best is None
        [candidate] = ranking.candidates
        assert {"code": "incomplete_profile", "missing": ["area"]} in candidate.excluded


async def test_the_home_step_asks_again_and_goes_on(h: Harness) -> None:
    welcome = to(await h.text(SARA, f"/start {await _invite(h)}"), SARA)[0]
    await h.press(SARA, data_of(welcome, "Set up my profile"))
    home = last(await h.press(SARA, "ob:s:h"))
    assert "Step 3 of 5" in home.text and data_of(home, "Skip") == "ob:s:t"
    [again] = await h.text(SARA, "Xyzzyplatz")
    assert data_of(again, "Skip") == "ob:s:t"
    [topics] = await h.text(SARA, "Mössingen")
    assert "Home saved" in topics.text and "Step 4 of 5" in topics.text


async def test_coordinators_are_told_who_joined_through_which_invitation(h: Harness) -> None:
    token = await _invite(h)
    sent = await h.text(LENA, f"/start {token}")
    async with h.runtime.db.transaction() as session:
        invitation = await session.scalar(select(AdvisorInvitation))
        assert invitation is not None
        created = invitation.created_at
    [english] = to(sent, COORDINATOR)
    [german] = to(sent, DORA)
    when_en = Reader(0, 0, "en", h.runtime.settings.tz).when(created)
    when_de = Reader(0, 0, "de", h.runtime.settings.tz).when(created)
    assert "<b>Lena</b> has joined as an advisor" in english.text and "Cora" in english.text
    assert when_en in english.text and "/advisors" in english.text
    assert "<b>Lena</b>" in german.text and "Cora" in german.text and when_de in german.text
    assert "Sprachen" in german.text and "/berater" in german.text
    # Nobody is told twice: a repeated link tells the coordinators nothing new.
    again = await h.text(LENA, f"/start {token}")
    assert not to(again, COORDINATOR) and not to(again, DORA)


async def test_the_language_picker_keeps_each_button_in_its_place(h: Harness) -> None:
    welcome = to(await h.text(SARA, f"/start {await _invite(h)}"), SARA)[0]
    before = last(await h.press(SARA, data_of(welcome, "Set up my profile")))
    order = _labels(before)
    for label in ("Russian", "Kurdish", "Somali"):
        after = last(await h.press(SARA, data_of(before, label)))
        assert _labels(after) == order and f"✓ {label}" in [t for t, _d in after.buttons]
        before = after
    # The same in the profile, with a language found by search: removing it keeps it in its place.
    profile = last(await h.press(SARA, "pf:l"))
    await h.press(SARA, "pf:ls")
    found = last(await h.text(SARA, "Tigrinja"))
    order = _labels(found)
    added = last(await h.press(SARA, data_of(found, "Tigrinya")))
    assert _labels(added) == order
    profile = last(await h.press(SARA, "pf:l"))
    order = _labels(profile)
    removed = last(await h.press(SARA, data_of(profile, "✓ Tigrinya")))
    assert _labels(removed) == order and "○ Tigrinya" in [t for t, _d in removed.buttons]
    removed = last(await h.press(SARA, data_of(removed, "Russian")))
    assert _labels(removed)[: len(order) - 3] == order[: len(order) - 3]


async def test_area_and_topic_pickers_keep_their_order(h: Harness) -> None:
    welcome = to(await h.text(SARA, f"/start {await _invite(h)}"), SARA)[0]
    await h.press(SARA, data_of(welcome, "Set up my profile"))
    for step, label in (("r", "RB Karlsruhe"), ("t", "Fair")):
        screen = last(await h.press(SARA, f"ob:s:{step}"))
        after = last(await h.press(SARA, data_of(screen, label)))
        assert [t for t, _d in after.buttons if "✓" in t] and _labels(after) == _labels(screen)


async def test_matching_offers_nothing_without_languages_or_area(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        contact = await add_user(session, "Ana")
        speechless = await add_advisor(session, "Aylin", languages=(), regierungsbezirke=("084",))
        nowhere = await add_advisor(session, "Bora", regierungsbezirke=())
        ready = await add_advisor(session, "Cem", regierungsbezirke=("084",))
        request = await add_request(session, contact)
        ranking = await rank_request(session, request.id, NOW)
        assert ranking is not None
        excluded = {c.advisor_id: c.excluded for c in ranking.candidates}
        assert excluded[speechless.id] == ({"code": "incomplete_profile", "missing": ["languages"]},)
        assert excluded[nowhere.id] == ({"code": "incomplete_profile", "missing": ["area"]},)
        assert excluded[ready.id] == ()
        offered = await offers.offer_next(session, request.id, NOW)
        assert offered.advisor is not None and offered.advisor.id == ready.id
        assert advisors.profile_gaps(speechless) == ("languages",) and not advisors.profile_gaps(ready)


async def test_kreise_and_language_search_stay_in_the_set_up(h: Harness) -> None:
    welcome = to(await h.text(SARA, f"/start {await _invite(h)}"), SARA)[0]
    await h.press(SARA, data_of(welcome, "Set up my profile"))
    search = last(await h.press(SARA, "ob:ls"))
    assert data_of(search, "Back") == "ob:s:l"
    found = last(await h.text(SARA, "Tigrinja"))
    added = last(await h.press(SARA, data_of(found, "Tigrinya")))
    assert "Step 1 of 5" in added.text and data_of(added, "Next") == "ob:s:r"
    area = last(await h.press(SARA, "ob:s:r"))
    assert "ob:k:084" in [d for _t, d in area.buttons]
    kreise = last(await h.press(SARA, "ob:k:084"))
    chosen = last(await h.press(SARA, data_of(kreise, "Landkreis Tübingen")))
    assert "✓ Landkreis Tübingen" in [t for t, _d in chosen.buttons]
    area = last(await h.press(SARA, data_of(chosen, "Back to the Regierungsbezirke")))
    assert "Step 2 of 5" in area.text and data_of(area, "Next") == "ob:s:h"
    advisor = await _advisor(h, SARA)
    assert advisor.languages == ["ti"] and advisor.kreise == ["08416"] and not advisors.profile_gaps(advisor)
