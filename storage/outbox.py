"""The outbox: messages the bot starts, each one row created once, claimed with a lease, and its outcome.

Statuses: pending -> sending (claimed; committed before the platform is called) -> sent; or failed, blocked
(never retried), skipped (expired, lapsed, or the bot was down past it), unknown (found `sending` with its
lease expired: its process died mid-send, so it may or may not have gone; never re-sent). docs/reminders.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Broadcast, OutboxMessage, ReminderRun

STATUSES = ("pending", "sending", "sent", "failed", "blocked", "skipped", "unknown")
# Outcomes that end a row: nothing more is done with it.
FINAL = ("sent", "failed", "blocked", "skipped", "unknown")


@dataclass(frozen=True)
class Queued:
    """A message to store: its key (unique in the event), what it belongs to, where it goes, and when."""

    key: str
    kind: str
    batch: str
    platform: str
    chat_id: str | None
    user_id: str | None
    text: str
    payload: dict[str, Any]
    not_before: dt.datetime
    expires_at: dt.datetime | None = None
    # Rows known undeliverable when queued (a person who blocked the bot) are stored with their outcome.
    status: str = "pending"


def _insert_ignoring_duplicates(session: Session, table: Any, rows: list[dict[str, Any]], keys: Sequence[str]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(table.c[keys[-1]])
    # Counted from RETURNING: a driver's rowcount for a multi-row insert is not reliable (psycopg gives -1).
    # The rows as parameters, not in .values(): one compiled (and cached) statement that SQLAlchemy
    # sends in batches, instead of compiling a statement with a bind parameter per cell each time.
    return len(session.execute(statement, rows).all())


def enqueue(session: Session, event_id: int, messages: Iterable[Queued], now: dt.datetime) -> int:
    """Store `messages`; a key already in the event's outbox is left as it is. Returns how many rows are new."""
    rows = [
        {
            "event_id": event_id,
            "dedup_key": m.key,
            "kind": m.kind,
            "batch": m.batch,
            "platform": m.platform,
            "chat_id": m.chat_id,
            "user_id": m.user_id,
            "text": m.text,
            "payload": m.payload,
            "not_before": m.not_before,
            "expires_at": m.expires_at,
            "status": m.status,
            "attempts": 0,
            "created_at": now,
        }
        for m in messages
    ]
    added = 0
    # A few hundred rows per statement: well under every driver's parameter limit.
    for start in range(0, len(rows), 200):
        added += _insert_ignoring_duplicates(
            session, OutboxMessage.__table__, rows[start : start + 200], ("event_id", "dedup_key")
        )
    return added


