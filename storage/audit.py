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


def latest_entries(session: Session, event_id: int, count: int) -> list[AuditEntry]:
    """The event's `count` latest entries, newest first (another edition's changes are not shown)."""
    query = select(AuditEntry).where(AuditEntry.event_id == event_id).order_by(AuditEntry.id.desc()).limit(count)
    return list(session.scalars(query))
