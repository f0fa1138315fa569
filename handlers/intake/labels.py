"""Texts of the intake that are chosen by key: topics, formats, day parts, field names, questions.

Marked with ``N_`` and translated when a message is built, in the reader's language.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from bot.i18n import N_
from models import IntakeStep

TOPICS = {
    "festival": N_("Fair Week or intercultural festival with migrant actors"),
    "partnership": N_("Partnerships with municipalities in the Global South"),
    "agenda2030": N_("Agenda 2030 / SDGs: local ideas with migrants"),
    "fairtrade": N_("Opening a Fairtrade town's steering group"),
    "networks": N_("Connecting local actors with migrant communities"),
    "flight": N_("Events with refugees on the causes of flight"),
    "open": N_("Not sure yet – let's talk about it"),
}
# The topics as buttons show them: whole on one line after a "✓ " or "○ " (at most 30 characters
# in each language); the full title of ``TOPICS`` stands in the message above the buttons.
TOPIC_BUTTONS = {
    "festival": N_("Fair Week or festival"),
    "partnership": N_("Partnerships, Global South"),
    "agenda2030": N_("Agenda 2030 / SDGs"),
    "fairtrade": N_("Fairtrade steering group"),
    "networks": N_("Connecting local actors"),
    "flight": N_("Causes of flight"),
    "open": N_("Not sure yet – let's talk"),
}
FORMATS = {
    "on_site": N_("🏛 On site"),
    "online": N_("💻 Online"),
    "phone": N_("📞 By phone"),
}
DAY_PARTS = {
    "am": N_("morning"),
    "pm": N_("afternoon"),
    "day": N_("any time of day"),
}
# The summary's field names, which are also its edit buttons.
FIELDS = {
    IntakeStep.MUNICIPALITY: N_("Municipality"),
    IntakeStep.NAME: N_("Name"),
    IntakeStep.ROLE: N_("Department / role"),
    IntakeStep.EMAIL: N_("E-mail"),
    IntakeStep.PHONE: N_("Phone"),
    IntakeStep.TOPICS: N_("Topics"),
    IntakeStep.LANGUAGES: N_("Languages"),
    IntakeStep.GOALS: N_("Goals and context"),
    IntakeStep.TIMES: N_("Preferred times"),
    IntakeStep.FORMAT: N_("Format"),
}
QUESTIONS = {
    IntakeStep.MUNICIPALITY: N_(
        "Which municipality or district are you writing for? Type its name or postcode, "
        "e.g. “Tübingen” or “Landkreis Ludwigsburg”. Städte, Gemeinden and Landkreise in "
        "Baden-Württemberg can all request a talk."
    ),
    IntakeStep.NAME: N_("What is your name? You will be the contact person for this request."),
    IntakeStep.ROLE: N_(
        "Which department do you work in, or what is your role? For example “Integration office” "
        "or “Mayor's office”."
    ),
    IntakeStep.EMAIL: N_("Which e-mail address can the programme team reach you at?"),
    IntakeStep.PHONE: N_(
        "Which phone number can we call you on? This is optional. Numbers without a country code "
        "are taken as German."
    ),
    IntakeStep.TOPICS: N_(
        "What would you like to talk about? Choose one or more topics and press “Done”. "
        "For a topic of your own, just type it."
    ),
    IntakeStep.LANGUAGES: N_(
        "Which languages should be involved – for example the languages of communities in your "
        "municipality, or the language the talk should be held in? Choose up to {max} and press "
        "“Done”. Not in the list? Type the name of the language."
    ),
    IntakeStep.GOALS: N_(
        "What would you like to achieve, and what should the advisor know beforehand? "
        "This is optional (up to {max} characters)."
    ),
    IntakeStep.TIMES: N_(
        "When would a kickoff talk suit you? Choose up to {max} days in the calendar and then "
        "morning or afternoon – or press “Flexible”. Weekends and public holidays are shown in brackets."
    ),
    IntakeStep.FORMAT: N_("How should the kickoff talk take place?"),
}


def topic_overview(gettext: Callable[[str], str], keys: list[str] | tuple[str, ...] | None = None) -> str:
    """The full titles of the topics (all, or ``keys``), one bullet line each in button order, as
    HTML for the message whose buttons show the short labels of :data:`TOPIC_BUTTONS`."""
    shown = [key for key in TOPICS if keys is None or key in keys]
    return "\n".join(f"• {html.escape(gettext(TOPICS[key]))}" for key in shown)
