"""Issue 15, item 4: after sending, the confirmation names a time frame derived from the offer
deadline (OFFER_RESPONSE_HOURS) and the usual length of the offer cascade, and the promise holds."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services.reply_time import USUAL_OFFERS, usual_working_days
from models import IntakeStep, Offer
from tests.harness import Harness, TelegramUser, bot_harness
from tests.intake_helpers import tap, walk_to
from tests.matching_chat_helpers import onboard

ANNA = TelegramUser(1710, "Anna", "de")
JOHN = TelegramUser(1711, "John", "en")
SARA = TelegramUser(1712, "Sara", "en")


def test_the_days_cover_the_usual_cascade() -> None:
    assert [usual_working_days(h) for h in (48, 24, 36, 12, 0.5, 72)] == [4, 2, 3, 1, 1, 6]


@given(st.floats(min_value=0.01, max_value=24 * 60, allow_nan=False))
def test_the_promise_is_never_shorter_than_the_usual_offers(hours: float) -> None:
    # Offer times run on the clock; N calendar days are never more than N working days.
    assert usual_working_days(hours) * 24 >= USUAL_OFFERS * hours


async def test_the_confirmation_names_the_time_frame_in_german(harness: Harness) -> None:
    await onboard(harness, SARA, languages=["tr"])
    [confirmation, *_] = await tap(harness, ANNA, await walk_to(harness, ANNA, IntakeStep.SUMMARY), "📨")
    assert "In der Regel melden wir uns innerhalb von 4 Werktagen." in confirmation.text
    assert "jede Person hat bis zu 48 Stunden Zeit für die Antwort" in confirmation.text
    # The promise rests on the deadline the offer really got.
    async with harness.runtime.db.transaction() as session:
        offer = await session.scalar(select(Offer))
    assert offer is not None and offer.respond_by - offer.created_at == timedelta(hours=48)
    assert timedelta(days=4) >= USUAL_OFFERS * (offer.respond_by - offer.created_at)


async def test_the_time_frame_follows_the_setting_in_english(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900", offer_response_hours=24) as h:
        [confirmation, *_] = await tap(h, JOHN, await walk_to(h, JOHN, IntakeStep.SUMMARY), "📨")
        assert "Usually we get back to you within 2 working days." in confirmation.text
        assert "each has up to 24 hours to answer" in confirmation.text
