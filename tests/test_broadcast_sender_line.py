"""Every broadcast copy says whom it comes from, and news recipients read how to unsubscribe, in
their own language; the lines fit Telegram's limits because the wizard counts them."""

from __future__ import annotations

from bot import i18n
from bot.commands import command
from bot.config import SUPPORTED_LOCALES
from bot.services import broadcasts
from bot.services.broadcast_audience import set_news_consent
from bot.services.broadcast_content import (
    UNSUBSCRIBE,
    Media,
    content_errors,
    content_limit,
    framed,
    visible_text,
)
from bot.services.broadcast_results import BroadcastOutcome
from bot.telegram_text import CAPTION_LIMIT, TEXT_LIMIT, utf16_length
from models import BroadcastAudience, MediaKind, User
from tests.harness import Harness, TelegramUser
from tests.matching_helpers import NOW, add_advisor, add_user, migrated
from tests.test_broadcast import advance, coordinator, draft, outbox_rows

SENDER = "📣 <b>MiGlobe Baden-Württemberg</b>"
COORD_DE = TelegramUser(900, "Cora", "de")  # COORDINATOR_IDS of the harness fixture


async def test_contacts_read_the_sender_and_how_to_unsubscribe_in_their_language(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            by = await coordinator(session)
            anna = await add_user(session, "Anna")  # German
            john = await add_user(session, "John")
            john.locale = "en"
            for person in (anna, john):
                await set_news_consent(session, person.id, True, NOW)
            advisor = await add_advisor(session, "Aylin")
            ids = {u.id: u.telegram_id for u in (anna, john)}
            advisor_chat = (await session.get(User, advisor.user_id)).telegram_id  # type: ignore[union-attr]
            broadcast_id = await draft(session, by, BroadcastAudience.BOTH, text="Neues <b>Netzwerk</b>")
            assert (await broadcasts.schedule(session, broadcast_id, by, NOW)).kind == BroadcastOutcome.DONE
        await advance(db)
        texts = {row.chat_id: row.payload["text"] for row in await outbox_rows(db)}
    body = f"{SENDER}\n\nNeues <b>Netzwerk</b>"
    assert texts[ids[anna.id]] == body + "\n\nAbbestellen: /neuigkeiten"
    assert texts[ids[john.id]] == body + "\n\nUnsubscribe: /news"
    # An advisor gets it as an advisor: whom it is from, no news to unsubscribe from.
    assert texts[advisor_chat] == body


async def test_a_broadcast_to_advisors_only_has_no_unsubscribe_line(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            by = await coordinator(session)
            advisor = await add_advisor(session, "Aylin")
            await set_news_consent(session, advisor.user_id, True, NOW)  # type: ignore[arg-type]
            broadcast_id = await draft(session, by, BroadcastAudience.ADVISORS, text="Teamtreffen")
            await broadcasts.schedule(session, broadcast_id, by, NOW)
        await advance(db)
        [row] = await outbox_rows(db)
    assert row.payload["text"] == f"{SENDER}\n\nTeamtreffen"


def test_the_unsubscribe_line_names_the_real_command_in_each_language() -> None:
    for locale in SUPPORTED_LOCALES:
        line = i18n.translate(locale, UNSUBSCRIBE)
        assert line.endswith("/" + command("news").name(locale)), (locale, line)
    assert i18n.translate("de", UNSUBSCRIBE) == "Abbestellen: /neuigkeiten"


def test_the_longest_text_allowed_still_fits_with_the_added_lines() -> None:
    for media, limit in ((False, TEXT_LIMIT), (True, CAPTION_LIMIT)):
        room = content_limit(media)
        attachment = Media(MediaKind.PHOTO, file_id="F") if media else None
        # Emoji count twice in Telegram's count: the check counts as Telegram does.
        longest = "😀" * (room // 2)
        assert content_errors(longest, attachment) == []
        assert content_errors(longest + "x" * (room % 2 + 1), attachment) == ["text"]
        for locale in SUPPORTED_LOCALES:
            for news in (False, True):
                assert utf16_length(visible_text(framed("x" * room, locale, news))) <= limit


async def test_german_preview_shows_the_lines_and_the_prompt_counts_them(harness: Harness) -> None:
    h = harness
    await h.text(COORD_DE, "/start")
    start = [s for s in await h.text(COORD_DE, "/rundruf")][-1]
    narrow = [s for s in await h.press(COORD_DE, _labelled(start, "Ansprechpersonen"))][-1]
    [*_, prompt] = await h.press(COORD_DE, _data(narrow, "bc:n:"))
    limit = f"{content_limit(False):,}".replace(",", ".")
    assert f"bis zu {limit} Zeichen" in prompt.text and "📣 MiGlobe Baden-Württemberg" in prompt.text
    sent = await h.text(COORD_DE, "Einladung zum Treffen")
    preview = sent[0]
    assert preview.text == f"{SENDER}\n\nEinladung zum Treffen\n\nAbbestellen: /neuigkeiten"


def _data(message: object, prefix: str) -> str:
    found = [d for _text, d in message.buttons if d.startswith(prefix)]  # type: ignore[attr-defined]
    assert found, message.buttons  # type: ignore[attr-defined]
    return found[0]


def _labelled(message: object, label: str) -> str:
    found = [d for text, d in message.buttons if label in text]  # type: ignore[attr-defined]
    assert found, message.buttons  # type: ignore[attr-defined]
    return found[0]
