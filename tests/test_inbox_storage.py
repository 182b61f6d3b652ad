"""The inbox's storage: an update is recorded once, handed out oldest first, marked done, pruned."""

from __future__ import annotations

import datetime as dt

from storage.db import transaction
from storage.inbox import mark_done, mark_failed, pending_updates, prune_done, record_update
from tests.statements import recorded_statements


def _record(core, update_id: str, chat: str = "telegram:1"):  # type: ignore[no-untyped-def]
    with transaction(core.sessions) as session:
        row = record_update(
            session,
            platform="telegram",
            update_id=update_id,
            chat_key=chat,
            payload={"update_id": update_id},
            at=core.clock.now(),
        )
        return None if row is None else row.id


def test_an_update_recorded_twice_is_kept_once(core):
    first = _record(core, "41")
    assert first is not None
    assert _record(core, "41") is None
    with transaction(core.sessions) as session:
        assert [row.update_id for row in pending_updates(session, "telegram")] == ["41"]


def test_pending_updates_come_oldest_first_and_leave_once_done_or_failed(core):
    ids = [_record(core, str(n), chat=f"telegram:{n % 2}") for n in (7, 8, 9)]
    with transaction(core.sessions) as session:
        mark_done(session, ids[0], core.clock.now())
        mark_failed(session, ids[1], core.clock.now(), "boom")
    with transaction(core.sessions) as session:
        assert [row.update_id for row in pending_updates(session, "telegram")] == ["9"]
        assert pending_updates(session, "slack") == []


def test_pruning_forgets_only_processed_updates_older_than_asked(core, clock):
    old_done, old_pending = _record(core, "1"), _record(core, "2")
    with transaction(core.sessions) as session:
        mark_done(session, old_done, clock.now())
    clock.move(dt.timedelta(days=8))
    _record(core, "3")
    with transaction(core.sessions) as session:
        assert prune_done(session, clock.now() - dt.timedelta(days=7)) == 1
    with transaction(core.sessions) as session:
        assert [row.update_id for row in pending_updates(session, "telegram")] == ["2", "3"]
    assert old_pending is not None
    # A pruned id is no longer known: the platform does not redeliver updates a week old.
    assert _record(core, "1") is not None


def test_an_event_id_is_recorded_once_per_platform_and_finishing_leaves_nothing_pending(core):
    (first,) = core.record_updates("slack", [("Ev0123ABC", "slack:C1", {"type": "message"})])
    assert core.record_updates("slack", [("Ev0123ABC", "slack:C1", {"type": "message"})]) == []
    assert len(core.record_updates("telegram", [("Ev0123ABC", "telegram:1", {})])) == 1  # unique per platform only
    core.finish_update(first.row_id)
    assert core.pending_updates("slack") == []


def test_the_core_prunes_done_updates_older_than_kept(core, clock):
    from bot.inbox import KEEP_DONE

    (done,) = core.record_updates("telegram", [("5", "telegram:1", {"update_id": 5})])
    core.record_updates("telegram", [("6", "telegram:1", {"update_id": 6})])
    core.finish_update(done.row_id)
    assert core.prune_inbox(KEEP_DONE) == 0
    clock.move(KEEP_DONE + dt.timedelta(minutes=1))
    assert core.prune_inbox(KEEP_DONE) == 1
    assert [item.payload for item in core.pending_updates("telegram")] == [{"update_id": 6}]


def test_a_batch_is_recorded_with_one_insert_and_a_repeated_id_is_kept_once(core):

    core.record_updates("telegram", [("100", "telegram:1", {"update_id": 100})])
    with recorded_statements(core) as statements:
        batch = [(str(n), f"telegram:{n % 3}", {"update_id": n}) for n in range(100, 130)]
        items = core.record_updates("telegram", [*batch, ("101", "telegram:1", {"update_id": 101})])
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    # 100 was recorded before; the second 101 is the same update again: neither is new.
    assert [item.payload["update_id"] for item in items] == list(range(101, 130))
    assert [item.payload["update_id"] for item in core.pending_updates("telegram")] == list(range(100, 130))