def record_run(
    session: Session,
    event_id: int,
    occurrence: str,
    status: str,
    recipients: int,
    due_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Record an occurrence as handled (queued or skipped); False when another instance recorded it first."""
    row = {
        "event_id": event_id,
        "occurrence": occurrence,
        "status": status,
        "recipients": recipients,
        "due_at": due_at,
        "handled_at": now,
    }
    return _insert_ignoring_duplicates(session, ReminderRun.__table__, [row], ("event_id", "occurrence")) == 1


def handled_occurrences(session: Session, event_id: int) -> set[str]:
    return set(session.scalars(select(ReminderRun.occurrence).where(ReminderRun.event_id == event_id)))


def runs(session: Session, event_id: int) -> list[ReminderRun]:
    """The occurrences handled, most recent first."""
    query = select(ReminderRun).where(ReminderRun.event_id == event_id)
    return list(session.scalars(query.order_by(ReminderRun.due_at.desc(), ReminderRun.occurrence)))


def pending_batches(session: Session, event_id: int, kinds: Sequence[str]) -> list[str]:
    query = select(OutboxMessage.batch).where(
        OutboxMessage.event_id == event_id, OutboxMessage.status == "pending", OutboxMessage.kind.in_(kinds)
    )
    return sorted(set(session.scalars(query.distinct())))


def skip_batches(session: Session, event_id: int, batches: Sequence[str], reason: str) -> int:
    """Mark the rows of `batches` not sent yet as skipped (their deadline moved: they lapsed)."""
    if not batches:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.event_id == event_id, OutboxMessage.batch.in_(batches), OutboxMessage.status == "pending")
        .values(status="skipped", last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def expire_leases(session: Session, event_id: int, now: dt.datetime) -> int:
    """Rows left `sending` past their lease (their process died mid-send) become unknown: never sent again."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.status == "sending",
            OutboxMessage.claimed_until < now,
        )
        .values(status="unknown", last_error="in flight when its process stopped")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def claim(
    session: Session,
    event_id: int,
    platforms: Sequence[str],
    now: dt.datetime,
    *,
    worker: str,
    lease: dt.timedelta,
    limit: int,
    accept: Callable[[OutboxMessage], bool] = lambda _row: True,
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows that `accept` lets go now (pacing) and mark them sending.

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two instances never claim one row; SQLite: the transaction began
    IMMEDIATE (storage.db), so claims queue behind each other. Expired rows met on the way are skipped.
    The caller commits before sending.
    """
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
            OutboxMessage.platform.in_(platforms),
        )
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        # Look a little further than `limit`: rows whose chat must wait are passed over, not waited for.
        .limit(limit * 20)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[OutboxMessage] = []
    for row in session.scalars(query):
        if row.expires_at is not None and row.expires_at <= now:
            row.status, row.last_error = "skipped", "expired: its deadline closed before it could go"
            continue
        if len(claimed) >= limit or not accept(row):
            continue
        row.status, row.claimed_by, row.claimed_until = "sending", worker, now + lease
        row.attempts += 1
        claimed.append(row)
    session.flush()
    return claimed


def next_due(session: Session, event_id: int, platforms: Sequence[str]) -> dt.datetime | None:
    """When the soonest pending row may go."""
    query = select(func.min(OutboxMessage.not_before)).where(
        OutboxMessage.event_id == event_id,
        OutboxMessage.status == "pending",
        OutboxMessage.platform.in_(platforms),
    )
    return session.scalar(query)


def _finish(session: Session, row_id: int, **values: Any) -> None:
    # Also from `unknown`: a send that outlived its lease and then succeeded is recorded as it went.
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status.in_(("sending", "unknown")))
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


def mark_sent(session: Session, row_id: int, message_id: str, now: dt.datetime) -> None:
    _finish(session, row_id, status="sent", message_id=message_id[:64], sent_at=now)


def mark_retry(session: Session, row_id: int, not_before: dt.datetime, detail: str) -> None:
    """Back to pending, not before `not_before` (the platform said: retry after); skipped if that is too late."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.status not in ("sending", "unknown"):
        return
    if row.expires_at is not None and not_before >= row.expires_at:
        _finish(session, row_id, status="skipped", last_error=f"expired while waiting: {detail}"[:500])
        return
    _finish(session, row_id, status="pending", not_before=not_before, last_error=detail[:500])


def mark_failed(session: Session, row_id: int, status: str, detail: str) -> None:
    """A permanent failure (`failed`, or `blocked`): recorded, never retried."""
    _finish(session, row_id, status=status, last_error=detail[:500])


def batch_counts(session: Session, event_id: int, batch: str) -> dict[str, int]:
    """How many of a batch's rows are in each status."""
    query = (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.event_id == event_id, OutboxMessage.batch == batch)
        .group_by(OutboxMessage.status)
    )
    return {status: int(count) for status, count in session.execute(query)}


@dataclass(frozen=True)
class BatchSummary:
    batch: str
    kind: str
    first: dt.datetime
    counts: dict[str, int]


def batch_summaries(session: Session, event_id: int, limit: int = 10) -> list[BatchSummary]:
    """The most recent batches (by their earliest instant) with the count of rows in each status."""
    query = (
        select(
            OutboxMessage.batch,
            OutboxMessage.kind,
            OutboxMessage.status,
            func.count(),
            func.min(OutboxMessage.not_before),
        )
        .where(OutboxMessage.event_id == event_id)
        .group_by(OutboxMessage.batch, OutboxMessage.kind, OutboxMessage.status)
    )
    found: dict[str, BatchSummary] = {}
    for batch, kind, status, count, first in session.execute(query):
        summary = found.setdefault(batch, BatchSummary(batch, kind, first, {}))
        summary.counts[status] = summary.counts.get(status, 0) + int(count)
        if first < summary.first:
            found[batch] = BatchSummary(batch, kind, first, summary.counts)
    return sorted(found.values(), key=lambda s: (s.first, s.batch), reverse=True)[:limit]


def rows_in(session: Session, event_id: int, status: str, limit: int = 20) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.event_id == event_id, OutboxMessage.status == status)
    return list(session.scalars(query.order_by(OutboxMessage.id).limit(limit)))


def count_in(session: Session, event_id: int, status: str) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    return session.scalar(query.where(OutboxMessage.event_id == event_id, OutboxMessage.status == status)) or 0


def claim_finished_broadcasts(
    session: Session, event_id: int, now: dt.datetime
) -> list[tuple[Broadcast, dict[str, int]]]:
    """Queued broadcasts with nothing left to send and no report yet, marked reported (so told once), with counts."""
    query = select(Broadcast).where(
        Broadcast.event_id == event_id, Broadcast.status == "queued", Broadcast.reported_at.is_(None)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    found = []
    for row in session.scalars(query):
        counts = batch_counts(session, event_id, f"broadcast/{row.id}")
        if counts.get("pending") or counts.get("sending"):
            continue
        row.reported_at = now
        found.append((row, counts))
    return found
