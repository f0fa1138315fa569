"""PTB's Application for a bot that keeps its state in its own database, not in PTB's persistence."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, Job


class StatelessApplication(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that remembers no chat or user ids for a persistence it does not have."""

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Job[Any] | None = None
    ) -> None:
        """Note the ids for the next persistence flush, only where there is a persistence.

        PTB notes every chat and user id it sees for that flush; without a persistence the flush
        never comes, so the notes would grow with every new person for as long as the bot runs.
        """
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)
