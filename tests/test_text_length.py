"""Length as Telegram counts it (issue 12): the visible text after entity parsing, in UTF-16 code
units. Unit and property tests of bot/telegram_text.py, the outbox fitting instead of failing, and
the issue's scenario end to end: a contact who typed ``<&>`` up to every limit never makes a
coordinator's assignment, note or detail view fail."""

from __future__ import annotations

import html
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime import outbox
from bot.sandbox.api_calls import ApiError
from bot.sandbox.formatting import format_text
from bot.sandbox.html_parse import parse_html
from bot.services import users
from bot.services.coordination_actions import NOTE_MAX
from bot.services.users import grant_role
from bot.telegram_text import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    clip,
    fit_html,
    split_escaped,
    utf16_length,
    visible_length,
    visible_text,
)
from handlers.callback_data import REQUESTS, data
from models import Role
from tests.harness import Harness, Sent, TelegramUser
from tests.intake_helpers import Entry, IntakeStep, requests_of, tap, walk_to
from tests.matching_chat_helpers import COORDINATOR, MOESSINGEN, button, onboard, request_status, to

CONTACT = TelegramUser(610, "Ana", "de")
MEHMET = TelegramUser(611, "Mehmet", "en")
KORA = TelegramUser(612, "Kora", "de")
HOSTILE = "<&>"
# Every typed field at its limit and made of the characters that escape longest.
ENTRY = Entry(
    name="A" + HOSTILE * 33,
    role="R" + HOSTILE * 33,
    email="ana@tuebingen.de",
    own_topic="T" + HOSTILE * 66,
    goals="G" + HOSTILE * 333,
)
NOTE = "N" + HOSTILE * ((NOTE_MAX - 1) // 3)


class _Session:
    """Stands in for the AsyncSession: the outbox only adds rows to it."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.info: dict[str, Any] = {}

    def add(self, row: Any) -> None:
        self.rows.append(row)


def _valid(text: str, *, caption: bool = False) -> str:
    """The text Telegram would show, or the test fails as Telegram would refuse the message."""
    try:
        shown, _entities = format_text(text, "HTML", None, caption=caption)
    except ApiError as error:  # pragma: no cover - the assertion message is the point
        raise AssertionError(f"Telegram would refuse this: {error.description}") from None
    return shown


def _check_all(sent: list[Sent]) -> None:
    for message in sent:
        text = message.payload.get("text") or message.payload.get("caption")
        if isinstance(text, str) and message.payload.get("parse_mode") == "HTML":
            assert visible_length(text) <= TEXT_LIMIT
            _valid(text)
            assert "went wrong" not in text and "schiefgegangen" not in text


# --- visible_length / fit_html -------------------------------------------------------------------


def test_visible_length_counts_what_telegram_counts() -> None:
    assert visible_length("a &lt;b&gt; &amp; c") == len("a <b> & c")
    assert visible_length('<b>bold</b> <a href="https://x.example/?a=1&amp;b=2">link</a>') == 9
    assert visible_length("&#x27;&#39;&quot;") == 3
    assert visible_length("😀") == 2 and utf16_length("😀ü") == 3  # UTF-16 code units
    assert visible_length("&copy;") == 6  # Telegram keeps entities it does not know literally
    assert visible_text("<i>x &lt; y</i>") == "x < y"
    escaped = html.escape(HOSTILE * 1365)
    assert len(escaped) > 5 * TEXT_LIMIT // 2 and visible_length(escaped) == 4095


def test_fit_html_keeps_a_fitting_text_and_cuts_a_long_one_validly() -> None:
    short = "<b>Status:</b> &lt;open&gt;"
    assert fit_html(short, 100) == short
    long = "<b>Head</b>\n<i>" + html.escape(HOSTILE * 100) + "</i> tail"
    cut = fit_html(long, 50)
    assert visible_length(cut) == 50 and cut.endswith("…</i>")
    shown = _valid(cut)
    assert shown == ("Head\n" + HOSTILE * 100)[:49] + "…"
    # Nested tags and a link are closed in the right order; no entity is cut in half.
    nested = '<b>a <a href="https://e.example/?q=1&amp;r=2">' + "&amp;" * 30 + "</a></b>"
    cut = fit_html(nested, 10)
    assert cut.endswith("…</a></b>") and _valid(cut) == "a " + "&" * 7 + "…"
    # A tag opened right at the cut does not stay behind empty.
    assert fit_html("abc<b>def</b>", 4) == "abc…"
    assert fit_html("x" * 10 + "😀", 11) == "x" * 10 + "…"  # the emoji (2 units) does not fit


def test_clip_and_split_measure_in_utf16() -> None:
    assert clip("abc", 3) == "abc" and clip("abcd", 3) == "ab…"
    assert clip("a 😀😀", 4) == "a…"
    pieces = split_escaped(HOSTILE * 10, 7)
    assert [visible_length(p) for p in pieces] == [7, 7, 7, 7, 2]
    assert "".join(html.unescape(p) for p in pieces) == HOSTILE * 10


@given(text=st.text(min_size=0, max_size=600), limit=st.integers(min_value=1, max_value=300))
def test_fit_html_of_any_escaped_text_fits_and_is_a_prefix(text: str, limit: int) -> None:
    for wrapped in (html.escape(text), f"<b>{html.escape(text)}</b>", f"x<i>{html.escape(text)}</i>y"):
        plain = visible_text(wrapped)
        fitted = fit_html(wrapped, limit)
        assert visible_length(fitted) <= limit
        shown, _entities = parse_html(fitted)  # raises on anything Telegram would refuse
        if visible_length(wrapped) <= limit:
            assert shown == plain
        else:
            assert shown.endswith("…") and plain.startswith(shown[:-1])


# --- the outbox ----------------------------------------------------------------------------------


def test_the_outbox_fits_long_texts_edits_and_captions_and_logs_only_lengths(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = _Session()
    secret = "Geheim" + HOSTILE * 1400
    with caplog.at_level(logging.WARNING, logger="bot.runtime.outbox"):
        row = outbox.enqueue_text(session, 1, "<b>Title</b>\n" + html.escape(secret))  # type: ignore[arg-type]
        edit = outbox.enqueue_edit(session, 1, 5, html.escape(secret))  # type: ignore[arg-type]
        document = outbox.enqueue(
            session,  # type: ignore[arg-type]
            1,
            "sendDocument",
            {"document": "file", "caption": html.escape(secret), "parse_mode": "HTML"},
        )
        plain = outbox.enqueue(session, 1, "sendMessage", {"text": "x" * 5000})  # type: ignore[arg-type]
    assert visible_length(row.payload["text"]) == TEXT_LIMIT and row.payload["text"].startswith(
        "<b>Title</b>"
    )
    assert _valid(row.payload["text"]).endswith("…")
    assert visible_length(edit.payload["text"]) == TEXT_LIMIT and edit.method == "editMessageText"
    assert visible_length(document.payload["caption"]) == CAPTION_LIMIT
    _valid(document.payload["caption"], caption=True)
    assert len(plain.payload["text"]) == TEXT_LIMIT
    assert len(caplog.records) == 4
    assert all("Geheim" not in r.getMessage() and "&lt;" not in r.getMessage() for r in caplog.records)
    fitting = outbox.enqueue_text(session, 1, html.escape(HOSTILE * 1365))  # type: ignore[arg-type]
    assert fitting.payload["text"] == html.escape(HOSTILE * 1365)  # 6,825 characters, 4,095 visible
    with pytest.raises(ValueError):
        outbox.enqueue_text(session, 1, "")  # type: ignore[arg-type]


# --- the scenario ------------------------------------------------------------------------


async def _make_coordinator(h: Harness, person: TelegramUser) -> None:
    await h.text(person, "/start")
    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, person.id)
        assert user is not None
        grant_role(user, Role.COORDINATOR)


async def test_a_hostile_request_can_be_assigned_noted_and_read(harness: Harness) -> None:
    h = harness
    await onboard(h, MEHMET, display_name="Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await _make_coordinator(h, KORA)
    summary = await walk_to(h, CONTACT, IntakeStep.SUMMARY, ENTRY)
    # The contact sees every character of their goals: escaping no longer costs them anything.
    assert html.escape(ENTRY.goals) in summary.text
    sent = await tap(h, CONTACT, summary, "📨")
    _check_all(sent)
    assert "Vielen Dank" in sent[0].text
    [request] = await requests_of(h, CONTACT.id)
    request_id = request.id
    everything: list[Sent] = list(sent)

    # The coordinator assigns Mehmet by hand from the ranking.
    [detail] = await h.press(COORDINATOR, data(REQUESTS, "d", request_id))
    [ranking] = await h.press(COORDINATOR, button(detail, "rq:a:"))
    mehmet = next(d for label, d in ranking.buttons if "Mehmet" in label)
    sent = await h.press(COORDINATOR, mehmet)
    everything += [detail, ranking, *sent]
    assert "Offered to Mehmet" in to(sent, COORDINATOR)[0].text
    offer = next(s for s in to(sent, MEHMET) if "of:a:" in str(s.buttons))
    accepted = await h.press(MEHMET, button(offer, "of:a:"))
    everything += accepted
    assert await request_status(h, request_id) == "accepted"
    assert any(html.escape(ENTRY.goals) in s.text for s in to(accepted, MEHMET))  # the goals whole

    # Three typed notes of the maximal length, then the detail: all succeed.
    for _round in range(3):
        [prompt] = await h.press(COORDINATOR, data(REQUESTS, "n", request_id))
        sent = await h.text(COORDINATOR, NOTE)
        everything += [prompt, *sent]
        assert "Note saved" in sent[0].text
    detail = sent[-1]
    assert "Request" in detail.text and "Status:</b> advisor found" in detail.text
    assert "History:" in detail.text
    assert "Note by Cora: N&lt;&amp;&gt;" in detail.text and html.escape(NOTE) not in detail.text
    assert "…" in detail.text  # notes and goals are cut in the detail, the structure stays
    assert [label for label, _d in detail.buttons]  # the actions are there
    [history, *more] = await h.press(COORDINATOR, button(detail, "rq:h:"))
    everything += [history, *more]
    full = "".join(m.text for m in [history, *more])
    assert full.count(html.escape(NOTE)) == 3 and html.escape(ENTRY.goals) in full

    # A German coordinator reads the same request in German.
    [german] = await h.press(KORA, data(REQUESTS, "d", request_id))
    everything.append(german)
    assert "Anfrage" in german.text and "Verlauf" in german.text and "Notiz von Cora" in german.text
    _check_all(everything)
    assert all(s.chat_id != COORDINATOR.id or "Sorry" not in s.text for s in everything)
