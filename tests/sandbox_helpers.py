"""Helpers for the sandbox tests: a Bot API client, a tiny fake bot, headless Chromium, and the
browser round trip that the end-to-end tests reuse with the real bot."""

from __future__ import annotations

import asyncio
import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
NO_CHROMIUM = "chromium not installed: apt-get install chromium chromium-driver"
TOKEN = "123:abc"


class BotApiClient:
    """Calls the sandbox's Bot API over HTTP the way PTB does (form fields, JSON-encoded values)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str = TOKEN) -> None:
        self.session = session
        self.url = f"{base_url}{token}/"

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST form-encoded; return (HTTP status, JSON body)."""
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items() if v is not None}
        async with self.session.post(self.url + method, data=form) as response:
            return response.status, await response.json()

    async def json(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST a JSON body."""
        async with self.session.post(self.url + method, json=params) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        """Call and return ``result``, failing the test on an error answer."""
        status, body = await self(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]


async def run_fake_bot(base_url: str, poll_timeout: int = 5) -> None:
    """A minimal bot: /start → a greeting with one inline button; pressing it edits the message.

    Stands in for the real bot in the page test until that one is wired up; cancel to stop.
    """
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

    async with Bot(TOKEN, base_url=base_url) as bot:
        offset = 0
        while True:
            updates = await bot.get_updates(offset=offset, timeout=poll_timeout)
            for update in updates:
                offset = update.update_id + 1
                if update.message and update.message.text and update.message.text.startswith("/start"):
                    name = html.escape(update.message.from_user.first_name)
                    button = InlineKeyboardButton("Weiter ▶", callback_data="next")
                    await bot.send_message(
                        update.message.chat_id,
                        f"Hallo <b>{name}</b>! Drücke den Knopf.",
                        parse_mode="HTML",
                        reply_markup=InlineKeyboardMarkup([[button]]),
                    )
                elif query := update.callback_query:
                    await bot.answer_callback_query(query.id, "Erledigt")
                    await bot.edit_message_text(
                        "Geschafft <i>✅</i>",
                        chat_id=query.message.chat.id,
                        message_id=query.message.message_id,
                        parse_mode="HTML",
                    )


# ---------------------------------------------------------------------------------------------
# Browser


def chromium_available() -> bool:
    """Whether the Debian Chromium and its driver are installed."""
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


@contextmanager
def chromium_driver(window: tuple[int, int] = (1600, 1000)) -> Iterator[Any]:
    """A headless Chromium WebDriver on the system browser (Selenium never downloads one)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="sandbox-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        f"--window-size={window[0]},{window[1]}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        with suppress(Exception):
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: Any, name: str) -> Path:
    """Save what the browser shows as ``<name>.png`` (in ``$SANDBOX_SCREENSHOTS`` or the temp
    folder's ``sandbox-screens``) so that a person can look at the page; returns the file."""
    folder = Path(os.environ.get("SANDBOX_SCREENSHOTS") or Path(tempfile.gettempdir()) / "sandbox-screens")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@dataclass
class RoundTrip:
    """What the browser saw during :func:`browser_round_trip`."""

    user_id: int
    message_id: int
    reply_text: str
    edited_text: str
    toasts: list[str]


def browser_round_trip(
    driver: Any,
    page_url: str,
    column: int = 0,
    command: str = "/start",
    timeout: float = 15,
    button_data: str | None = None,
) -> RoundTrip:
    """Open the page, send ``command`` as the ``column``-th user, wait for a bot reply with an
    inline button, press its first button (or the one carrying ``button_data``) and wait until
    the page shows that message edited.

    Works with any bot that answers ``command`` with an inline keyboard and edits that message
    when a button is pressed (the fake bot above, later the real bot).
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    driver.get(page_url)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".column")) > column)
    col = driver.find_elements(By.CSS_SELECTOR, ".column")[column]
    user_id = int(col.get_attribute("data-user-id"))
    sel = f'.column[data-user-id="{user_id}"]'

    def incoming_ids() -> list[int]:
        found = driver.find_elements(By.CSS_SELECTOR, f"{sel} .msg.incoming")
        return [int(m.get_attribute("data-message-id")) for m in found]

    before = set(incoming_ids())
    text_input = driver.find_element(By.CSS_SELECTOR, f"{sel} .composer .text")
    text_input.send_keys(command, Keys.ENTER)  # Enter sends, as in Telegram
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{sel} .msg.outgoing"))

    def reply_with_button(d: Any) -> Any:
        for message in d.find_elements(By.CSS_SELECTOR, f"{sel} .msg.incoming"):
            message_id = int(message.get_attribute("data-message-id"))
            if message_id not in before and message.find_elements(
                By.CSS_SELECTOR, "button[data-callback-data]"
            ):
                return message_id
        return None

    message_id = wait.until(reply_with_button)
    msg_sel = f'{sel} .msg[data-message-id="{message_id}"]'
    reply_text = driver.find_element(By.CSS_SELECTOR, f"{msg_sel} .bubble .text").text
    wanted = f'[data-callback-data="{button_data}"]' if button_data else "[data-callback-data]"
    driver.find_element(By.CSS_SELECTOR, f"{msg_sel} button{wanted}").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{msg_sel} .edited"))
    edited_text = driver.find_element(By.CSS_SELECTOR, f"{msg_sel} .bubble .text").text
    toasts = [t.text for t in driver.find_elements(By.CSS_SELECTOR, f"{sel} .toast")]
    return RoundTrip(user_id, message_id, reply_text, edited_text, toasts)


async def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    """Poll a plain predicate (for state outside the emulator, e.g. a hook's record)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


def wait_for(driver: Any, condition: Callable[[], Any], timeout: float = 10) -> Any:
    """Wait for a condition of the page or the emulator with the browser's wait.

    The page redraws a chat's messages when the bot edits or adds one, so an element found a
    moment ago can be gone when it is read; such a look is simply tried again.
    """
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(lambda _: condition())
