"""The inbox's operations: record an update once, hand out what is pending, mark it done, prune."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import InboxUpdate


def record_update(
    session: Session, *, platform: str, update_id: str, chat_key: str, payload: dict[str, Any], at: dt.datetime
) -> InboxUpdate | None:
    """Record one update; None when it was recorded before (a redelivery: acknowledge it, do not process it)."""
    known = select(InboxUpdate.id).where(InboxUpdate.platform == platform, InboxUpdate.update_id == update_id)
    if session.scalar(known) is not None:
        return None
    row = InboxUpdate(
        platform=platform,
        update_id=update_id,
        chat_key=chat_key,
        payload=payload,
        status="pending",
        attempts=0,
        received_at=at,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another instance recorded the same update at the same moment.
        return None
    return row


def record_updates(
    session: Session, *, platform: str, updates: Sequence[tuple[str, str, dict[str, Any]]], at: dt.datetime
) -> dict[str, int]:
    """Record (update id, chat key, payload)s in one statement; {update id: row id} of those not recorded before.

    An id already recorded (a redelivery, or another instance at the same moment) is left out, as is a
    second copy of an id within `updates`.
    """
    if not updates:
        return {}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [
        {
            "platform": platform,
            "update_id": update_id,
            "chat_key": chat_key,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "received_at": at,
        }
        for update_id, chat_key, payload in updates
    ]
    statement = (
        dialect.insert(InboxUpdate)
        .on_conflict_do_nothing(index_elements=["platform", "update_id"])
        .returning(InboxUpdate.update_id, InboxUpdate.id)
    )
    return {update_id: row_id for update_id, row_id in session.execute(statement, rows)}


def pending_updates(session: Session, platform: str, limit: int = 1000) -> Sequence[InboxUpdate]:
    """What was recorded and not yet processed (or handled and not all sent), oldest first (first on start)."""
    query = (
        select(InboxUpdate)
        .where(InboxUpdate.platform == platform, InboxUpdate.status.in_(("pending", "handled")))
        .order_by(InboxUpdate.id)
        .limit(limit)
    )
    return session.scalars(query).all()


def mark_handled(session: Session, row_id: int, replies: list[Any], at: dt.datetime) -> bool:
    """Answered, in the transaction that answered it: its replies kept until sent. False if already handled."""
    result = session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == row_id, InboxUpdate.status == "pending")
        .values(status="handled", replies=replies, attempts=InboxUpdate.attempts + 1)
    )
    return bool(getattr(result, "rowcount", 0))


def handled_replies(session: Session, row_id: int) -> list[Any] | None:
    """The replies kept when the update was handled (None while it is pending)."""
    row = session.get(InboxUpdate, row_id)
    return None if row is None or row.status != "handled" else row.replies


def mark_done(session: Session, row_id: int, at: dt.datetime) -> None:
    mark_all_done(session, [row_id], at)


def mark_all_done(session: Session, row_ids: Sequence[int], at: dt.datetime) -> None:
    """Processed and every reply sent, in one statement; the replies are forgotten (they may hold a whole export)."""
    if not row_ids:
        return
    session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id.in_(row_ids))
        .values(status="done", done_at=at, replies=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed(session: Session, row_id: int, at: dt.datetime, error: str) -> None:
    """Processing raised: kept for the operator, not retried forever."""
    session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == row_id)
        .values(status="failed", done_at=at, last_error=error[:500], attempts=InboxUpdate.attempts + 1)
    )


def prune_done(session: Session, before: dt.datetime) -> int:
    """Forget processed updates received before `before` (their ids are no longer redelivered)."""
    result = session.execute(
        delete(InboxUpdate).where(InboxUpdate.status.in_(("done", "failed")), InboxUpdate.received_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
