"""The intake through the real handlers: consent, every step in German and English, back, edit,
pause and resume, start over, returning contacts, deep link, menu and groups."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import ChatInput, IntakeDraft, IntakeStep, KickoffRequest, Question
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import (
    AGREE,
    STEPS,
    TUEBINGEN,
    Entry,
    answer_step,
    count,
    data_of,
    draft_of,
    events_of,
    last,
    requests_of,
    start_intake,
    tap,
    walk_to,
    workday,
)

GERMAN = Entry(
    place_query="Tuebingen",
    role="Integrationsbüro",
    email="Ana.Mueller@Tuebingen.DE",
    phone="+49 (0)7071 204-1234",
    topics=("partnership", "flight"),
    own_topic="Städtepartnerschaft mit Moshi",
    languages=("ar", "uk"),
    language_search="Tigrinja",
    goals="Wir möchten unsere Faire Woche öffnen.\nMit <Vereinen> & Initiativen.",
    format="on_site",
)
STEP_LINE = {"de": r"Schritt (\d+) von 10", "en": r"Step (\d+) of 10"}
FOOTER = {"de": "/zurueck", "en": "/back"}


@pytest.mark.parametrize(("language", "entry"), [("de", GERMAN), ("en", Entry())])
async def test_whole_intake_ends_in_one_request_equal_to_what_was_entered(
    harness: Harness, language: str, entry: Entry
) -> None:
    user = TelegramUser(500, "Ana", language)
    prompt = last(await start_intake(harness, user))
    for number, step in enumerate(STEPS, start=1):
        # Every question says where the user is and how to go back.
        assert re.search(STEP_LINE[language], prompt.text).group(1) == str(number)  # type: ignore[union-attr]
        assert FOOTER[language] in prompt.text
        prompt = await answer_step(harness, user, step, prompt, entry)
    summary = prompt
    assert ("Letzter Schritt" if language == "de" else "Last step") in summary.text
    assert html.escape(entry.goals) in summary.text  # user text is escaped, line breaks kept
    confirmation = last(await tap(harness, user, summary, "📨"))
    [request] = await requests_of(harness, user.id)
    year = workday(0).year
    assert request.reference == f"MG-{year}-0001"
    assert request.reference in confirmation.text
    # The summary's buttons are gone; only the offer of programme news remains (handlers/news.py).
    assert [d for _t, d in confirmation.buttons] == ["nw:on:c"]
    assert request.place_kind == "gemeinde" and request.place_ags == "08416041"
    assert request.place_name == "Tübingen, Landkreis Tübingen" and request.kreis_ags == "08416"
    assert request.contact_name == entry.name and request.contact_role == entry.role
    assert request.email.lower() == entry.email.lower()
    assert request.phone == entry.expected_phone
    assert request.topics == list(entry.topics) and request.topic_other == entry.own_topic
    assert request.languages == [*entry.languages, entry.searched_language]
    assert request.goals == entry.goals
    assert request.time_windows == [{"date": d.isoformat(), "part": p} for d, p in entry.windows]
    assert request.flexible is False and request.meeting_format == entry.format
    # Matching (issue 6) starts on submit; with no advisor registered the request is escalated at once.
    assert request.locale == language and request.status == "no_match"
    assert request.consent_version and request.consented_at is not None
    assert await events_of(harness, request.id) == [(None, "submitted"), ("submitted", "no_match")]
    assert await draft_of(harness, user.id) is None


async def test_consent_notice_says_who_what_why_how_long_rights_and_where_else(harness: Harness) -> None:
    [notice] = await harness.text(TelegramUser(501, "A", "en"), "/request")
    settings = harness.runtime.settings
    for part in ("Who:", "What:", "Why:", "How long:", "Your rights:", "withdraw", "14 days"):
        assert part in notice.text
    assert f'href="{settings.privacy_url}"' in notice.text
    assert settings.contact_email in notice.text and settings.contact_phone in notice.text
    assert [d for _t, d in notice.buttons] == [AGREE, "ik:cs:n"]


async def test_agreeing_stores_notice_version_and_time(harness: Harness) -> None:
    user = TelegramUser(502, "A", "de")
    sent = await start_intake(harness, user)
    assert "zugestimmt" in sent[0].text and sent[0].method == "editMessageText"
    assert "Schritt 1 von 10" in sent[-1].text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.consent_version == AGREE.rsplit(":", 1)[1]
    assert draft.consented_at is not None and draft.step == "municipality" and draft.answers == {}


async def test_declining_stores_nothing_and_names_another_way(harness: Harness) -> None:
    user = TelegramUser(503, "A", "en")
    await harness.text(user, "/request")
    [reply] = await harness.press(user, "ik:cs:n")
    assert "nothing" in reply.text and harness.runtime.settings.contact_email in reply.text
    assert "menu:request" in [d for _t, d in reply.buttons]
    assert await count(harness, IntakeDraft) == 0 and await count(harness, KickoffRequest) == 0


async def test_agreeing_to_an_outdated_notice_shows_the_current_one(harness: Harness) -> None:
    user = TelegramUser(504, "A", "en")
    await harness.text(user, "/request")
    [reply] = await harness.press(user, "ik:cs:y:2000-01")
    assert "Before we start" in reply.text and AGREE in [d for _t, d in reply.buttons]
    assert await count(harness, IntakeDraft) == 0


@pytest.mark.parametrize("how", ["/anfrage", "/request", "/start anfrage", "menu"])
async def test_every_entry_starts_with_the_consent(harness: Harness, how: str) -> None:
    user = TelegramUser(505, "A", "de")
    sent = await (harness.press(user, "menu:request") if how == "menu" else harness.text(user, how))
    assert "Bevor wir beginnen" in last(sent).text


async def test_plain_start_still_greets(harness: Harness) -> None:
    [reply] = await harness.text(TelegramUser(506, "Ana", "en"), "/start")
    assert reply.text.startswith("Hello Ana!")


async def test_in_a_group_the_intake_points_to_a_private_chat(harness: Harness) -> None:
    user = TelegramUser(507, "A", "de")
    for command in ("/anfrage", "/meineanfragen", "/zurueck", "/pausieren", "/abbrechen"):
        [reply] = await harness.text_in_group(user, command)
        assert reply.chat_id == -1001 and "privaten Chat" in reply.text
        assert reply.payload["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(
            "t.me/miglobe_test_bot?start=anfrage"
        )
    assert await count(harness, IntakeDraft) == 0


async def test_back_keeps_answers_and_keep_goes_forward(harness: Harness) -> None:
    user = TelegramUser(508, "A", "en")
    await walk_to(harness, user, IntakeStep.ROLE)
    [name_again] = await harness.text(user, "/back")
    assert "Step 2 of 10" in name_again.text and "Ana Müller" in name_again.text
    [role_again] = await tap(harness, user, name_again, "Keep")
    assert "Step 3 of 10" in role_again.text
    [name_again] = await tap(harness, user, role_again, "⬅️ Back")
    [place_again] = await harness.text(user, "/zurueck")
    assert "Step 1 of 10" in place_again.text and "Tübingen, Landkreis Tübingen" in place_again.text
    [first] = await harness.text(user, "/back")
    assert "This is the first question." in first.text and "Step 1 of 10" in first.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers["name"] == "Ana Müller"


async def test_edit_from_the_summary_returns_to_the_summary(harness: Harness) -> None:
    user = TelegramUser(509, "A", "en")
    summary = await walk_to(harness, user, IntakeStep.SUMMARY)
    [email_step] = await tap(harness, user, summary, "✏️ E-mail")
    assert "Step 4 of 10" in email_step.text and "Back to summary" in email_step.buttons[0][0]
    summary = last(await harness.text(user, "new@tuebingen.de"))
    assert "Last step" in summary.text and "new@tuebingen.de" in summary.text
    topics = last(await tap(harness, user, summary, "✏️ Topics"))
    topics = last(await harness.press(user, "ik:tp:+:fairtrade"))
    summary = last(await tap(harness, user, topics, "✅"))
    assert "Fairtrade" in summary.text and "Last step" in summary.text
    times = last(await tap(harness, user, summary, "✏️ Preferred times"))
    summary = last(await tap(harness, user, times, "Back to summary"))
    assert "Last step" in summary.text
    await tap(harness, user, summary, "📨")
    [request] = await requests_of(harness, user.id)
    assert request.email == "new@tuebingen.de" and "fairtrade" in request.topics
    assert len(request.time_windows) == 2


async def test_pausing_keeps_the_draft_and_resume_continues_where_it_stopped(harness: Harness) -> None:
    user = TelegramUser(510, "A", "de")
    await walk_to(harness, user, IntakeStep.EMAIL)
    [paused] = await harness.text(user, "/pausieren")
    assert "pausiert" in paused.text and "14 Tage" in paused.text
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.active is False and draft.step == "email"
    # Paused: free text is not taken as the e-mail address but as a question (with "Ask a person").
    [fallback] = await harness.text(user, "ana@tuebingen.de")
    assert "Schritt" not in fallback.text and any(d.startswith("faq:h:") for _l, d in fallback.buttons)
    [offer] = await harness.text(user, "/anfrage")
    assert "Schritt 4 von 10" in offer.text
    [email_step] = await tap(harness, user, offer, "Weitermachen")
    assert "Schritt 4 von 10" in email_step.text and "E-Mail-Adresse" in email_step.text
    [phone_step] = await harness.text(user, "ana@tuebingen.de")
    assert "Schritt 5 von 10" in phone_step.text


async def test_start_over_forgets_the_answers_and_asks_consent_again(harness: Harness) -> None:
    user = TelegramUser(511, "A", "en")
    await walk_to(harness, user, IntakeStep.PHONE)
    [offer] = await harness.text(user, "/request")
    [consent] = await tap(harness, user, offer, "Start over")
    assert "Before we start" in consent.text
    assert await draft_of(harness, user.id) is None
    sent = await harness.press(user, AGREE)
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.answers == {} and "Step 1 of 10" in sent[-1].text


async def test_a_paused_draft_can_be_deleted(harness: Harness) -> None:
    user = TelegramUser(512, "A", "en")
    await walk_to(harness, user, IntakeStep.TOPICS)
    [paused] = await harness.text(user, "/later")
    [question] = await tap(harness, user, paused, "Discard draft")
    assert "Discard your draft?" in question.text and await draft_of(harness, user.id) is not None
    [deleted] = await tap(harness, user, question, "Yes, discard")
    assert "discarded" in deleted.text and "Nothing was sent" in deleted.text
    assert await draft_of(harness, user.id) is None
    [nothing] = await harness.text(user, "/cancel")
    assert "You have no draft open right now" in nothing.text


async def test_returning_contact_can_reuse_the_saved_details(harness: Harness) -> None:
    user = TelegramUser(513, "A", "en")
    await tap(harness, user, await walk_to(harness, user, IntakeStep.SUMMARY), "📨")
    prompt = last(await start_intake(harness, user))
    name_step = last(await harness.text(user, "Landkreis Tübingen"))
    assert "Step 2 of 10" in name_step.text and "ana@tuebingen.de" in name_step.text
    topics = last(await tap(harness, user, name_step, "Use these details"))
    assert "Step 6 of 10" in topics.text
    entry = Entry()
    prompt = topics
    for step in STEPS[5:]:
        prompt = await answer_step(harness, user, step, prompt, entry)
    await tap(harness, user, prompt, "📨")
    first, second = await requests_of(harness, user.id)
    assert (
        second.place_kind == "kreis"
        and second.place_ags == "08416"
        and second.place_name == "Landkreis Tübingen"
    )
    assert (second.contact_name, second.email, second.phone) == (first.contact_name, first.email, first.phone)
    assert second.reference.endswith("-0002")


async def test_a_new_contact_is_not_offered_saved_details(harness: Harness) -> None:
    user = TelegramUser(514, "A", "en")
    name_step = await walk_to(harness, user, IntakeStep.NAME)
    assert "Use these details" not in str(name_step.buttons)
    assert data_of(name_step, "Back") == "ik:nm:back"
    assert TUEBINGEN not in str(name_step.buttons)


async def test_text_typed_at_the_privacy_notice_points_to_its_buttons(harness: Harness) -> None:
    """Typing instead of answering the notice gets a pointer to its buttons (with them), stores
    nothing and is no question to the knowledge base; after agreeing, text answers the steps."""
    user = TelegramUser(520, "Ana", "de")
    await harness.text(user, "/anfrage")
    hint = last(await harness.text(user, "Tübingen"))
    assert "antworten Sie bitte mit einem der Knöpfe" in hint.text and "„Nein, danke“" in hint.text
    assert data_of(hint, "Ich stimme zu") == AGREE
    assert await draft_of(harness, user.id) is None and await count(harness, Question) == 0
    async with harness.runtime.db.transaction() as session:
        (waiting,) = await session.scalars(select(ChatInput))
    assert waiting.expires_at - waiting.created_at == timedelta(minutes=10)  # as the README says
    assert "Schritt 1 von 10" in last(await harness.press(user, AGREE)).text
    assert await count(harness, ChatInput) == 0
    assert "Tübingen" in last(await harness.text(user, "Tuebingen")).text  # the place search answers


async def test_after_no_thanks_text_is_a_question_again(harness: Harness) -> None:
    """Declining closes the notice: the next text is answered as a question, in English too."""
    user = TelegramUser(521, "Ann", "en")
    consent = last(await harness.text(user, "/request"))
    assert "Tap “No, thanks”" in last(await harness.text(user, "Hello?")).text
    await tap(harness, user, consent, "No, thanks")
    answer = last(await harness.text(user, "What does the advice cost?"))
    assert "No, thanks" not in answer.text and await draft_of(harness, user.id) is None
