"""Days on which a municipality's offices are closed: weekends and the public holidays of
Baden-Württemberg (Feiertagsgesetz BW). The calendars mark them so that nobody picks one unawares."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from dateutil.easter import easter

# (month, day) of the fixed holidays: Neujahr, Heilige Drei Könige, Tag der Arbeit, Tag der
# Deutschen Einheit, Allerheiligen, the two days of Christmas.
_FIXED = ((1, 1), (1, 6), (5, 1), (10, 3), (11, 1), (12, 25), (12, 26))
# Days from Easter Sunday: Karfreitag, Ostermontag, Christi Himmelfahrt, Pfingstmontag, Fronleichnam.
_FROM_EASTER = (-2, 1, 39, 50, 60)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """The public holidays of Baden-Württemberg in ``year``."""
    sunday = easter(year)
    fixed = (date(year, month, day) for month, day in _FIXED)
    return frozenset((*fixed, *(sunday + timedelta(days=offset) for offset in _FROM_EASTER)))


def closed_day(day: date) -> bool:
    """Whether ``day`` is a Saturday, a Sunday or a public holiday in Baden-Württemberg."""
    return day.weekday() >= 5 or day in public_holidays(day.year)
