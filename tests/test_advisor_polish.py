"""Findings of a walk-through of the advisor screens: a deactivated advisor is offered no pause,
pause dates are read in the reader's formats (and a wrong one is told why), and the language
picker does not offer German, which every advisor is assumed to speak."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.services import advisors
from bot.services.advisors import ProfileFields
from handlers.advisor_pause import parse_date
from models import Advisor, User, utcnow
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import data_of, last
from tests.matching_chat_helpers import COORDINATOR, onboard, to

SARA = TelegramUser(701, "Sara", "en")
LENA = TelegramUser(702, "Lena", "de")
CORA_DE = TelegramUser(COORDINATOR.id, "Cora", "de")


async def _profile(h: Harness, person: TelegramUser) -> Advisor:
    async with h.runtime.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == person.id))
        assert user_id is not None
        found = await advisors.by_user(session, user_id)
        assert found is not None
        return found


def _today(h: Harness) -> date:
    return utcnow().astimezone(h.runtime.settings.tz).date()


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("31.12.2026", "de", date(2026, 12, 31)),
        ("31.12.26", "en", date(2026, 12, 31)),
        (" 2026-12-31 ", "de", date(2026, 12, 31)),
        ("12/31/2026", "en", date(2026, 12, 31)),
        ("12/4/26", "en", date(2026, 12, 4)),
        ("12/31/2026", "de", None),  # German readers write the day first: slashes are not guessed
        ("31/12/2026", "en", None),
        ("30.02.2026", "de", None),
        ("next week", "en", None),
    ],
)
def test_parse_date_reads_the_readers_formats(text: str, locale: str, expected: date | None) -> None:
    assert parse_date(text, locale) == expected


async def test_a_deactivated_advisor_is_offered_no_pause_and_nothing_changes(harness: Harness) -> None:
    h = harness
    advisor_id = await onboard(h, SARA)
    until = _today(h) + timedelta(days=20)
    [screen] = await h.text(SARA, f"/pause {until:%d.%m.%Y}")
    week = data_of(screen, "1 week")
    await h.press(COORDINATOR, f"ad:y:{advisor_id}:0:all")
    before = await _profile(h, SARA)
    assert not before.active and before.paused_until is not None
    email = h.runtime.settings.contact_email

    for command in ("/pause", f"/pause {_today(h) + timedelta(days=3):%d.%m.%Y}"):
        [reply] = await h.text(SARA, command)
        assert "has been deactivated" in reply.text and email in reply.text, command
        assert reply.buttons == [] and "Paused until" not in reply.text
    # The buttons of the screen shown before: replaced, not obeyed.
    for data in ("pa:end", week):
        sent = await h.press(SARA, data)
        [edited] = to(sent, SARA)
        assert edited.method == "editMessageText" and edited.buttons == []
        assert "has been deactivated" in edited.text and "offers again" not in edited.text
    after = await _profile(h, SARA)
    assert not after.active and after.paused_until == before.paused_until

    [profile] = await h.text(SARA, "/profile")
    assert "⛔ inactive" in profile.text and email in profile.text and "/assignments" in profile.text
    assert "/pause" not in profile.text and "available for offers" not in profile.text


async def test_a_deactivated_advisor_is_told_in_their_language(harness: Harness) -> None:
    h = harness
    advisor_id = await onboard(h, LENA)
    await h.press(COORDINATOR, f"ad:y:{advisor_id}:0:all")
    [reply] = await h.text(LENA, "/pause")
    assert "deaktiviert" in reply.text and "Koordinationsteam" in reply.text and reply.buttons == []
    assert h.runtime.settings.contact_email in reply.text


async def test_pause_dates_in_each_readers_formats(harness: Harness) -> None:
    h = harness
    await onboard(h, SARA)
    await onboard(h, LENA)
    tz, today = h.runtime.settings.tz, _today(h)
    month_first = today + timedelta(days=30)
    [en] = await h.text(SARA, f"/pause {month_first.month}/{month_first.day}/{month_first.year}")
    assert "✓ Paused until" in en.text
    assert (await _profile(h, SARA)).paused_until == advisors.pause_end(month_first, tz)
    assert f"e.g. /pause 12/31/{today.year}." in en.text  # the example is written the same way

    iso = today + timedelta(days=40)
    [de] = await h.text(LENA, f"/pause {iso.isoformat()}")
    assert "✓ Pausiert bis" in de.text
    assert (await _profile(h, LENA)).paused_until == advisors.pause_end(iso, tz)
    # A German reader typing month first is shown the formats that work, with her example.
    [wrong] = await h.text(LENA, f"/pause 12/20/{today.year + 1}")
    assert f"31.12.{today.year}, {today.year}-12-31." in wrong.text and "12/31" not in wrong.text
    assert "ab heute" not in wrong.text
    assert (await _profile(h, LENA)).paused_until == advisors.pause_end(iso, tz)


async def test_a_coordinator_can_type_the_date_a_quick_button_shows(harness: Harness) -> None:
    h = harness
    advisor_id = await onboard(h, SARA)
    choices = last(await h.press(COORDINATOR, f"ad:p:{advisor_id}:0:all"))
    label = next(label for label, _d in choices.buttons if label.startswith("2 weeks"))
    shown = re.search(r"\((\d+ \w+ \d{4})\)", label)
    assert shown, label  # English buttons: day, month's name, year ("2 weeks (4 Dec 2026)")
    await h.press(COORDINATOR, f"ad:t:{advisor_id}:0:all")
    sent = await h.text(COORDINATOR, shown.group(1))
    assert any("✓ Paused until" in s.text for s in to(sent, COORDINATOR))
    two_weeks = _today(h) + timedelta(weeks=2)
    assert (await _profile(h, SARA)).paused_until == advisors.pause_end(two_weeks, h.runtime.settings.tz)

    # In German she is shown her own formats when she types month first.
    await h.press(CORA_DE, "lang:de")
    question = last(await h.press(CORA_DE, f"ad:t:{advisor_id}:0:all"))
    assert f"z. B. 31.12.{_today(h).year}" in question.text
    [again] = await h.text(CORA_DE, "12/20/2026")
    assert f"31.12.{_today(h).year}" in again.text and "Pause für Sara" in again.text


async def test_the_language_picker_does_not_offer_german(harness: Harness) -> None:
    h = harness
    advisor_id = await onboard(h, LENA)
    screen = last(await h.press(LENA, "pf:l"))
    assert "Deutsch wird bei allen vorausgesetzt" in screen.text
    assert not [d for _label, d in screen.buttons if d.endswith(":de")]
    await h.press(LENA, "pf:ls")
    [told] = await h.text(LENA, "Deutsch")
    assert "vorausgesetzt" in told.text and not [d for _l, d in told.buttons if d.startswith("pf:l:")]
    # The question stays open; a name that also matches German dialects offers only those.
    found = last(await h.text(LENA, "German"))
    added = [d.split(":")[3] for _l, d in found.buttons if d.startswith("pf:l:+:")]
    assert "gsw" in added and "de" not in added
    # An old or forged button cannot add German either.
    assert await h.press(LENA, "pf:l:+:de") == []
    assert h.answered_callbacks()[-1].get("text") == "Diese Schaltfläche ist nicht mehr gültig."
    assert "de" not in (await _profile(h, LENA)).languages
    # German already on a profile (from before) is shown, so it can be removed.
    async with h.runtime.db.transaction() as session:
        await advisors.update_profile(session, advisor_id, ProfileFields(languages=["de", "tr"]), utcnow())
    screen = last(await h.press(LENA, "pf:l"))
    assert data_of(screen, "✓ Deutsch") == "pf:l:-:de"
    await h.press(LENA, "pf:l:-:de")
    assert (await _profile(h, LENA)).languages == ["tr"]
