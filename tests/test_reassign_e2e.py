"""Reassigning end to end: the real bot process against the sandbox's Bot API emulator. A hand offer
is declined and comes back to the coordinator, a second one is accepted, the date confirmed; then
the coordinator gives the request to a third advisor, who takes the date over. The contact and both
advisors are told, each in their language, and the history reads right in English and German."""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from models import Booking, KickoffRequest, Role
from tests.bot_process import running_bot, sandbox
from tests.matching_e2e_helpers import (
    data_of,
    documents,
    message_with,
    prepared,
    press,
    read,
    seed_advisor,
    seed_request,
    seed_user,
)

CONTACT, MEHMET, LEYLA, OMID, CORA, KORA = 5300, 5301, 5302, 5303, 5390, 5391
MOESSINGEN, REUTLINGEN = "08416025", "08415061"


def _methods(files: list[bytes]) -> list[str]:
    return [str(Calendar.from_ical(f)["method"]) for f in files]


async def test_hand_offer_declined_reassigned_and_the_date_taken_over(
    database_url: str, tmp_path: Path
) -> None:
    db = await prepared(database_url)
    await seed_advisor(db, MEHMET, "Mehmet Demir", languages=["tr", "ti"], home_ags=MOESSINGEN, capacity=5)
    leyla = await seed_advisor(db, LEYLA, "Leyla Aydın", languages=["tr"], home_ags=REUTLINGEN, capacity=5)
    omid = await seed_advisor(
        db, OMID, "Omid Karimi", "de", languages=["tr"], home_ags=REUTLINGEN, capacity=5
    )
    await seed_user(db, CORA, "Cora", "en", [Role.COORDINATOR])
    await seed_user(db, KORA, "Kora", "de", [Role.COORDINATOR])
    contact = await seed_user(db, CONTACT, "Ana", "de")
    request_id = await seed_request(db, contact)
    request = await read(db, KickoffRequest, KickoffRequest.id == request_id)
    reference = request.reference
    async with sandbox() as server:
        emulator = server.emulator
        people = [
            (CONTACT, "Ana", "de"),
            (MEHMET, "Mehmet", "en"),
            (LEYLA, "Leyla", "en"),
            (OMID, "Omid", "de"),
            (CORA, "Cora", "en"),
            (KORA, "Kora", "de"),
        ]
        for uid, name, locale in people:
            emulator.add_user(name, locale, user_id=uid)
        async with running_bot(server, database_url, tmp_path / "bot.log"):
            await message_with(emulator, MEHMET, "New request", reference)  # the start-up sweep
            # By hand to Leyla, who declines: the request comes back to the coordinator.
            emulator.send_text(CORA, f"/assign {reference}")
            ranking = await message_with(emulator, CORA, "by hand", button=f"ca:a:{request_id}:{leyla}")
            await press(emulator, CORA, ranking, f"ca:a:{request_id}:{leyla}")
            offer = await message_with(emulator, LEYLA, reference, "coordination team", button="of:d:")
            await press(emulator, LEYLA, offer, data_of(offer, "of:d:"))
            reasons = await message_with(emulator, LEYLA, "Why are you declining", button="of:r:")
            await press(emulator, LEYLA, reasons, data_of(reasons, "of:r:"))
            back = await message_with(
                emulator, CORA, "Leyla Aydın declined", button=f"ca:a:{request_id}:{omid}"
            )
            # To Omid, who accepts; he proposes a date and the contact confirms it.
            await press(emulator, CORA, back, f"ca:a:{request_id}:{omid}")
            offer = await message_with(emulator, OMID, reference, button="of:a:")
            await press(emulator, OMID, offer, data_of(offer, "of:a:"))
            held = await message_with(emulator, OMID, "ana@tuebingen.example", button="bk:p:")
            await press(emulator, OMID, held, data_of(held, "bk:p:"))
            options = await message_with(emulator, OMID, reference, button="bk:s:")
            await press(emulator, OMID, options, data_of(options, "bk:s:"))
            proposal = await message_with(emulator, CONTACT, "Omid Karimi", button="bk:y:")
            await press(emulator, CONTACT, proposal, data_of(proposal, "bk:y:"))
            await emulator.wait_for(lambda: len(documents(emulator, OMID)) == 1, 20.0, "Omid's .ics")
            talk = await read(db, Booking, Booking.request_id == request_id)
            assert talk.status == "confirmed"

            # The coordinator gives the request to Mehmet from its detail view.
            emulator.send_text(CORA, "/requests")
            listing = await message_with(emulator, CORA, reference, button=f"rq:d:{request_id}:")
            await press(emulator, CORA, listing, data_of(listing, f"rq:d:{request_id}:"))
            detail = await message_with(emulator, CORA, "Advisor: Omid Karimi", button="ra:m:")
            await press(emulator, CORA, detail, data_of(detail, "ra:m:"))
            menu = await message_with(emulator, CORA, "Reassign", "kept for now", button="ra:c:")
            await press(emulator, CORA, menu, data_of(menu, "ra:c:"))
            choose = await message_with(emulator, CORA, "another advisor", button="ra:t:")
            mehmet_button = next(
                str(b["callback_data"]) for b in choose.buttons() if "Mehmet" in str(b.get("text"))
            )
            answer = await press(emulator, CORA, choose, mehmet_button)
            assert answer.get("text") == "Reassigned."
            await message_with(emulator, CORA, "Taken from Omid Karimi and offered to Mehmet Demir")
            # Omid (German) is told and his calendar loses the talk; the contact keeps the date for now.
            await message_with(emulator, OMID, "an eine andere Berater*in weitergegeben")
            await emulator.wait_for(lambda: len(documents(emulator, OMID)) == 2, 20.0, "Omid's cancellation")
            assert _methods(documents(emulator, OMID)) == ["PUBLISH", "CANCEL"]
            await message_with(emulator, CONTACT, "Omid Karimi kann Sie", "bleibt vorerst geplant")

            # Mehmet accepts and takes the date over.
            offer = await message_with(emulator, MEHMET, reference, "coordination team", button="of:a:")
            await press(emulator, MEHMET, offer, data_of(offer, "of:a:"))
            question = await message_with(emulator, MEHMET, "Will you take over this date?", button="rt:k:")
            answer = await press(emulator, MEHMET, question, data_of(question, "rt:k:"))
            assert answer.get("text") == "Date taken over."
            await message_with(emulator, CONTACT, "Mehmet Demir übernimmt Ihr Auftaktgespräch")
            await emulator.wait_for(lambda: len(documents(emulator, MEHMET)) == 1, 20.0, "Mehmet's .ics")
            assert _methods(documents(emulator, MEHMET)) == ["PUBLISH"]
            taken = await read(db, Booking, Booking.request_id == request_id)
            assert taken.status == "confirmed" and taken.starts_at == talk.starts_at
            assert (await read(db, KickoffRequest, KickoffRequest.id == request_id)).status == "scheduled"

            # The history, in English and in German: one line per event, profile names.
            emulator.send_text(CORA, f"/assign {reference}")
            held_now = await message_with(emulator, CORA, "is with Mehmet Demir", button="rq:d:")
            await press(emulator, CORA, held_now, data_of(held_now, "rq:d:"))
            detail = await message_with(emulator, CORA, "History:", "Advisor: Mehmet Demir", button="rq:h:")
            await press(emulator, CORA, detail, data_of(detail, "rq:h:"))
            english = await message_with(emulator, CORA, f"History of {reference}", "Mehmet Demir accepted")
            history = english.text or ""
            for line in (
                "Cora offered it to Leyla Aydın by hand",
                "Leyla Aydın declined",
                "Cora offered it to Omid Karimi by hand",
                "Omid Karimi accepted",
                "kickoff talk agreed (Ana Müller)",
                "Cora took the request from Omid Karimi and offered it to Mehmet Demir",
                "Mehmet Demir accepted",
            ):
                assert history.count(line) == 1, (line, history)
            assert "(Omid)" not in history and "(Mehmet)" not in history
            emulator.send_text(KORA, "/anfragen")
            listing = await message_with(emulator, KORA, reference, button=f"rq:d:{request_id}:")
            await press(emulator, KORA, listing, data_of(listing, f"rq:d:{request_id}:"))
            detail = await message_with(emulator, KORA, "Verlauf:", "Mehmet Demir", button="rq:h:")
            await press(emulator, KORA, detail, data_of(detail, "rq:h:"))
            german = await message_with(emulator, KORA, f"Verlauf von {reference}", "abgenommen")
            verlauf = german.text or ""
            assert verlauf.count("\n") == history.count("\n") and "Mehmet Demir" in verlauf
    await db.dispose()
