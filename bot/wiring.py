"""The top of the bot: composes the handlers and their sweeps with the runtime into one process.

Only the entry points (:mod:`bot.cli`, :mod:`bot.sandbox_command`) import this module; nothing
below it (handlers, services, runtime, models) imports it.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

import handlers
from bot.app import ProcessRuntime
from bot.config import Settings
from bot.context import BotContext
from bot.runtime.aiohttp_request import AiohttpRequest
from bot.runtime.ptb_application import StatelessApplication
from bot.runtime.sweeper import FeatureSweep
from handlers import broadcast_sweep, deadlines

FEATURE_SWEEPS = (
    # Matching and booking (issue 6): offers passed on, escalations, reminders, outcome questions.
    FeatureSweep("offer-cascade", lambda s: s.sweep_interval_seconds, deadlines.sweep_offers),
    FeatureSweep("kickoff-bookings", lambda s: s.sweep_interval_seconds, deadlines.sweep_bookings),
    # Broadcasts (issue 7): start due ones, feed the bulk lane, update progress, report the end.
    FeatureSweep("broadcasts", lambda s: s.broadcast_sweep_seconds, broadcast_sweep.sweep_broadcasts),
)


def build_application(
    settings: Settings, token: str, request: BaseRequest | None = None
) -> Application[Any, BotContext, Any, Any, Any, Any]:
    """The PTB application with every handler registered; it has no Updater (we poll durably).

    ``request`` replaces the HTTP layer (tests pass an offline one).
    """
    builder = (
        ApplicationBuilder()
        .application_class(StatelessApplication)
        .token(token)
        .updater(None)
        .context_types(ContextTypes(context=BotContext))
        .request(request or AiohttpRequest(connection_pool_size=64, read_timeout=20))
        .get_updates_request(request or AiohttpRequest(connection_pool_size=2, read_timeout=40))
    )
    if settings.telegram_base_url:
        base = settings.telegram_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
    application = builder.build()
    handlers.register(application)
    return application  # type: ignore[return-value]


class BotRuntime(ProcessRuntime):
    """The bot's process with every handler registered and every feature sweep scheduled."""

    def __init__(self, settings: Settings, token: str, request: BaseRequest | None = None) -> None:
        """The runtime with the bot's application and feature sweeps."""
        super().__init__(settings, build_application(settings, token, request), FEATURE_SWEEPS)
