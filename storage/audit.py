"""Recording changes in the audit log (who, which platform, when, before and after)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from storage.models import AuditEntry


def record(
    session: Session,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry in the caller's transaction, so it commits or rolls back with the change."""
    entry = AuditEntry(at=at, actor=actor, action=action, target=target, before=before, after=after)
    session.add(entry)
    return entry
