"""The guide's path through the sandbox page in a real browser, with the real bot behind it:
contact request → advisor offer → accept → date → confirm → ⏩ past the date → outcome → statistics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.sandbox.hooks import SandboxHooks
from bot.sandbox.thread import SandboxThread
from bot.sandbox_command import SandboxBot
from models import Booking, InboxUpdate, KickoffRequest, OutboxMessage
from models.clock import CLOCK
from tests.intake_helpers import workday
from tests.sandbox_helpers import NO_CHROMIUM, chromium_available, chromium_driver, screenshot, wait_for

pytestmark = pytest.mark.skipif(not chromium_available(), reason=NO_CHROMIUM)
TIMEOUT = 30.0
BERLIN = ZoneInfo("Europe/Berlin")


class Demo:
    """The sandbox command's server and bot on a background loop, and the page in a browser."""

    def __init__(self, sandbox: SandboxThread, bot: SandboxBot, driver: Any) -> None:
        self.sandbox, self.bot, self.driver = sandbox, bot, driver
        self.municipality, self.advisor, self.coordinator = (u.id for u in sandbox.emulator.users)

    def until(self, condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
        """Wait for a condition of the page or the bot."""
        return wait_for(self.driver, condition, timeout)

    def settle(self) -> None:
        """Wait until the bot has handled every update and sent every message it queued."""

        async def quiet() -> None:
            runtime = self.bot.runtime
            assert runtime is not None
            for _ in range(600):
                async with runtime.db.transaction() as session:
                    updates = await session.scalar(
                        select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status == "pending")
                    )
                    sends = await session.scalar(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.status == "pending")
                    )
                if not updates and not sends and not self.bot.server.emulator.pending_updates:
                    return
                await asyncio.sleep(0.05)
            raise TimeoutError("the bot did not settle")

        self.sandbox.call(quiet)

    def _writes(self, user_id: int) -> int:
        return sum(
            1
            for call in self.sandbox.emulator.calls
            if call.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
            and call.error is None
            and int(call.params.get("chat_id", 0)) == user_id
        )

    def _answered(self, user_id: int, before: int) -> None:
        self.until(lambda: self._writes(user_id) > before)
        self.settle()

    def say(self, user_id: int, text: str) -> None:
        """Type ``text`` into the user's column, press Enter and wait for the bot's answer."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        before = self._writes(user_id)
        box = self.driver.find_element(By.CSS_SELECTOR, f'.column[data-user-id="{user_id}"] .composer .text')
        box.send_keys(text, Keys.ENTER)
        self._answered(user_id, before)

    def button(self, user_id: int, match: str) -> Any:
        """The newest button in the column whose data or label contains ``match``."""
        from selenium.webdriver.common.by import By

        def find() -> Any:
            messages = self.driver.find_elements(
                By.CSS_SELECTOR, f'.column[data-user-id="{user_id}"] .msg.incoming'
            )
            for message in reversed(messages):
                for button in message.find_elements(By.CSS_SELECTOR, "button[data-callback-data]"):
                    if match in (button.get_attribute("data-callback-data") or "") or match in button.text:
                        return button
            return None

        return self.until(find)

    def button_data(self, user_id: int, match: str) -> str:
        """The callback data of that button, read in the same try that finds it."""
        return str(self.until(lambda: self.button(user_id, match).get_attribute("data-callback-data")))

    def press(self, user_id: int, match: str) -> None:
        """Click that button and wait for the bot's answer."""
        before = self._writes(user_id)

        def click() -> bool:
            # Found and clicked in one try: a redraw between the two only means another look.
            button = self.button(user_id, match)
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
            button.click()
            return True

        self.until(click)
        self._answered(user_id, before)

    def has_button(self, user_id: int, prefix: str) -> bool:
        """Whether any message in the column carries a button whose data starts with ``prefix``."""
        from selenium.webdriver.common.by import By

        selector = f'.column[data-user-id="{user_id}"] button[data-callback-data^="{prefix}"]'
        return bool(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def pick_day(self, user_id: int, day: Any, part: str) -> None:
        """Page the intake's calendar to ``day`` and choose it with a part of the day."""
        for _ in range(8):
            if self.has_button(user_id, f"ik:tw:d:{day:%Y%m%d}"):
                break
            self.press(user_id, "▶️")
        self.press(user_id, f"ik:tw:d:{day:%Y%m%d}")
        self.press(user_id, f"ik:tw:p:{day:%Y%m%d}:{part}")

    def read(self, query: Any) -> Any:
        """One value from the sandbox database."""

        async def run() -> Any:
            assert self.bot.runtime is not None
            async with self.bot.runtime.db.transaction() as session:
                return await session.scalar(query)

        return self.sandbox.call(run)


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.chdir(tmp_path)
    with SandboxThread(hooks=SandboxHooks()) as sandbox:
        assert sandbox.server is not None
        bot = SandboxBot(Settings(_env_file=None), sandbox.server, coordinator=True)
        sandbox.call(bot.start)
        try:
            with chromium_driver() as driver:
                driver.get(sandbox.page_url)
                yield Demo(sandbox, bot, driver)
        finally:
            sandbox.call(bot.stop)
            CLOCK.reset()


def test_the_guides_path_in_the_browser(demo: Demo) -> None:
    from selenium.webdriver.common.by import By

    driver, contact, aylin, sam = demo.driver, demo.municipality, demo.advisor, demo.coordinator
    demo.until(lambda: [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".column .role")]
               == ["Gemeinde", "Berater*in", "Koordination"])  # fmt: skip
    assert driver.find_element(By.ID, "guide").get_attribute("open") is not None
    screenshot(driver, "journey-1-start")
    driver.find_element(By.CSS_SELECTOR, "#guide summary").click()  # fold the guide: more room to chat

    # 1. Gemeinde: the request, step by step as the guide says.
    demo.say(contact, "/anfrage")
    demo.press(contact, "ik:cs:y:")
    demo.say(contact, "Tuebingen")
    demo.press(contact, "ik:mu:g:08416041")
    demo.say(contact, "Ana Müller")
    demo.say(contact, "Integrationsbüro")
    demo.say(contact, "ana@tuebingen.de")
    demo.say(contact, "07071 204 1234")
    demo.press(contact, "ik:tp:+:festival")
    demo.press(contact, "✅")
    demo.press(contact, "ik:la:+:tr")
    demo.press(contact, "✅")
    demo.say(contact, "Mehr Vielfalt in der Fairen Woche")
    # The calendar's days, weekday names and month fit their buttons, uncut.
    calendar = demo.until(lambda: demo.button(contact, "ik:tw:d:")).find_element(
        By.XPATH, "ancestor::div[@class='inline-kb']"
    )
    cut = "return arguments[0].scrollWidth > arguments[0].clientWidth"
    buttons = calendar.find_elements(By.CSS_SELECTOR, ".kb-button")
    assert len(buttons) > 30 and [b.text for b in buttons if driver.execute_script(cut, b)] == []
    first, second = workday(9), workday(40)
    demo.pick_day(contact, first, "am")
    demo.pick_day(contact, second, "pm")
    demo.press(contact, "✅")
    demo.press(contact, "ik:fm:v:online")
    demo.press(contact, ":send")
    reference = demo.read(select(KickoffRequest.reference))
    assert reference and reference.startswith("MG-")

    # 2. Beraterin: the offer is there at once (her profile was complete from the start).
    demo.until(lambda: demo.has_button(aylin, "of:a:"))
    screenshot(driver, "journey-2-offer")
    demo.press(aylin, "of:a:")
    demo.press(aylin, "bk:p:")
    demo.press(aylin, "bk:s:")

    # 3. Gemeinde: confirms the date; both get a calendar file.
    demo.press(contact, "bk:y:")
    starts_at = demo.read(select(Booking.starts_at))
    assert starts_at is not None
    screenshot(driver, "journey-3-confirmed")

    # 4. ⏩ a day at a time, until the talk is over and the bot asks Aylin how it went.
    clock_button = driver.find_element(By.CSS_SELECTOR, ".clock-advance[data-seconds='86400']")
    for _ in range(60):
        if demo.has_button(aylin, "oc:h:"):
            break
        demo.until(lambda: clock_button.is_enabled())
        clock_button.click()
        demo.until(lambda: clock_button.is_enabled())
        demo.settle()
    assert CLOCK.now() > starts_at
    assert "vorgespult" in driver.find_element(By.ID, "clock-offset").text
    # The page writes times as the bot does, in Berlin time (the browser here runs on UTC).
    berlin = {(CLOCK.now() - timedelta(minutes=m)).astimezone(BERLIN) for m in (0, 2)}
    shown = driver.find_element(By.ID, "clock-now").text
    assert any(f"{t:%d.%m.}" in shown and f"{t:%H}:" in shown for t in berlin), shown
    newest = driver.find_elements(By.CSS_SELECTOR, f'.column[data-user-id="{aylin}"] .msg.incoming time')[-1]
    assert any(f"{t:%H}:" in newest.text for t in berlin), newest.text
    reminders = [m for m in demo.sandbox.emulator.messages_in(contact) if "⏰" in (m.text or "")]
    assert len(reminders) == 1  # the reminder before the talk
    screenshot(driver, "journey-4-outcome-question")
    happened = demo.button_data(aylin, "oc:h:").rsplit(":", 1)[0] + ":1"
    demo.press(aylin, happened)
    consult = demo.button_data(aylin, "oc:c:").rsplit(":", 1)[0] + ":1"
    demo.press(aylin, consult)
    demo.until(lambda: demo.has_button(aylin, "oc:s:"))
    demo.say(aylin, "Sehr gutes Gespräch, Folgetermin im Mai.")
    demo.until(lambda: demo.read(select(Booking.outcome_note)) == "Sehr gutes Gespräch, Folgetermin im Mai.")
    assert demo.read(select(KickoffRequest.status)) == "consultation"

    # 5. Koordination: the requests and the numbers.
    demo.say(sam, "/anfragen")
    assert any(reference in (m.text or "") for m in demo.sandbox.emulator.messages_in(sam))
    demo.say(sam, "/statistik")
    assert any("Statistik" in (m.text or "") for m in demo.sandbox.emulator.messages_in(sam))
    screenshot(driver, "journey-5-statistics")
