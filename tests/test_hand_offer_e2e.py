"""Hand offers, giving back and ended offers end to end: the real bot process and its outbox sender
against the sandbox's Bot API emulator, so that the offer messages really lose their buttons."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.sandbox.emulator import Emulator
from bot.sandbox.models import ChatMessage
from models import KickoffRequest, Role, utcnow
from tests.bot_process import running_bot, sandbox
from tests.matching_e2e_helpers import (
    TIMEOUT,
    data_of,
    message_with,
    move_offers,
    prepared,
    press,
    read,
    seed_advisor,
    seed_request,
    seed_user,
)
from tests.matching_helpers import MOESSINGEN, ULM

CONTACT, MEHMET, LEYLA, OMID, CORA = 800, 801, 802, 803, 804
REUTLINGEN = "08415061"


async def ended(emulator: Emulator, chat: int, message_id: int, *parts: str) -> ChatMessage:
    """Wait until the bot's message ``message_id`` reads ``parts`` and has no buttons any more."""

    def find() -> ChatMessage | None:
        for message in emulator.messages_in(chat):
            text = message.text or ""
            if message.message_id == message_id and all(p in text for p in parts) and not message.buttons():
                return message
        return None

    return await emulator.wait_for(find, TIMEOUT, f"message {message_id} in {chat} to end")


async def test_offers_end_without_buttons_a_hand_offer_comes_back_and_a_request_is_given_back(
    database_url: str, tmp_path: Path
) -> None:
    db = await prepared(database_url)
    await seed_advisor(db, MEHMET, "Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    leyla = await seed_advisor(db, LEYLA, "Leyla", languages=["tr"], home_ags=REUTLINGEN)
    omid = await seed_advisor(db, OMID, "Omid", languages=["fa"], home_ags=ULM)
    await seed_user(db, CORA, "Cora", "en", [Role.COORDINATOR])
    request_id = await seed_request(db, await seed_user(db, CONTACT, "Ana", "de"))
    request = await read(db, KickoffRequest, KickoffRequest.id == request_id)
    ref = request.reference
    async with sandbox() as server:
        emulator = server.emulator
        for uid, name in [
            (CONTACT, "Ana"),
            (MEHMET, "Mehmet"),
            (LEYLA, "Leyla"),
            (OMID, "Omid"),
            (CORA, "Cora"),
        ]:
            emulator.add_user(name, "de" if uid == CONTACT else "en", user_id=uid)
        async with running_bot(server, database_url, tmp_path / "bot.log", SWEEP_INTERVAL_SECONDS="1"):
            # Mehmet's offer and its reminder both lose their buttons when the time runs out.
            offer = await message_with(emulator, MEHMET, "New request", button="of:a:")
            await move_offers(db, request_id, remind_at=utcnow() - timedelta(minutes=1))
            reminder = await message_with(emulator, MEHMET, "Reminder", button="of:a:")
            await move_offers(db, request_id, respond_by=utcnow() - timedelta(minutes=1))
            await ended(emulator, MEHMET, offer.message_id, ref, "time to answer this offer has passed")
            await ended(emulator, MEHMET, reminder.message_id, ref, "time to answer this offer has passed")
            leyla_offer = await message_with(emulator, LEYLA, "New request", button="of:a:")

            # By hand to Omid: Leyla's offer was taken elsewhere; Omid declines; back to Cora.
            emulator.send_text(CORA, f"/assign {ref}")
            ranking = await message_with(emulator, CORA, "by hand", button=f"ca:a:{request_id}:{omid}")
            await press(emulator, CORA, ranking, data_of(ranking, f"ca:a:{request_id}:{omid}"))
            await ended(emulator, LEYLA, leyla_offer.message_id, "someone else")
            hand = await message_with(emulator, OMID, "coordination team offers you", button="of:d:")
            await press(emulator, OMID, hand, data_of(hand, "of:d:"))
            why = await message_with(emulator, OMID, "Why are you declining", button="of:r:")
            await press(emulator, OMID, why, f"of:r:{data_of(hand, 'of:d:').split(':')[2]}:time")
            back = await message_with(
                emulator, CORA, "Omid declined", "assign it again", button=f"ca:a:{request_id}:{leyla}"
            )
            assert not [m for m in emulator.messages_in(CONTACT) if "Omid" in (m.text or "")]

            # Cora offers it to Leyla by hand; she accepts; the contact hears her name only now.
            await press(emulator, CORA, back, data_of(back, f"ca:a:{request_id}:{leyla}"))
            hand = await message_with(emulator, LEYLA, "coordination team offers you", button="of:a:")
            assert not [m for m in emulator.messages_in(CONTACT) if "Leyla" in (m.text or "")]
            await press(emulator, LEYLA, hand, data_of(hand, "of:a:"))
            await message_with(emulator, CONTACT, "Gute Nachricht", "Leyla")
            await message_with(emulator, CORA, "Leyla accepted")

            # Leyla gives it back from /assignments: Cora is told; nobody else is left to ask.
            emulator.send_text(LEYLA, "/assignments")
            overview = await message_with(emulator, LEYLA, "Your requests", button="as:v:")
            await press(emulator, LEYLA, overview, data_of(overview, "as:v:"))
            detail = await message_with(emulator, LEYLA, "ana@tuebingen.example", button="as:g:")
            await press(emulator, LEYLA, detail, data_of(detail, "as:g:"))
            ask = await message_with(emulator, LEYLA, "Give back", button="as:gr:")
            await press(emulator, LEYLA, ask, f"{data_of(ask, 'as:gr:').rsplit(':', 1)[0]}:time")
            await message_with(emulator, LEYLA, "You gave back")
            await message_with(emulator, CORA, "Leyla gave back", "no longer have the time")
            await message_with(emulator, CORA, "No advisor found", ref)
            await message_with(emulator, CONTACT, "nicht mehr verfügbar")
    assert (await read(db, KickoffRequest, KickoffRequest.id == request_id)).status == "no_match"
    await db.dispose()
