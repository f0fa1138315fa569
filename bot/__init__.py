"""MiGlobe bot: a Telegram assistant for MiGlobe Baden-Württemberg."""

__version__ = "0.1.0"
