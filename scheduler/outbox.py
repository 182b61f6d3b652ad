"""From the plan to the outbox: each occurrence's messages stored once, lapsed ones skipped, and broadcasts.

Every instance may run this at any moment: the outbox's keys and `reminder_runs` make a second run
(or a second instance) create nothing new. docs/reminders.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.messages import Recipient, Reply
from contract.serial import ReplyEncoder, reply_to_json
from scheduler.fanout import messages_for, subscribed_channels
from scheduler.nudges import Outgoing, recipient_locale
from scheduler.planning import DeadlineDates, Occurrence, asked_now, plan_event, triage
from storage.models import Broadcast, ChatUser, Collectivity, Contact, Deadline, Event
from storage.outbox import Queued, enqueue, handled_occurrences, pending_batches, record_run, skip_batches

REMINDER_KINDS = ("nudge", "group", "announcement")
AUDIENCES = ("all", "confirmed", "fr", "jp", "none")


def kind_of(occurrence: Occurrence) -> str:
    if occurrence.side == "channels":
        return "group"
    return "announcement" if occurrence.informational else "nudge"


def queued(message: Outgoing, encode: ReplyEncoder | None = None) -> Queued:
    """The outbox row of `message`; `encode`, shared by one occurrence's messages, encodes their common parts once."""
    to = message.reply.to
    assert to is not None  # Outgoing.of refuses a message without a recipient
    return Queued(
        key=message.key,
        kind=kind_of(message.occurrence),
        batch=message.occurrence.key,
        platform=to.platform,
        chat_id=to.chat_id,
        user_id=to.user_id,
        text=message.reply.text,
        payload=(encode or ReplyEncoder())(message.reply),
        not_before=message.not_before,
        expires_at=message.expires_at,
    )


@dataclass
class PlanReport:
    """What one planning pass did."""

    queued: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    lapsed: int = 0


def queue_occurrence(session: Session, event: Event, occurrence: Occurrence, now: dt.datetime) -> int:
    """Store the messages of one occurrence (written now) and record it handled; returns the new rows."""
    messages = messages_for(session, event, occurrence, written=now)
    encode = ReplyEncoder()
    added = enqueue(session, event.id, [queued(m, encode) for m in messages], now)
    record_run(session, event.id, occurrence.key, "queued", len(messages), occurrence.at, now)
    return added


def plan_due(session: Session, event: Event, now: dt.datetime) -> PlanReport:
    """Queue every occurrence due at `now` not handled yet; record the missed ones skipped; lapse moved ones."""
    report = PlanReport()
    report.lapsed = skip_lapsed(session, event)
    sorted_out = triage(plan_event(event), now, handled_occurrences(session, event.id))
    for occurrence in sorted_out.skipped:
        if record_run(session, event.id, occurrence.key, "skipped", 0, occurrence.at, now):
            report.skipped.append(occurrence.key)
    for occurrence in sorted_out.due:
        report.queued[occurrence.key] = queue_occurrence(session, event, occurrence, now)
    return report


def skip_lapsed(session: Session, event: Event) -> int:
    """Pending reminders of a deadline whose due date moved (or that is gone) are skipped: they lapsed."""
    current = {f"{d.key}@{d.due.isoformat()}" for d in event.deadlines}
    lapsed = [b for b in pending_batches(session, event.id, REMINDER_KINDS) if b.split("/", 1)[0] not in current]
    return skip_batches(session, event.id, lapsed, "lapsed: its deadline moved")


def rehearse(session: Session, event: Event, now: dt.datetime) -> list[tuple[Occurrence, list[Outgoing]]]:
    """What `plan_due` would queue at `now`, without writing anything (`rencontres-bot reminders --now`)."""
    sorted_out = triage(plan_event(event), now, handled_occurrences(session, event.id))
    return [(o, messages_for(session, event, o, written=now)) for o in sorted_out.due]


def asked(event: Event, deadline: Deadline, now: dt.datetime) -> list[Occurrence]:
    """The occurrences of `admin remind <deadline>` at `now` (one per side)."""
    return asked_now(DeadlineDates.of(event, deadline), now)


