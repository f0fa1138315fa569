"""Telegram-facing adapters, one module per flow or audience; ``register`` adds them in order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    advisor_invite,
    advisor_pause,
    advisor_profile,
    assignments,
    booking,
    broadcast_wizard,
    coordinator_advisors,
    coordinator_assign,
    coordinator_reassign,
    coordinator_requests,
    coordinator_roles,
    erasure,
    export,
    fallback,
    faq,
    intake,
    knowledge_admin,
    language,
    news,
    offers,
    outcome,
    own_data,
    privacy,
    reassign_date,
    start,
    statistics,
    status,
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler. Order matters: the first matching handler in a group wins,
    so specific flows come before the fallbacks that catch whatever is left.
    """
    # The intake first: its deep link ``/start anfrage`` must win over the plain /start.
    # The invitation deep link ``/start inv_…`` also precedes /start.
    matching = (
        advisor_invite,
        advisor_profile,
        advisor_pause,
        assignments,
        offers,
        booking,
        reassign_date,
        outcome,
    )
    coordination = (
        coordinator_assign,
        coordinator_reassign,
        coordinator_requests,
        coordinator_advisors,
        coordinator_roles,
        broadcast_wizard,
        export,
        statistics,
        knowledge_admin,
    )
    privacy_modules = (privacy, own_data, erasure)
    for module in (intake, *matching, *coordination, status, start, *privacy_modules, language, news, faq):
        application.add_handlers(module.handlers())
    application.add_handlers(fallback.handlers())
