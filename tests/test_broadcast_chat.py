"""/rundruf and /broadcast through the handlers (offline harness, SQLite and PostgreSQL): the wizard
in German and English, targeting that enqueues exactly the count shown, formatting, photo, wrong
content, the sweep's progress edits and final report, retry of the failed only, cancel, and
refusals for everyone who is not a coordinator."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services.broadcast_audience import AudienceFilter, set_news_consent
from bot.telegram_text import utf16_length, visible_text
from handlers.broadcast_sweep import sweep_broadcasts
from handlers.callback_data import BROADCAST, data
from models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    ChatInput,
    OutboxLane,
    OutboxMessage,
    OutboxStatus,
    RecipientStatus,
    Role,
    User,
    utcnow,
)
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_helpers import (
    BOEBLINGEN,
    MANNHEIM,
    TUEBINGEN,
    TUEBINGEN_KREIS,
    add_advisor,
    add_request,
    add_user,
)

COORD_EN = TelegramUser(900, "Cora", "en")  # COORDINATOR_IDS of the harness fixture
COORD_DE = TelegramUser(900, "Cora", "de")
STUTTGART_RB, KARLSRUHE_RB, TUEBINGEN_RB = "081", "082", "084"
BOEBLINGEN_KREIS, MANNHEIM_KREIS = "08115", "08222"
_message_ids = itertools.count(50_000)


# -- helpers ----------------------------------------------------------------------------------


def messages(sent: list[Sent], chat_id: int = 900) -> list[Sent]:
    """Messages (new or edited) to ``chat_id``."""
    return [s for s in sent if s.chat_id == chat_id and s.method in ("sendMessage", "editMessageText")]


def last(sent: list[Sent], chat_id: int = 900) -> Sent:
    """The last message (new or edited) to ``chat_id``."""
    found = messages(sent, chat_id)
    assert found, sent
    return found[-1]


def button(message: Sent, prefix: str, label: str | None = None) -> str:
    """The callback data of the button whose data starts with ``prefix`` (and label contains ``label``)."""
    found = [d for text, d in message.buttons if d.startswith(prefix) and (label is None or label in text)]
    assert found, message.buttons
    return found[0]


def labelled(message: Sent, label: str) -> str:
    """The callback data of the button whose label contains ``label``."""
    found = [d for text, d in message.buttons if label in text]
    assert found, message.buttons
    return found[0]


async def rows(h: Harness, model: Any, *where: Any) -> list[Any]:
    async with h.runtime.db.transaction() as session:
        return list(await session.scalars(select(model).where(*where)))


async def the_broadcast(h: Harness) -> Broadcast:
    [broadcast] = await rows(h, Broadcast)
    return broadcast


async def seed_people(h: Harness) -> dict[str, int]:
    """Advisors and contacts in different Regierungsbezirke and languages, with and without consent."""
    async with h.runtime.db.transaction() as session:
        people: dict[str, int] = {}
        # Advisors: Tübingen (tr), Böblingen/Stuttgart (ar), Mannheim/Karlsruhe (tr, ar).
        for name, home, langs in (
            ("adv_tue_tr", TUEBINGEN, ("tr",)),
            ("adv_bb_ar", BOEBLINGEN, ("ar",)),
            ("adv_ma_tr_ar", MANNHEIM, ("tr", "ar")),
        ):
            # Each serves the Kreis it lives in.
            advisor = await add_advisor(session, name, home_ags=home, languages=langs, kreise=(home[:5],))
            assert advisor.user_id is not None
            people[name] = advisor.user_id
        # Contacts with a request each; some agreed to news.
        for name, place, kreis, langs, consent in (
            ("con_tue_tr", TUEBINGEN, TUEBINGEN_KREIS, ("tr",), True),
            ("con_tue_ar", TUEBINGEN, TUEBINGEN_KREIS, ("ar",), True),
            ("con_bb_tr", BOEBLINGEN, BOEBLINGEN_KREIS, ("tr",), True),
            ("con_ma_tr", MANNHEIM, MANNHEIM_KREIS, ("tr",), True),
            ("con_tue_tr_noconsent", TUEBINGEN, TUEBINGEN_KREIS, ("tr",), False),
        ):
            contact = await add_user(session, name)
            await add_request(session, contact, place_ags=place, kreis_ags=kreis, languages=langs)
            if consent:
                await set_news_consent(session, contact.id, True, utcnow())
            people[name] = contact.id
        # A contact who agreed to news but has no request (reached only without filters).
        loner = await add_user(session, "con_norequest")
        await set_news_consent(session, loner.id, True, utcnow())
        people["con_norequest"] = loner.id
        return people


async def outbox_since(h: Harness, after: int) -> list[OutboxMessage]:
    async with h.runtime.db.transaction() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
            )
        )


async def last_outbox_id(h: Harness) -> int:
    async with h.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.max(OutboxMessage.id))) or 0)


async def sweep(h: Harness, now: datetime | None = None) -> tuple[str, list[OutboxMessage]]:
    """Run the broadcast sweep; return its summary and the outbox rows it added."""
    before = await last_outbox_id(h)
    summary = await sweep_broadcasts(h.runtime.db, h.runtime.settings, now)
    return summary, await outbox_since(h, before)


async def deliver_interactive(h: Harness) -> None:
    """Play the sender for interactive rows: sent, with a Telegram message id (progress message)."""
    async with h.runtime.db.transaction() as session:
        for row in await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.lane != int(OutboxLane.BULK)
            )
        ):
            row.status = OutboxStatus.SENT.value
            row.telegram_message_id = next(_message_ids)


async def settle_bulk(h: Harness, outcome: dict[int, OutboxStatus], default: OutboxStatus) -> None:
    """Play the sender for the bulk lane: each pending row gets an outcome by chat id."""
    async with h.runtime.db.transaction() as session:
        for row in await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.lane == int(OutboxLane.BULK)
            )
        ):
            row.status = outcome.get(row.chat_id, default).value


async def telegram_id(h: Harness, user_id: int) -> int:
    async with h.runtime.db.transaction() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.telegram_id


async def send_message(h: Harness, user: TelegramUser, **content: Any) -> list[Sent]:
    """The user sends a message with arbitrary content (entities, photo with caption …)."""
    message = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.as_dict(),
        **content,
    }
    return await h.feed({"message": message})


# -- the wizard -------------------------------------------------------------------------------


async def test_whole_wizard_in_english_ends_in_a_scheduled_broadcast(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    start = last(await h.text(COORD_EN, "/broadcast"))
    assert "step 1 of 4" in start.text
    narrow = last(await h.press(COORD_EN, labelled(start, "Contacts")))
    assert "step 2 of 4" in narrow.text and "Recipients right now: <b>5</b>" in narrow.text
    bezirke = last(await h.press(COORD_EN, labelled(narrow, "Regierungsbezirk")))
    assert "Recipients right now" in bezirke.text
    after_tue = last(await h.press(COORD_EN, labelled(bezirke, "Tübingen")))
    assert "Recipients right now: <b>2</b>" in after_tue.text
    assert any(t.startswith("✅ Tübingen") for t, _d in after_tue.buttons)
    menu = last(await h.press(COORD_EN, labelled(after_tue, "Back")))
    langs = last(await h.press(COORD_EN, labelled(menu, "Language")))
    after_tr = last(await h.press(COORD_EN, labelled(langs, "Turkish")))
    assert "Recipients right now: <b>1</b>" in after_tr.text
    assert "Regierungsbezirk: Tübingen" in after_tr.text and "Language: Turkish" in after_tr.text
    menu = last(await h.press(COORD_EN, labelled(after_tr, "Back")))
    prompt = last(await h.press(COORD_EN, labelled(menu, "Next")))
    assert "step 3 of 4" in prompt.text
    sent = await send_message(
        h,
        COORD_EN,
        text="Important: new funding",
        entities=[{"type": "bold", "offset": 0, "length": 9}],
    )
    preview, summary = messages(sent)
    # As a contact gets it: the sender line on top, the way to unsubscribe below.
    assert preview.text == (
        "📣 <b>MiGlobe Baden-Württemberg</b>\n\n<b>Important</b>: new funding\n\nUnsubscribe: /news"
    )
    assert "step 4 of 4" in summary.text and "Recipients right now: <b>1</b>" in summary.text
    when = last(await h.press(COORD_EN, labelled(summary, "Schedule")))
    scheduled = await h.press(COORD_EN, labelled(when, "Tomorrow"))
    progress = last(scheduled)
    assert progress.method == "sendMessage" and "Scheduled for" in progress.text
    assert progress.buttons[0][1] == data(BROADCAST, "x", (await the_broadcast(h)).id)
    broadcast = await the_broadcast(h)
    assert broadcast.status == BroadcastStatus.SCHEDULED
    assert broadcast.audience == "contacts"
    assert AudienceFilter.from_json(broadcast.filters) == AudienceFilter(
        regierungsbezirke=(TUEBINGEN_RB,), languages=("tr",)
    )
    assert broadcast.text == "<b>Important</b>: new funding"
    assert broadcast.progress_outbox_id is not None
    assert await rows(h, ChatInput) == []


async def to_preview(h: Harness, coord: TelegramUser, audience: str, text: str = "Hello") -> Sent:
    """/broadcast, an audience (by button label), no filter, a plain text: the preview summary."""
    start = last(await h.text(coord, "/broadcast"))
    narrow = last(await h.press(coord, labelled(start, audience)))
    last(await h.press(coord, button(narrow, "bc:n:")))
    *_preview, summary = messages(await h.text(coord, text))
    assert "bc:s:" in [d[:5] for _t, d in summary.buttons], summary.text
    return summary


async def send_now(h: Harness, coord: TelegramUser, summary: Sent) -> Sent:
    """Press "send now" on a preview; the progress message, already numbered by Telegram."""
    progress = last(await h.press(coord, button(summary, "bc:s:")))
    await deliver_interactive(h)
    return progress


async def test_whole_wizard_in_german_with_a_typed_kreis_and_moment(harness: Harness) -> None:
    h = harness
    people = await seed_people(h)
    start = last(await h.text(COORD_DE, "/rundruf"))
    assert "Schritt 1 von 4" in start.text
    narrow = last(await h.press(COORD_DE, labelled(start, "Beide")))
    assert "Empfänger*innen jetzt: <b>8</b>" in narrow.text  # 3 advisors + 5 consenting contacts
    kreis_screen = last(await h.press(COORD_DE, labelled(narrow, "Kreis")))
    assert "Schreiben Sie den Namen eines Kreises" in kreis_screen.text
    added = last(await h.text(COORD_DE, "Böblingen"))
    assert "✓ Hinzugefügt: Landkreis Böblingen" in added.text
    # In Kreis Böblingen: the Arabic-speaking advisor living there and the contact asking there.
    assert "Empfänger*innen jetzt: <b>2</b> (1 Berater*in, 1 Ansprechperson)" in added.text
    assert any("Landkreis Böblingen" in t for t, _d in added.buttons)
    menu = last(await h.press(COORD_DE, labelled(added, "Zurück")))
    prompt = last(await h.press(COORD_DE, labelled(menu, "Weiter")))
    assert "Schritt 3 von 4" in prompt.text
    text = "Einladung zum Netzwerktreffen am Freitag"
    sent = await send_message(
        h,
        COORD_DE,
        text=text,
        entities=[
            {"type": "italic", "offset": 0, "length": 9},
            {"type": "text_link", "offset": 14, "length": 15, "url": "https://bw.miglobe.de/treffen"},
        ],
    )
    preview, summary = messages(sent)
    stored = '<i>Einladung</i> zum <a href="https://bw.miglobe.de/treffen">Netzwerktreffen</a> am Freitag'
    assert preview.text == f"📣 <b>MiGlobe Baden-Württemberg</b>\n\n{stored}\n\nAbbestellen: /neuigkeiten"
    assert "Berater*innen erhalten ihn ohne die Zeile zum Abbestellen" in summary.text
    assert "Schritt 4 von 4" in summary.text and "<b>2</b>" in summary.text
    when = last(await h.press(COORD_DE, labelled(summary, "Zeit planen")))
    typing = last(await h.press(COORD_DE, labelled(when, "eingeben")))
    assert "TT.MM.JJJJ HH:MM" in typing.text
    past = last(await h.text(COORD_DE, "01.01.2020 09:00"))
    assert "ist schon vorbei" in past.text
    nonsense = last(await h.text(COORD_DE, "nächste Woche"))
    assert "24.12.2026 09:00" in nonsense.text
    moment = (datetime.now(h.runtime.settings.tz) + timedelta(days=10)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )
    progress = last(await h.text(COORD_DE, moment.strftime("%d.%m.%Y %H:%M")))
    assert "Geplant für" in progress.text and "10:30" in progress.text
    assert progress.buttons == [("✋ Rundruf abbrechen", data(BROADCAST, "x", (await the_broadcast(h)).id))]
    broadcast = await the_broadcast(h)
    assert broadcast.status == BroadcastStatus.SCHEDULED
    assert broadcast.send_at == moment.astimezone(UTC)
    assert broadcast.audience == "both"
    assert AudienceFilter.from_json(broadcast.filters) == AudienceFilter(kreise=(BOEBLINGEN_KREIS,))
    assert broadcast.text == stored
    # Due: exactly the two in Kreis Böblingen are enqueued.
    summary_text, queued = await sweep(h, moment.astimezone(UTC) + timedelta(seconds=1))
    assert "2 enqueued" in summary_text
    bulk = {r.chat_id for r in queued if r.lane == int(OutboxLane.BULK)}
    assert bulk == {await telegram_id(h, people["adv_bb_ar"]), await telegram_id(h, people["con_bb_tr"])}


async def test_count_shown_is_what_is_enqueued(harness: Harness) -> None:
    h = harness
    people = await seed_people(h)
    start = last(await h.text(COORD_EN, "/broadcast"))
    narrow = last(await h.press(COORD_EN, labelled(start, "Both")))
    langs = last(await h.press(COORD_EN, labelled(narrow, "Language")))
    arabic = last(await h.press(COORD_EN, labelled(langs, "Arabic")))
    assert "Recipients right now: <b>3</b> (2 advisors, 1 contact)" in arabic.text
    # Double tap of the same toggle: still on, not flipped off.
    again = last(await h.press(COORD_EN, labelled(langs, "Arabic")))
    assert "Recipients right now: <b>3</b>" in again.text
    menu = last(await h.press(COORD_EN, labelled(again, "Back")))
    await h.press(COORD_EN, labelled(menu, "Next"))
    *_preview, summary = messages(await h.text(COORD_EN, "مرحبا"))
    assert "Recipients right now: <b>3</b>" in summary.text
    await send_now(h, COORD_EN, summary)
    _summary, queued = await sweep(h)
    bulk = sorted(r.chat_id for r in queued if r.lane == int(OutboxLane.BULK))
    expected = [people["adv_bb_ar"], people["adv_ma_tr_ar"], people["con_tue_ar"]]
    assert bulk == sorted([await telegram_id(h, u) for u in expected])
    # Advisors get the sender line; the contact (German) also the way to unsubscribe from news.
    texts = {r.chat_id: r.payload["text"] for r in queued if r.lane == int(OutboxLane.BULK)}
    framed = "📣 <b>MiGlobe Baden-Württemberg</b>\n\nمرحبا"
    for advisor in ("adv_bb_ar", "adv_ma_tr_ar"):
        assert texts[await telegram_id(h, people[advisor])] == framed
    assert texts[await telegram_id(h, people["con_tue_ar"])] == framed + "\n\nAbbestellen: /neuigkeiten"


async def test_contacts_by_request_status_and_advisors_only(harness: Harness) -> None:
    h = harness
    people = await seed_people(h)
    start = last(await h.text(COORD_EN, "/broadcast"))
    advisors = last(await h.press(COORD_EN, labelled(start, "Advisors")))
    assert "Recipients right now: <b>3</b> (3 advisors, 0 contacts)" in advisors.text
    assert not any("Request status" in t for t, _d in advisors.buttons)  # contacts only
    back = last(await h.press(COORD_EN, labelled(advisors, "Audience")))
    contacts = last(await h.press(COORD_EN, labelled(back, "Contacts")))
    statuses = last(await h.press(COORD_EN, labelled(contacts, "Request status")))
    received = last(await h.press(COORD_EN, labelled(statuses, "received")))
    assert "Recipients right now: <b>4</b>" in received.text  # every request is still "received"
    closed = last(await h.press(COORD_EN, labelled(received, "closed")))
    assert "Recipients right now: <b>4</b>" in closed.text
    off = last(await h.press(COORD_EN, button(closed, "bc:f:", "received")))
    assert "Recipients right now: <b>0</b>" in off.text
    menu = last(await h.press(COORD_EN, labelled(off, "Back")))
    cleared = last(await h.press(COORD_EN, labelled(menu, "Clear")))
    assert "Recipients right now: <b>5</b>" in cleared.text and "no further filter" in cleared.text
    assert people


async def test_a_typed_kreis_name_that_means_several_offers_a_choice(harness: Harness) -> None:
    h = harness
    start = last(await h.text(COORD_EN, "/broadcast"))
    narrow = last(await h.press(COORD_EN, labelled(start, "Advisors")))
    [nothing] = messages(await h.text(COORD_EN, "Qwrtzpq"))
    assert "No Kreis or town of that name was found" in nothing.text
    choice = last(await h.text(COORD_EN, "Heilbronn"))
    assert "Which Kreis" in choice.text
    assert [t for t, _d in choice.buttons][:2] == ["Stadtkreis Heilbronn", "Landkreis Heilbronn"]
    chosen = last(await h.press(COORD_EN, labelled(choice, "Landkreis Heilbronn")))
    assert "Kreis: Landkreis Heilbronn" in chosen.text
    assert chosen.buttons[0][0] == "✖ Landkreis Heilbronn"
    removed = last(await h.press(COORD_EN, chosen.buttons[0][1]))
    assert "no further filter" in removed.text
    assert narrow


def test_typed_moments_and_quick_choices() -> None:
    from zoneinfo import ZoneInfo

    from handlers.broadcast_wizard_draft import next_morning, parse_moment

    berlin = ZoneInfo("Europe/Berlin")
    assert parse_moment("24.12.2026 09:00", berlin) == datetime(2026, 12, 24, 9, 0, tzinfo=berlin)
    assert parse_moment(" 1.7.2026, 18.30 Uhr ", berlin) == datetime(2026, 7, 1, 18, 30, tzinfo=berlin)
    assert parse_moment("31.02.2026 09:00", berlin) is None
    assert parse_moment("morgen früh", berlin) is None
    monday_8 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
    assert next_morning(monday_8, berlin, None) == datetime(2026, 3, 3, 9, 0, tzinfo=berlin)
    assert next_morning(monday_8, berlin, 0) == datetime(2026, 3, 2, 9, 0, tzinfo=berlin)
    monday_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert next_morning(monday_10, berlin, 0) == datetime(2026, 3, 9, 9, 0, tzinfo=berlin)
    friday = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    assert next_morning(friday, berlin, 0) == datetime(2026, 3, 9, 9, 0, tzinfo=berlin)


async def test_photo_with_caption_and_document(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    start = last(await h.text(COORD_EN, "/broadcast"))
    narrow = last(await h.press(COORD_EN, labelled(start, "Advisors")))
    await h.press(COORD_EN, button(narrow, "bc:n:"))
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "big-photo-id", "file_unique_id": "b", "width": 1280, "height": 960},
    ]
    sent = await send_message(
        h,
        COORD_EN,
        photo=photo,
        caption="Our poster",
        caption_entities=[{"type": "bold", "offset": 4, "length": 6}],
    )
    preview = sent[0]
    assert preview.method == "sendPhoto" and preview.chat_id == 900
    assert preview.payload["photo"] == "big-photo-id"
    assert preview.payload["caption"] == "📣 <b>MiGlobe Baden-Württemberg</b>\n\nOur <b>poster</b>"
    summary = last(sent)
    broadcast = await the_broadcast(h)
    assert (broadcast.media_kind, broadcast.media_file_id, broadcast.text) == (
        "photo",
        "big-photo-id",
        "Our <b>poster</b>",
    )
    # Change the text: a document replaces the photo.
    prompt = last(await h.press(COORD_EN, labelled(summary, "Change text")))
    assert "new message" in prompt.text
    sent = await send_message(
        h, COORD_EN, document={"file_id": "doc-id", "file_unique_id": "d", "file_name": "flyer.pdf"}
    )
    assert sent[0].method == "sendDocument" and sent[0].payload["document"] == "doc-id"
    # Without a caption of its own, the document still says whom it comes from.
    assert sent[0].payload["caption"] == "📣 <b>MiGlobe Baden-Württemberg</b>"
    broadcast = await the_broadcast(h)
    assert (broadcast.media_kind, broadcast.media_file_id, broadcast.media_filename) == (
        "document",
        "doc-id",
        "flyer.pdf",
    )
    # And a text replaces the document.
    prompt = last(await h.press(COORD_EN, labelled(last(sent), "Change text")))
    sent = await h.text(COORD_EN, "Just text now")
    assert (
        sent[0].method == "sendMessage"
        and sent[0].text == "📣 <b>MiGlobe Baden-Württemberg</b>\n\nJust text now"
    )
    broadcast = await the_broadcast(h)
    assert (broadcast.media_kind, broadcast.media_file_id, broadcast.text) == (None, None, "Just text now")


async def test_too_long_text_wrong_types_and_long_caption_are_answered_politely(harness: Harness) -> None:
    h = harness
    start = last(await h.text(COORD_EN, "/broadcast"))
    narrow = last(await h.press(COORD_EN, labelled(start, "Advisors")))
    await h.press(COORD_EN, button(narrow, "bc:n:"))
    [too_long] = messages(await h.text(COORD_EN, "x" * 4097))
    # The sender and unsubscribe lines every copy gets are counted.
    assert "4,097 characters" in too_long.text and "at most 4,039" in too_long.text
    [sticker] = messages(await h.sticker(COORD_EN))
    assert "This kind of message cannot be sent" in sticker.text
    [voice] = messages(await h.voice(COORD_EN))
    assert "This kind of message cannot be sent" in voice.text
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]
    [long_caption] = messages(await send_message(h, COORD_EN, photo=photo, caption="y" * 1025))
    assert "at most 967" in long_caption.text
    assert await rows(h, Broadcast) == []
    # The question is still open: a fitting text now makes the draft.
    [too_long] = messages(await h.text(COORD_EN, "x" * 4040))
    assert "4,040 characters" in too_long.text
    sent = await h.text(COORD_EN, "x" * 4039)
    assert sent[0].text == "📣 <b>MiGlobe Baden-Württemberg</b>\n\n" + "x" * 4039
    assert utf16_length(visible_text(sent[0].text)) <= 4096 and "step 4 of 4" in last(sent).text


async def test_photos_and_stickers_outside_the_wizard_reach_the_fallback(harness: Harness) -> None:
    h = harness
    contact = TelegramUser(501, "Ana", "en")
    [answer] = messages(await h.photo(contact), 501)
    assert "only read text" in answer.text
    [answer] = messages(await h.sticker(COORD_EN))
    assert "only read text" in answer.text


async def test_german_wizard_refuses_wrong_content_in_german(harness: Harness) -> None:
    h = harness
    start = last(await h.text(COORD_DE, "/rundruf"))
    narrow = last(await h.press(COORD_DE, labelled(start, "Berater")))
    await h.press(COORD_DE, button(narrow, "bc:n:"))
    [sticker] = messages(await h.sticker(COORD_DE))
    assert sticker.text.startswith("Diese Art Nachricht lässt sich nicht als Rundruf verschicken.")
    [too_long] = messages(await h.text(COORD_DE, "x" * 5000))
    assert "5.000 Zeichen" in too_long.text and "höchstens 4.039" in too_long.text


# -- sweep: progress, report, retry -----------------------------------------------------------


async def test_sweep_edits_progress_and_reports_with_retry_of_the_failed_only(harness: Harness) -> None:
    h = harness
    people = await seed_people(h)
    summary = await to_preview(h, COORD_EN, "Contacts", "News for you")
    progress = await send_now(h, COORD_EN, summary)
    assert "Starting" in progress.text
    broadcast = await the_broadcast(h)
    summary_text, added = await sweep(h)
    assert summary_text == "1 started, 5 enqueued, 1 edited"
    [edit] = [r for r in added if r.method == "editMessageText"]
    assert "Sending: 0 of 5" in edit.payload["text"]
    assert edit.payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == data(
        BROADCAST, "x", broadcast.id
    )
    # Nothing changed: no edit (Telegram refuses edits that change nothing), nothing to say.
    assert await sweep(h) == ("", [])
    blocked = await telegram_id(h, people["con_tue_ar"])
    failed = await telegram_id(h, people["con_bb_tr"])
    await settle_bulk(h, {blocked: OutboxStatus.BLOCKED, failed: OutboxStatus.FAILED}, OutboxStatus.SENT)
    summary_text, added = await sweep(h)
    assert "1 finished" in summary_text and "1 reported" in summary_text
    final_edit, report = added
    assert final_edit.method == "editMessageText" and "finished" in final_edit.payload["text"]
    assert "reply_markup" not in final_edit.payload
    assert "Delivered: 3" in report.payload["text"] and "Blocked the bot: 1" in report.payload["text"]
    assert "Failed: 1" in report.payload["text"]
    [[retry]] = report.payload["reply_markup"]["inline_keyboard"]
    assert retry == {
        "text": "🔁 Retry 1 failed delivery",
        "callback_data": data(BROADCAST, "r", broadcast.id),
    }
    # Retry: only the failed one goes again; a double tap changes nothing more.
    sent = await h.press(COORD_EN, retry["callback_data"])
    assert "being sent again to the 1 person it failed for" in messages(sent)[0].text
    assert "Sending:" in last(sent).text
    assert await h.press(COORD_EN, retry["callback_data"]) == []
    assert "nothing to retry" in h.answered_callbacks()[-1]["text"]
    await deliver_interactive(h)
    _summary, added = await sweep(h)
    assert [r.chat_id for r in added if r.lane == int(OutboxLane.BULK)] == [failed]
    await settle_bulk(h, {}, OutboxStatus.SENT)
    _summary, added = await sweep(h)
    report = next(r for r in added if r.method == "sendMessage")
    assert "Delivered: 4" in report.payload["text"] and "Failed: 0" in report.payload["text"]
    assert "reply_markup" not in report.payload
    async with h.runtime.db.transaction() as session:
        statuses = dict(
            (await session.execute(select(BroadcastRecipient.chat_id, BroadcastRecipient.status)))
            .tuples()
            .all()
        )
    assert statuses[blocked] == RecipientStatus.BLOCKED and statuses[failed] == RecipientStatus.DELIVERED


async def test_final_report_is_in_the_creators_language(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    summary = await to_preview(h, COORD_DE, "Berater", "Hallo")
    await send_now(h, COORD_DE, summary)
    await sweep(h)
    await settle_bulk(h, {}, OutboxStatus.FAILED)
    _summary, added = await sweep(h)
    edit, report = added
    assert "Rundruf #" in edit.payload["text"] and "abgeschlossen" in edit.payload["text"]
    assert "Fehlgeschlagen: 3" in report.payload["text"]
    assert report.payload["reply_markup"]["inline_keyboard"][0][0]["text"] == "🔁 3 Zustellungen wiederholen"


async def test_an_idle_sweep_does_nothing(harness: Harness) -> None:
    assert await sweep(harness) == ("", [])


# -- cancel -----------------------------------------------------------------------------------


async def test_cancel_a_scheduled_broadcast_from_its_progress_message(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    summary = await to_preview(h, COORD_EN, "Contacts")
    when = last(await h.press(COORD_EN, labelled(summary, "Schedule")))
    progress = last(await h.press(COORD_EN, labelled(when, "In 1 hour")))
    await deliver_interactive(h)
    broadcast = await the_broadcast(h)
    question = last(await h.press(COORD_EN, data(BROADCAST, "x", broadcast.id)))
    assert "Nobody has got it yet" in question.text
    kept = last(await h.press(COORD_EN, labelled(question, "No, keep it")))
    assert "goes on" in kept.text and (await the_broadcast(h)).status == BroadcastStatus.SCHEDULED
    sent = await h.press(COORD_EN, labelled(question, "Yes, cancel"))
    assert "cancelled before it started" in sent[0].text
    edit = [s for s in sent if s.method == "editMessageText" and s.payload.get("message_id") != 1]
    assert edit and "cancelled" in edit[0].text and "reply_markup" not in edit[0].payload
    assert (await the_broadcast(h)).status == BroadcastStatus.CANCELLED
    # A second "yes" changes nothing; the time comes and nothing is sent.
    await h.press(COORD_EN, labelled(question, "Yes, cancel"))
    assert "already been cancelled" in h.answered_callbacks()[-1]["text"]
    _summary, added = await sweep(h, utcnow() + timedelta(hours=2))
    assert added == []
    assert progress.buttons


async def test_cancel_a_running_broadcast_from_the_recent_list(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    summary = await to_preview(h, COORD_EN, "Both")
    await send_now(h, COORD_EN, summary)
    async with h.runtime.db.transaction() as session:
        from bot.services import broadcast_engine

        await broadcast_engine.advance(session, utcnow(), batch=3, max_queued=3)
    await settle_bulk(h, {}, OutboxStatus.SENT)
    async with h.runtime.db.transaction() as session:
        await broadcast_engine.advance(session, utcnow(), batch=3, max_queued=3)
    # 3 delivered, 3 waiting in the outbox, 2 not enqueued yet
    [menu] = messages(await h.text(COORD_EN, "/broadcast"))
    recent = last(await h.press(COORD_EN, labelled(menu, "Recent")))
    broadcast = await the_broadcast(h)
    assert f"<b>#{broadcast.id}</b> · " in recent.text and " · sending\n" in recent.text
    assert "8 recipients: delivered 3 · blocked 0 · failed 0 · still to go 5" in recent.text
    shown = await h.press(COORD_EN, button(recent, "bc:v:"))
    moved, progress = messages(shown)  # the old progress message loses its button to the new one
    assert moved.method == "editMessageText" and "further down" in moved.text and not moved.buttons
    assert "Sending: 3 of 8" in progress.text
    assert (await progress_row(h)).payload["text"] == progress.text
    question = last(await h.press(COORD_EN, button(progress, "bc:x:")))
    assert "5 of 8 have not got it yet" in question.text
    sent = await h.press(COORD_EN, labelled(question, "Yes, cancel"))
    report = sent[0]
    assert "was cancelled" in report.text and "Delivered: 3" in report.text
    assert "Not sent, as it was cancelled: 5" in report.text
    async with h.runtime.db.transaction() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.lane == int(OutboxLane.BULK), OutboxMessage.status == OutboxStatus.PENDING.value
            )
        )
    assert pending == 0
    _summary, added = await sweep(h)
    assert [r for r in added if r.lane == int(OutboxLane.BULK)] == []


async def running(h: Harness, coord: TelegramUser, audience: str = "👥") -> Broadcast:
    """A broadcast released and enqueued completely (all its recipients wait in the outbox)."""
    from bot.services import broadcast_engine

    summary = await to_preview(h, coord, audience)
    await send_now(h, coord, summary)
    async with h.runtime.db.transaction() as session:
        await broadcast_engine.advance(session, utcnow())
    return await the_broadcast(h)


async def bulk_rows(h: Harness) -> list[OutboxMessage]:
    return await rows(h, OutboxMessage, OutboxMessage.lane == int(OutboxLane.BULK))


async def play_sender(h: Harness, outcomes: dict[int, OutboxStatus], *, hold: tuple[int, ...] = ()) -> None:
    """Play the sender on the bulk rows given by outbox id: record an outcome (as its ``_finish``
    does, whatever the row's status), or hold a row (claimed, its lease a minute ahead)."""
    async with h.runtime.db.transaction() as session:
        for row_id, outcome in outcomes.items():
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            row.status = outcome.value
        for row_id in hold:
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            row.next_attempt_at = utcnow() + timedelta(seconds=60)


async def test_the_cancel_question_counts_what_was_delivered_so_far(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    broadcast = await running(h, COORD_EN)
    bulk = await bulk_rows(h)
    assert len(bulk) == 8
    # The sender delivered three; no sweep has read that back yet.
    await play_sender(h, {r.id: OutboxStatus.SENT for r in bulk[:3]})
    question = last(await h.press(COORD_EN, data(BROADCAST, "x", broadcast.id)))
    assert "5 of 8 have not got it yet" in question.text
    # The progress shown from the recent list counts them too.
    [menu] = messages(await h.text(COORD_EN, "/broadcast"))
    recent = last(await h.press(COORD_EN, labelled(menu, "Recent")))
    shown = messages(await h.press(COORD_EN, button(recent, "bc:v:")))
    assert "Sending: 3 of 8 · delivered 3" in shown[-1].text


async def test_the_cancel_report_counts_the_sends_under_way_once_they_finish(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    broadcast = await running(h, COORD_EN)
    bulk = await bulk_rows(h)
    other = TelegramUser(901, "Otto", "de")
    await h.text(other, "/start")
    async with h.runtime.db.transaction() as session:
        from bot.services import users

        user = await users.get_by_telegram_id(session, 901)
        assert user is not None
        users.grant_role(user, Role.COORDINATOR)
    # Three delivered; the sender holds two more at the moment "yes" is pressed.
    await play_sender(h, {r.id: OutboxStatus.SENT for r in bulk[:3]}, hold=(bulk[3].id, bulk[4].id))
    question = last(await h.press(other, data(BROADCAST, "x", broadcast.id)), 901)
    assert "5 von 8 haben ihn noch nicht erhalten" in question.text
    await deliver_interactive(h)
    sent = await h.press(other, labelled(question, "Ja, abbrechen"))
    interim = messages(sent, 901)[0]
    assert "Zugestellt: 3" in interim.text and "Nicht gesendet, da abgebrochen: 3" in interim.text
    assert "2 Nachrichten waren beim Abbrechen schon unterwegs" in interim.text
    assert not [m for m in sent if m.chat_id == 900 and m.method == "sendMessage"]
    assert (await the_broadcast(h)).finished_at is None
    # Nothing is known yet: no report.
    summary_text, added = await sweep(h)
    assert "reported" not in summary_text and not [r for r in added if r.method == "sendMessage"]
    # The two arrive (one was blocked); the next sweep sends the report to creator and canceller.
    await play_sender(h, {bulk[3].id: OutboxStatus.SENT, bulk[4].id: OutboxStatus.BLOCKED})
    summary_text, added = await sweep(h)
    assert "1 settled" in summary_text and "1 reported" in summary_text
    reports = {r.chat_id: r.payload["text"] for r in added if r.method == "sendMessage"}
    assert set(reports) == {900, 901}
    assert "was cancelled" in reports[900] and "Delivered: 4" in reports[900]
    assert "Blocked the bot: 1" in reports[900] and "Not sent, as it was cancelled: 3" in reports[900]
    assert "on its way" not in reports[900] and "on their way" not in reports[900]
    assert "Zugestellt: 4" in reports[901] and "Nicht gesendet, da abgebrochen: 3" in reports[901]
    [edit] = [r for r in added if r.method == "editMessageText"]
    assert "Delivered: 4" in edit.payload["text"] and "reply_markup" not in edit.payload
    stored = await the_broadcast(h)
    assert (stored.delivered_count, stored.blocked_count, stored.finished_at is not None) == (4, 1, True)
    # Once only.
    assert await sweep(h) == ("", [])


async def test_a_held_send_that_never_went_counts_as_not_sent_after_the_wait(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    broadcast = await running(h, COORD_EN)
    bulk = await bulk_rows(h)
    await play_sender(h, {bulk[0].id: OutboxStatus.SENT}, hold=(bulk[1].id,))
    question = last(await h.press(COORD_EN, data(BROADCAST, "x", broadcast.id)))
    await h.press(COORD_EN, labelled(question, "Yes, cancel"))
    summary_text, _added = await sweep(h)
    assert "reported" not in summary_text
    summary_text, added = await sweep(h, utcnow() + timedelta(minutes=2))
    assert "1 reported" in summary_text
    [report] = [r for r in added if r.method == "sendMessage"]
    assert (
        "Delivered: 1" in report.payload["text"]
        and "Not sent, as it was cancelled: 7" in report.payload["text"]
    )


@pytest.mark.parametrize(
    ("coord", "popup", "word", "wrong"),
    [
        (COORD_DE, "Rundruf abgebrochen.", "abgebrochen", "bgesagt"),
        (COORD_EN, "Broadcast cancelled.", "cancelled", "Cancelled."),
    ],
)
async def test_a_cancelled_broadcast_has_one_word_in_each_language(
    harness: Harness, coord: TelegramUser, popup: str, word: str, wrong: str
) -> None:
    h = harness
    await seed_people(h)
    broadcast = await running(h, coord)
    await play_sender(h, {(await bulk_rows(h))[0].id: OutboxStatus.SENT})
    question = last(await h.press(coord, data(BROADCAST, "x", broadcast.id)))
    sent = await h.press(coord, button(question, "bc:xy:"))
    assert h.answered_callbacks()[-1]["text"] == popup
    [menu] = messages(await h.text(coord, "/broadcast"))
    recent = last(await h.press(coord, button(menu, "bc:l")))
    texts = [m.text for m in messages(sent)] + [recent.text]
    assert len(texts) == 3 and all(word in t for t in texts), texts  # report, progress message, list
    assert not any(wrong in t for t in [*texts, popup]), texts
    assert f"<b>#{broadcast.id}</b> · " in recent.text and f" · {word}\n" in recent.text


# -- drafts survive, continue or start over, double taps, other coordinators --------------------


async def test_a_restart_mid_wizard_loses_nothing_and_rundruf_offers_to_continue(harness: Harness) -> None:
    from tests.harness import restarted

    h = harness
    await seed_people(h)
    start = last(await h.text(COORD_EN, "/broadcast"))
    narrow = last(await h.press(COORD_EN, labelled(start, "Contacts")))
    bezirke = last(await h.press(COORD_EN, labelled(narrow, "Regierungsbezirk")))
    await h.press(COORD_EN, labelled(bezirke, "Stuttgart"))
    async with restarted(h) as h2:
        offer = last(await h2.text(COORD_EN, "/broadcast"))
        assert "unfinished broadcast" in offer.text
        resumed = last(await h2.press(COORD_EN, labelled(offer, "Continue")))
        assert (
            "Regierungsbezirk: Stuttgart" in resumed.text and "Recipients right now: <b>1</b>" in resumed.text
        )
        # An old screen's buttons still belong to this run.
        menu = last(await h2.press(COORD_EN, labelled(resumed, "Back")))
        await h2.press(COORD_EN, labelled(menu, "Next"))
        *_p, summary = messages(await h2.text(COORD_EN, "Draft text"))
    async with restarted(h) as h3:
        offer = last(await h3.text(COORD_EN, "/broadcast"))
        sent = await h3.press(COORD_EN, labelled(offer, "Continue"))
        assert (
            sent[1].text.endswith("\n\nDraft text\n\nUnsubscribe: /news") and "step 4 of 4" in last(sent).text
        )
        offer = last(await h3.text(COORD_EN, "/broadcast"))
        fresh = last(await h3.press(COORD_EN, labelled(offer, "Start over")))
        assert "step 1 of 4" in fresh.text
        assert (await the_broadcast(h3)).status == BroadcastStatus.CANCELLED
        # The old run's buttons are out of date now.
        await h3.press(COORD_EN, labelled(narrow, "Kreis"))
        assert "out of date" in h3.answered_callbacks()[-1]["text"]
        await h3.press(COORD_EN, button(summary, "bc:s:"))
        assert "no longer a draft" in h3.answered_callbacks()[-1]["text"]
    assert summary


async def test_change_audience_of_a_draft_and_double_send(harness: Harness) -> None:
    h = harness
    await seed_people(h)
    summary = await to_preview(h, COORD_EN, "Advisors")
    change = last(await h.press(COORD_EN, labelled(summary, "Change audience")))
    assert "who gets it" in change.text
    back = last(await h.press(COORD_EN, labelled(change, "Audience")))
    narrow = last(await h.press(COORD_EN, labelled(back, "Contacts")))
    done = await h.press(COORD_EN, labelled(narrow, "Done"))
    assert "Audience saved" in messages(done)[0].text
    new_summary = last(done)
    assert "Contacts who agreed" in new_summary.text and "<b>5</b>" in new_summary.text
    assert (await the_broadcast(h)).audience == "contacts"
    first = await h.press(COORD_EN, button(new_summary, "bc:s:"))
    assert "Starting" in last(first).text
    assert await h.press(COORD_EN, button(new_summary, "bc:s:")) == []
    assert "no longer a draft" in h.answered_callbacks()[-1]["text"]
    assert len([r for r in await outbox_since(h, 0) if "Starting" in r.payload.get("text", "")]) == 1


async def test_another_coordinators_draft_and_forged_buttons(harness: Harness) -> None:
    h = harness
    summary = await to_preview(h, COORD_EN, "Advisors")
    other = TelegramUser(901, "Otto", "en")
    await h.text(other, "/start")
    async with h.runtime.db.transaction() as session:
        from bot.services import users

        user = await users.get_by_telegram_id(session, 901)
        assert user is not None
        users.grant_role(user, Role.COORDINATOR)
    for label in ("Send now", "Discard", "Change text"):
        assert await h.press(other, labelled(summary, label)) == []
        assert "belongs to another coordinator" in h.answered_callbacks()[-1]["text"]
    assert (await the_broadcast(h)).status == BroadcastStatus.DRAFT
    for forged in ("bc:s:999999", "bc:x:abc", "bc:r:", "bc:zz:1", "bc:f:1:rb:081:1", "bc:q:1:never"):
        assert await h.press(COORD_EN, forged) == []
        assert h.answered_callbacks()[-1]["text"]
    assert (await the_broadcast(h)).status == BroadcastStatus.DRAFT


# -- refusals ---------------------------------------------------------------------------------

ALL_ACTIONS = (
    "a",
    "m",
    "f",
    "c",
    "b",
    "n",
    "z",
    "x",
    "xy",
    "xn",
    "r",
    "s",
    "t",
    "q",
    "w",
    "p",
    "ea",
    "et",
    "d",
    "k",
    "o",
    "l",
    "v",
)


async def test_contacts_and_advisors_are_refused_everything(harness: Harness) -> None:
    h = harness
    summary = await to_preview(h, COORD_EN, "Advisors")
    broadcast = await the_broadcast(h)
    async with h.runtime.db.transaction() as session:
        advisor = await add_advisor(session, "Ada")
        advisor_user = await session.get(User, advisor.user_id)
        assert advisor_user is not None
        advisor_user.locale = "en"
        advisor_telegram = advisor_user.telegram_id
    contact = TelegramUser(501, "Ana", "en")
    for person in (contact, TelegramUser(advisor_telegram, "Ada", "en")):
        for cmd in ("/rundruf", "/broadcast"):
            [refusal] = messages(await h.text(person, cmd), person.id)
            assert refusal.text == "This is only available to coordinators."
        for action in ALL_ACTIONS:
            assert await h.press(person, data(BROADCAST, action, broadcast.id, "h")) == []
            assert h.answered_callbacks()[-1]["text"] == "This is only available to coordinators."
        for label, callback in summary.buttons:
            assert await h.press(person, callback) == [], label
    assert (await the_broadcast(h)).status == BroadcastStatus.DRAFT
    assert await rows(h, ChatInput, ChatInput.user_id != broadcast.created_by_user_id) == []


# -- a progress message Telegram numbered only after the end ----------------------------------


async def progress_row(h: Harness) -> OutboxMessage:
    """The outbox row of the broadcast's progress message."""
    async with h.runtime.db.transaction() as session:
        broadcast = (await session.scalars(select(Broadcast))).one()
        row = await session.get(OutboxMessage, broadcast.progress_outbox_id)
        assert row is not None
        return row


async def edits_of_progress(h: Harness) -> list[OutboxMessage]:
    """The edits queued for the progress message."""
    progress = await progress_row(h)
    return [
        r
        for r in await outbox_since(h, progress.id)
        if r.method == "editMessageText" and r.payload["message_id"] == progress.telegram_message_id
    ]


async def test_a_progress_message_numbered_after_the_end_is_brought_to_its_final_state(
    harness: Harness,
) -> None:
    h = harness
    await seed_people(h)
    summary = await to_preview(h, COORD_EN, "Contacts")
    progress = last(await h.press(COORD_EN, button(summary, "bc:s:")))
    assert "Starting" in progress.text and progress.buttons
    # Telegram answers the progress message with 502s: it has no id while the broadcast runs and ends.
    await sweep(h)
    await settle_bulk(h, {}, OutboxStatus.SENT)
    summary_text, added = await sweep(h)
    assert "1 finished" in summary_text and "1 reported" in summary_text
    assert [r.method for r in added] == ["sendMessage"]  # the report; the edit had no message id
    await deliver_interactive(h)  # the retried send goes through at last
    summary_text, added = await sweep(h)
    assert summary_text == "1 edited"
    [edit] = added
    assert edit.method == "editMessageText"
    assert edit.payload["message_id"] == (await progress_row(h)).telegram_message_id
    assert "finished" in edit.payload["text"] and "Delivered: 5" in edit.payload["text"]
    assert "reply_markup" not in edit.payload  # no cancel button any more
    # Once queued, it is not queued again, and a day later nobody looks any more.
    assert await sweep(h) == ("", [])
    await deliver_interactive(h)
    assert await sweep(h) == ("", [])
    assert await sweep(h, utcnow() + timedelta(days=2)) == ("", [])


async def test_a_scheduled_broadcast_cancelled_before_its_progress_message_was_numbered(
    harness: Harness,
) -> None:
    h = harness
    await seed_people(h)
    summary = await to_preview(h, COORD_EN, "Contacts")
    when = last(await h.press(COORD_EN, labelled(summary, "Schedule")))
    await h.press(COORD_EN, labelled(when, "In 1 hour"))
    broadcast = await the_broadcast(h)
    question = last(await h.press(COORD_EN, data(BROADCAST, "x", broadcast.id)))
    await h.press(COORD_EN, labelled(question, "Yes, cancel"))
    assert (await progress_row(h)).telegram_message_id is None
    await deliver_interactive(h)
    assert await edits_of_progress(h) == []
    summary_text, [edit] = await sweep(h)
    assert summary_text == "1 edited"
    assert "cancelled before it started" in edit.payload["text"] and "reply_markup" not in edit.payload
    assert [e.id for e in await edits_of_progress(h)] == [edit.id]
    assert await sweep(h) == ("", [])


# -- plurals and numbers in the reader's language ---------------------------------------------


def _reader(locale: str) -> Any:
    from zoneinfo import ZoneInfo

    from handlers.notify import Reader

    return Reader(1, 900, locale, ZoneInfo("Europe/Berlin"))


def _progress(**counts: Any) -> Any:
    from bot.services.broadcast_progress import BroadcastProgress

    values: dict[str, Any] = {
        "broadcast_id": 7,
        "status": BroadcastStatus.SENDING,
        "total": 0,
        "pending": 0,
        "queued": 0,
        "delivered": 0,
        "blocked": 0,
        "failed": 0,
        "cancelled": 0,
        "send_at": None,
        "started_at": utcnow(),
        "finished_at": None,
    }
    return BroadcastProgress(**(values | counts))


def test_counts_take_plural_forms_and_the_readers_digit_grouping() -> None:
    from bot.services.broadcast_results import AudiencePreview
    from handlers import broadcast_texts as bt
    from handlers import broadcast_texts_audience as bta

    en, de = _reader("en"), _reader("de")
    assert bta.recipients_line(en, AudiencePreview(2, 1, 1)).endswith("<b>2</b> (1 advisor, 1 contact)")
    assert bta.recipients_line(en, AudiencePreview(1002, 2, 1000)).endswith(
        "<b>1,002</b> (2 advisors, 1,000 contacts)"
    )
    assert bta.recipients_line(de, AudiencePreview(2, 1, 1)).endswith(
        "<b>2</b> (1 Berater*in, 1 Ansprechperson)"
    )
    assert bta.recipients_line(de, AudiencePreview(1002, 2, 1000)).endswith(
        "<b>1.002</b> (2 Berater*innen, 1.000 Ansprechpersonen)"
    )
    [[one]] = bt.retry_button(de, 7, 1).inline_keyboard  # type: ignore[union-attr]
    [[many]] = bt.retry_button(de, 7, 1234).inline_keyboard  # type: ignore[union-attr]
    assert one.text == "🔁 1 Zustellung wiederholen"
    assert many.text == "🔁 1.234 Zustellungen wiederholen"
    [[one]] = bt.retry_button(en, 7, 1).inline_keyboard  # type: ignore[union-attr]
    assert one.text == "🔁 Retry 1 failed delivery"
    question, _markup = bt.cancel_question(en, _progress(total=1500, queued=1))
    assert "1 of 1,500 has not got it yet" in question
    question, _markup = bt.cancel_question(de, _progress(total=1500, pending=1000, queued=200))
    assert "1.200 von 1.500 haben ihn noch nicht erhalten" in question
    question, _markup = bt.cancel_question(de, _progress(total=1500, queued=1))
    assert "1 von 1.500 hat ihn noch nicht erhalten und bekäme ihn" in question
    report = bt.report_text(de, _progress(status=BroadcastStatus.DONE, total=2500, delivered=2499, failed=1))
    assert "Zugestellt: 2.499" in report and "Fehlgeschlagen: 1" in report


async def test_release_and_retry_speak_of_one_person_in_the_singular(harness: Harness) -> None:
    h = harness
    async with h.runtime.db.transaction() as session:
        loner = await add_user(session, "con_only")
        await set_news_consent(session, loner.id, True, utcnow())
    summary = await to_preview(h, COORD_EN, "Contacts")
    released = await h.press(COORD_EN, button(summary, "bc:s:"))
    assert "✅ Released: it goes out now to about 1 person." in messages(released)[0].text
    await deliver_interactive(h)
    await sweep(h)
    await settle_bulk(h, {}, OutboxStatus.FAILED)
    _summary, added = await sweep(h)
    report = next(r for r in added if r.method == "sendMessage")
    [[retry]] = report.payload["reply_markup"]["inline_keyboard"]
    sent = await h.press(COORD_EN, retry["callback_data"])
    assert "is being sent again to the 1 person it failed for." in messages(sent)[0].text


# -- the list of recent broadcasts ------------------------------------------------------------


def test_recent_list_shows_date_status_counts_and_a_safely_cut_preview() -> None:
    from handlers import broadcast_texts_recent as bt
    from models import MediaKind

    ten_o_clock = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    long_html = "<b>Tom &amp; Jerry</b> " + "<i>" + "ä" * 80 + "</i>"
    found = [
        Broadcast(id=14, status=BroadcastStatus.SCHEDULED, text="Short &lt;news&gt;", send_at=ten_o_clock),
        Broadcast(
            id=13,
            status=BroadcastStatus.SENDING,
            text=long_html,
            send_at=ten_o_clock,
            started_at=ten_o_clock,
            recipients_total=1500,
            delivered_count=1200,
            blocked_count=0,
            failed_count=1,
        ),
        Broadcast(
            id=12,
            status=BroadcastStatus.DONE,
            text="",
            media_kind=MediaKind.PHOTO,
            send_at=ten_o_clock,
            started_at=ten_o_clock,
            recipients_total=1,
            delivered_count=0,
            blocked_count=0,
            failed_count=1,
        ),
        Broadcast(id=11, status=BroadcastStatus.CANCELLED, text="Gone", send_at=ten_o_clock),
    ]
    text, markup = bt.recent_list(_reader("de"), found)
    blocks = text.split("\n\n")
    assert blocks[0] == "📋 <b>Letzte Rundrufe</b>"
    assert blocks[1] == "<b>#14</b> · Di., 10. März 2026, 10:00 · geplant\n<i>Short &lt;news&gt;</i>"
    head, counts, preview = blocks[2].split("\n")
    assert head == "<b>#13</b> · Di., 10. März 2026, 10:00 · wird gesendet"
    assert counts == (
        "1.500 Empfänger*innen: zugestellt 1.200 · blockiert 0 · fehlgeschlagen 1 · noch ausstehend 299"
    )
    # Cut in the visible text (the entity and the tags are no characters of it), then escaped.
    assert preview == "<i>Tom &amp; Jerry " + "ä" * 47 + "…</i>"  # 60 visible characters
    assert blocks[3] == (
        "<b>#12</b> · Di., 10. März 2026, 10:00 · verschickt\n"
        "1 Empfänger*in: zugestellt 0 · blockiert 0 · fehlgeschlagen 1\n<i>🖼</i>"
    )
    assert blocks[4] == "<b>#11</b> · Di., 10. März 2026, 10:00 · vor dem Start abgebrochen\n<i>Gone</i>"
    assert markup is not None
    assert [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard] == [
        [("📊 #14: Fortschritt und Abbrechen", "bc:v:14")],
        [("📊 #13: Fortschritt und Abbrechen", "bc:v:13")],
        [("🔁 #12 erneut senden", "bc:r:12")],
    ]
    text, _markup = bt.recent_list(_reader("en"), found[1:2])
    assert "<b>#13</b> · Tue, Mar 10, 2026, 10:00 · sending" in text
    assert "1,500 recipients: delivered 1,200 · blocked 0 · failed 1 · still to go 299" in text
    assert bt.snippet(Broadcast(text="x" * 60)) == "x" * 60  # exactly the length: not cut
    assert bt.snippet(Broadcast(text="a\n\nb &amp; c")) == "a b &amp; c"
