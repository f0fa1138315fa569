"""The sandbox's chat page in a real headless Chromium, with a tiny fake bot behind it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.sandbox.thread import SandboxThread
from tests.sandbox_helpers import (
    NO_CHROMIUM,
    browser_round_trip,
    chromium_available,
    chromium_driver,
    run_fake_bot,
)

pytestmark = pytest.mark.skipif(not chromium_available(), reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium_driver() as driver:
        yield driver


@pytest.fixture
def coordinators() -> list[int]:
    return []


@pytest.fixture
def sandbox(coordinators: list[int]) -> Iterator[SandboxThread]:
    async def make_coordinator(user_id: int) -> None:
        coordinators.append(user_id)

    with SandboxThread(on_make_coordinator=make_coordinator) as sandbox:
        bot = sandbox.submit(run_fake_bot(sandbox.bot_api_base_url, poll_timeout=2))
        yield sandbox
        if bot.done() and not bot.cancelled():
            bot.result()  # the fake bot crashed: show why
        bot.cancel()


def until(driver: Any, condition: Callable[[], Any], timeout: float = 10) -> Any:
    """Wait for any condition (page or emulator state) with the browser's wait."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda _: condition())


def column_selector(user_id: int) -> str:
    return f'.column[data-user-id="{user_id}"]'


def test_round_trip_in_the_browser(driver: Any, sandbox: SandboxThread) -> None:
    from selenium.webdriver.common.by import By

    result = browser_round_trip(driver, sandbox.page_url)
    names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".column .name")]
    assert names == ["Kommune Musterstadt", "Beraterin Aylin", "Coordinator Sam"]
    metas = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".column-head .meta")]
    assert [m.rsplit(" ", 1)[-1] for m in metas] == ["de", "de", "en"]
    assert result.reply_text == "Hallo Kommune Musterstadt! Drücke den Knopf."
    assert result.edited_text == "Geschafft ✅"
    assert "Erledigt" in result.toasts  # the callback answer appears as a toast
    bold = driver.find_elements(By.CSS_SELECTOR, f"{column_selector(result.user_id)} .msg.incoming b")
    assert bold == []  # the edit replaced the message: the old <b> is gone, one message remains
    messages = sandbox.emulator.messages_in(result.user_id)
    assert [m.from_bot for m in messages] == [False, True]
    assert messages[1].edit_count == 1 and messages[1].reply_markup is None
    incoming = driver.find_elements(By.CSS_SELECTOR, f"{column_selector(result.user_id)} .msg.incoming")
    assert len(incoming) == 1


def test_bot_html_is_rendered_safely(driver: Any, sandbox: SandboxThread) -> None:
    from selenium.webdriver.common.by import By

    emulator = sandbox.emulator
    user = emulator.users[1]
    driver.get(sandbox.page_url)
    text = (
        '<b>fett</b> <a href="https://example.org/info">Info</a> <a href="javascript:alert(1)">js</a>'
        " &lt;img src=x onerror=alert(1)&gt; &lt;script&gt;window.pwned=1&lt;/script&gt;"
        ' <tg-spoiler>geheim</tg-spoiler> <pre><code class="language-python">x = 1</code></pre> /hilfe'
    )
    keyboard = {"keyboard": [["Ja", "Nein"]], "one_time_keyboard": True}
    status, body = sandbox.call(
        lambda: sandbox.server.emulator.call(
            "sendMessage",
            {
                "chat_id": str(user.id),
                "text": text,
                "parse_mode": "HTML",
                "reply_markup": json.dumps(keyboard),
            },
        )
    )
    assert status == 200, body
    col = column_selector(user.id)
    bubble = until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, f"{col} .msg.incoming .text"))[0]
    assert "<img src=x onerror=alert(1)> <script>window.pwned=1</script>" in bubble.text
    assert bubble.find_elements(By.CSS_SELECTOR, "script, img") == []
    assert driver.execute_script("return window.pwned") is None
    assert bubble.find_element(By.CSS_SELECTOR, "b").text == "fett"
    links = bubble.find_elements(By.CSS_SELECTOR, "a[href^='http']")
    assert [(a.text, a.get_attribute("href"), a.get_attribute("target")) for a in links] == [
        ("Info", "https://example.org/info", "_blank")
    ]
    assert "noopener" in links[0].get_attribute("rel")
    assert bubble.find_elements(By.CSS_SELECTOR, "a[href^='javascript']") == []
    assert bubble.find_element(By.CSS_SELECTOR, "pre code").text == "x = 1"
    assert bubble.find_element(By.CSS_SELECTOR, ".spoiler").text == "geheim"
    # The reply keyboard sits above the input; a button sends its text and then hides.
    driver.find_element(By.XPATH, f"//*[@data-user-id='{user.id}']//div[contains(@class,'reply-keyboard')]"
                                  "//button[text()='Ja']").click()  # fmt: skip
    until(driver, lambda: [m.text for m in emulator.messages_in(user.id) if not m.from_bot] == ["Ja"])
    until(driver, lambda: not driver.find_element(By.CSS_SELECTOR, f"{col} .reply-keyboard").is_displayed())
    # A bot command in the bot's text is a link that sends the command.
    bubble = driver.find_element(By.CSS_SELECTOR, f"{col} .msg.incoming .text")
    bubble.find_element(By.CSS_SELECTOR, "a.command").click()
    until(driver, lambda: [m.text for m in emulator.messages_in(user.id) if not m.from_bot][-1] == "/hilfe")


