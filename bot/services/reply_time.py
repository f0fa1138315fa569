"""How soon a contact hears from us after sending a request: the promise the confirmation makes.

Derivation, so that the promise holds as the settings change:

- Matching starts in the transaction that stores the request: the best advisor gets an offer at
  once, and the contact hears from us the moment an advisor accepts.
- An advisor has ``OFFER_RESPONSE_HOURS`` to accept or decline; a decline or silence passes the
  request to the next candidate with the same time (the offer cascade).
- The usual cascade is ``USUAL_OFFERS`` offers long: the best advisor and, if they cannot, the
  next one. The programme's ranking puts advisors first who speak the languages asked for and
  serve the region, so it rarely goes further; when nobody is left, the coordination team takes
  the request on by hand. Hence "usually", never "at the latest".
- Offer times run on the clock, weekends included; a span of N calendar days never covers more
  than N working days. Rounding the hours up to whole days therefore gives a number of working
  days that is true whatever day the request is sent.
"""

from __future__ import annotations

import math

from bot.config import Settings

USUAL_OFFERS = 2
HOURS_PER_DAY = 24


def usual_working_days(offer_response_hours: float, offers: int = USUAL_OFFERS) -> int:
    """Working days within which a contact usually hears from us: ``offers`` full offer times, rounded up."""
    return max(1, math.ceil(offers * offer_response_hours / HOURS_PER_DAY))


def usual_working_days_for(settings: Settings) -> int:
    """:func:`usual_working_days` for the configured ``OFFER_RESPONSE_HOURS``."""
    return usual_working_days(settings.offer_response_hours)
