"""Two requests matched at the same moment never both take an advisor's last free place."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.services import offers
from bot.services.offers import OfferOutcome, OfferResult
from models import Offer
from tests.matching_helpers import MOESSINGEN, NOW, add_advisor, add_request, add_user, migrated


async def test_two_requests_at_once_do_not_both_take_the_last_place(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            advisor = await add_advisor(session, "Mehmet", home_ags=MOESSINGEN, capacity=1)
            first = await add_request(session, await add_user(session, "Ana"))
            second = await add_request(session, await add_user(session, "Bea"))

        async def match(request_id: int, hold_open: float) -> OfferResult:
            """Match one request; keep the transaction open a while, as a busy handler does."""
            async with db.transaction() as session:
                result = await offers.offer_next(session, request_id, NOW)
                await asyncio.sleep(hold_open)
            return result

        earlier = asyncio.create_task(match(first.id, 0.5))
        await asyncio.sleep(0.1)  # the first has read the loads and offered, not yet committed
        later = await asyncio.wait_for(match(second.id, 0.0), timeout=10)
        outcomes = sorted([(await earlier).kind, later.kind])
        async with db.transaction() as session:
            offered = await session.scalar(
                select(func.count()).select_from(Offer).where(Offer.advisor_id == advisor.id)
            )
        assert offered == 1
        assert outcomes == sorted([OfferOutcome.OFFERED, OfferOutcome.ESCALATED])
