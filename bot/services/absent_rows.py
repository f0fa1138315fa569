"""What a transaction already knows is not there: a person's intake draft, their open text question.

Nearly every message asks whether its sender has an intake in progress or was just asked for a
text (:mod:`bot.services.intake`, :mod:`bot.services.chat_inputs`), and nearly always neither
is there. The statement that reads the sender at the start of an update answers both
(:func:`bot.services.users.touch`), so the lookups that follow in the same transaction need
no round trip of their own when the answer was "none".

Only an absence is remembered, only for the transaction's session, and it is forgotten as soon as
the session writes to that table (an insert, update or delete, by statement or by flush): a
draft started in the same update is then read as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Exists, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from models import Base, ChatInput, IntakeDraft

# The tables whose rows per person are remembered as absent.
REMEMBERED = (IntakeDraft, ChatInput)
_TABLES = {model.__tablename__ for model in REMEMBERED}
_ABSENT = "absent_rows"  # the session's info key: a set of (table name, user id)


def presence(user_id: Any) -> list[Exists]:
    """The columns that say whether the person of ``user_id`` (a column of the statement that
    reads them) has a row in each remembered table, to read with the sender."""
    return [select(model.user_id).where(model.user_id == user_id).exists() for model in REMEMBERED]


def note(session: AsyncSession | Session, user_id: int, present: Sequence[Any]) -> None:
    """Note in this transaction what ``user_id`` has no row of, from the values of :func:`presence`."""
    for model, found in zip(REMEMBERED, present, strict=True):
        if not found:
            session.info.setdefault(_ABSENT, set()).add((model.__tablename__, user_id))


def known_absent(session: AsyncSession | Session, model: type[Base], user_id: int) -> bool:
    """Whether this transaction knows that ``user_id`` has no row in ``model``'s table."""
    absent: set[tuple[str, int]] = session.info.get(_ABSENT) or set()
    return (model.__tablename__, user_id) in absent


def _forget(session: Session, table: str) -> None:
    """Forget every absence noted in ``table``: the session wrote to it."""
    absent = session.info.get(_ABSENT)
    if absent:
        session.info[_ABSENT] = {entry for entry in absent if entry[0] != table}


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    """An insert, update or delete of a remembered table ends what is known about it."""
    if not state.session.info.get(_ABSENT) or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _TABLES:
        _forget(state.session, name)


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    """New, changed or deleted objects of a remembered table end what is known about it."""
    if not session.info.get(_ABSENT):
        return
    for instance in (*session.new, *session.dirty, *session.deleted):
        name = getattr(instance, "__tablename__", None)
        if name in _TABLES:
            _forget(session, name)
