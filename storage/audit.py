"""The audit log of each event: recording changes (who, which platform, when, before and after) and reading them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry


def record(
    session: Session,
    *,
    event_id: int,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry in the caller's transaction, so it commits or rolls back with the change."""
    entry = AuditEntry(event_id=event_id, at=at, actor=actor, action=action, target=target, before=before, after=after)
    session.add(entry)
    return entry


def stamp(session: Session, event_id: int, now: dt.datetime) -> dt.datetime:
    """The time for an entry written under the event's row lock: `now`, or the latest entry's if later.

    `now` was read when the request arrived; one that waited for the lock behind a change committed
    meanwhile is stamped no earlier than that change, so time and order follow the commit order.
    """
    latest = session.scalars(
        select(AuditEntry.at).where(AuditEntry.event_id == event_id).order_by(AuditEntry.at.desc()).limit(1)
    ).first()
    return now if latest is None or latest <= now else latest


def latest_entries(session: Session, event_id: int, count: int) -> list[AuditEntry]:
    """The event's `count` latest entries, newest first (another edition's changes are not shown)."""
    query = select(AuditEntry).where(AuditEntry.event_id == event_id).order_by(AuditEntry.id.desc()).limit(count)
    return list(session.scalars(query))
