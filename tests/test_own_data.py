"""/meinedaten and /mydata: the person's file in their private chat, with what they entered and its
history but without coordinators' notes; coordinators ask on a person's behalf only privately (audited)."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select

from models import AuditAction, CoordinatorAction
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import COORDINATOR
from tests.test_status import make_request


def file_of(sent: list[Sent]) -> tuple[str, dict[str, Any], Sent]:
    """The queued JSON file: its name, content and the call."""
    [document] = [s for s in sent if s.method == "sendDocument"]
    raw = base64.b64decode(document.payload["document"]["content_b64"])
    return document.payload["document"]["filename"], json.loads(raw), document


async def test_my_data_holds_profile_consents_requests_and_questions(harness: Harness) -> None:
    h = harness
    person = TelegramUser(4001, "Ana", "de")
    request = await make_request(h, person, contact_name="Ana Müller")
    await h.text(person, "Was kostet das Programm für eine kleine Gemeinde?")
    await h.press(person, "nw:on")
    name, data, document = file_of(await h.text(person, "/meinedaten"))
    assert name.startswith("miglobe-meine-daten-") and name.endswith(".json")
    assert document.chat_id == person.id and "<b>Ihre Daten</b>" in document.payload["caption"]
    assert data["profile"]["telegram_id"] == person.id and data["profile"]["first_name"] == "Ana"
    assert data["programme_news"]["agreed"] is True and data["programme_news"]["agreed_at"]
    [stored] = data["requests"]
    assert stored["reference"] == request.reference and stored["contact_name"] == "Ana Müller"
    assert stored["consent"]["version"] == "2026-11" and stored["history"][0]["to"] == "submitted"
    assert data["questions"][0]["text"].startswith("Was kostet")
    assert "advisor" not in data and "coordinator" not in data


async def test_my_data_in_english_and_from_a_group_goes_to_the_private_chat(harness: Harness) -> None:
    person = TelegramUser(4002, "Bo", "en")
    sent = await harness.text_in_group(person, "/mydata")
    name, data, document = file_of(sent)
    assert name.startswith("miglobe-my-data-") and document.chat_id == person.id
    assert "<b>Your data</b>" in document.payload["caption"]
    [note] = [s for s in sent if s.method == "sendMessage"]
    assert note.chat_id == -1001 and "private chat" in note.text
    assert data["requests"] == [] and data["unfinished_request"] is None


async def test_a_coordinator_gets_a_persons_file_privately_and_it_is_audited(harness: Harness) -> None:
    h = harness
    person = TelegramUser(4003, "Cem", "de")
    request = await make_request(h, person)
    [refused] = await h.text_in_group(COORDINATOR, f"/mydata {request.reference}")
    assert "private chat" in refused.text
    [refused] = await h.text(person, f"/meinedaten {COORDINATOR.id}")
    assert refused.text == "Das steht nur der Koordination zur Verfügung."
    [unknown] = await h.text(COORDINATOR, "/mydata 123456")
    assert "Nobody found for 123456" in unknown.text
    for key in (request.reference, str(person.id)):
        _name, data, document = file_of(await h.text(COORDINATOR, f"/mydata {key}"))
        assert document.chat_id == COORDINATOR.id and data["profile"]["telegram_id"] == person.id
    _name, own, _doc = file_of(await h.text(COORDINATOR, "/mydata"))
    assert own["coordinator"] == {"recorded_actions": 2}
    async with h.runtime.db.transaction() as session:
        actions = list(
            await session.scalars(
                select(CoordinatorAction).where(CoordinatorAction.action == AuditAction.DATA_EXPORT.value)
            )
        )
    assert len(actions) == 2 and all("Cem" not in str(a.details) for a in actions)


async def test_an_advisors_file_has_their_profile_and_decisions_but_no_contact_details(
    database_url: str,
) -> None:
    from tests.harness import bot_harness
    from tests.test_erasure import ADVISOR, CONTACT, ENTRY, contact_with_everything

    async with bot_harness(database_url, coordinator_ids="900", flood_burst=100_000) as h:
        request = await contact_with_everything(h)
        _name, data, document = file_of(await h.text(ADVISOR, "/mydata"))
    assert document.chat_id == ADVISOR.id
    advisor = data["advisor"]
    assert advisor["display_name"] == "Adalbert" and advisor["languages"] == ["tr", "ti"]
    [offer] = advisor["offers"]
    assert offer["reference"] == request.reference and offer["status"] == "accepted"
    assert advisor["kickoff_talks"][0]["reference"] == request.reference
    assert (
        data["requests"] == []
        and ENTRY.email not in json.dumps(data)
        and CONTACT.first_name not in json.dumps(data)
    )
