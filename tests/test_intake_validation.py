"""Every validation of the intake: what is refused with which words, what is normalised, and that
the step is asked again with nothing lost."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from bot.runtime.outbox import TELEGRAM_TEXT_LIMIT
from bot.services import validation
from bot.services.holidays import closed_day
from bot.services.validation import Invalid, Problem
from bot.telegram_text import visible_length
from handlers.intake import overflow
from models import IntakeDraft, IntakeStep
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import (
    Entry,
    answer_step,
    berlin_today,
    data_of,
    draft_of,
    last,
    requests_of,
    tap,
    walk_to,
    workday,
)

NO_LETTERS = "emoji, numbers or symbols alone"
TOO_LONG = "too long"
EMPTY = "Please write an answer"

TEXT_CASES = [
    (IntakeStep.NAME, "   ", EMPTY),
    (IntakeStep.NAME, "😀🎉", NO_LETTERS),
    (IntakeStep.NAME, "12345", NO_LETTERS),
    (IntakeStep.NAME, "A", "too short"),
    (IntakeStep.NAME, "x" * 101, "at most 100 characters"),
    (IntakeStep.NAME, "\u200b\u200b", EMPTY),
    (IntakeStep.ROLE, "👍", NO_LETTERS),
    (IntakeStep.ROLE, "r" * 150, "at most 100 characters"),
    (IntakeStep.EMAIL, "ana.tuebingen.de", "e-mail address"),
    (IntakeStep.EMAIL, "ana@", "e-mail address"),
    (IntakeStep.EMAIL, "ana@@tuebingen.de", "e-mail address"),
    (IntakeStep.EMAIL, "📧", "e-mail address"),
    (IntakeStep.EMAIL, "a" * 250 + "@x.de", "at most 254 characters"),
    (IntakeStep.PHONE, "123", "phone number"),
    (IntakeStep.PHONE, "call me", "phone number"),
    (IntakeStep.PHONE, "+1 555", "phone number"),
    (IntakeStep.GOALS, "🙂🙂🙂", NO_LETTERS),
    (IntakeStep.GOALS, "g" * 1001, "Your text has 1001 characters"),
    (IntakeStep.TOPICS, "🌍", NO_LETTERS),
    (IntakeStep.TOPICS, "t" * 201, "at most 200 characters"),
    (IntakeStep.MUNICIPALITY, "🏛️", NO_LETTERS),
    (IntakeStep.MUNICIPALITY, "m" * 101, "at most 100 characters"),
    (IntakeStep.LANGUAGES, "xyzzyq", "did not find a language"),
    (IntakeStep.LANGUAGES, "a", "did not find a language"),
    (IntakeStep.TIMES, "next Tuesday", "calendar"),
    (IntakeStep.FORMAT, "online please", "choose one of the buttons"),
    (IntakeStep.SUMMARY, "send it", "use the buttons"),
]


@pytest.mark.parametrize(
    ("step", "text", "expected"), TEXT_CASES, ids=[f"{s.value}-{t[:12]}" for s, t, _ in TEXT_CASES]
)
async def test_bad_text_is_explained_and_the_step_asked_again(
    harness: Harness, step: IntakeStep, text: str, expected: str
) -> None:
    user = TelegramUser(700, "A", "en")
    await walk_to(harness, user, step)
    before = await draft_of(harness, user.id)
    [reply] = await harness.text(user, text)
    assert expected in reply.text
    where = "Last step" if step is IntakeStep.SUMMARY else "of 10"
    assert where in reply.text and len(reply.text) <= TELEGRAM_TEXT_LIMIT
    after = await draft_of(harness, user.id)
    assert before is not None and after is not None
    # Only the note that a too-long text was refused (handlers/intake/overflow.py) may be added.
    answers = {k: v for k, v in after.answers.items() if k != overflow.MARK}
    assert (after.step, answers) == (before.step, before.answers)


async def test_refusals_come_in_german_too(harness: Harness) -> None:
    user = TelegramUser(701, "A", "de")
    await walk_to(harness, user, IntakeStep.EMAIL)
    [reply] = await harness.text(user, "keine-adresse")
    assert "sieht nicht nach einer E-Mail-Adresse aus" in reply.text and "Schritt 4 von 10" in reply.text


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("07071 204 1234", "+4970712041234", "+49 7071 2041234"),
        ("(07071) 20-41234", "+4970712041234", "+49 7071 2041234"),
        ("0049 711 1234567", "+497111234567", "+49 711 1234567"),
        ("+41 44 668 18 00", "+41446681800", "+41 44 668 18 00"),
        ("0151 23456789", "+4915123456789", "+49 1512 3456789"),
    ],
)
async def test_phone_numbers_are_normalised_for_germany(
    harness: Harness, typed: str, stored: str, shown: str
) -> None:
    user = TelegramUser(702, "A", "en")
    await walk_to(harness, user, IntakeStep.PHONE)
    [reply] = await harness.text(user, typed)
    assert f"Saved: {shown}" in reply.text and "Step 6 of 10" in reply.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["phone"] == stored


async def test_phone_and_goals_can_be_skipped(harness: Harness) -> None:
    user = TelegramUser(703, "A", "en")
    phone = await walk_to(harness, user, IntakeStep.PHONE)
    topics = last(await tap(harness, user, phone, "Skip"))
    assert "Step 6 of 10" in topics.text
    prompt = topics
    for step in (IntakeStep.TOPICS, IntakeStep.LANGUAGES):
        prompt = await answer_step(harness, user, step, prompt, Entry())
    times = last(await tap(harness, user, prompt, "Skip"))
    assert "Step 9 of 10" in times.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["phone"] is None and draft.answers["goals"] is None


async def test_goals_of_exactly_the_limit_with_line_breaks_are_kept(harness: Harness) -> None:
    user = TelegramUser(704, "A", "en")
    await walk_to(harness, user, IntakeStep.GOALS)
    goals = "Line one\n\n" + "g" * 990
    assert len(goals) == 1000
    [reply] = await harness.text(user, goals)
    assert "Step 9 of 10" in reply.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["goals"] == goals


@pytest.mark.parametrize(
    ("query", "kind", "ags"),
    [
        ("Landkreis Tübingen", "kreis", "08416"),
        ("LK Ludwigsburg", "kreis", "08118"),
        ("Stuttgart", "gemeinde", "08111000"),
        ("72070", "gemeinde", "08416041"),
        ("Villingen-Schwenningen", "gemeinde", "08326074"),
        ("Ostalbkreis", "kreis", "08136"),
    ],
)
async def test_a_clear_municipality_or_landkreis_is_taken_at_once(
    harness: Harness, query: str, kind: str, ags: str
) -> None:
    user = TelegramUser(705, "A", "en")
    await walk_to(harness, user, IntakeStep.MUNICIPALITY)
    [reply] = await harness.text(user, query)
    assert "Step 2 of 10" in reply.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and (draft.answers["place"]["kind"], draft.answers["place"]["ags"]) == (
        kind,
        ags,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Talheim", ["Talheim, Landkreis Heilbronn", "Talheim, Landkreis Tuttlingen"]),
        ("Stuttgrat", ["Stuttgart (Stadtkreis)"]),
        ("Heilbronn", ["Heilbronn (Stadtkreis)", "Landkreis Heilbronn"]),
    ],
)
async def test_an_unclear_municipality_is_offered_as_buttons(
    harness: Harness, query: str, expected: list[str]
) -> None:
    user = TelegramUser(706, "A", "en")
    await walk_to(harness, user, IntakeStep.MUNICIPALITY)
    [reply] = await harness.text(user, query)
    assert "Which one do you mean?" in reply.text and "Step 1 of 10" in reply.text
    labels = [label for label, data in reply.buttons if data.startswith("ik:mu:")]
    assert labels[: len(expected)] == expected and len(labels) <= 5
    [name_step] = await tap(harness, user, reply, expected[-1])
    assert "Step 2 of 10" in name_step.text and expected[-1] in name_step.text


@pytest.mark.parametrize("query", ["München", "Paris", "Basel", "Berlin"])
async def test_a_place_outside_baden_wuerttemberg_gets_an_explanation_and_the_contact(
    harness: Harness, query: str
) -> None:
    user = TelegramUser(707, "A", "en")
    await walk_to(harness, user, IntakeStep.MUNICIPALITY)
    [reply] = await harness.text(user, query)
    assert f"could not find “{html.escape(query)}”" in reply.text
    assert "another federal state" in reply.text and harness.runtime.settings.contact_email in reply.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.step == "municipality" and "place" not in draft.answers


async def test_topics_need_one_choice_and_an_own_topic_can_be_removed(harness: Harness) -> None:
    user = TelegramUser(708, "A", "en")
    topics = await walk_to(harness, user, IntakeStep.TOPICS)
    assert await tap(harness, user, topics, "✅") == []
    assert harness.answered_callbacks()[-1]["text"] == "Please choose at least one topic."
    await tap(harness, user, topics, "Own topic")
    assert "type your topic" in harness.answered_callbacks()[-1]["text"]
    [added] = await harness.text(user, "Diaspora <networks>")
    assert "Diaspora &lt;networks&gt;" in added.text
    [removed] = await tap(harness, user, added, "✓ Own topic")
    assert "Own topic…" in str(removed.buttons)
    await harness.press(user, "ik:tp:+:open")
    await harness.press(user, "ik:tp:+:open")  # a double tap selects once
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["topics"] == ["open"] and "topic_other" not in draft.answers


async def test_languages_are_limited_searchable_and_required(harness: Harness) -> None:
    user = TelegramUser(709, "A", "de")
    prompt = await walk_to(harness, user, IntakeStep.LANGUAGES)
    labels = [label for label, data in prompt.buttons if data.startswith("ik:la:+")]
    assert labels[:3] == ["Türkisch", "Arabisch", "Ukrainisch"] and len(labels) == 10
    assert await tap(harness, user, prompt, "✅") == []
    assert harness.answered_callbacks()[-1]["text"] == "Bitte wählen Sie mindestens eine Sprache."
    for code in ("tr", "ar", "uk", "ru", "fa", "ku", "pl", "ro"):
        await harness.press(user, f"ik:la:+:{code}")
    assert await harness.press(user, "ik:la:+:it") == []
    assert "bis zu 8 Sprachen" in harness.answered_callbacks()[-1]["text"]
    [found] = await harness.text(user, "Русский")
    assert "Russisch" in str(found.buttons)
    draft = await draft_of(harness, user.id)
    assert draft is not None and len(draft.answers["languages"]) == 8


async def test_most_requested_languages_come_first(harness: Harness) -> None:
    first = TelegramUser(710, "A", "en")
    summary = await walk_to(harness, first, IntakeStep.SUMMARY, Entry(languages=("so",), language_search=""))
    await tap(harness, first, summary, "📨")
    prompt = await walk_to(harness, TelegramUser(711, "B", "en"), IntakeStep.LANGUAGES)
    assert prompt.buttons[0] == ("Somali", "ik:la:+:so")


async def test_calendar_marks_closed_days_hides_the_past_and_limits_to_three(harness: Harness) -> None:
    user = TelegramUser(712, "A", "en")
    times = await walk_to(harness, user, IntakeStep.TIMES)
    tomorrow = berlin_today() + timedelta(days=1)
    days = {data.rsplit(":", 1)[1]: label for label, data in times.buttons if data.startswith("ik:tw:d:")}
    assert f"{tomorrow:%Y%m%d}" in days and f"{berlin_today():%Y%m%d}" not in days
    for code, label in days.items():
        closed = closed_day(date(int(code[:4]), int(code[4:6]), int(code[6:])))  # weekend or holiday
        assert label.startswith("(") == closed
    assert await harness.press(user, f"ik:tw:d:{berlin_today():%Y%m%d}") == []
    assert "cannot be chosen" in harness.answered_callbacks()[-1]["text"]
    for offset, part in ((5, "am"), (6, "pm"), (7, "day")):
        await harness.press(user, f"ik:tw:p:{workday(offset):%Y%m%d}:{part}")
    assert await harness.press(user, f"ik:tw:p:{workday(8):%Y%m%d}:am") == []
    assert "up to 3" in harness.answered_callbacks()[-1]["text"]
    [removed] = await harness.press(user, f"ik:tw:r:{workday(6):%Y%m%d}:pm")
    draft = await draft_of(harness, user.id)
    assert draft is not None and len(draft.answers["windows"]) == 2
    format_step = last(await tap(harness, user, removed, "Flexible"))
    assert "Step 10 of 10" in format_step.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["flexible"] is True and draft.answers["windows"] == []


async def test_flexible_is_stored_without_windows(harness: Harness) -> None:
    user = TelegramUser(713, "A", "en")
    times = await walk_to(harness, user, IntakeStep.TIMES)
    fmt = last(await tap(harness, user, times, "Flexible"))
    summary = last(await harness.press(user, "ik:fm:v:phone"))
    assert "flexible" in summary.text
    await tap(harness, user, summary, "📨")
    [request] = await requests_of(harness, user.id)
    assert request.flexible is True and request.time_windows == [] and request.meeting_format == "phone"
    assert "Step 10 of 10" in fmt.text


async def test_the_summary_fits_one_message_whatever_was_typed(harness: Harness) -> None:
    user = TelegramUser(714, "A", "en")
    entry = Entry(
        name="A" + "&" * 99,
        role="R" + "<" * 99,
        own_topic="T" + ">" * 199,
        goals="G" + "&" * 999,
        language_search="",
    )
    summary = await walk_to(harness, user, IntakeStep.SUMMARY, entry)
    # Telegram's limit applies to the visible text: escaping no longer costs the contact their goals.
    assert visible_length(summary.text) <= TELEGRAM_TEXT_LIMIT and "&amp;" in summary.text
    assert "<<" not in summary.text and "&amp;" * 999 in summary.text
    confirmation = last(await tap(harness, user, summary, "📨"))
    assert visible_length(confirmation.text) <= TELEGRAM_TEXT_LIMIT
    [request] = await requests_of(harness, user.id)
    assert request.goals == "G" + "&" * 999  # only the message is shortened, never the data


def test_validation_functions_normalise_and_refuse() -> None:
    assert validation.clean_name("  Ana \u200b  Müller \n") == "Ana Müller"
    assert validation.clean_goals("a\r\n\r\n\r\n\r\nb") == "a\n\nb"
    assert validation.clean_email("Ana@Tübingen.DE") == "Ana@tübingen.de"
    assert validation.clean_phone("07071 2041234") == "+4970712041234"
    assert validation.clean_search("72070") == "72070"
    with pytest.raises(Invalid) as error:
        validation.clean_name("\u202e\u202e")
    assert error.value.problem is Problem.EMPTY
    with pytest.raises(Invalid) as error:
        validation.clean_goals("x" * 1001)
    assert (error.value.problem, error.value.limit) == (Problem.TOO_LONG, 1000)


async def test_a_past_window_found_at_sending_sends_the_user_back_to_the_times(harness: Harness) -> None:
    user = TelegramUser(715, "A", "en")
    summary = await walk_to(harness, user, IntakeStep.SUMMARY)
    # The talk was planned a while ago: its only window is now in the past.
    draft = await draft_of(harness, user.id)
    assert draft is not None
    yesterday = (berlin_today() - timedelta(days=1)).isoformat()
    answers = {**draft.answers, "windows": [{"date": yesterday, "part": "am"}]}
    async with harness.runtime.db.transaction() as session:
        await session.execute(update(IntakeDraft).where(IntakeDraft.id == draft.id).values(answers=answers))
    [times] = await harness.press(user, data_of(summary, "📨"))
    assert "have passed" in times.text and "Step 9 of 10" in times.text
    assert await requests_of(harness, user.id) == []


@pytest.mark.parametrize("word", ["fertig", "Done.", "weiter"])
async def test_typing_done_on_a_multi_select_step_means_done(harness: Harness, word: str) -> None:
    user = TelegramUser(716, "A", "de")
    await walk_to(harness, user, IntakeStep.TOPICS)
    [refused] = await harness.text(user, word)
    assert "mindestens ein Thema" in refused.text and "Schritt 6 von 10" in refused.text
    await harness.press(user, "ik:tp:+:networks")
    [languages] = await harness.text(user, word)
    assert "Schritt 7 von 10" in languages.text
    [refused] = await harness.text(user, word)
    assert "mindestens eine Sprache" in refused.text
    draft = await draft_of(harness, user.id)
    assert (
        draft is not None and "topic_other" not in draft.answers and draft.answers["topics"] == ["networks"]
    )
