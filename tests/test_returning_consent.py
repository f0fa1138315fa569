"""Issue 15, item 6: a contact who agreed before confirms in one line, with the full notice one tap
away; the consent record keeps the notice version, and a changed version is shown in full again."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.i18n import format_date
from bot.services.intake import NOTICE_VERSION
from models import IntakeStep, KickoffRequest, utcnow
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import AGREE, data_of, draft_of, requests_of, tap, walk_to

ANNA = TelegramUser(1610, "Anna", "de")
JOHN = TelegramUser(1611, "John", "en")
BERLIN = ZoneInfo("Europe/Berlin")


async def _sent_once(h: Harness, user: TelegramUser) -> None:
    await tap(h, user, await walk_to(h, user, IntakeStep.SUMMARY), "📨")


async def _set_request(h: Harness, user: TelegramUser, **values: object) -> None:
    [request] = await requests_of(h, user.id)
    async with h.runtime.db.transaction() as session:
        await session.execute(update(KickoffRequest).where(KickoffRequest.id == request.id).values(**values))


async def test_a_returning_contact_confirms_in_one_line_in_german(harness: Harness) -> None:
    await _sent_once(harness, ANNA)
    [line] = await harness.text(ANNA, "/anfrage")
    day = format_date(utcnow(), "de", BERLIN, "medium")
    assert line.text == (
        f"Sie haben am {day} der Verwendung Ihrer Angaben zugestimmt (Hinweis in der Fassung "
        f"{NOTICE_VERSION}) – damit weiter?"
    )
    assert data_of(line, "Ja, weiter") == AGREE and "Bevor wir beginnen" not in line.text
    # The full notice is one tap away, and agreeing there works as well.
    [full] = await tap(harness, ANNA, line, "Hinweis lesen")
    assert "Bevor wir beginnen" in full.text and data_of(full, "✅") == AGREE
    sent = await harness.press(ANNA, AGREE)
    assert "Sie haben am" in sent[0].text and "Schritt 1 von 10" in sent[-1].text
    draft = await draft_of(harness, ANNA.id)
    assert draft is not None and draft.consent_version == NOTICE_VERSION


async def test_a_returning_contact_confirms_in_one_line_in_english(harness: Harness) -> None:
    await _sent_once(harness, JOHN)
    [line] = await harness.text(JOHN, "/request")
    day = format_date(utcnow(), "en", BERLIN, "medium")
    assert f"You agreed to how we use your details on {day} (notice version {NOTICE_VERSION})" in line.text
    assert len(line.text) < 200 and "Before we start" not in line.text
    sent = await tap(harness, JOHN, line, "Yes, continue")
    # The consent message keeps the one line (not the whole notice) with the new agreement.
    assert "Before we start" not in sent[0].text and "✅ You agreed on" in sent[0].text
    assert "Step 1 of 10" in sent[-1].text
    draft = await draft_of(harness, JOHN.id)
    assert draft is not None and draft.consent_version == NOTICE_VERSION


async def test_a_changed_notice_version_is_shown_in_full_again(harness: Harness) -> None:
    await _sent_once(harness, ANNA)
    await _set_request(harness, ANNA, consent_version="2025-01")
    [full] = await harness.text(ANNA, "/anfrage")
    assert "Unser Hinweis hat sich geändert, seit Sie am" in full.text and "Bevor wir beginnen" in full.text
    assert data_of(full, "✅") == AGREE
    await _sent_once(harness, JOHN)
    await _set_request(harness, JOHN, consent_version="2025-01")
    [full] = await harness.text(JOHN, "/request")
    assert "Our notice has changed since you agreed on" in full.text and "Before we start" in full.text


async def test_an_anonymised_request_no_longer_counts_as_consent(harness: Harness) -> None:
    await _sent_once(harness, JOHN)
    await _set_request(harness, JOHN, anonymized_at=utcnow())
    [full] = await harness.text(JOHN, "/request")
    assert "Before we start" in full.text and "changed" not in full.text


async def test_a_first_request_shows_the_whole_notice(harness: Harness) -> None:
    [full] = await harness.text(ANNA, "/anfrage")
    assert "Bevor wir beginnen" in full.text and "zugestimmt" not in full.text.split("\n")[0]
