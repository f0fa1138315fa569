"""Help that helps (issue 15): /start and /hilfe say that questions can be typed, with an example
the knowledge base answers; /start offers to continue an open draft; help and command menus list
the person's own role's commands first."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bot import commands
from bot.services import users
from models import IntakeStep, Question, Role
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import draft_of, walk_to

COORDINATOR_ID = 900  # configured in the harness fixture
CONTINUE = "ik:x:cont"
TYPED = {"de": "Fragen können Sie auch einfach eintippen", "en": "You can also simply type a question"}
# Telegram's apps show a button on one line; longer labels are cut.
MAX_LABEL = 32


async def _grant(harness: Harness, user: TelegramUser, role: Role) -> None:
    await harness.text(user, "/start")
    async with harness.runtime.db.transaction() as session:
        stored = await users.get_by_telegram_id(session, user.id)
        assert stored is not None
        users.grant_role(stored, role)


def _commands_in(text: str) -> list[str]:
    """The commands a help text lists, in order (the first word of each command line)."""
    return re.findall(r"^/(\w+) – ", text, flags=re.MULTILINE)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("command", ["/start", "/hilfe"])
async def test_start_and_help_say_questions_can_be_typed_and_the_example_is_answered(
    harness: Harness, language: str, command: str
) -> None:
    user = TelegramUser(1500, "Ana", language)
    [reply] = await harness.text(user, command)
    assert TYPED[language] in reply.text
    [example] = re.findall(r"<i>(.*?)</i>", reply.text)
    assert example == {"de": "Was kostet die Beratung?", "en": "What does the advice cost?"}[language]
    [answer] = await harness.text(user, example)
    async with harness.runtime.db.transaction() as session:
        question = await session.scalar(select(Question).where(Question.text == example))
    assert question is not None and question.confident and question.shown_entry_id == "costs"
    assert {"de": "kostenlos", "en": "free"}[language] in answer.text


@pytest.mark.parametrize(
    ("language", "label", "where"),
    [
        (
            "de",
            "▶️ Weiter mit Schritt 4 von 10",
            "Entwurf einer Anfrage für ein Auftaktgespräch offen, bei Schritt 4",
        ),
        ("en", "▶️ Continue at step 4 of 10", "draft of a request for a kickoff talk open, at step 4 of 10"),
    ],
)
async def test_start_offers_to_continue_an_open_draft_where_it_stands(
    harness: Harness, language: str, label: str, where: str
) -> None:
    user = TelegramUser(1501, "Ana", language)
    await walk_to(harness, user, IntakeStep.EMAIL)
    [reply] = await harness.text(user, "/start")
    assert where in reply.text
    assert reply.buttons[0] == (label, CONTINUE)
    assert len(label) <= MAX_LABEL
    assert "menu:request" in [data for _label, data in reply.buttons]  # the menu stays below
    [question] = await harness.press(user, CONTINUE, message_id=77)
    assert question.method == "editMessageText" and question.payload["message_id"] == 77
    assert {"de": "Schritt 4 von 10", "en": "Step 4 of 10"}[language] in question.text
    assert {"de": "E-Mail", "en": "e-mail"}[language] in question.text


@pytest.mark.parametrize(("language", "command"), [("de", "/pausieren"), ("en", "/later")])
async def test_start_continues_a_paused_draft_too(harness: Harness, language: str, command: str) -> None:
    user = TelegramUser(1502, "Ana", language)
    await walk_to(harness, user, IntakeStep.NAME)
    await harness.text(user, command)
    paused = await draft_of(harness, user.id)
    assert paused is not None and not paused.active
    [reply] = await harness.text(user, "/start")
    assert reply.buttons[0][1] == CONTINUE
    await harness.press(user, CONTINUE)
    resumed = await draft_of(harness, user.id)
    assert resumed is not None and resumed.active and resumed.step == IntakeStep.NAME


@pytest.mark.parametrize(
    ("language", "label"), [("de", "▶️ Entwurf prüfen und senden"), ("en", "▶️ Check and send your draft")]
)
async def test_start_offers_to_check_and_send_a_complete_draft(
    harness: Harness, language: str, label: str
) -> None:
    user = TelegramUser(1503, "Ana", language)
    await walk_to(harness, user, IntakeStep.SUMMARY)
    [reply] = await harness.text(user, "/start")
    assert reply.buttons[0] == (label, CONTINUE)
    assert len(label) <= MAX_LABEL


@pytest.mark.parametrize("language", ["de", "en"])
async def test_start_without_a_draft_offers_no_continue(harness: Harness, language: str) -> None:
    [reply] = await harness.text(TelegramUser(1504, "Ana", language), "/start")
    assert CONTINUE not in [data for _label, data in reply.buttons]


@pytest.mark.parametrize("language", ["de", "en"])
async def test_a_contacts_help_lists_the_contact_commands_without_headings(
    harness: Harness, language: str
) -> None:
    [reply] = await harness.text(TelegramUser(1505, "Ana", language), "/help")
    listed = _commands_in(reply.text)
    expected = [c.name(language) for c in commands.COMMANDS if c.role is Role.CONTACT]
    assert listed == expected
    assert "<b>Koordination</b>" not in reply.text and "<b>Coordination</b>" not in reply.text
    assert "Berater" not in reply.text and "advisor" not in reply.text.lower()
    # The intake's own commands speak of the draft, as the intake does.
    pause = {"de": "/pausieren – Entwurf pausieren", "en": "/later – Pause your draft"}[language]
    assert pause in reply.text


@pytest.mark.parametrize(
    ("language", "first", "heading", "rest"),
    [
        (
            "de",
            ["profil", "auftraege", "pause"],
            "<b>Als Berater*in</b>",
            "<b>Anfragen, Hilfe und Einstellungen</b>",
        ),
        (
            "en",
            ["profile", "assignments", "pause"],
            "<b>As an advisor</b>",
            "<b>Requests, help and settings</b>",
        ),
    ],
)
async def test_an_advisors_help_lists_the_advisor_commands_first(
    harness: Harness, language: str, first: list[str], heading: str, rest: str
) -> None:
    user = TelegramUser(1506, "Ana", language)
    await _grant(harness, user, Role.ADVISOR)
    [reply] = await harness.text(user, "/hilfe")
    listed = _commands_in(reply.text)
    assert listed[:3] == first
    assert listed[3:5] == ["start", {"de": "anfrage", "en": "request"}[language]]
    assert reply.text.index(heading) < reply.text.index(rest)
    # The menu's own help button shows the same.
    [edit] = await harness.press(user, "menu:help")
    assert _commands_in(edit.text)[:3] == first


@pytest.mark.parametrize("language", ["de", "en"])
async def test_a_coordinators_help_lists_coordination_first_then_advising_then_the_rest(
    harness: Harness, language: str
) -> None:
    user = TelegramUser(COORDINATOR_ID, "Coord", language)
    await _grant(harness, user, Role.ADVISOR)
    [reply] = await harness.text(user, "/help")
    listed = _commands_in(reply.text)
    requests, stats = {"de": ("anfragen", "statistik"), "en": ("requests", "stats")}[language]
    assert listed[:3] == [requests, {"de": "berater", "en": "advisors"}[language], stats]
    profile = {"de": "profil", "en": "profile"}[language]
    assert listed.index(profile) > listed.index(stats) and listed.index("start") > listed.index(profile)
    headings = {
        "de": ["Koordination", "Als Berater*in", "Anfragen, Hilfe"],
        "en": ["Coordination", "As an advisor", "Requests, help"],
    }
    positions = [reply.text.index(f"<b>{h}") for h in headings[language]]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("language", "first"),
    [("de", ["profil", "auftraege", "pause", "start"]), ("en", ["profile", "assignments", "pause", "start"])],
)
async def test_an_advisors_own_command_menu_lists_their_commands_first(
    harness: Harness, language: str, first: list[str]
) -> None:
    user = TelegramUser(1507, "Ana", language)
    await _grant(harness, user, Role.ADVISOR)
    harness.api.calls.clear()
    await commands.publish(harness.runtime.application.bot, harness.runtime.db, harness.runtime.settings)
    menus = {
        json.loads(params["scope"]).get("chat_id"): [c["command"] for c in json.loads(params["commands"])]
        for method, params in harness.api.calls
        if method == "setMyCommands"
    }
    assert menus[user.id][:4] == first
    # Contacts keep the contact menu (no staff commands) everywhere.
    assert menus[None][0] == "start" and "profil" not in menus[None] and "profile" not in menus[None]


def test_the_menu_orders_by_role_for_every_combination() -> None:
    both = frozenset({Role.CONTACT, Role.ADVISOR, Role.COORDINATOR})
    names = [c.command for c in commands.menu(both, "en")]
    roles = [next(c.role for c in commands.COMMANDS if c.name("en") == n) for n in names]
    order = [Role.COORDINATOR, Role.ADVISOR, Role.CONTACT]
    assert roles == sorted(roles, key=order.index)
    assert next(c.command for c in commands.menu(frozenset({Role.CONTACT}), "de")) == "start"
