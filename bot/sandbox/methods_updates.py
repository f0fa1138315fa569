"""The sandbox's update-delivery methods: getMe, getUpdates and the webhook calls."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from bot.sandbox.api_calls import ApiError, bad
from bot.sandbox.models import DEFAULT_UPDATES, SandboxState, Upload


class UpdateMethods(SandboxState):
    """How updates reach the bot: long polling or a webhook, as the Bot API defines them."""

    def _api_getMe(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        """Return the bot's own user, as getMe does."""
        return {
            **self.bot_user,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, p: dict[str, Any], f: dict[str, Upload]) -> list[dict]:
        """Hand out pending updates by long polling, as getUpdates does."""
        if self.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        offset = self._int(p.get("offset"), 0, "offset")
        limit = min(100, max(1, self._int(p.get("limit"), 100, "limit")))
        deadline = time.monotonic() + max(0, self._int(p.get("timeout"), 0, "timeout"))
        if isinstance(p.get("allowed_updates"), list):
            self._allowed = set(p["allowed_updates"]) or set(DEFAULT_UPDATES)
        if offset < 0:  # keep only the last -offset updates
            self._updates = self._updates[offset:]
        elif offset > 0:  # confirms (forgets) everything below offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poller += 1
        me = self._poller
        if self._active_poll is not None:
            self._changed()  # wake the older request so it ends with 409, as on Telegram
        while not self._updates and not self.closing and time.monotonic() < deadline:
            self._active_poll = me
            try:
                await self.wait_change(self._version, deadline - time.monotonic())
            finally:
                if self._active_poll == me:
                    self._active_poll = None
            if self._poller != me:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot"
                    " instance is running",
                )
        return copy.deepcopy(self._updates[:limit])

    def _api_setWebhook(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Register (or clear) the webhook that receives updates."""
        url = str(p.get("url") or "")
        if url and not re.match(r"https?://", url):  # the sandbox also accepts local http
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if isinstance(p.get("allowed_updates"), list):
            self._allowed = set(p["allowed_updates"]) or set(DEFAULT_UPDATES)
        self.webhook = {"url": url}
        if url:
            self.webhook.update(
                secret_token=p.get("secret_token"),
                max_connections=self._int(p.get("max_connections"), 40, "m"),
            )
            self._poller += 1  # a running getUpdates ends with 409
        return True

    def _api_deleteWebhook(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Remove the webhook so updates can be polled again."""
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": ""}
        return True

    def _api_getWebhookInfo(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        """Describe the current webhook and the pending update count."""
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "last_error_date", "last_error_message"):
            if self.webhook.get(key) is not None:
                info[key] = self.webhook[key]
        if self.webhook.get("url"):
            info["allowed_updates"] = sorted(self._allowed)
        return info
