"""Collectivities and what they state: contacts, invites, delegation, options, workshop choices, abstracts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

STATUSES = ("considering", "confirmed", "declined")
COUNTRIES = ("fr", "jp")


class Collectivity(Base):
    __tablename__ = "collectivities"
    __table_args__ = (
        UniqueConstraint("event_id", "name_fr"),
        CheckConstraint("status in ('considering', 'confirmed', 'declined')", name="status"),
        CheckConstraint("country in ('fr', 'jp')", name="country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="considering")
    delegation_size: Mapped[int | None]
    lead_volunteer: Mapped[bool] = mapped_column(default=False)
    # A member of the French steering group (« COPIL restreint »), set by the organisers.
    steering_group: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped by every change of the workshop choices: concurrent writers serialise on this row.
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    contacts: Mapped[list[Contact]] = relationship(back_populates="collectivity", cascade="all, delete-orphan")
    delegates: Mapped[list[Delegate]] = relationship(
        back_populates="collectivity", order_by="Delegate.position", cascade="all, delete-orphan"
    )
    choices: Mapped[list[WorkshopChoice]] = relationship(
        back_populates="collectivity", order_by="WorkshopChoice.rank", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        """The name a reader of `locale` expects."""
        return (self.name_ja or self.name_fr) if locale == "ja" else self.name_fr


class Contact(Base):
    """A chat identity acting for one collectivity."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("event_id", "chat_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    chat_user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"))
    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"), index=True)
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id", ondelete="SET NULL"))
    joined_at: Mapped[dt.datetime]

    collectivity: Mapped[Collectivity] = relationship(back_populates="contacts")


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    expires_at: Mapped[dt.datetime]
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[dt.datetime | None]
    created_by: Mapped[str] = mapped_column(String(90))
    created_at: Mapped[dt.datetime]


class Delegate(Base):
    __tablename__ = "delegates"
    __table_args__ = (UniqueConstraint("collectivity_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))

    collectivity: Mapped[Collectivity] = relationship(back_populates="delegates")


class OptionSignup(Base):
    """How many people of a delegation take an option (dinner, lunch, visits, stand, gastronomy)."""

    __tablename__ = "option_signups"

    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"), primary_key=True)
    option_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    people: Mapped[int]


class WorkshopChoice(Base):
    __tablename__ = "workshop_choices"
    __table_args__ = (
        UniqueConstraint("collectivity_id", "workshop_id"),
        CheckConstraint("rank in (1, 2)", name="rank"),
    )

    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    chosen_at: Mapped[dt.datetime]

    collectivity: Mapped[Collectivity] = relationship(back_populates="choices")


class Assignment(Base):
    """The workshop a collectivity was given by an applied balancing."""

    __tablename__ = "assignments"

    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    choice_rank: Mapped[int | None]
    applied_at: Mapped[dt.datetime]


class Abstract(Base):
    __tablename__ = "abstracts"
    __table_args__ = (UniqueConstraint("collectivity_id", "workshop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"))
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    summary_fr: Mapped[str | None] = mapped_column(Text)
    summary_ja: Mapped[str | None] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(200))
    partner_collectivity_id: Mapped[int | None] = mapped_column(ForeignKey("collectivities.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime]


class TaskDone(Base):
    """A task a contact marked as done (or the bot saw done), for a collectivity."""

    __tablename__ = "tasks_done"

    collectivity_id: Mapped[int] = mapped_column(ForeignKey("collectivities.id", ondelete="CASCADE"), primary_key=True)
    task_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    done_at: Mapped[dt.datetime]
    done_by: Mapped[str] = mapped_column(String(90))