def test_users_faults_bad_input_and_coordinator(
    driver: Any, sandbox: SandboxThread, coordinators: list[int]
) -> None:
    from selenium.webdriver.common.by import By

    emulator = sandbox.emulator
    driver.get(sandbox.page_url)
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".column")) == 3)
    form = driver.find_element(By.ID, "add-user")
    form.find_element(By.NAME, "first_name").send_keys("Gemeinde Ulm")
    language = form.find_element(By.NAME, "language_code")
    language.clear()
    language.send_keys("en")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".column")) == 4)
    new_user = emulator.users[3]
    assert (new_user.first_name, new_user.language_code) == ("Gemeinde Ulm", "en")
    col = column_selector(new_user.id)
    assert driver.find_element(By.CSS_SELECTOR, f"{col} .name").text == "Gemeinde Ulm"

    # "blocked the bot" in a column, and the faults panel
    driver.find_element(By.CSS_SELECTOR, f"{col} input.block").click()
    until(driver, lambda: new_user.id in emulator.faults.blocked_chats)
    panel = driver.find_element(By.CSS_SELECTOR, "form[data-fault='rate_limit']")
    retry = panel.find_element(By.NAME, "retry_after")
    retry.clear()
    retry.send_keys("9")
    panel.find_element(By.CSS_SELECTOR, "button").click()
    until(
        driver, lambda: emulator.faults.rate_limit_calls == 1 and emulator.faults.rate_limit_retry_after == 9
    )
    driver.find_element(By.CSS_SELECTOR, "form[data-fault='server_error'] button").click()
    until(driver, lambda: emulator.faults.server_error_calls == 1)
    delay = driver.find_element(By.CSS_SELECTOR, "form[data-fault='delay'] input")
    delay.clear()
    delay.send_keys("150")
    driver.find_element(By.CSS_SELECTOR, "form[data-fault='delay'] button").click()
    until(driver, lambda: emulator.faults.delay_seconds == 0.15)
    until(driver, lambda: "429" in driver.find_element(By.ID, "faults-summary").text)
    driver.find_element(By.ID, "clear-faults").click()
    until(
        driver,
        lambda: emulator.faults.snapshot()["blocked_chats"] == [] and emulator.faults.delay_seconds == 0,
    )
    until(driver, lambda: "none active" in driver.find_element(By.ID, "faults-summary").text)

    # the attachment menu sends bad input
    for kind in ("sticker", "location"):
        driver.find_element(By.CSS_SELECTOR, f"{col} .attach-button").click()
        driver.find_element(By.CSS_SELECTOR, f"{col} .attach-menu button[data-kind='{kind}']").click()
        until(driver, lambda kind=kind: any(kind in m.data for m in emulator.messages_in(new_user.id)))
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, f"{col} .msg.outgoing")) == 2)

    # the coordinator hook
    button = driver.find_element(By.CSS_SELECTOR, f"{col} .make-coordinator")
    assert button.is_displayed()
    button.click()
    until(driver, lambda: coordinators == [new_user.id])
    until(driver, lambda: driver.find_element(By.CSS_SELECTOR, f"{col} .coordinator-badge").is_displayed())
    assert not driver.find_element(By.CSS_SELECTOR, f"{col} .make-coordinator").is_displayed()


def test_coordinator_button_hidden_without_hook(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    with SandboxThread(initial_users=[("Solo", "de")]) as sandbox:
        driver.get(sandbox.page_url)
        until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".column .name"))
        assert not driver.find_element(By.CSS_SELECTOR, ".make-coordinator").is_displayed()
