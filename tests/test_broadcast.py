"""Broadcasts: targeting picks exactly the right people; the engine feeds the outbox's bulk lane in
batches, never twice (also across a crash and a restart); outcomes come back; cancel, retry of the
failed only, scheduling; content checks; and the real sender delivering what the engine enqueued."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest, Forbidden

from bot.db import Database
from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.sender import OutboxSender
from bot.services import broadcast_engine, broadcast_outcomes, broadcast_progress, broadcasts, offers
from bot.services.broadcast_audience import AudienceFilter, select_recipients, set_news_consent
from bot.services.broadcast_content import Media, content_limit
from bot.services.broadcast_results import BroadcastOutcome
from models import (
    Broadcast,
    BroadcastAudience,
    BroadcastRecipient,
    BroadcastStatus,
    MediaKind,
    NewsConsent,
    OutboxLane,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
)
from tests.hand_offer_helpers import assign_and_accept
from tests.matching_helpers import NOW, add_advisor, add_request, add_user, migrated

FREIBURG, FREIBURG_KREIS = "08311000", "08311"
MINUTE = timedelta(minutes=1)
_bulk_ids = itertools.count(5_000_000)


async def consenting_contacts(session: AsyncSession, n: int) -> list[int]:
    """``n`` contacts who agreed to receive news, inserted in bulk (fast enough for 1,000)."""
    telegram_ids = [next(_bulk_ids) for _ in range(n)]
    await session.execute(
        insert(User),
        [
            {"telegram_id": t, "first_name": f"K{t}", "locale": "de", "created_at": NOW, "last_seen_at": NOW}
            for t in telegram_ids
        ],
    )
    ids = list(
        await session.scalars(select(User.id).where(User.telegram_id.in_(telegram_ids)).order_by(User.id))
    )
    await session.execute(insert(NewsConsent), [{"user_id": i, "consented_at": NOW} for i in ids])
    return ids


async def coordinator(session: AsyncSession) -> int:
    return (await add_user(session, "Cora", [Role.COORDINATOR])).id


async def draft(
    session: AsyncSession,
    by: int,
    audience: BroadcastAudience = BroadcastAudience.CONTACTS,
    text: str = "<b>Neu:</b> Fördermittel für Städte & Gemeinden",
    media: Media | None = None,
    flt: AudienceFilter | None = None,
) -> int:
    result = await broadcasts.create_draft(session, by, audience, flt or AudienceFilter(), text, NOW, media)
    assert result.kind == BroadcastOutcome.DONE and result.broadcast is not None, result.errors
    return result.broadcast.id


async def start_now(db: Database, count: int | None = None) -> tuple[int, int]:
    """A coordinator, ``count`` consenting contacts, and a broadcast to them released now."""
    async with db.transaction() as session:
        by = await coordinator(session)
        if count:
            await consenting_contacts(session, count)
        broadcast_id = await draft(session, by)
        assert (await broadcasts.schedule(session, broadcast_id, by, NOW)).kind == BroadcastOutcome.DONE
    return by, broadcast_id


async def advance(db: Database, at: Any = NOW, batch: int = 200, max_queued: int = 10_000) -> Any:
    async with db.transaction() as session:
        return await broadcast_engine.advance(session, at, batch, max_queued=max_queued)


async def outbox_rows(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def settle(
    db: Database, outcomes: dict[int, OutboxStatus], default: OutboxStatus | None = None
) -> None:
    """Play the sender: give pending outbox rows an outcome (by chat id, else ``default``)."""
    async with db.transaction() as session:
        for row in await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
            status = outcomes.get(row.chat_id, default)
            if status is not None:
                row.status = status.value


async def progress(db: Database, broadcast_id: int) -> broadcast_progress.BroadcastProgress:
    async with db.transaction() as session:
        found = await broadcast_progress.progress(session, broadcast_id)
    assert found is not None
    return found


async def test_targeting_picks_exactly_the_right_people(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        by = await coordinator(session)
        tuebingen = await add_advisor(session, "Tü", languages=("tr",), regierungsbezirke=("084",))
        stuttgart = await add_advisor(
            session, "St", languages=("ar",), home_ags=None, regierungsbezirke=("081",)
        )
        freiburg = await add_advisor(
            session, "Fr", languages=("tr", "fa"), home_ags=None, kreise=(FREIBURG_KREIS,)
        )
        await add_advisor(session, "Inactive", active=False)
        await add_advisor(session, "Unlinked", linked=False)
        blocked_advisor = await add_advisor(session, "Blocked")
        contact_tr = await add_user(session, "Tr")  # Tübingen, Turkish, offered below
        contact_ar = await add_user(session, "Ar")  # Freiburg, Arabic
        contact_mixed = await add_user(session, "Mixed")  # Tübingen/Arabic and Freiburg/Turkish
        no_request = await add_user(session, "None")
        no_consent = await add_user(session, "NoConsent")
        blocked = await add_user(session, "BlockedContact")
        r_tr = await add_request(session, contact_tr, languages=("tr",))
        await add_request(
            session, contact_ar, place_ags=FREIBURG, kreis_ags=FREIBURG_KREIS, languages=("ar",)
        )
        await add_request(session, contact_mixed, languages=("ar",))
        await add_request(
            session, contact_mixed, place_ags=FREIBURG, kreis_ags=FREIBURG_KREIS, languages=("tr",)
        )
        await add_request(session, no_consent)
        await add_request(session, blocked)
        for user in (contact_tr, contact_ar, contact_mixed, no_request, blocked):
            assert await set_news_consent(session, user.id, True, NOW, "2026-11")
        assert not await set_news_consent(session, no_request.id, True, NOW)  # already agreed
        # An advisor who also agreed to news as a contact is reached once.
        assert tuebingen.user_id is not None and await set_news_consent(session, tuebingen.user_id, True, NOW)
        for user_id in (blocked.id, blocked_advisor.user_id):
            await session.execute(update(User).where(User.id == user_id).values(unreachable_since=NOW))
        # Freiburg's advisor is given the Turkish request (now accepted).
        assigned = await assign_and_accept(session, r_tr.id, freiburg.id, by, NOW)
        assert assigned.kind == offers.OfferOutcome.ACCEPTED

        async def picked(audience: BroadcastAudience, **filters: Sequence[str]) -> set[int]:
            flt = AudienceFilter(**{k: tuple(v) for k, v in filters.items()})
            found = [r.user_id for r in await select_recipients(session, audience, flt)]
            assert len(found) == len(set(found))
            return set(found)

        tu, st, fr = tuebingen.user_id, stuttgart.user_id, freiburg.user_id
        tr, ar, mixed, none = contact_tr.id, contact_ar.id, contact_mixed.id, no_request.id
        assert await picked(BroadcastAudience.ADVISORS) == {tu, st, fr}
        assert await picked(BroadcastAudience.CONTACTS) == {tr, ar, mixed, none, tu}
        assert await picked(BroadcastAudience.BOTH) == {tu, st, fr, tr, ar, mixed, none}
        assert await picked(BroadcastAudience.ADVISORS, regierungsbezirke=["084"]) == {tu}
        assert await picked(BroadcastAudience.ADVISORS, regierungsbezirke=["083", "081"]) == {st, fr}
        assert await picked(BroadcastAudience.ADVISORS, kreise=[FREIBURG_KREIS]) == {fr}
        assert await picked(BroadcastAudience.ADVISORS, kreise=["08111"]) == {st}  # served as part of RB 081
        assert await picked(BroadcastAudience.ADVISORS, languages=["tr"]) == {tu, fr}
        assert await picked(BroadcastAudience.ADVISORS, request_statuses=["accepted"]) == {fr}
        assert await picked(BroadcastAudience.CONTACTS, regierungsbezirke=["084"]) == {tr, mixed}
        assert await picked(BroadcastAudience.CONTACTS, kreise=[FREIBURG_KREIS]) == {ar, mixed}
        assert await picked(BroadcastAudience.CONTACTS, languages=["ar"]) == {ar, mixed}
        # One and the same request has to fit every filter.
        assert await picked(BroadcastAudience.CONTACTS, kreise=["08416"], languages=["tr"]) == {tr}
        assert await picked(BroadcastAudience.CONTACTS, request_statuses=["accepted"]) == {tr}
        assert await picked(BroadcastAudience.BOTH, languages=["tr"], regierungsbezirke=["084"]) == {tu, tr}
        assert await picked(BroadcastAudience.BOTH, kreise=["08222"]) == set()
        broadcast_id = await draft(session, by, BroadcastAudience.BOTH, flt=AudienceFilter(languages=("ar",)))
        preview = await broadcasts.preview(session, broadcast_id)
        assert preview == broadcasts.AudiencePreview(total=3, advisors=1, contacts=2)
        # Withdrawing consent takes the contact out.
        assert await set_news_consent(session, mixed, False, NOW)
        assert await picked(BroadcastAudience.CONTACTS, languages=["ar"]) == {ar}


async def test_thousand_recipients_in_batches_once_each_across_crash_and_restart(database_url: str) -> None:
    async with migrated(database_url) as db:
        _by, broadcast_id = await start_now(db, 1000)
        first = await advance(db, batch=150)
        assert first.started == (broadcast_id,) and first.enqueued == 150 and first.finished == ()
        for _ in range(2):
            assert (await advance(db, batch=150)).enqueued == 150
        # A crash in the middle of a step: its transaction never commits, so nothing of it counts.
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await broadcast_engine.advance(session, NOW, 150)
                raise RuntimeError("power cut")
        assert len(await outbox_rows(db)) == 450
    async with migrated(database_url) as db:  # the restarted process
        counts = [(await advance(db, batch=150)).enqueued for _ in range(5)]
        assert counts == [150, 150, 150, 100, 0]
        rows = await outbox_rows(db)
        assert len(rows) == 1000 and len({r.chat_id for r in rows}) == 1000
        assert {(r.lane, r.status, r.method) for r in rows} == {(OutboxLane.BULK, "pending", "sendMessage")}
        assert rows[0].payload["text"] == (
            "📣 <b>MiGlobe Baden-Württemberg</b>\n\n<b>Neu:</b> Fördermittel für Städte & Gemeinden"
            "\n\nAbbestellen: /neuigkeiten"
        )
        async with db.transaction() as session:
            linked = await session.execute(
                select(
                    BroadcastRecipient.status, func.count(func.distinct(BroadcastRecipient.outbox_id))
                ).group_by(BroadcastRecipient.status)
            )
            assert linked.tuples().all() == [("queued", 1000)]
            recipient_chats = set(await session.scalars(select(BroadcastRecipient.chat_id)))
        assert recipient_chats == {r.chat_id for r in rows}
        # The sender's outcomes come back; the broadcast finishes once nobody is left.
        chats = sorted(recipient_chats)
        outcomes = {c: OutboxStatus.BLOCKED for c in chats[:7]} | {
            c: OutboxStatus.FAILED for c in chats[7:10]
        }
        await settle(db, outcomes | {c: OutboxStatus.SENT for c in chats[10:500]})
        middle = await advance(db)
        assert middle.finished == () and broadcast_id in middle.changed
        assert (await progress(db, broadcast_id)).delivered == 490
        await settle(db, {}, OutboxStatus.SENT)
        last = await advance(db)
        assert last.finished == (broadcast_id,) and last.enqueued == 0
        report = await progress(db, broadcast_id)
        assert (report.total, report.delivered, report.blocked, report.failed) == (1000, 990, 7, 3)
        assert report.complete and report.percent == 100 and report.status == BroadcastStatus.DONE
        async with db.transaction() as session:
            stored = await session.get(Broadcast, broadcast_id)
            assert stored is not None and stored.finished_at == NOW
            assert (
                stored.recipients_total,
                stored.delivered_count,
                stored.blocked_count,
                stored.failed_count,
            ) == (
                1000,
                990,
                7,
                3,
            )
        assert len(await outbox_rows(db)) == 1000


async def test_outbox_holds_at_most_max_queued_per_broadcast(database_url: str) -> None:
    async with migrated(database_url) as db:
        _by, broadcast_id = await start_now(db, 25)
        assert (await advance(db, batch=100, max_queued=10)).enqueued == 10
        assert (await advance(db, batch=100, max_queued=10)).enqueued == 0  # nothing sent yet
        await settle(db, {}, OutboxStatus.SENT)
        assert (await advance(db, batch=100, max_queued=10)).enqueued == 10
        assert (await progress(db, broadcast_id)).delivered == 10


async def test_scheduled_broadcast_waits_for_its_time_and_picks_recipients_then(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            by = await coordinator(session)
            early, late = await consenting_contacts(session, 2)
            later = await draft(session, by)
            idle = await draft(session, by)  # never released
            scheduled = await broadcasts.schedule(session, later, by, NOW, send_at=NOW + 30 * MINUTE)
            assert scheduled.broadcast is not None and scheduled.broadcast.send_at == NOW + 30 * MINUTE
            again = await broadcasts.schedule(session, later, by, NOW)
            assert again.kind == BroadcastOutcome.NOT_POSSIBLE
        for minutes in (0, 29):
            result = await advance(db, NOW + minutes * MINUTE)
            assert result.started == () and result.enqueued == 0
        assert (await progress(db, later)).total == 0
        async with db.transaction() as session:
            await set_news_consent(session, late, False, NOW + 31 * MINUTE)
        result = await advance(db, NOW + 31 * MINUTE)
        assert result.started == (later,) and result.enqueued == 1
        async with db.transaction() as session:
            users = list(await session.scalars(select(BroadcastRecipient.user_id)))
            assert users == [early]
            stored = await session.get(Broadcast, idle)
            assert stored is not None and stored.status == BroadcastStatus.DRAFT


async def test_cancel_drops_pending_and_takes_back_unsent_outbox_rows(database_url: str) -> None:
    async with migrated(database_url) as db:
        by, broadcast_id = await start_now(db, 10)
        await advance(db, batch=4)
        rows = await outbox_rows(db)
        await settle(db, {rows[0].chat_id: OutboxStatus.SENT})
        async with db.transaction() as session:
            assert (
                await broadcasts.cancel(session, broadcast_id, by + 999, NOW)
            ).kind == BroadcastOutcome.NOT_ALLOWED
            result = await broadcasts.cancel(session, broadcast_id, by, NOW + MINUTE)
        assert result.kind == BroadcastOutcome.DONE and result.count == 9
        statuses = [r.status for r in await outbox_rows(db)]
        assert statuses == ["sent", "cancelled", "cancelled", "cancelled"]
        report = await progress(db, broadcast_id)
        assert (report.delivered, report.cancelled, report.pending, report.queued) == (1, 9, 0, 0)
        assert report.complete and report.status == BroadcastStatus.CANCELLED
        # The sender was sending one of them at that moment and records that it arrived.
        async with db.transaction() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == rows[1].id).values(status="sent")
            )
        after = await advance(db, NOW + 2 * MINUTE)
        assert after.enqueued == 0 and after.started == () and after.finished == ()
        assert (await progress(db, broadcast_id)).delivered == 2
        assert len(await outbox_rows(db)) == 4
        async with db.transaction() as session:
            assert (
                await broadcasts.cancel(session, broadcast_id, by, NOW)
            ).kind == BroadcastOutcome.NOT_POSSIBLE


async def test_a_cancel_settles_once_every_send_under_way_has_an_outcome_read_back(database_url: str) -> None:
    async with migrated(database_url) as db:
        by, broadcast_id = await start_now(db, 4)
        await advance(db)
        rows = await outbox_rows(db)
        cancel_at = NOW + MINUTE
        async with db.transaction() as session:
            # The sender delivered one and holds another (claimed: its lease runs a minute).
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == rows[0].id).values(status="sent")
            )
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == rows[1].id)
                .values(next_attempt_at=cancel_at + MINUTE)
            )
        # The counts read what the sender recorded, before any sweep read it back.
        async with db.transaction() as session:
            shown = await broadcast_progress.progress(session, broadcast_id, cancel_at)
            assert shown is not None and (shown.delivered, shown.queued) == (1, 3)
            result = await broadcasts.cancel(session, broadcast_id, by, cancel_at)
            assert result.broadcast is not None and result.broadcast.finished_at is None
            held = await broadcast_progress.progress(session, broadcast_id, cancel_at)
            assert held is not None and (held.delivered, held.queued, held.cancelled) == (1, 1, 2)
            assert held.settling and not held.complete
        # The held send arrives; not settled before a step has read that back.
        async with db.transaction() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == rows[1].id).values(status="sent")
            )
            later = cancel_at + timedelta(seconds=2)
            assert await broadcast_outcomes.settle_cancelled(session, later, broadcast_id) == []
        result = await advance(db, cancel_at + timedelta(seconds=2))
        assert result.settled == (broadcast_id,) and result.finished == ()
        report = await progress(db, broadcast_id)
        assert (report.delivered, report.cancelled, report.queued) == (2, 2, 0) and report.complete
        async with db.transaction() as session:
            stored = await session.get(Broadcast, broadcast_id)
            assert stored is not None and stored.delivered_count == 2 and stored.finished_at is not None
        assert (await advance(db, cancel_at + MINUTE)).settled == ()


async def test_cancel_before_its_time_sends_nothing(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            by = await coordinator(session)
            await consenting_contacts(session, 3)
            broadcast_id = await draft(session, by)
            await broadcasts.schedule(session, broadcast_id, by, NOW, send_at=NOW + MINUTE)
            assert (await broadcasts.cancel(session, broadcast_id, by, NOW)).kind == BroadcastOutcome.DONE
        result = await advance(db, NOW + 2 * MINUTE)
        assert result.started == () and await outbox_rows(db) == []


async def test_retry_sends_again_only_to_the_failed(database_url: str) -> None:
    async with migrated(database_url) as db:
        by, broadcast_id = await start_now(db, 6)
        async with db.transaction() as session:
            assert (
                await broadcasts.retry_failed(session, broadcast_id, by, NOW)
            ).kind == BroadcastOutcome.NOT_POSSIBLE
        await advance(db)
        chats = sorted(r.chat_id for r in await outbox_rows(db))
        await settle(
            db,
            {chats[0]: OutboxStatus.FAILED, chats[1]: OutboxStatus.FAILED, chats[2]: OutboxStatus.BLOCKED},
            OutboxStatus.SENT,
        )
        assert (await advance(db)).finished == (broadcast_id,)
        async with db.transaction() as session:
            result = await broadcasts.retry_failed(session, broadcast_id, by, NOW + MINUTE)
        assert result.kind == BroadcastOutcome.DONE and result.count == 2
        retried = await advance(db, NOW + MINUTE)
        assert retried.enqueued == 2 and retried.finished == ()
        rows = await outbox_rows(db)
        assert len(rows) == 8 and sorted(r.chat_id for r in rows[6:]) == chats[:2]
        await settle(db, {chats[0]: OutboxStatus.SENT, chats[1]: OutboxStatus.FAILED})
        assert (await advance(db, NOW + 2 * MINUTE)).finished == (broadcast_id,)
        report = await progress(db, broadcast_id)
        assert (report.delivered, report.blocked, report.failed, report.total) == (4, 1, 1, 6)
        async with db.transaction() as session:
            attempts = dict(
                (await session.execute(select(BroadcastRecipient.chat_id, BroadcastRecipient.attempts)))
                .tuples()
                .all()
            )
        assert attempts == {c: 2 if c in chats[:2] else 1 for c in chats}


async def test_content_is_checked_and_media_goes_by_file_id_or_upload(database_url: str) -> None:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            by = await coordinator(session)
            contact = await add_user(session, "Ana")
            await set_news_consent(session, contact.id, True, NOW)

            async def errors(text: str, media: Media | None = None, **kw: Any) -> tuple[str, ...]:
                result = await broadcasts.create_draft(
                    session,
                    kw.get("by", by),
                    kw.get("audience", "contacts"),
                    kw.get("flt", AudienceFilter()),
                    text,
                    NOW,
                    media,
                )
                return result.errors if result.kind == BroadcastOutcome.INVALID else (result.kind.value,)

            assert await errors("<b> </b>") == ("text",)
            # The sender and unsubscribe lines every copy gets are counted too.
            text_room, caption_room = content_limit(False), content_limit(True)
            assert 4000 < text_room < 4096 and 950 < caption_room < 1024
            assert await errors("x" * (text_room + 1)) == ("text",)
            assert await errors("<b>" + "x" * text_room + "</b>") == ("done",)  # tags do not count
            assert await errors("x" * (caption_room + 1), Media(MediaKind.PHOTO, file_id="F")) == ("text",)
            assert await errors("", Media(MediaKind.PHOTO)) == ("media",)
            assert await errors("", Media(MediaKind.PHOTO, content=b"x" * (10 * 1024 * 1024 + 1))) == (
                "media",
            )
            assert await errors("hi", audience="everyone") == ("audience",)
            assert await errors("hi", flt=AudienceFilter(kreise=("99999",), languages=("xx",))) == (
                "kreise",
                "languages",
            )
            assert await errors("hi", by=contact.id) == ("not_allowed",)
            by_id = await draft(session, by, text="", media=Media(MediaKind.PHOTO, file_id="AgAD-photo"))
            upload = await draft(
                session,
                by,
                text="Flyer",
                media=Media(
                    MediaKind.DOCUMENT, content=b"%PDF-1.4 Gr\xc3\xbc\xc3\x9fe", filename="Einladung.pdf"
                ),
            )
            for broadcast_id in (by_id, upload):
                await broadcasts.schedule(session, broadcast_id, by, NOW)
        await advance(db)
        photo, document = await outbox_rows(db)
        assert photo.method == "sendPhoto" and photo.payload == {
            "chat_id": contact.telegram_id,
            "photo": "AgAD-photo",
            "caption": "📣 <b>MiGlobe Baden-Württemberg</b>\n\nAbbestellen: /neuigkeiten",
            "parse_mode": "HTML",
        }
        assert document.method == "sendDocument" and document.payload["caption"] == (
            "📣 <b>MiGlobe Baden-Württemberg</b>\n\nFlyer\n\nAbbestellen: /neuigkeiten"
        )
        content = base64.b64encode(b"%PDF-1.4 Gr\xc3\xbc\xc3\x9fe").decode()
        assert document.payload["document"] == {"content_b64": content, "filename": "Einladung.pdf"}
        await settle(db, {}, OutboxStatus.SENT)
        await advance(db)
        # Once sent, the outbox row no longer carries a copy of the file.
        assert "document" not in (await outbox_rows(db))[1].payload


async def test_progress_message_is_found_once_telegram_numbered_it(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        by = await coordinator(session)
        broadcast_id = await draft(session, by)
        message = OutboxMessage(chat_id=900, method="sendMessage", payload={"text": "0 %"}, status="pending")
        session.add(message)
        await broadcast_progress.set_progress_message(session, broadcast_id, message)
        assert await broadcast_progress.progress_message(session, broadcast_id) is None
        message.status, message.telegram_message_id = "sent", 42
        await session.flush()
        assert await broadcast_progress.progress_message(session, broadcast_id) == (900, 42)
        assert [b.id for b in await broadcast_progress.recent(session)] == [broadcast_id]


class FakeBot:
    """Answers like Telegram: 403 for some chats, 400 for others, a message id for the rest."""

    def __init__(self, blocked: set[int], rejected: set[int]) -> None:
        self.blocked, self.rejected, self.calls = blocked, rejected, []

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> dict[str, Any]:
        chat = api_kwargs["chat_id"]
        self.calls.append((method, chat))
        if chat in self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if chat in self.rejected:
            raise BadRequest("Bad Request: chat not found")
        return {"message_id": len(self.calls)}


async def test_the_real_sender_delivers_what_the_engine_enqueued(database_url: str) -> None:
    async with migrated(database_url) as db:
        _by, broadcast_id = await start_now(db, 30)
        async with db.transaction() as session:
            chats = sorted(await session.scalars(select(User.telegram_id).join(NewsConsent)))
        bot = FakeBot(set(chats[:3]), set(chats[3:5]))
        sender = OutboxSender(db, bot, SendRateLimiter(per_second=1000))  # type: ignore[arg-type]
        await sender.start()
        try:
            for _ in range(200):
                result = await advance(db, batch=10, max_queued=10)
                sender.wake()
                if result.finished:
                    break
                await asyncio.sleep(0.02)
        finally:
            await sender.stop(timeout=5)
        report = await progress(db, broadcast_id)
        assert (report.delivered, report.blocked, report.failed, report.status) == (25, 3, 2, "done")
        assert sorted(chat for _method, chat in bot.calls) == chats  # each exactly once
        async with db.transaction() as session:
            unreachable = set(
                await session.scalars(select(User.telegram_id).where(User.unreachable_since.is_not(None)))
            )
        assert unreachable == set(chats[:3])


async def test_a_draft_changes_until_it_is_released(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        by = await coordinator(session)
        broadcast_id = await draft(session, by, text="x" * 2000)
        update_draft = broadcasts.update_draft
        photo = Media(MediaKind.PHOTO, file_id="AgAD")
        # A photo's caption may hold 1,024 characters: the long text cannot get one.
        refused = await update_draft(session, broadcast_id, by, NOW, media=photo)
        assert refused.kind == BroadcastOutcome.INVALID and refused.errors == ("text",)
        changed = await update_draft(
            session,
            broadcast_id,
            by,
            NOW + MINUTE,
            audience=BroadcastAudience.BOTH,
            flt=AudienceFilter(regierungsbezirke=("083",)),
            text="Kurz & <i>bündig</i>",
            media=photo,
        )
        assert changed.kind == BroadcastOutcome.DONE and changed.broadcast is not None
        stored = changed.broadcast
        assert (stored.audience, stored.filters["regierungsbezirke"], stored.media_file_id) == (
            "both",
            ["083"],
            "AgAD",
        )
        assert stored.text == "Kurz & <i>bündig</i>" and stored.updated_at == NOW + MINUTE
        # What is not given stays; removing the photo keeps the text.
        kept = await update_draft(session, broadcast_id, by, NOW, remove_media=True)
        assert kept.broadcast is not None and kept.broadcast.media_kind is None
        assert kept.broadcast.text == "Kurz & <i>bündig</i>" and kept.broadcast.audience == "both"
        assert (await update_draft(session, broadcast_id, by + 999, NOW, text="hi")).kind == (
            BroadcastOutcome.NOT_ALLOWED
        )
        await broadcasts.schedule(session, broadcast_id, by, NOW)
        assert (await update_draft(session, broadcast_id, by, NOW, text="late")).kind == (
            BroadcastOutcome.NOT_POSSIBLE
        )


async def test_concurrent_sweeps_never_enqueue_anyone_twice(database_url: str) -> None:
    async with migrated(database_url) as db:
        _by, broadcast_id = await start_now(db, 300)
        for _ in range(3):
            await asyncio.gather(*(advance(db, batch=60) for _ in range(4)))
        rows = await outbox_rows(db)
        assert len(rows) == 300 and len({r.chat_id for r in rows}) == 300
        report = await progress(db, broadcast_id)
        assert (report.total, report.queued, report.pending) == (300, 300, 0)


async def test_a_broadcast_nobody_matches_finishes_at_once(database_url: str) -> None:
    async with migrated(database_url) as db:
        _by, broadcast_id = await start_now(db)
        result = await advance(db)
        assert result.started == result.finished == (broadcast_id,) and result.enqueued == 0
        report = await progress(db, broadcast_id)
        assert report.total == 0 and report.complete and report.percent == 100