def remind_now(session: Session, event: Event, deadline: Deadline, now: dt.datetime) -> int:
    """Queue the nudge of `deadline` now for those still missing its tasks (and the groups); returns the rows."""
    return sum(queue_occurrence(session, event, o, now) for o in asked(event, deadline, now))


def preview_remind(session: Session, event: Event, deadline: Deadline, now: dt.datetime) -> list[Outgoing]:
    return [m for o in asked(event, deadline, now) for m in messages_for(session, event, o, written=now)]


# -- broadcasts ------------------------------------------------------------------------------------------


def broadcast_people(session: Session, event: Event, audience: str) -> list[tuple[Collectivity, ChatUser]]:
    """Every contact of the event's collectivities in `audience` (all, confirmed, fr, jp; none: nobody)."""
    if audience == "none":
        return []
    query = (
        select(Collectivity, ChatUser)
        .join(Contact, Contact.collectivity_id == Collectivity.id)
        .join(ChatUser, ChatUser.id == Contact.chat_user_id)
        .where(Contact.event_id == event.id)
    )
    if audience == "confirmed":
        query = query.where(Collectivity.status == "confirmed")
    elif audience in ("fr", "jp"):
        query = query.where(Collectivity.country == audience)
    return [(c, u) for c, u in session.execute(query.order_by(Contact.collectivity_id, ChatUser.id))]


def broadcast_messages(session: Session, event: Event, row: Broadcast) -> list[Queued]:
    """One row per contact (in their language: Japanese or French) and per subscribed group (both)."""
    batch = f"broadcast/{row.id}"
    at = row.queued_at or row.created_at
    found = []
    for collectivity, user in broadcast_people(session, event, row.audience):
        text = row.text_ja if recipient_locale(user, collectivity) == "ja" else row.text_fr
        to = Recipient.person(user.platform, user.user_id)
        # Known to have blocked the bot: recorded blocked, not tried.
        status = "blocked" if user.unreachable_since is not None else "pending"
        found.append(_broadcast_row(event, batch, to, text, at, status))
    if row.channels:
        for channel in subscribed_channels(session, event.id):
            found.append(_broadcast_row(event, batch, channel, f"{row.text_fr}\n\n{row.text_ja}", at, "pending"))
    return found


def _broadcast_row(event: Event, batch: str, to: Recipient, text: str, at: dt.datetime, status: str) -> Queued:
    who = f"user:{to.user_id}" if to.is_person else f"chat:{to.chat_id}"
    reply = Reply(text, to=to)
    return Queued(
        key=f"{event.key}/{batch}/{to.platform}/{who}",
        kind="broadcast",
        batch=batch,
        platform=to.platform,
        chat_id=to.chat_id,
        user_id=to.user_id,
        text=text,
        payload=reply_to_json(reply),
        not_before=at,
        status=status,
    )


def draft_broadcast(
    session: Session,
    event: Event,
    *,
    audience: str,
    channels: bool,
    text_fr: str,
    text_ja: str,
    by: str,
    now: dt.datetime,
) -> Broadcast:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    row = Broadcast(
        event_id=event.id,
        audience=audience,
        channels=channels,
        text_fr=text_fr,
        text_ja=text_ja,
        status="draft",
        created_by=by[:90],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def queue_broadcast(session: Session, event: Event, row: Broadcast, now: dt.datetime) -> int:
    """Confirm a drafted broadcast: its messages go to the outbox (once, even if confirmed twice)."""
    if row.status != "queued":
        row.status, row.queued_at = "queued", now
    return enqueue(session, event.id, broadcast_messages(session, event, row), now)


def count_recipients(messages: Iterable[Outgoing | Queued]) -> tuple[int, int]:
    """(people, chats) among messages."""
    people = chats = 0
    for m in messages:
        person = m.reply.to.is_person if isinstance(m, Outgoing) and m.reply.to else getattr(m, "user_id", None)
        if person:
            people += 1
        else:
            chats += 1
    return people, chats


def deadline_named(event: Event, key: str) -> Deadline | None:
    return next((d for d in event.deadlines if d.key == key), None)


def upcoming(event: Event, now: dt.datetime, handled: Sequence[str] = ()) -> list[Occurrence]:
    """The occurrences still to come, soonest first."""
    return list(triage(plan_event(event), now, handled).upcoming)
