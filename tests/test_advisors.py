"""Advisors: one-time invitations, the CSV import with errors by line, profile updates and lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.services import advisor_import, advisors, invitations, offers
from bot.services.advisors import ProfileError, ProfileFields
from bot.services.invitations import RedeemOutcome
from models import Advisor, AdvisorInvitation, RequestStatus, Role, User
from tests.hand_offer_helpers import assign_and_accept
from tests.matching_helpers import NOW, TUEBINGEN, add_advisor, add_request, add_user, migrated

BERLIN = ZoneInfo("Europe/Berlin")

POOL_CSV = (
    "Name;Sprachen;Gebiet;Wohnort;Themen;Kapazität\n"
    "Ayşe Öztürk;Türkisch, Kurdisch;Landkreis Tübingen, Reutlingen;Tübingen;Festival, Fairer Handel;3\n"
    'Jürgen Weiß-Müller;ar|fa;"RB Freiburg";Freiburg im Breisgau;partnership;\n'
    "Ómar Núñez;es, en;Regierungsbezirk Stuttgart;Schwäbisch Gmünd;Agenda 2030;1\n"
)


async def test_invitation_makes_the_user_an_advisor_once(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            coordinator = await add_user(session, "Cora", [Role.COORDINATOR])
            invitee = await add_user(session, "Dilan")
            other = await add_user(session, "Eve")
            invitation = await invitations.create(session, coordinator.id, NOW)
        assert invitation.expires_at == NOW + timedelta(days=7)
        assert len(invitation.token) >= 32
        link = invitations.deep_link("@MiGlobeBot", invitation.token)
        assert link == f"https://t.me/MiGlobeBot?start=inv_{invitation.token}"
        assert invitations.token_from_start(link.split("start=")[1]) == invitation.token
        assert invitations.token_from_start("hello") is None
        async with db.transaction() as session:
            # Only the hash is stored: a copy of the database opens no link.
            stored = (await session.execute(select(AdvisorInvitation.token_hash))).scalars().all()
            assert stored == [invitations.token_hash(invitation.token)]
            assert invitation.token not in stored
            fresh = await session.get(AdvisorInvitation, invitation.id, populate_existing=True)
            assert fresh is not None and fresh.token == ""
        async with db.transaction() as session:
            redeemed = await invitations.redeem(
                session, invitation.token, invitee.id, NOW + timedelta(days=6)
            )
            assert redeemed.kind == RedeemOutcome.REDEEMED and redeemed.created
            assert redeemed.advisor is not None and redeemed.advisor.display_name == "Dilan"
            user = await session.get(User, invitee.id)
            assert user is not None and user.has_role(Role.ADVISOR)
        async with db.transaction() as session:
            again = await invitations.redeem(session, invitation.token, invitee.id, NOW + timedelta(days=6))
            stolen = await invitations.redeem(session, invitation.token, other.id, NOW + timedelta(days=6))
            assert again.kind == RedeemOutcome.ALREADY_REDEEMED and again.advisor is not None
            assert stolen.kind == RedeemOutcome.USED and stolen.advisor is None
            outsider = await session.get(User, other.id)
            assert outsider is not None and not outsider.has_role(Role.ADVISOR)
            assert await session.scalar(select(func.count()).select_from(Advisor)) == 1


async def test_expired_and_unknown_invitations_change_nothing(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        invitee = await add_user(session, "Dilan")
        invitation = await invitations.create(session, None, NOW)
        expired = await invitations.redeem(session, invitation.token, invitee.id, NOW + timedelta(days=7))
        unknown = await invitations.redeem(session, "not-a-token", invitee.id, NOW)
        assert expired.kind == RedeemOutcome.EXPIRED and unknown.kind == RedeemOutcome.UNKNOWN
        assert not (await session.get(User, invitee.id)).has_role(Role.ADVISOR)  # type: ignore[union-attr]
        assert await session.scalar(select(func.count()).select_from(Advisor)) == 0
        stored = await session.get(AdvisorInvitation, invitation.id)
        assert stored is not None and stored.redeemed_at is None


async def test_csv_import_creates_prefilled_profiles_linked_on_redemption(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            coordinator = await add_user(session, "Cora", [Role.COORDINATOR])
            result = await advisor_import.import_csv(
                session, ("\ufeff" + POOL_CSV).encode("utf-8"), coordinator.id, NOW
            )
        assert result.errors == ()
        assert [(i.line, i.name) for i in result.invitations] == [
            (2, "Ayşe Öztürk"),
            (3, "Jürgen Weiß-Müller"),
            (4, "Ómar Núñez"),
        ]
        async with db.transaction() as session:
            ayse = await session.get(Advisor, result.invitations[0].advisor_id)
            juergen = await session.get(Advisor, result.invitations[1].advisor_id)
            omar = await session.get(Advisor, result.invitations[2].advisor_id)
            assert ayse is not None and juergen is not None and omar is not None
            assert (ayse.languages, ayse.kreise, ayse.regierungsbezirke) == (
                ["tr", "ku"],
                ["08416", "08415"],
                [],
            )
            assert (ayse.home_ags, ayse.topics, ayse.capacity, ayse.user_id) == (
                TUEBINGEN,
                ["festival", "fairtrade"],
                3,
                None,
            )
            assert (juergen.languages, juergen.regierungsbezirke, juergen.capacity) == (
                ["ar", "fa"],
                ["083"],
                2,
            )
            assert (omar.regierungsbezirke, omar.home_ags, omar.topics) == (
                ["081"],
                "08136065",
                ["agenda2030"],
            )
            person = await add_user(session, "Ayse")
            redeemed = await invitations.redeem(session, result.invitations[0].token, person.id, NOW)
            assert redeemed.kind == RedeemOutcome.REDEEMED and not redeemed.created
            assert redeemed.advisor is not None and redeemed.advisor.id == ayse.id
            assert redeemed.advisor.user_id == person.id and redeemed.advisor.display_name == "Ayşe Öztürk"


def test_csv_with_commas_and_quoted_lists_parses() -> None:
    text = (
        'name,languages,area,home,topics,capacity\n"Lea Schäfer","tr, ar",08416,72070 Tübingen,"festival",2\n'
    )
    rows, errors = advisor_import.parse(text)
    assert errors == []
    assert [(r.line, r.fields.languages, r.fields.kreise, r.fields.home_ags) for r in rows] == [
        (2, ["tr", "ar"], ["08416"], TUEBINGEN)
    ]


def test_csv_errors_are_reported_by_line_and_column() -> None:
    text = (
        "Name;Sprachen;Gebiet;Wohnort;Themen;Kapazität\n"
        "Gül Yılmaz;Türkisch;Landkreis Tübingen;Tübingen;Festival;2\n"
        ";Klingonisch;Narnia;Talheim;Kochen;viele\n"
        "\n"
        '"Zeilen-\numbruch";tr;RB Bayern;Landkreis Tübingen;;0\n'
    )
    rows, errors = advisor_import.parse(text)
    assert [r.line for r in rows] == [2]
    found = {(e.line, e.column) for e in errors}
    assert found == {
        (3, "name"),
        (3, "languages"),
        (3, "area"),
        (3, "home"),
        (3, "topics"),
        (3, "capacity"),
        (5, "area"),
        (5, "home"),
        (5, "capacity"),
    }
    messages = {(e.line, e.column): str(e) for e in errors}
    assert "ambiguous" in messages[(3, "home")] and "Talheim, Landkreis Heilbronn" in messages[(3, "home")]
    assert messages[(5, "home")].startswith("line 5, home “Landkreis Tübingen”")


def test_csv_header_problems() -> None:
    assert {str(e) for e in advisor_import.parse("")[1]} == {"line 1, header: the file is empty"}
    _rows, errors = advisor_import.parse("Name;Sprahcen\nA;tr\n")
    assert {(e.line, e.value, e.message) for e in errors} == {
        (1, "Sprahcen", "unknown column"),
        (1, "languages", "required column missing"),
    }


async def test_csv_import_stores_nothing_when_a_row_is_wrong_or_a_name_exists(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        await add_advisor(session, "Ómar Núñez")
        broken = POOL_CSV + "Zoe;xx-klingon;;;;\n"
        result = await advisor_import.import_csv(session, broken, None, NOW)
        assert result.invitations == ()
        assert {(e.line, e.column) for e in result.errors} == {(4, "name"), (5, "languages")}
        assert await session.scalar(select(func.count()).select_from(AdvisorInvitation)) == 0
        assert await session.scalar(select(func.count()).select_from(Advisor)) == 1


async def test_profile_updates_are_validated(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        advisor = await add_advisor(session, "Mehmet")
        updated = await advisors.update_profile(
            session,
            advisor.id,
            ProfileFields(
                languages=["TR", "ar", "tr"], kreise=["08416"], regierungsbezirke=["084"], capacity=4
            ),
            NOW,
        )
        assert updated is not None
        assert (updated.languages, updated.kreise, updated.regierungsbezirke, updated.capacity) == (
            ["tr", "ar"],
            ["08416"],
            ["084"],
            4,
        )
        for fields, field in [
            (ProfileFields(languages=["xx"]), "languages"),
            (ProfileFields(kreise=["09162"]), "kreise"),
            (ProfileFields(regierungsbezirke=["085"]), "regierungsbezirke"),
            (ProfileFields(home_ags="08416"), "home_ags"),
            (ProfileFields(topics=["open"]), "topics"),
            (ProfileFields(capacity=0), "capacity"),
            (ProfileFields(display_name="   "), "display_name"),
        ]:
            with pytest.raises(ProfileError) as problem:
                await advisors.update_profile(session, advisor.id, fields, NOW)
            assert problem.value.field == field
        cleared = await advisors.update_profile(session, advisor.id, ProfileFields(home_ags=""), NOW)
        assert cleared is not None and cleared.home_ags is None and cleared.languages == ["tr", "ar"]
        assert await advisors.update_profile(session, 999, ProfileFields(capacity=1), NOW) is None


async def test_pause_until_a_date_includes_that_day_and_reactivation_ends_it(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        advisor = await add_advisor(session, "Mehmet")
        paused = await advisors.pause(session, advisor.id, date(2026, 3, 31), BERLIN, NOW)
        assert paused is not None
        assert paused.paused_until == datetime(2026, 4, 1, 0, 0, tzinfo=BERLIN)  # 22:00 UTC (summer time)
        past = await advisors.pause(session, advisor.id, date(2026, 3, 1), BERLIN, NOW)
        assert past is not None and past.paused_until is None
        await advisors.pause(session, advisor.id, date(2026, 3, 31), BERLIN, NOW)
        off = await advisors.set_active(session, advisor.id, False, NOW)
        assert off is not None and not off.active and off.paused_until is not None
        on = await advisors.set_active(session, advisor.id, True, NOW)
        assert on is not None and on.active and on.paused_until is None


async def test_lists_of_pending_offers_and_assignments(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        contact = await add_user(session, "Ana")
        coordinator = await add_user(session, "Cora", [Role.COORDINATOR])
        advisor = await add_advisor(session, "Mehmet", capacity=5)
        offered = await add_request(session, contact)
        held = await add_request(session, contact)
        await offers.offer_next(session, offered.id, NOW)
        await assign_and_accept(session, held.id, advisor.id, coordinator.id, NOW)
        pending = await advisors.pending_offers(session, advisor.id)
        assert [(o.status, r.id) for o, r in pending] == [("pending", offered.id)]
        assert [r.id for _o, r in await advisors.assignments(session, advisor.id)] == [held.id]
        assert await advisors.assignments(session, advisor.id, [RequestStatus.CLOSED]) == []
        assert (await advisors.by_user(session, advisor.user_id or 0)) is not None
