"""Screens with personal data only in the person's private chat: typed or pressed in a group, the bot
answers there without personal data that it replied privately (and does), or refuses; and when it
cannot write privately yet, it says to open the private chat first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from models import AdvisorInvitation, CoordinatorAction, OutboxMessage, OutboxStatus
from tests.access_helpers import CALM, CONTACT, GROUP, MEHMET, World, leaks, seed_world
from tests.harness import Harness, Sent, TelegramUser, bot_harness
from tests.matching_chat_helpers import COORDINATOR

NEWCOMER = TelegramUser(905, "Nora", "de")  # configured, but has never written to the bot privately


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[tuple[Harness, World]]:
    """A seeded bot; coordinators are 900 and 905 (905 never opened a private chat)."""
    async with bot_harness(database_url, coordinator_ids="900,905", **CALM) as h:
        yield h, await seed_world(h)


def _in(sent: list[Sent], chat_id: int) -> list[Sent]:
    """The messages of ``sent`` to ``chat_id``."""
    return [s for s in sent if s.chat_id == chat_id]


async def _count(h: Harness, model: type) -> int:
    """How many rows ``model`` has."""
    async with h.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_screens_typed_in_a_group_go_to_the_private_chat(world: tuple[Harness, World]) -> None:
    h, w = world
    for typed, expected in (
        ("/anfragen", "Requests"),
        ("/requests", "Requests"),
        ("/berater", "Advisors"),
        ("/fragen", "Zyprianna"),
        (f"/zuweisen {await _reference(h, w.offered)}", "Assign"),
        ("/koordination", "Coordinators"),
    ):
        sent = await h.text_in_group(COORDINATOR, typed, chat_id=GROUP)
        [note] = _in(sent, GROUP)
        assert note.text == "Cora, we have answered you in our private chat.", typed
        assert "reply_markup" not in note.payload
        private = _in(sent, COORDINATOR.id)
        assert private and expected in "\n".join(s.text for s in private), (typed, private)
        assert not leaks([s.payload for s in _in(sent, GROUP)])


async def test_an_advisor_opens_a_held_request_from_a_group_only_privately(
    world: tuple[Harness, World],
) -> None:
    h, w = world
    sent = await h.text_in_group(MEHMET, "/auftraege", chat_id=GROUP)
    assert [s.text for s in _in(sent, GROUP)] == ["Mehmet, we have answered you in our private chat."]
    opened = await h.press_in_group(MEHMET, f"as:v:{w.held}", chat_id=GROUP)
    assert _in(opened, GROUP) == [] and len(_in(opened, MEHMET.id)) == 1
    assert leaks(_in(opened, MEHMET.id)[0].payload)  # the holder sees the contact, in private
    assert h.answered_callbacks()[-1]["text"] == "We have sent it to you in our private chat."
    # An offer accepted from a group: the contact's details follow in the private chat only.
    accepted = await h.press_in_group(MEHMET, f"of:a:{w.offer}", chat_id=GROUP)
    assert _in(accepted, GROUP) == [] and leaks([s.payload for s in _in(accepted, MEHMET.id)])


async def test_exports_and_invitations_are_refused_in_a_group(world: tuple[Harness, World]) -> None:
    h, _w = world
    invitations, audits = await _count(h, AdvisorInvitation), await _count(h, CoordinatorAction)
    for typed in ("/export", "/export 2026", "/einladen", "/invite"):
        [refusal] = await h.text_in_group(COORDINATOR, typed, chat_id=GROUP)
        assert refusal.chat_id == GROUP
        assert refusal.text == "Cora, for your privacy this is only available in our private chat."
        [[label, _data]] = [
            [b["text"], b["url"]] for row in refusal.payload["reply_markup"]["inline_keyboard"] for b in row
        ]
        assert label == "💬 Open a private chat"
    for data in ("ex:p:30", "ex:f:xlsx:20260101:20261231"):
        assert await h.press_in_group(COORDINATOR, data, chat_id=GROUP) == []
        assert (
            h.answered_callbacks()[-1]["text"]
            == "For your privacy, this is only available in our private chat."
        )
    assert await _count(h, AdvisorInvitation) == invitations
    assert await _count(h, CoordinatorAction) == audits  # no export was recorded, none was made
    # The invite button of /berater pressed in a group: the link goes to the private chat only.
    sent = await h.press_in_group(COORDINATOR, "ad:i", chat_id=GROUP)
    assert _in(sent, GROUP) == [] and "inv_" in _in(sent, COORDINATOR.id)[0].text


async def test_in_german_and_for_contacts_the_group_hears_only_a_pointer(
    world: tuple[Harness, World],
) -> None:
    h, w = world
    german = TelegramUser(900, "Cora", "de")
    await h.press(german, "lang:de")
    [note] = _in(await h.text_in_group(german, "/anfragen", chat_id=GROUP), GROUP)
    assert note.text == "Cora, wir haben Ihnen in unserem privaten Chat geantwortet."
    [pointer] = await h.text_in_group(CONTACT, "/meineanfragen", chat_id=GROUP)
    assert pointer.chat_id == GROUP and "privaten Chat" in pointer.text and not leaks(pointer.payload)
    # The menu's "My requests" pressed in a group lists nothing there.
    assert await h.press_in_group(CONTACT, "menu:status", chat_id=GROUP) == []
    assert "nur in unserem privaten Chat" in h.answered_callbacks()[-1]["text"]
    assert await h.press_in_group(CONTACT, f"st:o:{w.held}", chat_id=GROUP) == []


async def test_who_has_no_private_chat_is_asked_to_open_one_first(world: tuple[Harness, World]) -> None:
    h, _w = world
    [hint] = await h.text_in_group(NEWCOMER, "/anfragen", chat_id=GROUP)
    assert hint.chat_id == GROUP and "Bitte öffnen Sie einen privaten Chat mit uns" in hint.text
    assert hint.payload["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/miglobe_test_bot"
    assert await h.press_in_group(NEWCOMER, "rq:l:0:o", chat_id=GROUP) == []
    assert "privaten Chat" in h.answered_callbacks()[-1]["text"]
    # A person who blocked the bot is told the same (writing in a group does not reopen the chat).
    async with h.runtime.db.transaction() as session:
        blocked = OutboxMessage(
            chat_id=MEHMET.id, method="sendMessage", payload={}, status=OutboxStatus.BLOCKED
        )
        session.add(blocked)
    sent = await h.text_in_group(MEHMET, "/auftraege", chat_id=GROUP)
    assert [s.chat_id for s in sent] == [GROUP]
    # Once Nora opens the private chat, the group's command answers there.
    await h.text(NEWCOMER, "/start")
    sent = await h.text_in_group(NEWCOMER, "/anfragen", chat_id=GROUP)
    assert sorted(s.chat_id for s in sent) == [GROUP, NEWCOMER.id]


async def _reference(h: Harness, request_id: int) -> str:
    """The request's reference."""
    from models import KickoffRequest

    async with h.runtime.db.transaction() as session:
        request = await session.get(KickoffRequest, request_id)
        assert request is not None
        return request.reference
