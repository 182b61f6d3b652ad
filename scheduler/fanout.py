"""Who gets an occurrence and what each reads: the messages of one occurrence, ready for the outbox.

A constant number of SQL statements per occurrence whatever the number of collectivities (storage.pending).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.messages import Recipient
from scheduler.nudges import OccurrenceTexts, Outgoing, group_message
from scheduler.planning import COUNTRY_SIDE, Occurrence, Settings, settings_of
from storage.models import ChannelSubscription, Deadline, Event
from storage.pending import ContactPerson, contacts_for_audience, pending_contacts, pending_count


def deadline_of(event: Event, occurrence: Occurrence) -> Deadline | None:
    """The deadline an occurrence was planned for, if it still exists with that due date (else it lapsed)."""
    return next((d for d in event.deadlines if d.key == occurrence.deadline_key and d.due == occurrence.due), None)


def messages_for(
    session: Session,
    event: Event,
    occurrence: Occurrence,
    settings: Settings | None = None,
    *,
    written: dt.datetime | None = None,
) -> list[Outgoing]:
    """Every message of `occurrence`: one per contact still concerned on its side, or one per subscribed group.

    `written` is the instant they are written (the injected clock's), when later than the occurrence (catch-up).
    """
    deadline = deadline_of(event, occurrence)
    if deadline is None:
        return []
    settings = settings or settings_of(event)
    if occurrence.side == "channels":
        count = 0 if occurrence.informational else pending_count(session, event, deadline)
        return [
            Outgoing.of(event, occurrence, group_message(event, deadline, occurrence, count, channel, written))
            for channel in subscribed_channels(session, event.id)
        ]
    # Only the occurrence's side: the other side's contacts are not even read.
    country = next(country for country, side in COUNTRY_SIDE.items() if side == occurrence.side)
    if occurrence.informational:
        people = contacts_for_audience(session, event, deadline.applies_to, country)
    else:
        people = pending_contacts(session, event, deadline, country)
    texts = OccurrenceTexts(event, deadline, occurrence, settings, written)
    found = []
    for person in _on_side(people, occurrence):
        if occurrence.informational:
            reply = texts.announcement(person.collectivity, person.user)
        else:
            reply = texts.nudge(person.collectivity, person.missing, person.user)
        found.append(Outgoing.of(event, occurrence, reply))
    return found


def _on_side(people: list[ContactPerson], occurrence: Occurrence) -> list[ContactPerson]:
    # People who blocked the bot are left out until they write to it again (the core clears the mark);
    # those who sent `mute` until they send `unmute`.
    return [
        p
        for p in people
        if COUNTRY_SIDE.get(p.collectivity.country) == occurrence.side
        and p.user.unreachable_since is None
        and p.user.nudges_muted_at is None
    ]


def subscribed_channels(session: Session, event_id: int) -> list[Recipient]:
    """The group channels subscribed to this event with /admin subscribe."""
    query = select(ChannelSubscription).where(ChannelSubscription.event_id == event_id)
    rows = session.scalars(query.order_by(ChannelSubscription.id))
    return [Recipient.chat(row.platform, row.chat_id) for row in rows]
