"""Who talks to the bot: chat identities (global), their language; organiser grants and forms (per event)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ChatUser(Base):
    """One identity on one platform (console name, Telegram user id, Slack user id)."""

    __tablename__ = "chat_users"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    # The language chosen with /lang; wins over the one the platform reports.
    locale: Mapped[str | None] = mapped_column(String(5))
    # The language the platform last reported for this person (Telegram language_code, Slack locale).
    platform_locale: Mapped[str | None] = mapped_column(String(5))
    # Where to write to this person privately (a Slack DM channel, a Telegram private chat).
    private_chat_id: Mapped[str | None] = mapped_column(String(64))
    # Set when the platform says the person blocked the bot: no more private messages.
    unreachable_since: Mapped[dt.datetime | None]
    # Set by `mute`: no deadline nudges to this person (organisers' broadcasts still reach them).
    nudges_muted_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class AdminGrant(Base):
    """An organiser of one event, named in chat by another organiser (those in ADMINS, of every event, need no row)."""

    __tablename__ = "admin_grants"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(90))
    granted_at: Mapped[dt.datetime]


class FormState(Base):
    """A multi-step answer in progress in one event: kept here so a restart or another instance resumes it."""

    __tablename__ = "form_states"

    chat_user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    form: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]
