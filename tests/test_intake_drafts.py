"""Issue 15, item 2: the unfinished intake is "your draft". /pausieren (/later) pauses, /abbrechen
(/cancel) discards after asking, a paused draft's buttons answer "paused – ▶️ Continue" and never
act, and after continuing only the newest screen is live."""

from __future__ import annotations

import time
from typing import Any

from bot.commands import command
from models import IntakeStep, KickoffRequest
from tests.harness import BOT_USER, Harness, Sent, TelegramUser
from tests.intake_helpers import count, data_of, draft_of, tap, walk_to
from tests.matching_chat_helpers import onboard

ANNA = TelegramUser(1510, "Anna", "de")
JOHN = TelegramUser(1511, "John", "en")


async def press_on(
    h: Harness, user: TelegramUser, data: str, sent_at: int, message_id: int = 1
) -> list[Sent]:
    """Press a button on a bot message last sent or edited at ``sent_at`` (epoch seconds)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": sent_at,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": BOT_USER,
        "text": "…",
    }
    query = {"id": str(time.time_ns()), "from": user.as_dict(), "chat_instance": "ci", "message": message}
    return await h.feed({"callback_query": {**query, "data": data}})


def live_screens(sent: list[Sent]) -> list[Sent]:
    """Messages among ``sent`` that show the intake's summary with its send button."""
    return [s for s in sent if any(d == "ik:sm:send" for _l, d in s.buttons)]


async def test_pausieren_pauses_the_draft_and_says_so(harness: Harness) -> None:
    await walk_to(harness, ANNA, IntakeStep.ROLE)
    [paused] = await harness.text(ANNA, "/pausieren")
    assert "Ihr Entwurf ist pausiert" in paused.text and "Schritt 3 von 10" in paused.text
    assert "14 Tage gespeichert" in paused.text
    draft = await draft_of(harness, ANNA.id)
    assert draft is not None and draft.active is False and draft.step == IntakeStep.ROLE
    [role] = await tap(harness, ANNA, paused, "Weitermachen")
    assert "Schritt 3 von 10" in role.text and "/pausieren: später weitermachen" in role.text
    assert "/abbrechen: Entwurf verwerfen" in role.text
    draft = await draft_of(harness, ANNA.id)
    assert draft is not None and draft.active is True


async def test_later_pauses_in_english(harness: Harness) -> None:
    await walk_to(harness, JOHN, IntakeStep.ROLE)
    [paused] = await harness.text(JOHN, "/later")
    assert "Your draft is paused" in paused.text and "kept for 14 days" in paused.text
    draft = await draft_of(harness, JOHN.id)
    assert draft is not None and draft.active is False
    [role] = await tap(harness, JOHN, paused, "Continue")
    assert "/later: continue later" in role.text and "/cancel: discard the draft" in role.text


async def test_abbrechen_asks_first_and_then_discards(harness: Harness) -> None:
    await walk_to(harness, ANNA, IntakeStep.EMAIL)
    before = await draft_of(harness, ANNA.id)
    [question] = await harness.text(ANNA, "/abbrechen")
    assert "Entwurf verwerfen?" in question.text and "/pausieren" in question.text
    after = await draft_of(harness, ANNA.id)
    assert before is not None and after is not None
    assert (after.revision, after.active) == (before.revision, True)  # asking changes nothing
    [done] = await tap(harness, ANNA, question, "Ja, verwerfen")
    assert "Ihr Entwurf wurde verworfen" in done.text and "Es wurde nichts gesendet" in done.text
    assert await draft_of(harness, ANNA.id) is None


async def test_cancel_asks_first_and_no_keeps_the_draft(harness: Harness) -> None:
    await walk_to(harness, JOHN, IntakeStep.EMAIL)
    [question] = await harness.text(JOHN, "/cancel")
    assert "Discard your draft?" in question.text and "step 4 of 10" in question.text
    [email] = await tap(harness, JOHN, question, "No, continue")
    assert "Step 4 of 10" in email.text
    draft = await draft_of(harness, JOHN.id)
    assert draft is not None and draft.active is True and draft.step == IntakeStep.EMAIL
    [question] = await harness.text(JOHN, "/cancel")
    [done] = await tap(harness, JOHN, question, "Yes, discard")
    assert "Your draft has been discarded. Nothing was sent" in done.text
    assert await draft_of(harness, JOHN.id) is None and await count(harness, KickoffRequest) == 0


