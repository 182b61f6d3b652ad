"""Messages the bot sends on its own: group subscriptions and the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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
    """One message to deliver once; `dedup_key` (unique in its event) makes a second enqueue of it a no-op.

    The recipient is a chat (`chat_id`) or a person (`user_id`: their private chat on `platform`). `batch` is
    what it belongs to: an occurrence's key or `broadcast/<id>`. Status: pending -> sending -> sent, or failed,
    blocked, skipped (expired, lapsed, superseded), unknown (in flight when its process died; never re-sent).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "dedup_key"),
        Index("ix_outbox_claim", "status", "not_before"),
        Index("ix_outbox_batch", "event_id", "batch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    # nudge (a deadline's private reminder), group (its bilingual group message), announcement, broadcast.
    kind: Mapped[str] = mapped_column(String(16), server_default="nudge")
    batch: Mapped[str] = mapped_column(String(160), server_default="")
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    not_before: Mapped[dt.datetime]
    # Not sent after this instant (the deadline closed): skipped instead.
    expires_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[dt.datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class ReminderRun(Base):
    """An occurrence handled once per event: fanned out into the outbox, or skipped (the bot was down past it)."""

    __tablename__ = "reminder_runs"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    occurrence: Mapped[str] = mapped_column(String(160), primary_key=True)
    # queued or skipped
    status: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[dt.datetime]
    handled_at: Mapped[dt.datetime]


class Broadcast(Base):
    """An organiser's announcement: its texts, audience and whoever asked; its messages are outbox rows."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # all, confirmed, fr, jp or none (channels only); `channels`: the subscribed groups too.
    audience: Mapped[str] = mapped_column(String(16))
    channels: Mapped[bool] = mapped_column(default=False)
    text_fr: Mapped[str] = mapped_column(Text)
    text_ja: Mapped[str] = mapped_column(Text)
    # draft (previewed, not confirmed) or queued
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by: Mapped[str] = mapped_column(String(90))
    created_at: Mapped[dt.datetime]
    queued_at: Mapped[dt.datetime | None]
    # When the organiser who sent it was told it had gone out (once).
    reported_at: Mapped[dt.datetime | None]
