"""Property tests: arbitrary text and unicode at every step of the intake never break the bot.

For each example the draft is put back on the step under test (editing from the summary, so a
valid answer returns to the summary); then the text is sent. Whatever it is, the update must be
handled (not failed), produce exactly one reply that fits Telegram's limit and contains no markup
but the bot's own, and leave a draft that is at that step or back at the summary.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot.runtime.outbox import TELEGRAM_TEXT_LIMIT
from bot.telegram_text import visible_length
from models import InboxUpdate, IntakeDraft, IntakeStep
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import STEPS, draft_of, walk_to

ALLOWED_TAGS = {"b", "i", "a"}

# Unicode of every kind (emoji, combining marks, right-to-left, zero-width, control characters),
# plus the inputs people really type in the wrong place.
TEXTS = st.one_of(
    st.text(min_size=1, max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=1200),
    st.sampled_from(
        [
            "<b>bold</b>",
            "<script>alert(1)</script>",
            "Ana <u>Müller</u>",
            "&amp; &lt;",
            "😀" * 50,
            "\u202eevil\u202c",
            "Tübingen\u0301",
            "/start",
            "/anfrage",
            "a\nb\r\nc",
            " ",
            "0" * 40,
            "ana@xn--tbingen-gxa.de",
            "+49 7071 " + "9" * 30,
        ]
    ),
)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def _tags(text: str) -> set[str]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


async def _put_back(harness: Harness, telegram_id: int, step: IntakeStep) -> None:
    draft = await draft_of(harness, telegram_id)
    assert draft is not None
    async with harness.runtime.db.transaction() as session:
        await session.execute(
            update(IntakeDraft).where(IntakeDraft.id == draft.id).values(step=step, editing=True, active=True)
        )


@pytest.mark.parametrize("step", (*STEPS, IntakeStep.SUMMARY), ids=lambda s: s.value)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=TEXTS)
async def test_any_text_at_any_step_gets_one_clean_reply(
    harness: Harness, step: IntakeStep, text: str
) -> None:
    # One contact per test: the draft from the first example is reused by the others.
    user = TelegramUser(800, "P", "de")
    if await draft_of(harness, user.id) is None:
        await walk_to(harness, user, IntakeStep.SUMMARY)
    await _put_back(harness, user.id, step)
    sent = await harness.text(user, text)
    async with harness.runtime.db.transaction() as session:
        status = await session.scalar(select(InboxUpdate.status).order_by(InboxUpdate.id.desc()).limit(1))
    assert status == "done"
    messages = [s for s in sent if s.method == "sendMessage"]
    assert len(messages) == 1
    reply = messages[0].text
    assert 0 < visible_length(reply) <= TELEGRAM_TEXT_LIMIT  # Telegram counts the visible text
    assert _tags(reply) <= ALLOWED_TAGS
    draft = await draft_of(harness, user.id)
    if text.startswith("/anfrage") or text.startswith("/start"):
        return  # a command, answered by its own handler; the draft is untouched
    assert draft is not None and draft.step in (step, IntakeStep.SUMMARY)
