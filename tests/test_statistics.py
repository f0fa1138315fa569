"""Statistics on a seeded history whose numbers are known (seeded through the services, so the
events are the real ones), and the charts as valid PNG images."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib.image
import pytest
from PIL import Image

from bot.db import Database
from bot.services import booking, charts, funnel_stats, offers, requests
from bot.services.charts_map import AnnotationKind
from bot.services.funnel_stats import FunnelCounts, Period
from models import Advisor, Role, User
from tests.hand_offer_helpers import assign_and_accept
from tests.matching_helpers import NOW, TUEBINGEN, add_advisor, add_request, add_user, migrated

BERLIN = ZoneInfo("Europe/Berlin")
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
FREIBURG, FREIBURG_KREIS = "08311000", "08311"
MARCH = Period.from_dates(date(2026, 3, 1), date(2026, 3, 31), BERLIN)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Seeded:
    db: Database
    places: dict[str, int]


async def accept_offer(session, request_id: int, advisor: Advisor, at: datetime) -> None:  # type: ignore[no-untyped-def]
    offered = await offers.offer_next(session, request_id, at)
    assert offered.offer is not None and offered.offer.advisor_id == advisor.id, offered
    assert advisor.user_id is not None
    accepted = await offers.accept(session, offered.offer.id, advisor.user_id, at)
    assert accepted.kind == offers.OfferOutcome.ACCEPTED


async def hold_talk(
    session,
    request_id: int,
    advisor: Advisor,
    contact: User,
    talk: datetime,
    now: datetime,
    consultation: bool,
) -> None:  # type: ignore[no-untyped-def]
    assert advisor.user_id is not None
    proposed = await booking.propose(session, request_id, advisor.user_id, talk, now)
    assert proposed.booking is not None
    confirmed = await booking.confirm(
        session, proposed.booking.id, contact.id, proposed.booking.sequence, now
    )
    assert confirmed.kind == booking.BookingOutcome.CONFIRMED
    # The advisor records the outcome a day after the talk: time to kickoff counts to the talk itself.
    outcome = await booking.record_outcome(
        session, proposed.booking.id, advisor.user_id, True, consultation, None, talk + DAY
    )
    assert outcome.kind == booking.BookingOutcome.OUTCOME_RECORDED


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[Seeded]:
    """Requests R1–R8 (R6 and R8 outside March) at known times with known outcomes.

    NOW is Monday 2 March 2026, 09:00 in Berlin.
    """
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            cora = await add_user(session, "Cora", [Role.COORDINATOR])
            contact = await add_user(session, "Ana")
            a = await add_advisor(session, "Aylin", languages=("tr",), capacity=10)  # home Tübingen
            b = await add_advisor(session, "Bashir", languages=("ar",), home_ags=FREIBURG, capacity=10)

            async def submit(at: datetime, place: str = TUEBINGEN, langs: tuple[str, ...] = ("tr",)) -> int:
                kreis = place[:5]
                return (
                    await add_request(
                        session, contact, place_ags=place, kreis_ags=kreis, languages=langs, now=at
                    )
                ).id

            # R1 Tübingen/tr: accepted after 2 days, talk 7 days after submission, consultation.
            r1 = await submit(NOW)
            await accept_offer(session, r1, a, NOW + 2 * DAY)
            await hold_talk(session, r1, a, contact, NOW + 7 * DAY, NOW + 2 * DAY, consultation=True)
            # R2 Freiburg/ar: accepted after 1 day, talk 9 days after submission, no consultation.
            r2 = await submit(NOW + DAY, FREIBURG, ("ar",))
            await accept_offer(session, r2, b, NOW + 2 * DAY)
            await hold_talk(session, r2, b, contact, NOW + 10 * DAY, NOW + 2 * DAY, consultation=False)
            # R3 Tübingen/tr+ar: both decline, escalated, assigned by hand 3 days after submission.
            r3 = await submit(NOW + 2 * DAY, langs=("tr", "ar"))
            first = await offers.offer_next(session, r3, NOW + 2 * DAY)
            assert first.offer is not None and first.offer.advisor_id == a.id
            second = await offers.decline(session, first.offer.id, a.user_id or 0, "time", NOW + 3 * DAY)
            assert second.next is not None and second.next.offer is not None
            last = await offers.decline(session, second.next.offer.id, b.user_id or 0, "time", NOW + 4 * DAY)
            assert last.next is not None and last.next.kind == offers.OfferOutcome.ESCALATED
            assigned = await assign_and_accept(session, r3, a.id, cora.id, NOW + 5 * DAY, audited=True)
            assert assigned.kind == offers.OfferOutcome.ACCEPTED
            # R4 Freiburg/ar: offered, no answer yet.
            r4 = await submit(NOW + 3 * DAY, FREIBURG, ("ar",))
            assert (await offers.offer_next(session, r4, NOW + 3 * DAY)).kind == offers.OfferOutcome.OFFERED
            # R5 Tübingen/tr: withdrawn before any offer.
            r5 = await submit(NOW + 4 * DAY)
            assert await requests.withdraw(session, r5, contact.id, NOW + 5 * DAY) is not None
            # R6 in February, accepted in March: not part of March's cohort.
            r6 = await submit(datetime(2026, 2, 20, 10, 0, tzinfo=UTC))
            await accept_offer(session, r6, a, NOW + DAY)
            # R7 on 31 March at 23:30 in Berlin is March; R8 half an hour past midnight is April.
            await submit(datetime(2026, 3, 31, 21, 30, tzinfo=UTC))
            await submit(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
        yield Seeded(db, {TUEBINGEN: 4, FREIBURG: 2})


async def test_funnel_by_region_and_language_from_the_events(seeded: Seeded) -> None:
    async with seeded.db.transaction() as session:
        stats = await funnel_stats.compute(session, MARCH)
    # R1–R5, R7 | offered R1–R4 | accepted R1–R3 | held R1, R2 | consultation R1.
    # To accept: R1 2 d, R2 1 d, R3 3 d → 2.0; to kickoff (the talks): R1 7 d, R2 9 d → 8.0.
    assert stats.total == FunnelCounts(6, 4, 3, 2, 1, 2.0, 8.0)
    assert stats.total.conversions() == (4 / 6, 3 / 4, 2 / 3, 1 / 2)
    assert stats.total.overall == 1 / 6
    # Tübingen (084): R1, R3, R5, R7; Freiburg (083): R2, R4.
    assert stats.by_regierungsbezirk == {
        "083": FunnelCounts(2, 2, 1, 1, 0, 1.0, 9.0),
        "084": FunnelCounts(4, 2, 2, 1, 1, 2.5, 7.0),
    }
    assert stats.regierungsbezirk_names == {"083": "Freiburg", "084": "Tübingen"}
    # tr: R1, R3, R5, R7; ar: R2, R3, R4 (R3 counts under both).
    assert stats.by_language == {
        "tr": FunnelCounts(4, 2, 2, 1, 1, 2.5, 7.0),
        "ar": FunnelCounts(3, 3, 2, 1, 0, 2.0, 9.0),
    }
    assert list(stats.by_language) == ["tr", "ar"]  # most asked-for first
    assert stats.places == seeded.places
    assert FunnelCounts().conversions() == (None, None, None, None) and FunnelCounts().overall is None


async def test_period_boundaries_follow_berlin_time(seeded: Seeded) -> None:
    async with seeded.db.transaction() as session:
        april = await funnel_stats.compute(
            session, Period.from_dates(date(2026, 4, 1), date(2026, 4, 30), BERLIN)
        )
        february = await funnel_stats.compute(
            session, Period.from_dates(date(2026, 2, 1), date(2026, 2, 28), BERLIN)
        )
        nothing = await funnel_stats.compute(
            session, Period.from_dates(date(2025, 1, 1), date(2025, 12, 31), BERLIN)
        )
    assert april.total == FunnelCounts(1)
    # R6: submitted in February, accepted in March after one offer.
    assert february.total.stages() == (
        1,
        1,
        1,
        0,
        0,
    ) and february.total.median_days_to_accept == pytest.approx(
        (NOW + DAY - datetime(2026, 2, 20, 10, 0, tzinfo=UTC)) / DAY, abs=0.01
    )
    assert nothing.total == FunnelCounts() and nothing.by_language == {} and nothing.places == {}
    assert MARCH.start == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # CET
    assert MARCH.end == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # CEST since 29 March


def _decode(png: bytes) -> tuple[int, int, int]:
    """Width, height and the number of strongly red pixels of a PNG (decoded by two libraries)."""
    assert png.startswith(PNG_SIGNATURE)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    image = Image.open(io.BytesIO(png))
    image.verify()
    height, width = pixels.shape[:2]
    assert (width, height) == image.size
    red = (pixels[..., 0] > 0.75) & (pixels[..., 1] < 0.6) & (pixels[..., 2] < 0.6)
    return width, height, int(red.sum())


async def test_charts_are_valid_png_images(seeded: Seeded) -> None:
    async with seeded.db.transaction() as session:
        stats = await funnel_stats.compute(session, MARCH)
    labels = charts.FunnelLabels(
        "Anfragen März 2026", ("Anfragen", "Angebote", "Angenommen", "Auftaktgespräche", "Begleitungen")
    )
    width, height, _red = _decode(charts.funnel_chart(stats.total, labels))
    assert (width, height) == (900, 504)  # 7.5 × 4.2 inches at 120 dpi
    assert _decode(charts.funnel_chart(FunnelCounts(), labels))[:2] == (900, 504)  # an empty period draws too
    map_labels = charts.MapLabels("Anfragen nach Gemeinde", "Gemeinden", "Anfragen")
    marked = _decode(charts.municipality_map(stats.places, map_labels))
    empty = _decode(charts.municipality_map({}, map_labels))
    assert marked[:2] == empty[:2] == (768, 864)
    # The places that asked are drawn in red; without requests there is no red at all.
    assert empty[2] == 0 and marked[2] > 50
    unknown = _decode(charts.municipality_map({"99999999": 3}, map_labels))
    assert unknown[2] == 0


LARGEST = {
    "Stuttgart",
    "Mannheim",
    "Karlsruhe",
    "Freiburg im Breisgau",
    "Heidelberg",
    "Ulm",
    "Heilbronn",
    "Pforzheim",
    "Reutlingen",
    "Esslingen am Neckar",
}


@pytest.mark.parametrize(
    ("template", "bezirk_texts"),
    [
        ("Regierungsbezirk {name}", {"Regierungsbezirk Stuttgart", "Regierungsbezirk Tübingen"}),
        ("{name} region", {"Stuttgart region", "Karlsruhe region", "Freiburg region", "Tübingen region"}),
    ],
)
def test_the_map_names_the_regierungsbezirke_and_the_largest_places(
    template: str, bezirk_texts: set[str]
) -> None:
    labels = charts.MapLabels("Anfragen nach Kommune", "Kommunen", "Anfragen", regierungsbezirk=template)
    notes = charts.map_annotations(labels)
    bezirke = {n.text for n in notes if n.kind is AnnotationKind.REGIERUNGSBEZIRK}
    assert len(bezirke) == 4 and bezirk_texts <= bezirke
    assert {n.text for n in notes if n.kind is AnnotationKind.PLACE} == LARGEST
    # The names are drawn on the map itself, none covering another.
    figure = charts.municipality_map_figure({"08111000": 7, "08311000": 2}, labels)
    axes = figure.axes[0]
    drawn = [t for t in axes.texts if t.get_text() not in {"7", "2"}]
    assert {t.get_text().replace("\n", " ") for t in drawn} == bezirke | LARGEST
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in drawn]
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[i + 1 :]), drawn[i].get_text()
    assert axes.get_title() == "Anfragen nach Kommune"


def test_the_stage_chart_carries_its_title() -> None:
    labels = charts.FunnelLabels(
        "Anfragen nach Stufe", ("Anfragen", "Angebote", "Angenommen", "Auftaktgespräche", "Begleitungen")
    )
    assert (
        charts.funnel_figure(FunnelCounts(5, 4, 3, 2, 1), labels).axes[0].get_title() == "Anfragen nach Stufe"
    )
