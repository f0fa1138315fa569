"""Start, help, privacy, language, unknown commands and unsupported messages, per role and language,
through the runtime's per-update transaction and PTB's process_update."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services import users
from models import InboxUpdate, OutboxMessage, Role, User
from tests.harness import Harness, TelegramUser

COORDINATOR_ID = 900  # configured in the harness fixture

GREETING = {"de": "Hallo", "en": "Hello"}
ROLE_LINE = {
    ("de", Role.ADVISOR): "als <b>Berater*in</b>",
    ("en", Role.ADVISOR): "as an <b>advisor</b>",
    ("de", Role.COORDINATOR): "als <b>Koordinator*in</b>",
    ("en", Role.COORDINATOR): "as a <b>coordinator</b>",
}


async def _make_advisor(harness: Harness, user: TelegramUser) -> None:
    await harness.text(user, "/start")
    async with harness.runtime.db.transaction() as session:
        stored = await users.get_by_telegram_id(session, user.id)
        assert stored is not None
        users.grant_role(stored, Role.ADVISOR)


def _person(role: Role, language: str) -> TelegramUser:
    base = {Role.CONTACT: 100, Role.ADVISOR: 200, Role.COORDINATOR: COORDINATOR_ID}[role]
    return TelegramUser(base, "Ana", language)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("role", [Role.CONTACT, Role.ADVISOR, Role.COORDINATOR])
async def test_start_greets_by_role_with_privacy_notice_and_menu(
    harness: Harness, role: Role, language: str
) -> None:
    user = _person(role, language)
    if role is Role.ADVISOR:
        await _make_advisor(harness, user)
    [reply] = await harness.text(user, "/start")
    assert reply.method == "sendMessage" and reply.chat_id == user.id
    assert reply.text.startswith(f"{GREETING[language]} Ana!")
    assert harness.runtime.settings.privacy_url in reply.text
    for other_role in (Role.ADVISOR, Role.COORDINATOR):
        line = ROLE_LINE[(language, other_role)]
        assert (line in reply.text) == (other_role is role)
    staff = {Role.COORDINATOR: ["rq:l:0:o", "ad:l:0:all", "stats:365"], Role.ADVISOR: ["pf:v", "as:l"]}
    assert [data for _label, data in reply.buttons] == [
        *staff.get(role, []),
        "menu:request",
        "menu:status",
        "menu:help",
        "menu:privacy",
        "menu:language",
    ]
    assert reply.payload["parse_mode"] == "HTML"


async def test_start_escapes_the_users_name(harness: Harness) -> None:
    [reply] = await harness.text(TelegramUser(101, "<i>Bob</i> & Co", "en"), "/start")
    assert "&lt;i&gt;Bob&lt;/i&gt; &amp; Co" in reply.text
    assert "<i>Bob" not in reply.text


@pytest.mark.parametrize(
    ("language", "command", "expected"),
    [
        ("de", "/hilfe", "So helfen wir Ihnen"),
        ("de", "/help", "So helfen wir Ihnen"),
        ("en", "/help", "How we can help"),
        ("en", "/hilfe", "How we can help"),
        ("de", "/datenschutz", "Ihre Rechte"),
        ("en", "/privacy", "Your rights"),
        ("en", "/datenschutz", "Your rights"),
    ],
)
async def test_help_and_privacy_answer_in_the_users_language(
    harness: Harness, language: str, command: str, expected: str
) -> None:
    [reply] = await harness.text(TelegramUser(102, "Eve", language), command)
    assert expected in reply.text
    assert harness.runtime.settings.contact_email in reply.text


async def test_help_lists_the_commands_in_the_users_language(harness: Harness) -> None:
    [de] = await harness.text(TelegramUser(103, "A", "de"), "/hilfe")
    [en] = await harness.text(TelegramUser(104, "B", "en"), "/help")
    assert "/sprache" in de.text and "/language" not in de.text
    assert "/language" in en.text and "/sprache" not in en.text


async def test_privacy_notice_has_link_rights_and_a_way_out_of_telegram(harness: Harness) -> None:
    [reply] = await harness.text(TelegramUser(105, "A", "en"), "/privacy")
    settings = harness.runtime.settings
    assert f'href="{settings.privacy_url}"' in reply.text
    assert settings.contact_phone in reply.text
    assert "deletion" in reply.text


@pytest.mark.parametrize("role", [Role.CONTACT, Role.COORDINATOR])
async def test_language_switch_by_command_and_button(harness: Harness, role: Role) -> None:
    user = _person(role, "de")
    [chooser] = await harness.text(user, "/sprache")
    assert chooser.text == "In welcher Sprache möchten Sie schreiben?"
    assert ("✓ Deutsch", "lang:de") in chooser.buttons and ("English", "lang:en") in chooser.buttons
    sent = await harness.press(user, "lang:en")
    edit = next(s for s in sent if s.method == "editMessageText")
    assert edit.text == "From now on we write to you in English."
    assert harness.answered_callbacks()[-1]["text"] == "Language changed."
    async with harness.runtime.db.transaction() as session:
        stored = await users.get_by_telegram_id(session, user.id)
        assert stored is not None and stored.locale == "en"
    [help_reply] = await harness.text(user, "/hilfe")
    assert "How we can help" in help_reply.text


async def test_language_menu_button_edits_the_message(harness: Harness) -> None:
    user = TelegramUser(106, "A", "en")
    [edit] = await harness.press(user, "menu:language", message_id=55)
    assert edit.method == "editMessageText" and edit.payload["message_id"] == 55
    assert edit.text == "Which language would you like?"


async def test_locale_comes_from_telegram_and_defaults_to_german(harness: Harness) -> None:
    await harness.text(TelegramUser(107, "A", "en-GB"), "/start")
    await harness.text(TelegramUser(108, "B", "tr"), "/start")
    await harness.text(TelegramUser(109, "C", None), "/start")
    async with harness.runtime.db.transaction() as session:
        rows = await session.execute(select(User.telegram_id, User.locale).order_by(User.telegram_id))
        assert dict(rows.all()) == {107: "en", 108: "de", 109: "de"}


async def test_chosen_locale_is_not_overwritten_by_telegram(harness: Harness) -> None:
    user = TelegramUser(110, "A", "en")
    await harness.text(user, "/start")
    await harness.press(user, "lang:de")
    [reply] = await harness.text(user, "/start")
    assert reply.text.startswith("Hallo A!")


@pytest.mark.parametrize(
    ("language", "expected"), [("de", "kennen wir leider nicht"), ("en", "we do not know")]
)
async def test_unknown_command_is_named_escaped_and_the_commands_listed(
    harness: Harness, language: str, expected: str
) -> None:
    [reply] = await harness.text(TelegramUser(111, "A", language), "/<b>frobnicate</b>")
    assert expected in reply.text
    assert "&lt;b&gt;frobnicate" in reply.text
    assert "/start" in reply.text


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_unsupported_messages_get_a_helpful_reply(harness: Harness, kind: str, language: str) -> None:
    user = TelegramUser(112, "A", language)
    [reply] = await getattr(harness, kind)(user)
    expected = "nur Textnachrichten" if language == "de" else "only read text"
    assert expected in reply.text
    assert reply.buttons  # the menu shows what the user can do instead


@pytest.mark.parametrize("role", [Role.CONTACT, Role.ADVISOR, Role.COORDINATOR])
async def test_stale_or_forged_buttons_are_answered_and_change_nothing(harness: Harness, role: Role) -> None:
    user = _person(role, "en")
    if role is Role.ADVISOR:
        await _make_advisor(harness, user)
    for data in ("lang:xx", "nonsense", "menu:" + "x" * 50):
        sent = await harness.press(user, data)
        assert sent == []
        answer = harness.answered_callbacks()[-1]
        assert "no longer" in answer["text"]
    async with harness.runtime.db.transaction() as session:
        stored = await users.get_by_telegram_id(session, user.id)
        assert stored is not None and stored.locale == "en"


async def test_every_button_press_is_answered(harness: Harness) -> None:
    user = TelegramUser(113, "A", "en")
    before = len(harness.answered_callbacks())
    await harness.press(user, "menu:help")
    await harness.press(user, "menu:privacy")
    assert len(harness.answered_callbacks()) == before + 2


async def test_a_repeated_update_changes_nothing(harness: Harness) -> None:
    user = TelegramUser(114, "A", "en")
    payload = {
        "update_id": 777_000,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user.id, "type": "private"},
            "from": user.as_dict(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    first = await harness.runtime.accept([payload])
    await harness.runtime.dispatcher.join()
    second = await harness.runtime.accept([payload])
    await harness.runtime.dispatcher.join()
    assert len(first) == 1 and second == []
    async with harness.runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_a_failing_handler_rolls_back_and_apologises(harness: Harness) -> None:
    async def explode(update: object, context: object) -> None:
        context.reply("half-done")  # type: ignore[attr-defined]
        raise RuntimeError("boom")

    from telegram.ext import CommandHandler

    harness.runtime.application.handlers[0].insert(0, CommandHandler("explode", explode))
    [reply] = await harness.text(TelegramUser(115, "A", "en"), "/explode")
    assert reply.text.startswith("Sorry, something went wrong")
    async with harness.runtime.db.transaction() as session:
        row = await session.scalar(select(InboxUpdate).order_by(InboxUpdate.id.desc()))
        assert row is not None and row.status == "failed" and "boom" in (row.error or "")


@pytest.mark.parametrize("how", ["/start", "/hilfe", "voice"])
async def test_advisors_find_their_profile_and_assignments_first_in_the_menu(
    harness: Harness, how: str
) -> None:
    user = _person(Role.ADVISOR, "de")
    await _make_advisor(harness, user)
    [reply] = await (harness.voice(user) if how == "voice" else harness.text(user, how))
    assert reply.buttons[:3] == [
        ("👤 Mein Profil", "pf:v"),
        ("📨 Meine Aufträge", "as:l"),
        ("📝 Auftaktgespräch anfragen", "menu:request"),  # an advisor may also be a contact
    ]


async def test_a_coordinator_who_advises_too_gets_both_rows(harness: Harness) -> None:
    user = _person(Role.COORDINATOR, "en")
    await _make_advisor(harness, user)
    [reply] = await harness.text(user, "/help")
    assert [data for _label, data in reply.buttons][:6] == [
        "rq:l:0:o",
        "ad:l:0:all",
        "stats:365",
        "pf:v",
        "as:l",
        "menu:request",
    ]
