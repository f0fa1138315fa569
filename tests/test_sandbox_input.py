"""The sandbox's Telegram-like input (long text split as the apps split it) and the bot's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.emulator import Emulator
from bot.sandbox.users import split_like_telegram
from models import utcnow
from models.clock import Clock, ClockLocked


def test_text_up_to_4096_characters_is_one_message() -> None:
    assert split_like_telegram("x" * 4096) == ["x" * 4096]
    assert split_like_telegram("  Hallo  ") == ["Hallo"]


def test_longer_text_is_cut_at_a_sentence_or_word_into_parts_of_at_most_4096() -> None:
    sentence = "Wir planen ein interkulturelles Fest mit vielen Vereinen. "
    text = sentence * 90  # 5,220 characters
    parts = split_like_telegram(text)
    assert len(parts) == 2 and all(len(p) <= 4096 for p in parts)
    assert parts[0].endswith("Vereinen.") and parts[1].startswith("Wir planen")
    assert " ".join(parts) == text.strip()
    words = split_like_telegram("Wort " * 2000)  # 10,000 characters, no sentence ends
    assert [len(p) <= 4096 for p in words] == [True, True, True]
    assert all(not p.endswith(" ") and p.startswith("Wort") for p in words)
    assert split_like_telegram("y" * 9000) == ["y" * 4096, "y" * 4096, "y" * 808]  # no space at all


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    parts = split_like_telegram("😀" * 2100)
    assert [len(p) for p in parts] == [2048, 52]


def test_the_page_sends_long_text_as_several_messages() -> None:
    emulator = Emulator()
    user = emulator.add_user("Kommune", "de")
    sent = emulator.type_text(user.id, "Satz eins. " * 500)
    assert len(sent) == 2
    assert [u["message"]["text"] for u in emulator.pending_updates] == [m["text"] for m in sent]


def test_production_time_is_plain_utc_and_cannot_be_moved() -> None:
    clock = Clock()
    with pytest.raises(ClockLocked):
        clock.advance(timedelta(hours=1))
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=1)


def test_a_sandbox_clock_moves_forward_only_and_resets() -> None:
    clock = Clock()
    clock.allow_moving()
    with pytest.raises(ValueError):
        clock.advance(timedelta(0))
    moved = clock.advance(timedelta(days=1))
    assert timedelta(hours=23, minutes=59) < moved - datetime.now(UTC) <= timedelta(days=1)
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)
