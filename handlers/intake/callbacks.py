"""Callback data of the intake's buttons: ``ik:<step code>:<action>[:<argument>]``, at most 64 bytes.

The data only says which button was pressed; whether it may act is decided by the database
(the user's draft and its current step), never by the data.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import IntakeStep

PREFIX = "ik"
# Buttons that belong to no step: consent, continue, start over, delete.
GENERAL = "x"
CONSENT = "cs"
NOOP = f"{PREFIX}:{GENERAL}:noop"

CODES: dict[IntakeStep, str] = {
    IntakeStep.MUNICIPALITY: "mu",
    IntakeStep.NAME: "nm",
    IntakeStep.ROLE: "ro",
    IntakeStep.EMAIL: "em",
    IntakeStep.PHONE: "ph",
    IntakeStep.TOPICS: "tp",
    IntakeStep.LANGUAGES: "la",
    IntakeStep.GOALS: "go",
    IntakeStep.TIMES: "tw",
    IntakeStep.FORMAT: "fm",
    IntakeStep.SUMMARY: "sm",
}
STEPS: dict[str, IntakeStep] = {code: step for step, code in CODES.items()}


@dataclass(frozen=True)
class Pressed:
    """A parsed button: its scope (a step code, ``x`` or ``cs``), action and optional argument."""

    scope: str
    action: str
    argument: str = ""

    @property
    def step(self) -> IntakeStep | None:
        """The step the button belongs to, if it belongs to one."""
        return STEPS.get(self.scope)


def data(scope: IntakeStep | str, action: str, argument: str = "") -> str:
    """The callback data of a button."""
    code = CODES[scope] if isinstance(scope, IntakeStep) else scope
    text = f"{PREFIX}:{code}:{action}" + (f":{argument}" if argument else "")
    assert len(text.encode()) <= 64, text
    return text


def parse(raw: str | None) -> Pressed | None:
    """The button behind ``raw``, or None when it is not an intake button of a known form."""
    parts = (raw or "").split(":", 3)
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    scope = parts[1]
    if scope not in STEPS and scope not in (GENERAL, CONSENT):
        return None
    return Pressed(scope, parts[2], parts[3] if len(parts) == 4 else "")
