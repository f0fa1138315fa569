"""Driving the intake in tests: press buttons by what they show, walk to a step, read what was stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.services.holidays import closed_day
from bot.services.intake import NOTICE_VERSION
from bot.services.intake_answers import NUMBERED_STEPS
from models import IntakeDraft, IntakeStep, KickoffRequest, RequestEvent, User
from tests.harness import Harness, Sent, TelegramUser

BERLIN = ZoneInfo("Europe/Berlin")
AGREE = f"ik:cs:y:{NOTICE_VERSION}"
TUEBINGEN = "ik:mu:g:08416041"


def berlin_today() -> date:
    """Today as the bot sees it."""
    return datetime.now(BERLIN).date()


def workday(days_ahead: int) -> date:
    """The first working day (Monday–Friday, no public holiday) at least ``days_ahead`` days from today."""
    day = berlin_today() + timedelta(days=days_ahead)
    while closed_day(day):
        day += timedelta(days=1)
    return day


def last(sent: list[Sent]) -> Sent:
    """The last message an update produced (the one asking the next question)."""
    assert sent, "the update produced no message"
    return sent[-1]


def data_of(message: Sent, label: str) -> str:
    """The callback data of the button whose label contains ``label`` (fails when absent)."""
    matches = [data for text, data in message.buttons if label in text]
    assert matches, f"no button {label!r} in {[t for t, _ in message.buttons]}"
    return matches[0]


async def tap(h: Harness, user: TelegramUser, message: Sent, label: str) -> list[Sent]:
    """Press the button labelled ``label`` on ``message``."""
    return await h.press(user, data_of(message, label))


@dataclass
class Entry:
    """What a test contact enters; ``expected_*`` is how it is stored."""

    place_query: str = "Tübingen"
    place_button: str = "Tübingen, Landkreis Tübingen"
    name: str = "Ana Müller"
    role: str = "Integration office"
    email: str = "ana@tuebingen.de"
    phone: str = "07071 204 1234"
    expected_phone: str = "+4970712041234"
    topics: tuple[str, ...] = ("festival",)
    own_topic: str = "Town twinning with Moshi"
    languages: tuple[str, ...] = ("tr",)
    language_search: str = "tigrinya"
    searched_language: str = "ti"
    goals: str = "We want to open our <Fair Week> & more."
    windows: tuple[tuple[date, str], ...] = field(
        default_factory=lambda: ((workday(9), "am"), (workday(40), "pm"))
    )
    format: str = "online"


async def start_intake(h: Harness, user: TelegramUser) -> list[Sent]:
    """/request and agree; returns what agreeing produced (the first question last)."""
    consent = last(await h.text(user, "/request"))
    assert data_of(consent, "✅") == AGREE
    return await h.press(user, AGREE)


async def pick_day(h: Harness, user: TelegramUser, message: Sent, day: date, part: str) -> Sent:
    """Page the calendar to ``day``'s month, tap the day, then the part of day."""
    code = f"ik:tw:d:{day:%Y%m%d}"
    for _ in range(8):
        if any(data == code for _t, data in message.buttons):
            break
        message = last(await tap(h, user, message, "▶️"))
    parts = last(await h.press(user, code))
    chosen = f"ik:tw:p:{day:%Y%m%d}:{part}"
    assert chosen in [d for _t, d in parts.buttons], parts.buttons
    return last(await h.press(user, chosen))


async def answer_step(h: Harness, user: TelegramUser, step: IntakeStep, prompt: Sent, entry: Entry) -> Sent:
    """Answer ``step`` the way ``entry`` says, through the buttons a person would use."""
    match step:
        case IntakeStep.MUNICIPALITY:
            choice = last(await h.text(user, entry.place_query))
            return last(await tap(h, user, choice, entry.place_button))
        case IntakeStep.NAME | IntakeStep.ROLE | IntakeStep.EMAIL | IntakeStep.PHONE | IntakeStep.GOALS:
            value = {
                IntakeStep.NAME: entry.name,
                IntakeStep.ROLE: entry.role,
                IntakeStep.EMAIL: entry.email,
                IntakeStep.PHONE: entry.phone,
                IntakeStep.GOALS: entry.goals,
            }[step]
            return last(await h.text(user, value))
        case IntakeStep.TOPICS:
            for topic in entry.topics:
                prompt = last(await h.press(user, f"ik:tp:+:{topic}"))
            if entry.own_topic:
                prompt = last(await h.text(user, entry.own_topic))
            return last(await tap(h, user, prompt, "✅"))
        case IntakeStep.LANGUAGES:
            for code in entry.languages:
                prompt = last(await h.press(user, f"ik:la:+:{code}"))
            if entry.language_search:
                found = last(await h.text(user, entry.language_search))
                prompt = last(await h.press(user, data_of(found, "")))  # the best hit comes first
                assert f"ik:la:-:{entry.searched_language}" in [d for _t, d in prompt.buttons]
            return last(await tap(h, user, prompt, "✅"))
        case IntakeStep.TIMES:
            for day, part in entry.windows:
                prompt = await pick_day(h, user, prompt, day, part)
            return last(await tap(h, user, prompt, "✅"))
        case IntakeStep.FORMAT:
            return last(await h.press(user, f"ik:fm:v:{entry.format}"))
    raise AssertionError(f"no answer for {step}")


STEPS = NUMBERED_STEPS  # the order the bot asks in


async def walk_to(h: Harness, user: TelegramUser, target: IntakeStep, entry: Entry | None = None) -> Sent:
    """Start the intake and answer every step before ``target``; returns the message asking ``target``."""
    entry = entry or Entry()
    prompt = last(await start_intake(h, user))
    for step in STEPS:
        if step == target:
            return prompt
        prompt = await answer_step(h, user, step, prompt, entry)
    assert target is IntakeStep.SUMMARY
    return prompt


async def draft_of(h: Harness, telegram_id: int) -> IntakeDraft | None:
    """The user's stored draft."""
    async with h.runtime.db.transaction() as session:
        return await session.scalar(select(IntakeDraft).join(User).where(User.telegram_id == telegram_id))


async def requests_of(h: Harness, telegram_id: int) -> list[KickoffRequest]:
    """The user's stored requests, oldest first."""
    async with h.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(KickoffRequest)
            .join(User)
            .where(User.telegram_id == telegram_id)
            .order_by(KickoffRequest.id)
        )
        return list(rows)


async def count(h: Harness, model: type) -> int:
    """How many rows ``model``'s table has."""
    async with h.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def events_of(h: Harness, request_id: int) -> list[tuple[str | None, str]]:
    """(from, to) of every funnel event of a request, in order."""
    async with h.runtime.db.transaction() as session:
        rows = await session.execute(
            select(RequestEvent.from_status, RequestEvent.to_status)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        )
        return [(a, b) for a, b in rows.all()]
