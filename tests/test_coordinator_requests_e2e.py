"""/requests end to end: the real bot process against the sandbox's Bot API emulator, a coordinator
paging, filtering, opening a request and acting on it (offer anew, assign, note, close)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from models import AuditAction, CoordinatorAction, KickoffRequest, Offer, Role
from tests.bot_process import running_bot, sandbox
from tests.matching_e2e_helpers import (
    data_of,
    message_with,
    prepared,
    press,
    read,
    seed_advisor,
    seed_request,
    seed_user,
)

CONTACT, MEHMET, LEYLA, CORA = 5100, 5101, 5102, 5190
MOESSINGEN, REUTLINGEN = "08416025", "08415061"


async def test_a_coordinator_pages_filters_and_steers_a_request(database_url: str, tmp_path: Path) -> None:
    db = await prepared(database_url)
    mehmet = await seed_advisor(
        db, MEHMET, "Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN, capacity=20
    )
    await seed_advisor(db, LEYLA, "Leyla", languages=["tr"], home_ags=REUTLINGEN, capacity=20)
    await seed_user(db, CORA, "Cora", "en", [Role.COORDINATOR])
    contact = await seed_user(db, CONTACT, "Ana", "de")
    ids = [await seed_request(db, contact) for _ in range(9)]
    newest = ids[-1]
    async with sandbox() as server:
        emulator = server.emulator
        for uid, name, locale in [
            (CONTACT, "Ana", "de"),
            (MEHMET, "Mehmet", "en"),
            (LEYLA, "Leyla", "en"),
            (CORA, "Cora", "en"),
        ]:
            emulator.add_user(name, locale, user_id=uid)
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            # The start-up sweep offers every request to Mehmet, the best fit.
            await emulator.wait_for(
                lambda: sum("New request" in (m.text or "") for m in emulator.messages_in(MEHMET)) == 9,
                30.0,
                "nine offers to Mehmet",
            )
            emulator.send_text(CORA, "/requests")
            listing = await message_with(emulator, CORA, "page 1 of 2 (9 in all)", button="rq:l:1:")
            await press(emulator, CORA, listing, data_of(listing, "rq:l:1:"))
            listing = await message_with(emulator, CORA, "page 2 of 2 (9 in all)")
            await press(emulator, CORA, listing, data_of(listing, "rq:fs:"))
            menu = await message_with(emulator, CORA, "Which requests", button="rq:l:0:n")
            await press(emulator, CORA, menu, data_of(menu, "rq:l:0:n"))
            empty = await message_with(emulator, CORA, "No requests match this filter.", button="rq:fs:")
            await press(emulator, CORA, empty, data_of(empty, "rq:fs:"))
            menu = await message_with(emulator, CORA, "Which requests", button="rq:l:0:o")
            await press(emulator, CORA, menu, data_of(menu, "rq:l:0:o"))
            listing = await message_with(emulator, CORA, "page 1 of 2 (9 in all)", button=f"rq:d:{newest}:")
            await press(emulator, CORA, listing, data_of(listing, f"rq:d:{newest}:"))
            detail = await message_with(emulator, CORA, "Offered to: Mehmet", button="rq:o:")

            await press(emulator, CORA, detail, data_of(detail, "rq:o:"))
            confirm = await message_with(emulator, CORA, "Withdraw the offer", button="rq:oy:")
            answer = await press(emulator, CORA, confirm, data_of(confirm, "rq:oy:"))
            assert answer.get("text") == "Offered to Leyla."
            await message_with(emulator, MEHMET, "was withdrawn")
            detail = await message_with(emulator, CORA, "Offered to: Leyla", button="rq:a:")

            # The ranking takes the detail view's place; choosing brings the view back, refreshed.
            await press(emulator, CORA, detail, data_of(detail, "rq:a:"))
            ranking = await message_with(emulator, CORA, "by hand", button=f"ca:a:{newest}:{mehmet}:d")
            assert ranking.message_id == detail.message_id
            answer = await press(emulator, CORA, ranking, f"ca:a:{newest}:{mehmet}:d")
            assert answer.get("text") == "Offered.", answer
            await message_with(emulator, CORA, "Offered to Mehmet on behalf", "Offered to: Mehmet")
            await message_with(emulator, LEYLA, "was withdrawn")
            offer = await message_with(emulator, MEHMET, "coordination team", button="of:a:")
            await press(emulator, MEHMET, offer, data_of(offer, "of:a:"))
            await message_with(emulator, CORA, "Mehmet accepted")
            emulator.send_text(CORA, "/requests")
            listing = await message_with(emulator, CORA, "page 1 of 2", button=f"rq:d:{newest}:")
            await press(emulator, CORA, listing, data_of(listing, f"rq:d:{newest}:"))
            detail = await message_with(emulator, CORA, "Advisor: Mehmet", button="rq:n:")
            await press(emulator, CORA, detail, data_of(detail, "rq:n:"))
            await message_with(emulator, CORA, "Please send the note")
            emulator.send_text(CORA, "Rückruf <Montag> & Dienstag")
            await message_with(emulator, CORA, "Note saved")
            detail = await message_with(
                emulator, CORA, "Note by Cora: Rückruf <Montag> & Dienstag", button="rq:c:"
            )
            await press(emulator, CORA, detail, data_of(detail, "rq:c:"))
            menu = await message_with(emulator, CORA, "Choose the reason", button=f"rq:cr:{newest}:duplicate")
            answer = await press(emulator, CORA, menu, f"rq:cr:{newest}:duplicate")
            assert answer.get("text") == "Closed."
            await message_with(emulator, CONTACT, "hat Ihre Anfrage", "geschlossen")
            await message_with(emulator, MEHMET, "closed the request")
    request = await read(db, KickoffRequest, KickoffRequest.id == newest)
    assert request.status == "cancelled"
    async with db.transaction() as session:
        actions = list(
            await session.scalars(
                select(CoordinatorAction.action)
                .where(CoordinatorAction.request_id == newest)
                .order_by(CoordinatorAction.id)
            )
        )
        offers = list(
            await session.scalars(select(Offer.status).where(Offer.request_id == newest).order_by(Offer.id))
        )
    assert actions == [AuditAction.REOFFER, AuditAction.ASSIGN, AuditAction.NOTE, AuditAction.CLOSE]
    assert offers == ["withdrawn", "withdrawn", "accepted"]
    await db.dispose()
