"""Messages the bot sends on its own: group subscriptions and the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ChannelSubscription(Base):
    """A group chat or channel that receives one event's bilingual reminders and announcements."""

    __tablename__ = "channel_subscriptions"
    __table_args__ = (UniqueConstraint("event_id", "platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    subscribed_by: Mapped[str] = mapped_column(String(90))
    subscribed_at: Mapped[dt.datetime]


class OutboxMessage(Base):
    """One message to deliver once; `dedup_key` (unique in its event) makes a second enqueue of it a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("event_id", "dedup_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    not_before: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
