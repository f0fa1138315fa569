"""Every coordinator command and every coordinator button refuses contacts and advisors, whatever the
callback data says: the commands are taken from the command registry, the buttons are tried with
every action letter of every coordinator prefix, on ids that exist."""

from __future__ import annotations

import string

from sqlalchemy import func, select

from bot.commands import COMMANDS
from handlers.callback_data import ADVISORS, ASSIGN, BROADCAST, EXPORT, REQUESTS
from models import CoordinatorAction, OutboxMessage, Role
from tests.harness import Harness, TelegramUser
from tests.matching_chat_helpers import MOESSINGEN, onboard, request_status, submit_request

CONTACT = TelegramUser(600, "Ana", "de")
ADVISOR = TelegramUser(601, "Mehmet", "en")
REFUSALS = {"This is only available to coordinators.", "Das steht nur der Koordination zur Verfügung."}
PREFIXES = (REQUESTS, ADVISORS, BROADCAST, EXPORT, ASSIGN)
# Two-letter actions in use (e.g. "oy", "cr") besides the single letters.
LONG_ACTIONS = ("oy", "cr", "ct", "fs", "fr", "xy", "xn", "ea", "et")


def _coordinator_commands() -> list[str]:
    return sorted({name for c in COMMANDS if c.role == Role.COORDINATOR for name in c.names})


async def _rows(h: Harness, model: type) -> int:
    async with h.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_every_coordinator_command_is_refused_to_contacts_and_advisors(harness: Harness) -> None:
    h = harness
    await onboard(h, ADVISOR, display_name="Mehmet", languages=["tr"], home_ags=MOESSINGEN)
    await h.text(CONTACT, "/start")
    names = _coordinator_commands()
    assert {"anfragen", "requests", "berater", "advisors", "rundruf", "broadcast", "export", "stats"} <= set(
        names
    )
    for person in (CONTACT, ADVISOR):
        for name in names:
            sent = await h.text(person, f"/{name}")
            assert [s.text for s in sent] in ([t] for t in REFUSALS), (person, name, sent)
    assert await _rows(h, CoordinatorAction) == 0


async def test_every_coordinator_button_is_refused_whatever_its_data(harness: Harness) -> None:
    h = harness
    advisor_id = await onboard(h, ADVISOR, display_name="Mehmet", languages=["tr"], home_ags=MOESSINGEN)
    request, _sent = await submit_request(h, CONTACT)
    status = await request_status(h, request.id)
    outbox_before = await _rows(h, OutboxMessage)
    h.api.calls.clear()
    pressed = 0
    for prefix in PREFIXES:
        for action in (*string.ascii_lowercase, *LONG_ACTIONS):
            for args in ((request.id, advisor_id), (1, "o"), ()):
                callback = ":".join([prefix, action, *map(str, args)])
                for person in (CONTACT, ADVISOR):
                    assert await h.press(person, callback) == [], callback
                    pressed += 1
    toasts = [str(c.get("text", "")) for c in h.answered_callbacks()]
    assert len(toasts) == pressed and set(toasts) <= REFUSALS, set(toasts) - REFUSALS
    assert await _rows(h, OutboxMessage) == outbox_before  # nothing queued for anyone
    assert await _rows(h, CoordinatorAction) == 0
    assert await request_status(h, request.id) == status
