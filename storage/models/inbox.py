"""What people sent, recorded before the platform is told it arrived: nothing lost, nothing answered twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

# pending: recorded, not yet answered; handled: answered (its replies kept), not yet all sent; done; failed.
INBOX_STATUSES = ("pending", "handled", "done", "failed")


class InboxUpdate(Base):
    """One platform update (a Telegram update, a Slack event or interaction), unique per platform and id.

    Not scoped to an event: an update belongs to the deployment that received it, and the event it
    concerns is the one the process serves when it is processed.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "update_id"),
        Index("ix_inbox_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    # The platform's own id: Telegram's update_id, Slack's event_id or an interaction's trigger.
    update_id: Mapped[str] = mapped_column(String(120))
    # Updates of one chat are processed in order, those of different chats concurrently.
    chat_key: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[dt.datetime]
    done_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The replies computed in the transaction that handled the update, kept until every one is sent, so a
    # restart sends them instead of handling the update again (`contract.messages.Reply`s as plain JSON,
    # contract/serial.py: a row never makes the bot run code).
    replies: Mapped[list[Any] | None]
