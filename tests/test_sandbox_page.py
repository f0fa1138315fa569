"""The sandbox's chat page in a real headless Chromium, with a tiny fake bot behind it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.sandbox.thread import SandboxThread
from tests.sandbox_helpers import (
    NO_CHROMIUM,
    browser_round_trip,
    chromium_available,
    chromium_driver,
    run_fake_bot,
    screenshot,
)
from tests.sandbox_helpers import wait_for as until

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


def column_selector(user_id: int) -> str:
    return f'.column[data-user-id="{user_id}"]'


def test_round_trip_in_the_browser(driver: Any, sandbox: SandboxThread) -> None:
    from selenium.webdriver.common.by import By

    result = browser_round_trip(driver, sandbox.page_url)
    names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".column .name")]
    assert names == ["Kommune Musterstadt", "Beraterin Aylin", "Koordination Sam"]
    metas = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".column-head .meta")]
    assert [m.rsplit(" ", 1)[-1] for m in metas] == ["de", "de", "de"]
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
    faults = driver.find_element(By.ID, "faults")
    assert faults.get_attribute("open") is None  # folded until wanted
    faults.find_element(By.TAG_NAME, "summary").click()
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
    until(driver, lambda: "keine aktiv" in driver.find_element(By.ID, "faults-summary").text)

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
    until(driver, lambda: driver.find_element(By.CSS_SELECTOR, f"{col} .role").text == "Koordination")
    assert not driver.find_element(By.CSS_SELECTOR, f"{col} .make-coordinator").is_displayed()


def test_coordinator_button_hidden_without_hook(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    with SandboxThread(initial_users=[("Solo", "de")]) as sandbox:
        driver.get(sandbox.page_url)
        until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".column .name"))
        assert not driver.find_element(By.CSS_SELECTOR, ".make-coordinator").is_displayed()


def test_the_guide_in_german_opens_on_the_first_visit_and_stays_folded(
    driver: Any, sandbox: SandboxThread
) -> None:
    from selenium.webdriver.common.by import By

    driver.get(sandbox.page_url)
    driver.execute_script("window.localStorage.clear()")
    driver.get(sandbox.page_url)
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".column .role")) == 3)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    guide = driver.find_element(By.ID, "guide")
    assert guide.get_attribute("open") is not None and guide.is_displayed()
    steps = [li.text for li in guide.find_elements(By.CSS_SELECTOR, "ol li")]
    assert steps[0].startswith("Gemeinde") and "/anfrage" in steps[0]
    assert steps[1].startswith("Berater*in") and "Annehmen" in steps[1]
    assert any("+1 Tag" in step for step in steps)
    assert steps[-1].startswith("Koordination") and "/anfragen" in steps[-1] and "/statistik" in steps[-1]
    # Each column says whose it is; the fake bot's sandbox knows no roles: all are municipalities.
    roles = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".column .role")]
    assert roles == ["Gemeinde", "Gemeinde", "Gemeinde"]
    assert driver.find_element(By.ID, "faults").get_attribute("open") is None
    assert not driver.find_element(By.ID, "clock").is_displayed()  # no bot's clock behind a fake bot
    screenshot(driver, "guide-open")
    guide.find_element(By.TAG_NAME, "summary").click()
    until(driver, lambda: guide.get_attribute("open") is None)
    driver.get(sandbox.page_url)
    until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".column"))
    assert driver.find_element(By.ID, "guide").get_attribute("open") is None  # folded, as left
    driver.execute_script("window.localStorage.clear()")


def test_buttons_are_cut_to_one_line_and_long_input_is_split(driver: Any, sandbox: SandboxThread) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    emulator = sandbox.emulator
    user = emulator.users[0]
    driver.get(sandbox.page_url)
    label = "Faire Woche oder interkulturelles Fest mit migrantischen Akteur*innen"
    rows = [[{"text": label, "callback_data": "long"}], [{"text": "Kurz", "callback_data": "short"}]]
    status, body = sandbox.call(
        lambda: sandbox.server.emulator.call(
            "sendMessage",
            {
                "chat_id": str(user.id),
                "text": "Welches Thema?",
                "reply_markup": json.dumps({"inline_keyboard": rows}),
            },
        )
    )
    assert status == 200, body
    col = column_selector(user.id)
    long_button = until(
        driver, lambda: driver.find_elements(By.CSS_SELECTOR, f"{col} [data-callback-data='long']")
    )[0]
    short_button = driver.find_element(By.CSS_SELECTOR, f"{col} [data-callback-data='short']")
    assert long_button.size["height"] == short_button.size["height"]  # one line, like the short one
    assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", long_button)
    assert long_button.value_of_css_property("text-overflow") == "ellipsis"
    assert long_button.get_attribute("title") == label  # the whole label on hover

    text = (
        "Wir möchten mit den Vereinen unserer Gemeinde ein Fest planen. " * 80
    ).strip()  # 5,039 characters
    box = driver.find_element(By.CSS_SELECTOR, f"{col} .composer .text")
    driver.execute_script("arguments[0].value = arguments[1]", box, text)  # pasted at once
    box.submit()
    until(driver, lambda: len([m for m in emulator.messages_in(user.id) if not m.from_bot]) == 2)
    sent = [m.text or "" for m in emulator.messages_in(user.id) if not m.from_bot]
    assert all(len(part) <= 4096 for part in sent) and " ".join(sent) == text
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, f"{col} .msg.outgoing")) == 2)
    screenshot(driver, "buttons-and-split")
    # Shift+Enter starts a new line, Enter sends, as in Telegram.
    box.send_keys("Erste Zeile", Keys.SHIFT, Keys.ENTER, Keys.SHIFT, "zweite Zeile", Keys.ENTER)
    until(driver, lambda: len([m for m in emulator.messages_in(user.id) if not m.from_bot]) == 3)
    assert [m.text for m in emulator.messages_in(user.id) if not m.from_bot][
        -1
    ] == "Erste Zeile\nzweite Zeile"
    assert box.get_attribute("value") == ""


def test_remove_a_user_and_start_over(driver: Any, sandbox: SandboxThread) -> None:
    from selenium.webdriver.common.by import By

    emulator = sandbox.emulator
    first, second, third = emulator.users
    driver.get(sandbox.page_url)
    browser_round_trip(driver, sandbox.page_url)
    col = column_selector(second.id)
    remove = until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, f"{col} .remove-user"))[0]
    remove.click()
    assert remove.text == "Entfernen?" and len(emulator.users) == 3  # asks once more
    remove.click()
    until(driver, lambda: not driver.find_elements(By.CSS_SELECTOR, col))
    assert [u.id for u in emulator.users] == [first.id, third.id]
    reset = driver.find_element(By.ID, "reset")
    reset.click()
    assert reset.text == "Wirklich alles löschen?"
    reset.click()
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".column")) == 3)
    until(driver, lambda: not driver.find_elements(By.CSS_SELECTOR, ".msg"))
    assert [u.id for u in emulator.users] == [first.id, second.id, third.id]
    assert all(emulator.messages_in(u.id) == [] for u in emulator.users)
