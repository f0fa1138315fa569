"""/berater and /advisors through the handlers (offline harness, both databases): the paged list,
the filter, the detail with held requests and offers, pausing (quick choice and typed date),
reactivating, deactivating with the pending offer passed on, forged buttons and refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.services import advisors, offers, users
from models import Advisor, AdvisorInvitation, KickoffRequest, User, utcnow
from tests.hand_offer_helpers import assign_and_accept
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import COORDINATOR, button, new_to, offers_of, one_to, to
from tests.matching_helpers import MOESSINGEN, REUTLINGEN, TUEBINGEN_KREIS, add_advisor, add_request, add_user

CORA_DE = TelegramUser(COORDINATOR.id, "Cora", "de")
CONTACT = TelegramUser(700, "Ana", "en")
STALE = "This button is no longer valid."


@dataclass
class Team:
    """Nine advisors not yet in Telegram, and Leyla and Mehmet who are (11: two pages of 8)."""

    ids: dict[str, int]
    people: dict[str, TelegramUser]


async def _team(h: Harness, *, mehmet_locale: str = "en", leyla_locale: str = "de") -> Team:
    ids: dict[str, int] = {}
    people: dict[str, TelegramUser] = {}
    async with h.runtime.db.transaction() as session:
        for letter in "ABCDEFGHI":
            advisor = await add_advisor(session, f"Berater {letter}", linked=False, languages=("ar",))
            ids[advisor.display_name] = advisor.id
        for name, locale, extra in (
            ("Leyla", leyla_locale, {"home_ags": REUTLINGEN}),
            ("Mehmet", mehmet_locale, {"home_ags": MOESSINGEN, "languages": ("tr", "ti")}),
        ):
            advisor = await add_advisor(session, name, kreise=(TUEBINGEN_KREIS,), **extra)  # type: ignore[arg-type]
            user = await session.get(User, advisor.user_id)
            assert user is not None
            user.locale = locale
            ids[name] = advisor.id
            people[name] = TelegramUser(user.telegram_id, name, locale)
    return Team(ids, people)


async def _request(h: Harness, offer: bool = True) -> tuple[int, str, str | None]:
    """A submitted request offered to the best advisor: its id, reference and whom it went to."""
    async with h.runtime.db.transaction() as session:
        contact = await add_user(session, "Ana")
        request = await add_request(session, contact, now=utcnow())
        if not offer:
            return request.id, request.reference, None
        result = await offers.offer_next(session, request.id, utcnow())
        assert result.advisor is not None
        return request.id, request.reference, result.advisor.display_name


async def _assign(h: Harness, request_id: int, advisor_id: int) -> None:
    async with h.runtime.db.transaction() as session:
        cora = await users.get_by_telegram_id(session, COORDINATOR.id)
        assert cora is not None
        # Offered by hand and accepted at once: the advisor holds the request.
        result = await assign_and_accept(session, request_id, advisor_id, cora.id, utcnow(), audited=True)
        assert result.advisor is not None and result.advisor.id == advisor_id


async def _advisor(h: Harness, advisor_id: int) -> Advisor:
    async with h.runtime.db.transaction() as session:
        found = await session.get(Advisor, advisor_id)
        assert found is not None
        return found


def _edit(sent: list[Sent], person: TelegramUser) -> Sent:
    [edited] = [s for s in to(sent, person) if s.method == "editMessageText"]
    return edited


def _toast(h: Harness) -> str:
    return str(h.answered_callbacks()[-1].get("text", ""))


def _today_plus(h: Harness, days: int) -> str:
    day = utcnow().astimezone(h.runtime.settings.tz).date() + timedelta(days=days)
    return day.strftime("%d.%m.%Y")


async def test_the_list_has_pages_a_filter_and_a_button_per_advisor(harness: Harness) -> None:
    h = harness
    await _team(h)
    first = one_to(await h.text(COORDINATOR, "/advisors"), COORDINATOR)
    assert "<b>Advisors</b> (11)" in first.text and "Page 1 of 2" in first.text
    assert "Berater A" in first.text and "Mehmet" not in first.text
    assert "🔗 not linked to Telegram yet" in first.text and "Arabic" in first.text
    data = [d for _label, d in first.buttons]
    assert len([d for d in data if d.startswith("ad:v:")]) == 8
    assert "ad:l:1:all" in data and not any(d == "ad:l:-1:all" for d in data)
    assert [label for label, d in first.buttons if d == "ad:l:1:all"] == ["▶️"]
    assert "ad:i" in data and "ad:f:0:all" in data

    second = _edit(await h.press(COORDINATOR, "ad:l:1:all"), COORDINATOR)
    assert "Page 2 of 2" in second.text and "Berater I" in second.text
    assert "<b>Mehmet</b> · ✅ available" in second.text
    assert "Turkish, Tigrinya" in second.text and "load 0 of 2" in second.text
    assert "Landkreis Tübingen" in second.text
    assert [label for label, d in second.buttons if d == "ad:l:0:all"] == ["◀️"]
    assert not any(d == "ad:l:2:all" for _l, d in second.buttons)
    assert any(label.startswith("Mehmet · 0/2") for label, _d in second.buttons)
    # A page past the end shows the last one.
    assert "Page 2 of 2" in _edit(await h.press(COORDINATOR, "ad:l:9:all"), COORDINATOR).text

    choices = _edit(await h.press(COORDINATOR, "ad:f:1:all"), COORDINATOR)
    assert "ad:l:0:unlinked" in [d for _l, d in choices.buttons]
    assert button(choices, "ad:l:1:all")  # back to the same page
    linked = _edit(await h.press(COORDINATOR, "ad:l:0:available"), COORDINATOR)
    assert "<b>Advisors</b> (2)" in linked.text and "Showing only: ✅ available" in linked.text
    assert "Page 1 of 1" in linked.text and "Berater" not in linked.text
    opened = [d for _l, d in linked.buttons if d.startswith("ad:v:")]
    assert opened[0].endswith(":0:available")  # the detail remembers the filter for "back"
    nobody = _edit(await h.press(COORDINATOR, "ad:l:0:inactive"), COORDINATOR)
    assert "No advisor matches this filter." in nobody.text


async def test_the_invite_button_makes_a_link_like_invite(harness: Harness) -> None:
    h = harness
    sent = await h.press(COORDINATOR, "ad:i")
    link = new_to(sent, COORDINATOR)
    assert "https://t.me/miglobe_test_bot?start=inv_" in link.text and "Invitation" in link.text
    async with h.runtime.db.transaction() as session:
        assert len(list(await session.scalars(select(AdvisorInvitation)))) == 1
    assert _toast(h) == ""


async def test_the_detail_shows_languages_load_requests_offers_and_actions(harness: Harness) -> None:
    h = harness
    team = await _team(h)
    await h.text(COORDINATOR, "/advisors")  # Cora's user row, for the assignment's audit
    held_id, held_ref, _who = await _request(h, offer=False)
    await _assign(h, held_id, team.ids["Mehmet"])
    pending_id, pending_ref, offered_to = await _request(h)
    assert offered_to == "Mehmet"
    detail = _edit(await h.press(COORDINATOR, f"ad:v:{team.ids['Mehmet']}:1:all"), COORDINATOR)
    text = detail.text
    assert "👤 <b>Mehmet</b>" in text and "<b>Languages:</b> Turkish, Tigrinya" in text
    assert "<b>Home:</b> Mössingen" in text and "<b>Area served:</b> Landkreis Tübingen" in text
    assert "<b>Load:</b> 2 of 2" in text and "🔴 at capacity" in text
    assert f"<b>{held_ref}</b> · Tübingen (Landkreis Tübingen) – advisor found" in text
    assert "Offers waiting for their answer" in text and f"<b>{pending_ref}</b>" in text
    assert "answer by" in text
    assert f"Cora: assigned {held_ref} by hand" in text
    data = [d for _l, d in detail.buttons]
    assert f"rq:d:{held_id}" in data and f"rq:d:{pending_id}" in data
    advisor_id = team.ids["Mehmet"]
    assert {f"ad:p:{advisor_id}:1:all", f"ad:d:{advisor_id}:1:all", "ad:l:1:all"} <= set(data)
    assert f"ad:r:{advisor_id}:1:all" not in data  # nothing to reactivate


async def test_pause_with_a_quick_choice_then_reactivate_each_once(harness: Harness) -> None:
    h = harness
    team = await _team(h, mehmet_locale="de")
    mehmet, advisor_id = team.people["Mehmet"], team.ids["Mehmet"]
    choices = _edit(await h.press(COORDINATOR, f"ad:p:{advisor_id}:0:all"), COORDINATOR)
    assert "Pause Mehmet" in choices.text
    labels = [label for label, d in choices.buttons if d.startswith(f"ad:u:{advisor_id}:")]
    assert [label.split(" (")[0] for label in labels] == ["1 week", "2 weeks", "1 month"]
    week = button(choices, f"ad:u:{advisor_id}:")
    assert week.endswith(":0:all") and button(choices, f"ad:t:{advisor_id}:0:all")

    sent = await h.press(COORDINATOR, week)
    assert _toast(h) == "Paused."
    detail = _edit(sent, COORDINATOR)
    assert "✓ Paused until" in detail.text and "⏸ paused until" in detail.text
    assert f"ad:r:{advisor_id}:0:all" in [d for _l, d in detail.buttons]
    told = new_to(sent, mehmet)
    assert "Das Koordinationsteam" in told.text and "pausiert" in told.text  # in Mehmet's German
    paused = await _advisor(h, advisor_id)
    week_end = utcnow().astimezone(h.runtime.settings.tz).date() + timedelta(weeks=1)
    assert paused.paused_until == advisors.pause_end(week_end, h.runtime.settings.tz)
    # A double tap: no second change, no second message to the advisor, no second audit row.
    again = await h.press(COORDINATOR, week)
    assert _toast(h).startswith("Already paused until") and to(again, mehmet) == []
    assert "Recent coordinator actions" in detail.text
    assert _edit(again, COORDINATOR).text.count("Cora: paused until") == 1

    back = await h.press(COORDINATOR, f"ad:r:{advisor_id}:0:all")
    assert _toast(h) == "Reactivated." and "✅ available" in _edit(back, COORDINATOR).text
    assert "reaktiviert" in new_to(back, mehmet).text
    assert (await _advisor(h, advisor_id)).paused_until is None
    twice = await h.press(COORDINATOR, f"ad:r:{advisor_id}:0:all")
    assert _toast(h) == "Already active." and to(twice, mehmet) == []
    # Pausing stays within a year; an old or forged date button changes nothing.
    assert await h.press(COORDINATOR, f"ad:u:{advisor_id}:20200101:0:all") == []
    assert _toast(h) == STALE and (await _advisor(h, advisor_id)).paused_until is None


async def test_pause_with_a_typed_date_and_a_bad_one_answered_politely(harness: Harness) -> None:
    h = harness
    team = await _team(h)
    mehmet, advisor_id = team.people["Mehmet"], team.ids["Mehmet"]
    question = _edit(await h.press(COORDINATOR, f"ad:t:{advisor_id}:1:all"), COORDINATOR)
    assert "type the last day of the pause for Mehmet" in question.text
    assert button(question, f"ad:v:{advisor_id}:1:all")
    # In the coordinators' group typed answers are not read: choose a length there.
    assert await h.press_in_group(COORDINATOR, f"ad:t:{advisor_id}:1:all") == []
    assert _toast(h) == "Please type dates in our private chat, or choose a length."
    # Text that is no date is told the formats; only a real date out of range is told the range.
    for bad, problem in (
        ("31.02.2027", "cannot read that as a date"),
        ("next week", "cannot read that as a date"),
        ("01.01.2020", "Please give a date from today up to one year ahead"),
        ("1/1/2020", "Please give a date from today up to one year ahead"),
    ):
        [again] = await h.text(COORDINATOR, bad)
        assert problem in again.text, bad
        assert "type the last day of the pause" in again.text
    assert (await _advisor(h, advisor_id)).paused_until is None
    sent = await h.text(COORDINATOR, _today_plus(h, 10))
    detail = new_to(sent, COORDINATOR)
    assert "✓ Paused until" in detail.text and "👤 <b>Mehmet</b>" in detail.text
    assert button(detail, "ad:l:1:all")  # back to the page it came from
    assert "paused new offers for you until" in new_to(sent, mehmet).text  # Mehmet reads English
    assert (await _advisor(h, advisor_id)).paused_until is not None
    # The question is answered: the next text is no date for this screen any more.
    later = await h.text(COORDINATOR, _today_plus(h, 20))
    assert not any("Paused until" in s.text for s in later)
    # Going back from the question closes it as well.
    await h.press(COORDINATOR, f"ad:t:{advisor_id}:0:all")
    await h.press(COORDINATOR, f"ad:v:{advisor_id}:0:all")
    assert not any("Paused until" in s.text for s in await h.text(COORDINATOR, _today_plus(h, 30)))


async def test_deactivate_after_confirmation_passes_the_offer_on(harness: Harness) -> None:
    h = harness
    team = await _team(h)
    await h.text(COORDINATOR, "/advisors")
    held_id, held_ref, _who = await _request(h, offer=False)
    await _assign(h, held_id, team.ids["Mehmet"])
    request_id, reference, offered_to = await _request(h)
    assert offered_to == "Mehmet"
    mehmet, leyla, advisor_id = team.people["Mehmet"], team.people["Leyla"], team.ids["Mehmet"]

    question = _edit(await h.press(COORDINATOR, f"ad:d:{advisor_id}:1:all"), COORDINATOR)
    assert "Deactivate Mehmet?" in question.text and "(1)" in question.text
    assert (await _advisor(h, advisor_id)).active  # nothing happens before the confirmation
    sent = await h.press(COORDINATOR, button(question, f"ad:y:{advisor_id}:1:all"))
    assert _toast(h) == "Deactivated."
    detail = _edit(sent, COORDINATOR)
    assert "✓ Mehmet is deactivated." in detail.text and f"{reference} was offered to Leyla." in detail.text
    assert f"still hold open requests: {held_ref}. Offer each anew or give it" in detail.text
    assert "⛔ deactivated" in detail.text and f"rq:d:{held_id}" in [d for _l, d in detail.buttons]
    assert f"ra:m:{held_id}" in [d for _l, d in detail.buttons]  # reassign it from here
    assert f"ad:r:{advisor_id}:1:all" in [d for _l, d in detail.buttons]
    told = [s.text for s in to(sent, mehmet)]
    assert "deactivated your advisor profile" in told[0] and reference in told[1] and "withdrawn" in told[1]
    offer = new_to(sent, leyla)
    assert reference in offer.text and button(offer, "of:a:")
    assert await offers_of(h, request_id) == [("Mehmet", "withdrawn"), ("Leyla", "pending")]
    # A double tap (or a second coordinator) deactivates nothing twice.
    again = await h.press(COORDINATOR, f"ad:y:{advisor_id}:1:all")
    assert _toast(h) == "Already deactivated." and to(again, mehmet) == [] and to(again, leyla) == []
    assert await offers_of(h, request_id) == [("Mehmet", "withdrawn"), ("Leyla", "pending")]
    # A deactivated advisor cannot be paused (an old pause button shows them anew).
    for stale in (f"ad:p:{advisor_id}:1:all", f"ad:t:{advisor_id}:1:all"):
        assert "⛔ deactivated" in _edit(await h.press(COORDINATOR, stale), COORDINATOR).text
        assert _toast(h) == "This advisor is deactivated; reactivate them instead."
    # And the deactivated advisor gets nothing new.
    other_id, _ref, other_to = await _request(h)
    assert other_to == "Leyla"
    assert other_id != request_id


async def test_german_coordinator_and_english_advisor(harness: Harness) -> None:
    h = harness
    team = await _team(h, mehmet_locale="en")
    first = one_to(await h.text(CORA_DE, "/berater"), CORA_DE)
    assert "<b>Berater*innen</b> (11)" in first.text and "Seite 1 von 2" in first.text
    assert "Arabisch" in first.text and "noch nicht mit Telegram verbunden" in first.text
    assert "✉️ Berater*in einladen" in [label for label, _d in first.buttons]
    advisor_id = team.ids["Mehmet"]
    detail = _edit(await h.press(CORA_DE, f"ad:v:{advisor_id}:1:all"), CORA_DE)
    assert (
        "<b>Sprachen:</b> Türkisch, Tigrinya" in detail.text and "<b>Auslastung:</b> 0 von 2" in detail.text
    )
    assert "verfügbar" in detail.text and "Keine offenen" in detail.text
    choices = _edit(await h.press(CORA_DE, f"ad:p:{advisor_id}:1:all"), CORA_DE)
    assert [label.split(" (")[0] for label, d in choices.buttons if d.startswith("ad:u:")] == [
        "1 Woche",
        "2 Wochen",
        "1 Monat",
    ]
    sent = await h.press(CORA_DE, button(choices, f"ad:u:{advisor_id}:"))
    assert _toast(h) == "Pausiert." and "✓ Pausiert bis" in _edit(sent, CORA_DE).text
    assert "paused new offers for you until" in new_to(sent, team.people["Mehmet"]).text
    question = _edit(await h.press(CORA_DE, f"ad:d:{advisor_id}:1:all"), CORA_DE)
    assert "Mehmet deaktivieren?" in question.text
    await h.press(CORA_DE, button(question, f"ad:y:{advisor_id}:1:all"))
    assert _toast(h) == "Deaktiviert."
    assert await h.press(CORA_DE, "ad:v:999999:0:all") == []
    assert _toast(h) == "Diese Berater*in wurde nicht gefunden."


async def test_forged_and_stale_buttons_change_nothing(harness: Harness) -> None:
    h = harness
    team = await _team(h)
    advisor_id = team.ids["Mehmet"]
    for data in (
        "ad:v:999999:0:all",
        "ad:p:999999:0:all",
        "ad:y:999999:0:all",
        "ad:r:999999:0:all",
        f"ad:u:999999:{_today_plus(h, 3)[6:]}{_today_plus(h, 3)[3:5]}{_today_plus(h, 3)[:2]}:0:all",
    ):
        assert await h.press(COORDINATOR, data) == [], data
        assert _toast(h) == "This advisor was not found.", data
    for data in (
        "ad:",
        "ad:zz",
        "ad:v",
        "ad:v:abc:0:all",
        f"ad:v:{advisor_id}",
        f"ad:v:{advisor_id}:0:nonsense",
        f"ad:v:{advisor_id}:x:all",
        "ad:l:0",
        "ad:l:99999:all",
        f"ad:u:{advisor_id}:2026:0:all",
        f"ad:u:{advisor_id}:20261399:0:all",
        "ad:y:" + "1" * 13 + ":0:all",
    ):
        assert await h.press(COORDINATOR, data) == [], data
        assert _toast(h) == STALE, data
    assert (await _advisor(h, advisor_id)).active
    # Typing a date without having been asked is just a question for the knowledge base.
    assert not any("Paused until" in s.text for s in await h.text(COORDINATOR, _today_plus(h, 5)))


async def test_contacts_and_advisors_are_refused(harness: Harness) -> None:
    h = harness
    team = await _team(h)
    mehmet, advisor_id = team.people["Mehmet"], team.ids["Mehmet"]
    for person in (CONTACT, mehmet):
        [refusal] = await h.text(person, "/advisors")
        assert refusal.text == "This is only available to coordinators."
        [refusal] = await h.text(person, "/berater")
        assert "only available to coordinators" in refusal.text
        for data in ("ad:l:0:all", f"ad:v:{advisor_id}:0:all", f"ad:y:{advisor_id}:0:all", "ad:i"):
            assert await h.press(person, data) == [], data
            assert _toast(h) == "This is only available to coordinators."
    assert (await _advisor(h, advisor_id)).active
    async with h.runtime.db.transaction() as session:
        assert list(await session.scalars(select(AdvisorInvitation))) == []
        assert await session.scalar(select(KickoffRequest.id)) is None
