"""Callback data of the matching and booking buttons: ``<prefix>:<action>[:<arg>…]``, at most 64 bytes.

Arguments are opaque database ids, dates or small codes, never personal data. What a button may do
is decided by the database when it is pressed (the services compare-and-set), not by its data.
"""

from __future__ import annotations

from dataclasses import dataclass

OFFER = "of"  # an offer: view, accept, decline (reasons)
ASSIGN = "ca"  # a coordinator assigning by hand
BOOK = "bk"  # proposing, confirming, moving and cancelling the kickoff talk
OUTCOME = "oc"  # the advisor's report after the talk
PROFILE = "pf"  # the advisor's profile
PAUSE = "pa"  # the advisor's pause
MINE = "as"  # the advisor's assignments
INPUT = "in"  # giving up a question asked for free text
REQUESTS = "rq"  # a coordinator's request list, detail and actions
ADVISORS = "ad"  # a coordinator's advisor list, detail and actions
BROADCAST = "bc"  # the broadcast wizard, its progress message and report
EXPORT = "ex"  # choosing what and which period to export
NEWS = "nw"  # a contact switching programme news on or off
MAX_BYTES = 64
MAX_ID_DIGITS = 12


def data(prefix: str, action: str, *args: object) -> str:
    """The callback data of a button."""
    text = ":".join([prefix, action, *(str(a) for a in args)])
    if len(text.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {text}")
    return text


@dataclass(frozen=True)
class Pressed:
    """A parsed button: its action and arguments (still to be checked by the handler)."""

    action: str
    args: tuple[str, ...]

    def id(self, index: int = 0) -> int | None:
        """Argument ``index`` as a database id; None when absent or not a plain number."""
        if index >= len(self.args):
            return None
        value = self.args[index]
        return int(value) if value.isdigit() and len(value) <= MAX_ID_DIGITS else None

    def arg(self, index: int) -> str:
        """Argument ``index``, or "" when absent."""
        return self.args[index] if index < len(self.args) else ""


def parse(raw: str | None, prefix: str) -> Pressed | None:
    """The button behind ``raw`` if it has ``prefix``; None for anything else."""
    parts = (raw or "").split(":")
    if len(parts) < 2 or parts[0] != prefix or not parts[1]:
        return None
    return Pressed(parts[1], tuple(parts[2:]))


def pattern(prefix: str) -> str:
    """The CallbackQueryHandler pattern of a prefix."""
    return f"^{prefix}:"
