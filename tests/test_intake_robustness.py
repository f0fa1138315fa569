"""The intake survives restarts, double taps, repeated updates, stale, forged and foreign buttons,
wrong message types, commands and edits in the middle: clear answers, nothing lost, nothing twice."""

from __future__ import annotations

import pytest

from models import InboxUpdate, IntakeStep, KickoffRequest
from tests.harness import Harness, TelegramUser, restarted
from tests.intake_helpers import (
    STEPS,
    TUEBINGEN,
    Entry,
    answer_step,
    count,
    data_of,
    draft_of,
    last,
    requests_of,
    tap,
    walk_to,
    workday,
)

ALL_STEPS = (*STEPS, IntakeStep.SUMMARY)


def _where(step: IntakeStep) -> str:
    return "Last step" if step is IntakeStep.SUMMARY else f"Step {ALL_STEPS.index(step) + 1} of 10"


@pytest.mark.parametrize("step", ALL_STEPS, ids=lambda s: s.value)
async def test_a_restart_at_any_step_keeps_the_draft_and_the_step(harness: Harness, step: IntakeStep) -> None:
    user = TelegramUser(600, "A", "en")
    await walk_to(harness, user, step)
    before = await draft_of(harness, user.id)
    async with restarted(harness) as bot:
        [offer] = await bot.text(user, "/request")
        expected = "complete but not sent" if step is IntakeStep.SUMMARY else _where(step).lower()
        assert expected in offer.text
        [prompt] = await tap(bot, user, offer, "Continue")
        assert _where(step) in prompt.text
        after = await draft_of(bot, user.id)
        assert after is not None and before is not None
        # Continuing notes when (handlers/intake/drafts.py); the answers themselves are unchanged.
        assert {k: v for k, v in after.answers.items() if k != "_resumed"} == before.answers
        entry = Entry()
        for remaining in ALL_STEPS[ALL_STEPS.index(step) : -1]:
            prompt = await answer_step(bot, user, remaining, prompt, entry)
        await tap(bot, user, prompt, "📨")
        [request] = await requests_of(bot, user.id)
    assert request.contact_name == entry.name and request.meeting_format == entry.format


async def test_after_a_restart_free_text_answers_the_current_step_directly(harness: Harness) -> None:
    user = TelegramUser(601, "A", "de")
    await walk_to(harness, user, IntakeStep.ROLE)
    async with restarted(harness) as bot:
        [reply] = await bot.text(user, "Integrationsbüro")
        assert "Schritt 4 von 10" in reply.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["role"] == "Integrationsbüro"


async def test_a_double_tap_on_send_creates_exactly_one_request(harness: Harness) -> None:
    user = TelegramUser(602, "A", "en")
    summary = await walk_to(harness, user, IntakeStep.SUMMARY)
    await tap(harness, user, summary, "📨")
    assert await harness.press(user, data_of(summary, "📨")) == []
    assert harness.answered_callbacks()[-1]["text"] == "Your request has already been sent. See /status."
    assert len(await requests_of(harness, user.id)) == 1


async def test_a_repeated_update_creates_exactly_one_request(harness: Harness) -> None:
    user = TelegramUser(603, "A", "en")
    summary = await walk_to(harness, user, IntakeStep.SUMMARY)
    first = await tap(harness, user, summary, "📨")
    again = await harness.repeat_last()
    assert first and again == []
    assert await count(harness, KickoffRequest) == 1


async def test_a_button_of_an_earlier_step_is_answered_and_the_step_asked_again(harness: Harness) -> None:
    user = TelegramUser(604, "A", "en")
    await walk_to(harness, user, IntakeStep.EMAIL)
    before = await draft_of(harness, user.id)
    [again] = await harness.press(user, TUEBINGEN)
    assert harness.answered_callbacks()[-1]["text"] == "This button belongs to an earlier question."
    assert "earlier question" in again.text and "Step 4 of 10" in again.text
    after = await draft_of(harness, user.id)
    assert before is not None and after is not None and after.revision == before.revision


FORGED = [
    (IntakeStep.MUNICIPALITY, "ik:mu:g:99999999"),
    (IntakeStep.MUNICIPALITY, "ik:mu:k:08111"),  # Stuttgart is a Stadtkreis: it asks as the city
    (IntakeStep.MUNICIPALITY, "ik:mu:g:0841604"),
    (IntakeStep.NAME, "ik:nm:reuse"),  # nothing saved to reuse
    (IntakeStep.NAME, "ik:nm:keep"),  # nothing to keep yet
    (IntakeStep.PHONE, "ik:ph:nonsense"),
    (IntakeStep.TOPICS, "ik:tp:+:weapons"),
    (IntakeStep.TOPICS, "ik:tp:*:festival"),
    (IntakeStep.LANGUAGES, "ik:la:+:xx"),
    (IntakeStep.LANGUAGES, "ik:la:+:<b>"),
    (IntakeStep.TIMES, "ik:tw:p:20200101:am"),
    (IntakeStep.TIMES, f"ik:tw:p:{workday(5):%Y%m%d}:night"),
    (IntakeStep.TIMES, f"ik:tw:p:{workday(400):%Y%m%d}:am"),
    (IntakeStep.TIMES, "ik:tw:d:20261340"),
    (IntakeStep.TIMES, "ik:tw:done"),  # no window chosen yet
    (IntakeStep.FORMAT, "ik:fm:v:zoom"),
    (IntakeStep.SUMMARY, "ik:sm:e:zz"),
    (IntakeStep.SUMMARY, "ik:sm:e:sm"),
    (IntakeStep.SUMMARY, "ik:zz:send"),
    (IntakeStep.SUMMARY, "ik"),
]


