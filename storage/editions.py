"""Several editions in one database: finding one by key, and preparing the next from an earlier one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import audit
from storage.models import Collectivity, Contact, Event


def event_keys(session: Session) -> list[str]:
    """The keys of the events the database holds, oldest edition first."""
    return list(session.scalars(select(Event.key).order_by(Event.start, Event.id)))


def find_event(session: Session, key: str) -> Event | None:
    return session.scalars(select(Event).where(Event.key == key)).one_or_none()


@dataclass(frozen=True)
class CopyReport:
    copied: int
    skipped: int
    contacts: int


def copy_collectivities(session: Session, source: Event, target: Event, *, actor: str, now: dt.datetime) -> CopyReport:
    """Bring `source`'s collectivities and their contacts into `target`, without their answers.

    A collectivity is copied with its names, country, kind and steering-group membership, back to
    "considering"; its delegation, options, choices, abstracts, tasks, assignments and invites stay
    behind. One whose French name `target` already has is skipped, so running it twice copies nothing twice.
    """
    if source.id == target.id:
        raise ValueError("an event cannot copy its own collectivities")
    present = set(session.scalars(select(Collectivity.name_fr).where(Collectivity.event_id == target.id)))
    people = set(session.scalars(select(Contact.chat_user_id).where(Contact.event_id == target.id)))
    originals = session.scalars(
        select(Collectivity).where(Collectivity.event_id == source.id).order_by(Collectivity.id)
    ).all()
    copied = skipped = contacts = 0
    for original in originals:
        if original.name_fr in present:
            skipped += 1
            continue
        copy = Collectivity(
            event_id=target.id,
            name_fr=original.name_fr,
            name_ja=original.name_ja,
            country=original.country,
            kind=original.kind,
            status="considering",
            lead_volunteer=False,
            steering_group=original.steering_group,
            version=0,
            created_at=now,
            updated_at=now,
        )
        session.add(copy)
        session.flush()
        copied += 1
        for contact in sorted(original.contacts, key=lambda c: c.id):
            # A person acts for one collectivity per event: the first one met keeps them.
            if contact.chat_user_id in people:
                continue
            people.add(contact.chat_user_id)
            session.add(
                Contact(event_id=target.id, chat_user_id=contact.chat_user_id, collectivity_id=copy.id, joined_at=now)
            )
            contacts += 1
    session.flush()
    if copied:
        audit.record(
            session,
            event_id=target.id,
            at=now,
            actor=actor,
            action="event.copy",
            target=f"event:{source.key}",
            after={"copied": copied, "skipped": skipped, "contacts": contacts},
        )
    return CopyReport(copied=copied, skipped=skipped, contacts=contacts)
