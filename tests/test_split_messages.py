"""Issue 15, item 7: a paste Telegram split into several messages is never saved from a fragment.
Parts within a few seconds are refused as one text (with their joint length); a text that fits but
comes soon after a refusal is saved and shown back whole with "✏️ Replace" (handlers/intake/overflow.py).
"""

from __future__ import annotations

import time

from models import IntakeStep
from tests.harness import Harness, Sent, TelegramUser
from tests.intake_helpers import data_of, draft_of, last, walk_to

ANNA = TelegramUser(1810, "Anna", "de")
JOHN = TelegramUser(1811, "John", "en")
TELEGRAM_LIMIT = 4096


def split_like_telegram(text: str) -> list[str]:
    """The messages a client makes of ``text``: 4,096 characters each."""
    return [text[i : i + TELEGRAM_LIMIT] for i in range(0, len(text), TELEGRAM_LIMIT)]


async def sent_at(h: Harness, user: TelegramUser, text: str, date: int) -> list[Sent]:
    """``user`` sends ``text`` with Telegram's timestamp ``date``."""
    return await h.feed({"message": {**h._message(user, text=text), "date": date}})


def paste(chars: int) -> str:
    """A long goals text, sentences all the way, ``chars`` characters long."""
    sentence = "Wir möchten unsere Faire Woche mit migrantischen Vereinen gemeinsam planen. "
    return (sentence * (chars // len(sentence) + 1))[:chars]


async def test_a_5000_character_paste_at_the_goals_step_saves_nothing_in_german(harness: Harness) -> None:
    h = harness
    await walk_to(h, ANNA, IntakeStep.GOALS)
    first, second = split_like_telegram(paste(5000))
    now = int(time.time())
    [refused] = await sent_at(h, ANNA, first, now)
    assert "zu lang" in refused.text
    # The second part, starting mid-sentence, arrives four seconds later (a slow connection).
    [rest] = await sent_at(h, ANNA, second, now + 4)
    assert "Rest Ihrer vorigen Nachricht" in rest.text and "Zusammen haben sie 5.000 Zeichen" in rest.text
    assert "nichts davon gespeichert" in rest.text and "Schritt 8 von 10" in rest.text
    draft = await draft_of(h, ANNA.id)
    assert draft is not None and draft.step == IntakeStep.GOALS and "goals" not in draft.answers


async def test_three_parts_are_counted_as_one_text_in_english(harness: Harness) -> None:
    h = harness
    await walk_to(h, JOHN, IntakeStep.GOALS)
    parts = split_like_telegram(paste(9000))
    now = int(time.time())
    replies = [last(await sent_at(h, JOHN, part, now + i)) for i, part in enumerate(parts)]
    assert "too long" in replies[0].text
    assert "Together they have 8,192 characters" in replies[1].text
    assert "Together they have 9,000 characters" in replies[2].text
    draft = await draft_of(h, JOHN.id)
    assert draft is not None and "goals" not in draft.answers


async def test_a_late_part_is_shown_back_with_replace_in_english(harness: Harness) -> None:
    h = harness
    await walk_to(h, JOHN, IntakeStep.GOALS)
    first, second = split_like_telegram(paste(5000))
    now = int(time.time())
    await sent_at(h, JOHN, first, now)
    # Delayed well past the split window: taken, but shown back whole with "Replace".
    [times] = await sent_at(h, JOHN, second, now + 30)
    assert "Step 9 of 10" in times.text
    assert "Please check that this is your whole text" in times.text
    assert second.strip()[-60:] in times.text  # the whole saved text, not a preview
    replace = data_of(times, "✏️ Replace")
    [goals] = await h.press(JOHN, replace)
    assert "Step 8 of 10" in goals.text and "send the text again" in goals.text
    [times] = await sent_at(h, JOHN, "We want to open our Fair Week.", now + 90)
    assert "Step 9 of 10" in times.text
    draft = await draft_of(h, JOHN.id)
    assert draft is not None and draft.answers["goals"] == "We want to open our Fair Week."


async def test_replace_in_german_and_a_later_answer_is_quiet_again(harness: Harness) -> None:
    h = harness
    await walk_to(h, ANNA, IntakeStep.NAME)
    now = int(time.time())
    await sent_at(h, ANNA, "Anna " * 900, now)
    [role] = await sent_at(h, ANNA, "Schmidt", now + 20)
    assert "Gespeichert: Schmidt" in role.text and "Ihr ganzer Text" in role.text
    [name] = await h.press(ANNA, data_of(role, "✏️ Ersetzen"))
    assert "Schritt 2 von 10" in name.text
    # Long after the refusal, an answer is confirmed as usual, without the check.
    [role] = await sent_at(h, ANNA, "Anna Schmidt", now + 400)
    assert "Gespeichert: Anna Schmidt" in role.text and "Ersetzen" not in str(role.buttons)
    draft = await draft_of(h, ANNA.id)
    assert draft is not None and draft.answers["name"] == "Anna Schmidt" and draft.step == IntakeStep.ROLE


async def test_a_too_long_text_telegram_did_not_split_is_followed_by_a_new_answer(harness: Harness) -> None:
    h = harness
    await walk_to(h, ANNA, IntakeStep.GOALS)
    now = int(time.time())
    [refused] = await sent_at(h, ANNA, paste(1504), now)  # too long for the step, far from 4,096
    assert "zu lang" in refused.text
    # Typed quickly after the refusal: a new answer, saved and confirmed as usual.
    [times] = await sent_at(h, ANNA, "Wir möchten die Faire Woche öffnen.", now + 3)
    assert "Rest Ihrer vorigen Nachricht" not in times.text and "Ihr ganzer Text" not in times.text
    assert "Schritt 9 von 10" in times.text
    draft = await draft_of(h, ANNA.id)
    assert draft is not None and draft.answers["goals"] == "Wir möchten die Faire Woche öffnen."
