"""Inline buttons Telegram shows whole: every label at most 32 characters, cut after a word with "…".

Telegram's apps show a button's label on one line and cut the rest without a mark. The outbox
shortens every label it sends (the net); the texts the catalogs and registries give buttons fit by
themselves, so the net shortens only what users and places bring in.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from bot.i18n import language_name, translate, translate_plural
from bot.regions import get_registry
from bot.runtime.outbox import fit_payload
from bot.services import languages
from bot.services.geography import regierungsbezirk_names
from bot.telegram_text import BUTTON_ABBREVIATIONS, BUTTON_LIMIT, ELLIPSIS, button_label
from handlers.intake import labels
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import last, start_intake

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("de", "en")
# The marks toggles put before a label (intake topics, advisor profile, broadcast audience).
MARKS = ("✓ ", "○ ", "✖ ")
GETTEXT = {"_", "gettext", "N_"}
# Stand-ins for placeholders in button templates: numbers short, names as long as a common one.
SAMPLES = {"id": "12", "count": "12", "n": "12", "number": "12", "page": "12", "pages": "12", "total": "10"}
NAME_SAMPLE = "Englisch"


def _fits_whole(label: str) -> bool:
    return len(label) <= BUTTON_LIMIT


def _abbreviated(text: str) -> str:
    for long, short in BUTTON_ABBREVIATIONS:
        text = text.replace(long, short)
    return text


def _cut_after_a_word(original: str, short: str) -> bool:
    """``short`` is ``original`` up to the end of a word, then "…" (after any abbreviation)."""
    kept = short.removesuffix(ELLIPSIS)
    source = _abbreviated(original)
    if not source.startswith(kept):
        return False
    rest = source[len(kept) :]
    return rest[:1] in (" ", ",", ";", ":", "·", "–", "-", "/", "(", "") or kept[-1:] in "-/"


# --- the shortening function --------------------------------------------------------------------


def test_a_label_that_fits_stays_as_it_is() -> None:
    label = "x" * BUTTON_LIMIT
    assert button_label(label) == label
    assert button_label("📨 MG-2026-0001") == "📨 MG-2026-0001"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (
            "Faire Woche oder interkulturelles Fest mit migrantischen Akteur*innen",
            "Faire Woche oder…",
        ),
        ("MG-2026-0001 · Landkreis Schwäbisch Hall", "MG-2026-0001 · Lkr. Schwäbisch…"),
        ("Eichstetten am Kaiserstuhl, Landkreis Breisgau-Hochschwarzwald", "Eichstetten am Kaiserstuhl…"),
        ("✓ Landkreis Breisgau-Hochschwarzwald", "✓ Lkr. Breisgau-Hochschwarzwald"),
        ("MG-2026-0001 · Ballrechten-Dottingen, Landkreis Breisgau", "MG-2026-0001 · Ballrechten…"),
        # A bare abbreviation before the "…" says nothing and goes too.
        ("⏰ MG-2026-0001 · Landkreis Schwäbisch Hall", "⏰ MG-2026-0001…"),
    ],
)
def test_a_long_label_is_cut_after_a_word_with_an_ellipsis(label: str, expected: str) -> None:
    short = button_label(label)
    assert short == expected
    assert _fits_whole(short)


def test_only_a_single_word_longer_than_a_button_is_cut_inside() -> None:
    short = button_label("Donaudampfschifffahrtsgesellschaftskapitän")
    assert short == "Donaudampfschifffahrtsgesellsch…" and len(short) == BUTTON_LIMIT


def test_the_request_button_of_a_reference_and_place_keeps_the_reference_whole() -> None:
    for place in (
        "Landkreis Schwäbisch Hall",
        "Müllheim im Markgräflerland",
        "Stadtkreis Freiburg im Breisgau",
    ):
        short = button_label(f"MG-2026-0001 · {place}")
        assert short.startswith("MG-2026-0001") and _fits_whole(short)
        assert _cut_after_a_word(f"MG-2026-0001 · {place}", short), short


# --- the net: every outgoing call passes fit_payload ----------------------------------------------


def test_the_outbox_shortens_every_inline_button_and_leaves_the_rest() -> None:
    long = "Einwilligung widerrufen und Daten löschen"
    markup = {
        "inline_keyboard": [
            [{"text": long, "callback_data": "pv:w"}, {"text": "OK", "url": "https://example.org"}],
        ]
    }
    for method in ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto"):
        payload = fit_payload(method, {"text": "Hallo", "reply_markup": markup})
        [[first, second]] = payload["reply_markup"]["inline_keyboard"]
        assert first == {"text": "Einwilligung widerrufen und…", "callback_data": "pv:w"}
        assert second == {"text": "OK", "url": "https://example.org"}
    assert markup["inline_keyboard"][0][0]["text"] == long  # the caller's markup is not changed
    reply_keyboard = {"keyboard": [[{"text": long}]], "resize_keyboard": True}
    assert fit_payload("sendMessage", {"text": "x", "reply_markup": reply_keyboard})["reply_markup"] == (
        reply_keyboard
    )


async def test_a_long_place_on_a_real_button_arrives_shortened(harness: Harness) -> None:
    """The intake's place buttons carry the registry's labels as they are; the net shortens them."""
    user = TelegramUser(720, "Mia", "de")
    await start_intake(harness, user)
    choice = last(await harness.text(user, "Müllheim"))
    labels_sent = [label for label, _data in choice.buttons]
    assert all(_fits_whole(label) for label in labels_sent), labels_sent
    # "Müllheim im Markgräflerland, Landkreis Breisgau-Hochschwarzwald" (63 characters)
    assert "Müllheim im Markgräflerland…" in labels_sent, labels_sent


# --- the registries: topics, languages, Kreise, Regierungsbezirke, Gemeinden ----------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_topic_has_a_short_label_that_fits_whole_with_its_mark(locale: str) -> None:
    assert labels.TOPIC_BUTTONS.keys() == labels.TOPICS.keys()
    for key, short in labels.TOPIC_BUTTONS.items():
        shown = translate(locale, short)
        for mark in MARKS:
            assert _fits_whole(mark + shown), (key, shown)
        # The full title is not the short one (it stands in the message above the buttons).
        assert translate(locale, labels.TOPICS[key]) != shown


@pytest.mark.parametrize("locale", LOCALES)
def test_the_topic_overview_gives_every_full_title_escaped(locale: str) -> None:
    def gettext(message: str) -> str:
        return translate(locale, message)

    overview = labels.topic_overview(gettext)
    assert overview.count("• ") == len(labels.TOPICS)
    assert "Akteur*innen" in overview if locale == "de" else "migrant actors" in overview
    assert labels.topic_overview(gettext, ("flight",)).count("• ") == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_every_language_name_fits_a_toggle_whole(locale: str) -> None:
    too_long = [
        name
        for code in languages.all_codes()
        if not _fits_whole("✓ " + (name := language_name(code, locale)))
    ]
    assert not too_long


def test_every_kreis_and_regierungsbezirk_fits_a_toggle_after_shortening() -> None:
    names = [k.display_name for k in get_registry().kreise]
    names += [f"RB {name}" for name in regierungsbezirk_names().values()]
    for name in names:
        for mark in MARKS:
            short = button_label(mark + name)
            # Kreise are named whole: abbreviated ("Lkr."), never cut.
            assert _fits_whole(short) and not short.endswith(ELLIPSIS), short


def test_every_gemeinde_button_keeps_the_gemeinde_whole_and_apart_from_its_namesakes() -> None:
    by_name: defaultdict[str, set[str]] = defaultdict(set)
    for gemeinde in get_registry().gemeinden:
        short = button_label(gemeinde.label)
        whole = short.startswith(gemeinde.name) or short.startswith(_abbreviated(gemeinde.name))
        assert _fits_whole(short) and whole, (gemeinde.label, short)
        assert short == gemeinde.label or _cut_after_a_word(gemeinde.label, short), short
        by_name[gemeinde.name].add(short)
    namesakes = defaultdict(int)
    for gemeinde in get_registry().gemeinden:
        namesakes[gemeinde.name] += 1
    for name, count in namesakes.items():
        assert len(by_name[name]) == count, f"{name}: {sorted(by_name[name])}"


# --- the catalogs: every msgid the source puts on a button -------------------------------------


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _msgids(node: ast.AST) -> list[str | tuple[str, str]]:
    """The msgids of the gettext calls in ``node``: a string, or (singular, plural) for ngettext."""
    found: list[str | tuple[str, str]] = []
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        texts = [a.value for a in call.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if _name(call.func) in GETTEXT and texts:
            found.append(texts[0])
        elif _name(call.func) == "ngettext" and len(texts) == 2:
            found.append((texts[0], texts[1]))
    return found


def _shown(locale: str, msgid: str | tuple[str, str]) -> list[str]:
    """What a button shows for ``msgid`` in ``locale`` (both plural forms), placeholders filled."""
    if isinstance(msgid, str):
        return [_filled(translate(locale, msgid))]
    return [_filled(translate_plural(locale, *msgid, count)) for count in (1, 12)]


def _label_argument(call: ast.Call) -> ast.AST | None:
    """The label of a button call: ``InlineKeyboardButton(label, …)``, a helper ``button(label, …)``
    (any function whose name ends in "button"), or a toggle ``_toggle(flow, label, …)``."""
    name = _name(call.func)
    if name.lstrip("_") == "toggle" and len(call.args) > 1:
        return call.args[1]
    if (name == "InlineKeyboardButton" or name.endswith("button")) and call.args:
        return call.args[0]
    return None


def button_msgids() -> dict[str | tuple[str, str], str]:
    """msgid → where it is used, for every gettext text the source puts on an inline button: in the
    label argument itself, or assigned (or looped over) in the same function to a name used there."""
    found: dict[str | tuple[str, str], str] = {}
    for path in sorted([*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = [
                argument
                for call in ast.walk(function)
                if isinstance(call, ast.Call) and (argument := _label_argument(call)) is not None
            ]
            names = {n.id for argument in arguments for n in ast.walk(argument) if isinstance(n, ast.Name)}
            sources: list[ast.AST] = list(arguments)
            for node in ast.walk(function):
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)} & names:
                        sources.append(node.value)
                elif isinstance(node, ast.For | ast.comprehension):
                    if {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)} & names:
                        sources.append(node.iter)
            for source in sources:
                for msgid in _msgids(source):
                    found.setdefault(msgid, f"{path.relative_to(ROOT)}:{function.name}")
    return found


def _filled(template: str) -> str:
    """``template`` with each ``{placeholder}`` replaced by a typical value."""
    return re.sub(r"\{(\w*)\}", lambda m: SAMPLES.get(m.group(1), NAME_SAMPLE), template)


def test_the_scan_finds_the_button_texts() -> None:
    found = button_msgids()
    assert len(found) > 120  # guards the scan itself against silently finding nothing
    assert "✅ Done" in found and "Withdraw consent and delete data" in found
    assert ("🔁 Retry {count} failed delivery", "🔁 Retry {count} failed deliveries") in found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_button_text_of_the_catalogs_fits_whole(locale: str) -> None:
    """The texts themselves fit; the net is for what users and places bring in, not for these."""
    offenders = [
        f"{len(shown)}: {shown!r} ({msgid!r} in {where})"
        for msgid, where in button_msgids().items()
        for shown in _shown(locale, msgid)
        if not _fits_whole(shown)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_button_text_fits_after_shortening(locale: str) -> None:
    for msgid in button_msgids():
        for shown in _shown(locale, msgid):
            short = button_label(shown)
            assert _fits_whole(short) and (short == shown or _cut_after_a_word(shown, short)), short
