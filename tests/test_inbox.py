"""The inbox in one process: a duplicate is not processed again, what was left is processed on start,
a slow command in one chat delays no other chat (and keeps the order within its chat), "typing…" shows."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.inbox import InboxItem, InboxProcessor
from contract.messages import Incoming, Reply
from storage.models import ChatUser, InboxUpdate
from tests.fake_telegram import forbid_network, run
from tests.telegram_harness import telegram_bot


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def _statuses(core) -> list[str]:  # type: ignore[no-untyped-def]
    with core.sessions() as session:
        return list(session.scalars(select(InboxUpdate.status).order_by(InboxUpdate.id)))


def test_an_update_sent_twice_is_acknowledged_and_answered_once(core):
    async def scenario() -> tuple[list[bool], list[str]]:
        async with telegram_bot(core) as bot:
            update = bot.fake.message(bot.fake.user(7001, "Hikari", "ja"), "/help")
            accepted = [await bot.adapter.accept(update), await bot.adapter.accept(update)]
            await bot.adapter.inbox.idle()
            accepted.append(await bot.adapter.accept(update))
            await bot.adapter.inbox.idle()
            return accepted, bot.fake.sent_texts(7001)

    accepted, sent = run(scenario())
    assert accepted == [True, False, False]
    assert len(sent) == 1
    assert _statuses(core) == ["done"]


def test_what_was_recorded_before_a_stop_is_processed_on_start_and_a_handled_one_is_not_handled_again(core):
    calls: list[str] = []
    real_handle = core.handle

    def counting_handle(incoming: Incoming, **kwargs: Any) -> list[Reply]:
        calls.append(incoming.text)
        return real_handle(incoming, **kwargs)

    core.handle = counting_handle  # type: ignore[method-assign]

    async def scenario() -> list[str]:
        async with telegram_bot(core) as bot:
            fake = bot.fake
            hikari, camille = fake.user(7001, "Hikari", "ja"), fake.user(7002, "Camille", "fr")
            # Recorded, then the process stopped: one not processed at all, one answered but its reply not sent.
            left = core.record_updates("telegram", [("1", "telegram:7001", fake.message(hikari, "/help"))])
            answered = core.record_updates("telegram", [("2", "telegram:7002", fake.message(camille, "/lang en"))])
            core.handle(Incoming("telegram", "7002", "7002", "/lang en"), inbox_row=answered[0].row_id)
            assert left and calls == ["/lang en"]
            await bot.adapter.inbox.start()
            await bot.adapter.inbox.idle()
            await bot.adapter.inbox.stop()
            return fake.sent_texts(7001) + fake.sent_texts(7002)

    sent = run(scenario())
    assert calls == ["/lang en", "/help"]  # the handled one was sent from its kept replies, not handled again
    assert len(sent) == 2
    assert _statuses(core) == ["done", "done"]
    with core.sessions() as session:
        assert session.scalars(select(ChatUser.locale).where(ChatUser.user_id == "7002")).one() == "en"


def test_a_slow_command_in_one_chat_delays_no_other_chat_and_keeps_its_chats_order(core):
    started, release = threading.Event(), threading.Event()
    real_handle = core.handle

    def slow_for_hikari(incoming: Incoming, **kwargs: Any) -> list[Reply]:
        if incoming.user_id == "7001" and incoming.text == "/about":
            started.set()
            release.wait(60)  # slow until the test says so: no timing involved
        return real_handle(incoming, **kwargs)

    core.handle = slow_for_hikari  # type: ignore[method-assign]

    async def scenario() -> tuple[list[str], list[str], list[dict[str, Any]], list[str]]:
        async with telegram_bot(core) as bot:
            fake = bot.fake
            bot.adapter.typing_after = 0.05
            hikari, camille = fake.user(7001, "Hikari", "en"), fake.user(7002, "Camille", "en")
            try:
                await bot.adapter.accept(fake.message(hikari, "/about"))
                await bot.adapter.accept(fake.message(hikari, "/help"))
                await bot.adapter.accept(fake.message(camille, "/help"))
                await fake.wait_until(lambda: len(fake.sent_texts(7002)) == 1, "Camille answered")
                await fake.wait_for("sendChatAction")
                hikari_while_slow = fake.sent_texts(7001)
                assert started.is_set()
            finally:
                release.set()
            await bot.adapter.inbox.idle()
            actions = [call.params for call in fake.calls_to("sendChatAction")]
            return hikari_while_slow, fake.sent_texts(7001), actions, fake.sent_texts(7002)

    while_slow, hikari, actions, camille = run(scenario())
    assert while_slow == []  # Camille was answered while Hikari's slow command was still running
    assert len(camille) == 1
    assert len(hikari) == 2 and "/help" not in hikari[0] and "/help" in hikari[1]  # Hikari's order kept
    # Hikari's held command showed "typing…" (Camille's may too, if the machine is slow: not asserted).
    assert ("7001", "typing") in {(str(a["chat_id"]), a["action"]) for a in actions}


def test_updates_processed_together_are_marked_done_or_failed_in_one_transaction(core):
    batches: list[list[tuple[int, str | None]]] = []
    real_finish = core.finish_updates

    def counting_finish(rows: list[tuple[int, str | None]]) -> None:
        batches.append(list(rows))
        real_finish(rows)

    core.finish_updates = counting_finish  # type: ignore[method-assign]

    async def scenario() -> list[int]:
        processed: list[int] = []

        async def process(item: InboxItem) -> None:
            processed.append(item.payload["update_id"])
            if item.payload["update_id"] == 4:
                raise ValueError("a broken update")

        inbox = InboxProcessor(core, "telegram", process)
        await inbox.record((str(n), f"telegram:{n}", {"update_id": n}) for n in range(10))
        await inbox.idle()
        await inbox.stop()
        return processed

    assert sorted(run(scenario())) == list(range(10))
    assert [len(rows) for rows in batches] == [10]
    assert _statuses(core) == ["done"] * 4 + ["failed"] + ["done"] * 5


def test_a_done_mark_the_database_refuses_is_tried_again_and_the_chats_next_update_still_processed(core, monkeypatch):
    monkeypatch.setattr("bot.inbox.FINISH_RETRY_FIRST", 0.01)
    real_finish = core.finish_updates
    refusals = [OperationalError("UPDATE inbox", {}, Exception("database is locked"))]

    def refusing_once(rows: list[tuple[int, str | None]]) -> None:
        if refusals:
            raise refusals.pop()
        real_finish(rows)

    core.finish_updates = refusing_once  # type: ignore[method-assign]

    async def scenario() -> list[int]:
        processed: list[int] = []

        async def process(item: InboxItem) -> None:
            processed.append(item.payload["update_id"])

        inbox = InboxProcessor(core, "telegram", process)
        await inbox.record((str(n), "telegram:1", {"update_id": n}) for n in range(3))
        await inbox.idle()
        await inbox.stop()
        return processed

    assert run(scenario()) == [0, 1, 2]
    assert refusals == []
    assert _statuses(core) == ["done"] * 3