async def test_with_a_sent_request_the_words_are_about_the_draft_in_german(harness: Harness) -> None:
    summary = await walk_to(harness, ANNA, IntakeStep.SUMMARY)
    await tap(harness, ANNA, summary, "📨")
    for word in ("/abbrechen", "/pausieren", "/zurueck"):
        [reply] = await harness.text(ANNA, word)
        assert "Sie haben gerade keinen Entwurf offen" in reply.text and "/meineanfragen" in reply.text
        assert "in Bearbeitung" not in reply.text
    assert await harness.press(ANNA, "ik:fm:v:phone") == []
    answered = harness.answered_callbacks()[-1]["text"]
    assert "Dieser Entwurf ist nicht mehr offen" in answered and "nicht mehr in Bearbeitung" not in answered


async def test_with_a_sent_request_the_words_are_about_the_draft_in_english(harness: Harness) -> None:
    summary = await walk_to(harness, JOHN, IntakeStep.SUMMARY)
    await tap(harness, JOHN, summary, "📨")
    [reply] = await harness.text(JOHN, "/cancel")
    assert "You have no draft open right now" in reply.text and "not affected" in reply.text
    [gone] = await harness.press(JOHN, "ik:x:resume")  # an old paused screen loses its buttons
    assert "This draft is no longer open" in gone.text and gone.buttons == []
    assert "This draft is no longer open" in harness.answered_callbacks()[-1]["text"]


async def test_buttons_of_a_paused_draft_answer_paused_and_never_open_a_second_screen(
    harness: Harness,
) -> None:
    h = harness
    summary = await walk_to(h, ANNA, IntakeStep.SUMMARY)
    [paused] = await h.text(ANNA, "/pausieren")
    before = await draft_of(h, ANNA.id)
    # An old button of the review screen: nothing acts, the message turns into the paused screen.
    for label in ("✏️", "📨"):
        sent = await tap(h, ANNA, summary, label)
        assert harness.answered_callbacks()[-1]["text"] == "⏸ Pausiert – mit ▶️ Weitermachen geht es weiter."
        [screen] = sent
        assert screen.method == "editMessageText" and "Ihr Entwurf ist pausiert" in screen.text
        assert [d for _l, d in screen.buttons] == ["ik:x:resume", "ik:x:del"] and live_screens(sent) == []
    after = await draft_of(h, ANNA.id)
    assert before is not None and after is not None
    assert (after.revision, after.active, after.step) == (before.revision, False, IntakeStep.SUMMARY)
    assert await count(h, KickoffRequest) == 0

    # "Weitermachen" makes one screen live; the other paused screen's "Weitermachen" opens none.
    resumed = await tap(h, ANNA, paused, "Weitermachen")
    assert len(live_screens(resumed)) == 1
    again = await h.press(ANNA, "ik:x:resume")
    assert live_screens(again) == [] and "schon fortgesetzt" in harness.answered_callbacks()[-1]["text"]

    # The review screen from before the break is out of date: its buttons lose their force.
    old = await press_on(h, ANNA, data_of(summary, "📨"), int(time.time()) - 60)
    assert live_screens(old) == [] and "veraltet" in harness.answered_callbacks()[-1]["text"]
    assert await count(h, KickoffRequest) == 0
    # The live screen sends.
    await press_on(h, ANNA, "ik:sm:send", int(time.time()) + 1)
    assert await count(h, KickoffRequest) == 1


async def test_a_paused_draft_button_in_english(harness: Harness) -> None:
    await walk_to(harness, JOHN, IntakeStep.TOPICS)
    await harness.text(JOHN, "/later")
    [screen] = await harness.press(JOHN, "ik:tp:+:festival")
    assert harness.answered_callbacks()[-1]["text"] == "⏸ Paused – press ▶️ Continue to go on."
    assert "Your draft is paused" in screen.text
    draft = await draft_of(harness, JOHN.id)
    assert draft is not None and draft.answers.get("topics", []) == []


async def test_an_advisors_pause_keeps_working_and_the_names_differ(harness: Harness) -> None:
    sara = TelegramUser(1512, "Sara", "en")
    await onboard(harness, sara, languages=["ar"])
    next_year = time.gmtime().tm_year + 1
    [paused] = await harness.text(sara, f"/pause 2.1.{next_year}")
    assert "Paused until January 2" in paused.text
    [nothing] = await harness.text(sara, "/later")
    assert "You have no draft open right now" in nothing.text
    assert set(command("later").names) == {"later", "pausieren"}
    assert "pause" not in command("later").names and command("pause").names == ["pause"]


async def test_help_names_pause_and_discard(harness: Harness) -> None:
    [de] = await harness.text(ANNA, "/hilfe")
    assert (
        "/pausieren – Entwurf pausieren" in de.text
        and "/abbrechen – Entwurf einer Anfrage verwerfen" in de.text
    )
    [en] = await harness.text(JOHN, "/help")
    assert "/later – Pause your draft" in en.text and "/cancel – Discard the draft" in en.text