@pytest.mark.parametrize(("step", "data"), FORGED, ids=[d for _s, d in FORGED])
async def test_forged_buttons_are_answered_and_change_nothing(
    harness: Harness, step: IntakeStep, data: str
) -> None:
    user = TelegramUser(605, "A", "en")
    await walk_to(harness, user, step)
    before = await draft_of(harness, user.id)
    await harness.press(user, data)
    assert harness.answered_callbacks()[-1].get("text")
    after = await draft_of(harness, user.id)
    assert before is not None and after is not None
    assert (after.revision, after.step, after.answers) == (before.revision, before.step, before.answers)
    assert await count(harness, KickoffRequest) == 0


async def test_a_button_pressed_by_another_user_in_a_group_changes_nothing(harness: Harness) -> None:
    owner, other = TelegramUser(606, "A", "en"), TelegramUser(607, "B", "de")
    summary = await walk_to(harness, owner, IntakeStep.SUMMARY)
    await walk_to(harness, other, IntakeStep.FORMAT)
    before = (await draft_of(harness, owner.id), await draft_of(harness, other.id))
    for data in (data_of(summary, "📨"), "ik:fm:v:online", "ik:x:del"):
        assert await harness.press_in_group(other, data) == []
        assert harness.answered_callbacks()[-1]["text"] == "Diese Schaltfläche ist nicht für Sie bestimmt."
    after = (await draft_of(harness, owner.id), await draft_of(harness, other.id))
    assert [(d.revision, d.step) for d in after if d] == [(d.revision, d.step) for d in before if d]
    assert await count(harness, KickoffRequest) == 0


async def test_buttons_of_a_sent_request_are_answered(harness: Harness) -> None:
    user = TelegramUser(608, "A", "en")
    await tap(harness, user, await walk_to(harness, user, IntakeStep.SUMMARY), "📨")
    assert await harness.press(user, "ik:fm:v:phone") == []
    assert "This draft is no longer open" in harness.answered_callbacks()[-1]["text"]
    assert (await requests_of(harness, user.id))[0].meeting_format == "online"


@pytest.mark.parametrize("step", ALL_STEPS, ids=lambda s: s.value)
async def test_wrong_message_types_get_a_clear_answer_and_the_step_again(
    harness: Harness, step: IntakeStep
) -> None:
    user = TelegramUser(609, "A", "de")
    await walk_to(harness, user, step)
    before = await draft_of(harness, user.id)
    where = "Letzter Schritt" if step is IntakeStep.SUMMARY else f"Schritt {ALL_STEPS.index(step) + 1} von 10"
    for send in (harness.sticker, harness.photo, harness.voice, harness.location, harness.document):
        [reply] = await send(user)
        assert "nur Text lesen" in reply.text and where in reply.text
    after = await draft_of(harness, user.id)
    assert before is not None and after is not None and after.revision == before.revision


async def test_an_unknown_command_mid_intake_is_named_and_the_step_asked_again(harness: Harness) -> None:
    user = TelegramUser(610, "A", "en")
    await walk_to(harness, user, IntakeStep.NAME)
    [reply] = await harness.text(user, "/<i>frob</i>")
    assert "do not know the command /&lt;i&gt;frob&lt;/i&gt;" in reply.text and "Step 2 of 10" in reply.text
    [role_step] = await harness.text(user, "Ana Müller")
    assert "Step 3 of 10" in role_step.text


async def test_help_mid_intake_keeps_the_intake_going(harness: Harness) -> None:
    user = TelegramUser(611, "A", "en")
    await walk_to(harness, user, IntakeStep.NAME)
    [help_reply] = await harness.text(user, "/help")
    assert "How we can help" in help_reply.text and "/request" in help_reply.text
    [role_step] = await harness.text(user, "Ana Müller")
    assert "Step 3 of 10" in role_step.text


async def test_editing_a_sent_message_does_not_change_the_answer(harness: Harness) -> None:
    user = TelegramUser(612, "A", "en")
    await walk_to(harness, user, IntakeStep.ROLE)
    [reply] = await harness.edited_text(user, "Someone Else")
    assert "does not change your answer" in reply.text and "Step 3 of 10" in reply.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["name"] == "Ana Müller" and draft.step == "role"


async def test_no_update_of_a_whole_intake_fails(harness: Harness) -> None:
    user = TelegramUser(613, "A", "en")
    await tap(harness, user, await walk_to(harness, user, IntakeStep.SUMMARY), "📨")
    async with harness.runtime.db.transaction() as session:
        from sqlalchemy import select

        statuses = set(await session.scalars(select(InboxUpdate.status)))
    assert statuses == {"done"}


async def test_a_second_agree_does_not_reset_the_draft(harness: Harness) -> None:
    user = TelegramUser(614, "A", "en")
    await walk_to(harness, user, IntakeStep.EMAIL)
    sent = await harness.press(user, "ik:cs:y:" + (await draft_of(harness, user.id)).consent_version)  # type: ignore[union-attr]
    assert "Step 4 of 10" in last(sent).text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["role"] == "Integration office"
