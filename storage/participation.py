"""What a collectivity's contacts change: joining, confirming or declining, workshop choices, abstracts, tasks.

Each function works in the caller's transaction and records the change in the audit log.
A request that breaks a rule raises ParticipationError with a reason key; the handlers
turn the key into a sentence and the transaction is rolled back.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from contract.numbers import parse_int
from storage import audit
from storage.models import (
    Abstract,
    Assignment,
    ChatUser,
    Collectivity,
    Contact,
    Delegate,
    Event,
    Invite,
    Option,
    OptionSignup,
    Task,
    TaskDone,
    Workshop,
    WorkshopChoice,
)
from storage.progress import applies, closes_at, task_applies

# Characters people type inside a code that are not part of it: "abcd-efgh", "ABCD EFGH".
_CODE_NOISE = re.compile(r"[\s\-_‐‑–—・.]+")
MAX_DELEGATION = 50


class ParticipationError(Exception):
    """A request that breaks a participation rule; `reason` names the rule, `params` fill its sentence."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def normalise_code(text: str) -> str:
    """An invite code as compared: upper case, without the spaces and dashes people type."""
    return _CODE_NOISE.sub("", text).upper()


def _stored_code_normalised() -> Any:
    expression: Any = Invite.code
    for noise in (" ", "-", "_"):
        expression = func.replace(expression, noise, "")
    return func.upper(expression)


def contact_of(session: Session, event: Event, user: ChatUser, *, with_members: bool = False) -> Contact | None:
    """The link between this chat identity and its collectivity, if any (the collectivity read with it).

    `with_members`: its delegates and workshop choices come in the same statement (a few rows each).
    """
    query = (
        select(Contact, Collectivity)
        .join(Collectivity, Contact.collectivity_id == Collectivity.id)
        .where(Contact.event_id == event.id, Contact.chat_user_id == user.id)
    )
    if with_members:
        query = query.options(joinedload(Collectivity.delegates), joinedload(Collectivity.choices))
    row = session.execute(query).unique().one_or_none()
    if row is None:
        return None
    contact, collectivity = row
    set_committed_value(contact, "collectivity", collectivity)  # read: no second statement for it
    return contact


def collectivity_of(
    session: Session, event: Event, user: ChatUser, *, with_members: bool = False
) -> Collectivity | None:
    contact = contact_of(session, event, user, with_members=with_members)
    return contact.collectivity if contact is not None else None


def lock_event(session: Session, event: Event) -> Event:
    """Hold the event row until commit: what depends on the whole event (capacities, the lock of
    choices, a balancing) is then decided by one writer at a time. Its lock of choices is read afresh."""
    # One column, not the row: the same lock without reading the event's texts again.
    locked = session.scalars(select(Event.choices_locked).where(Event.id == event.id).with_for_update()).one()
    set_committed_value(event, "choices_locked", locked)
    return event


def lock(session: Session, collectivity: Collectivity) -> Collectivity:
    """Re-read the collectivity and hold its row until commit (FOR UPDATE on PostgreSQL).

    SQLite needs no row lock: every write transaction starts with BEGIN IMMEDIATE.
    """
    return session.scalars(
        select(Collectivity)
        .where(Collectivity.id == collectivity.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lock_event_and(session: Session, event: Event, collectivity: Collectivity) -> Collectivity:
    """lock_event, then lock, in one statement: both rows held until commit, the collectivity re-read."""
    locked, fresh = session.execute(
        select(Event.choices_locked, Collectivity)
        .where(Event.id == event.id, Collectivity.id == collectivity.id, Collectivity.event_id == Event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    set_committed_value(event, "choices_locked", locked)
    return fresh


@dataclass(frozen=True)
class Joined:
    collectivity: Collectivity
    already: bool  # True when this identity was already linked to that collectivity


def join(session: Session, *, event: Event, user: ChatUser, code: str, now: dt.datetime, actor: str) -> Joined:
    """Link `user` to the collectivity of a valid invite code and count one use."""
    wanted = normalise_code(code)
    if not wanted:
        raise ParticipationError("code_missing")
    invite = session.scalars(
        select(Invite)
        .join(Collectivity, Collectivity.id == Invite.collectivity_id)
        .where(Collectivity.event_id == event.id, _stored_code_normalised() == wanted)
    ).first()
    if invite is None:
        raise ParticipationError("code_wrong")
    collectivity = session.get_one(Collectivity, invite.collectivity_id)
    # The same person's two /join at once (two devices, a double tap): the second waits here for the first
    # to commit, then finds its link instead of inserting a second one (PostgreSQL; SQLite writers queue anyway).
    session.execute(select(ChatUser.id).where(ChatUser.id == user.id).with_for_update())
    existing = contact_of(session, event, user)
    if existing is not None:
        if existing.collectivity_id == collectivity.id:
            return Joined(collectivity, already=True)
        raise ParticipationError("already_linked", collectivity=existing.collectivity)
    if invite.revoked_at is not None:
        raise ParticipationError("code_revoked")
    if invite.expires_at <= now:
        raise ParticipationError("code_expired", when=invite.expires_at)
    # Counted in the database itself, so two people using the last use at once cannot both succeed.
    counted = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.uses < Invite.max_uses)
        .values(uses=Invite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        raise ParticipationError("code_used_up")
    session.refresh(invite)
    session.add(
        Contact(
            event_id=event.id,
            chat_user_id=user.id,
            collectivity_id=collectivity.id,
            invite_id=invite.id,
            joined_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="contact.join",
        target=f"collectivity:{collectivity.id}",
        before=None,
        after={"chat_user": f"{user.platform}:{user.user_id}", "invite": invite.id, "uses": invite.uses},
    )
    return Joined(collectivity, already=False)


# --- confirmation, delegation and options -------------------------------------------------


def options_for(event: Event, collectivity: Collectivity) -> list[Option]:
    """The options this collectivity may take, in the event file's order."""
    return [o for o in ordered_options(event) if applies(o.audience, collectivity)]


def ordered_options(event: Event) -> list[Option]:
    """The event's options in the order of its file (rows are inserted in that order)."""
    return sorted(event.options, key=lambda o: o.id)


def taken_places(session: Session, option_key: str, event: Event, *, besides: Collectivity | None = None) -> int:
    """People signed up for an option by the event's collectivities (other than `besides`)."""
    query = (
        select(func.coalesce(func.sum(OptionSignup.people), 0))
        .join(Collectivity, Collectivity.id == OptionSignup.collectivity_id)
        .where(Collectivity.event_id == event.id, OptionSignup.option_key == option_key)
    )
    if besides is not None:
        query = query.where(Collectivity.id != besides.id)
    return int(session.scalar(query) or 0)


def remaining_places(session: Session, option: Option, event: Event, collectivity: Collectivity) -> int | None:
    """Places left for this collectivity (its own earlier sign-up is given back); None when unlimited."""
    if option.capacity is None:
        return None
    return max(0, option.capacity - taken_places(session, option.key, event, besides=collectivity))


def _state(collectivity: Collectivity, session: Session) -> dict[str, Any]:
    signups = session.scalars(select(OptionSignup).where(OptionSignup.collectivity_id == collectivity.id)).all()
    return {
        "status": collectivity.status,
        "delegation_size": collectivity.delegation_size,
        "delegates": [[d.name, d.role] for d in collectivity.delegates],
        "options": {s.option_key: s.people for s in sorted(signups, key=lambda s: s.option_key)},
    }


def confirm(
    session: Session,
    *,
    event: Event,
    collectivity: Collectivity,
    delegates: list[tuple[str, str | None]],
    options: dict[str, int],
    now: dt.datetime,
    actor: str,
) -> None:
    """Set the collectivity confirmed with its delegation and options, replacing earlier answers."""
    if not 1 <= len(delegates) <= MAX_DELEGATION:
        raise ParticipationError("delegation_size", most=MAX_DELEGATION)
    # Capacities are shared by every collectivity: serialise the writers on the event row.
    collectivity = lock_event_and(session, event, collectivity)
    if len(delegates) == 1:
        chosen = [c for c in collectivity.choices]
        workshops = [session.get_one(Workshop, c.workshop_id) for c in chosen]
        if len(workshops) == 2 and workshops[0].slot_key and workshops[0].slot_key == workshops[1].slot_key:
            raise ParticipationError("single_person_same_slot", first=workshops[0], second=workshops[1])
    before = _state(collectivity, session)
    allowed = {o.key: o for o in options_for(event, collectivity)}
    for key, people in options.items():
        option = allowed.get(key)
        if option is None:
            raise ParticipationError("option_unknown", option=key)
        if not 0 <= people <= len(delegates):
            raise ParticipationError("option_people", option=option, most=len(delegates))
        left = remaining_places(session, option, event, collectivity)
        if left is not None and people > left:
            raise ParticipationError("option_full", option=option, left=left)
    session.execute(delete(Delegate).where(Delegate.collectivity_id == collectivity.id))
    session.execute(delete(OptionSignup).where(OptionSignup.collectivity_id == collectivity.id))
    session.expire(collectivity, ["delegates"])
    session.flush()
    for position, (name, role) in enumerate(delegates, start=1):
        session.add(Delegate(collectivity_id=collectivity.id, position=position, name=name, role=role))
    for key, people in options.items():
        if people > 0:
            session.add(OptionSignup(collectivity_id=collectivity.id, option_key=key, people=people))
    collectivity.status = "confirmed"
    collectivity.delegation_size = len(delegates)
    collectivity.updated_at = now
    session.flush()
    session.expire(collectivity, ["delegates"])
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="collectivity.confirm",
        target=f"collectivity:{collectivity.id}",
        before=before,
        after=_state(collectivity, session),
    )


def decline(session: Session, *, collectivity: Collectivity, now: dt.datetime, actor: str) -> None:
    """Set the collectivity declined; its option sign-ups and workshop choices are given back."""
    collectivity = lock(session, collectivity)
    before = _state(collectivity, session) | {"choices": _choice_ids(session, collectivity)}
    session.execute(delete(OptionSignup).where(OptionSignup.collectivity_id == collectivity.id))
    session.execute(delete(WorkshopChoice).where(WorkshopChoice.collectivity_id == collectivity.id))
    session.expire(collectivity, ["choices"])
    collectivity.status = "declined"
    collectivity.version += 1
    collectivity.updated_at = now
    session.flush()
    audit.record(
        session,
        event_id=collectivity.event_id,
        at=now,
        actor=actor,
        action="collectivity.decline",
        target=f"collectivity:{collectivity.id}",
        before=before,
        after=_state(collectivity, session) | {"choices": []},
    )


# --- workshop choices ----------------------------------------------------------------------


def _choice_ids(session: Session, collectivity: Collectivity) -> list[int]:
    rows = session.scalars(
        select(WorkshopChoice)
        .where(WorkshopChoice.collectivity_id == collectivity.id)
        .order_by(WorkshopChoice.rank)
        .execution_options(populate_existing=True)
    ).all()
    return [row.workshop_id for row in rows]


def choices_deadline(event: Event, collectivity: Collectivity) -> dt.datetime | None:
    """When workshop choices close for this collectivity: the end of the day their deadline falls on."""
    keys = {t.key for t in event.tasks if t.check == "workshop_choices"}
    closing = [
        closes_at(event, d) for d in event.deadlines if keys & set(d.task_keys) and applies(d.applies_to, collectivity)
    ]
    return min(closing, default=None)


def check_can_choose(event: Event, collectivity: Collectivity, now: dt.datetime) -> None:
    """Raise when this collectivity may not change its workshop choices at all now."""
    if collectivity.status == "declined":
        raise ParticipationError("declined")
    if event.choices_locked:
        raise ParticipationError("choices_locked")
    closing = choices_deadline(event, collectivity)
    if closing is not None and now >= closing:
        raise ParticipationError("choices_closed", when=closing)


def choose(
    session: Session,
    *,
    event: Event,
    collectivity: Collectivity,
    first: Workshop,
    second: Workshop,
    now: dt.datetime,
    actor: str,
) -> None:
    """Replace both workshop choices at once (rank 1 = `first`), under the collectivity's row lock."""
    # The event row first (as confirm and balancing do): an organiser's lock lands before or after, never during.
    collectivity = lock_event_and(session, event, collectivity)
    check_can_choose(event, collectivity, now)
    if first.id == second.id:
        raise ParticipationError("same_twice", workshop=first)
    if collectivity.delegation_size == 1 and first.slot_key is not None and first.slot_key == second.slot_key:
        raise ParticipationError("same_slot", first=first, second=second)
    # The rows deleted tell the audit what they were: no read before the write.
    deleted = session.execute(
        delete(WorkshopChoice)
        .where(WorkshopChoice.collectivity_id == collectivity.id)
        .returning(WorkshopChoice.rank, WorkshopChoice.workshop_id)
    ).all()
    before = [workshop_id for _rank, workshop_id in sorted(deleted)]
    session.expire(collectivity, ["choices"])
    session.flush()
    for rank, workshop in ((1, first), (2, second)):
        session.add(WorkshopChoice(collectivity_id=collectivity.id, rank=rank, workshop_id=workshop.id, chosen_at=now))
    collectivity.version += 1
    collectivity.updated_at = now
    session.flush()
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="choices.replace",
        target=f"collectivity:{collectivity.id}",
        before={"workshops": before},
        after={"workshops": [first.id, second.id], "version": collectivity.version},
    )


# --- abstracts and leads --------------------------------------------------------------------


def own_workshops(session: Session, event: Event, collectivity: Collectivity) -> list[Workshop]:
    """The workshops this collectivity chose or was assigned, in workshop order."""
    ids = set(_choice_ids(session, collectivity))
    ids |= set(session.scalars(select(Assignment.workshop_id).where(Assignment.collectivity_id == collectivity.id)))
    return [w for w in event.workshops if w.id in ids]


def partner_candidates(session: Session, event: Event, collectivity: Collectivity) -> list[Collectivity]:
    """Collectivities of the other country that have not declined, by name."""
    return list(
        session.scalars(
            select(Collectivity)
            .where(
                Collectivity.event_id == event.id,
                Collectivity.country != collectivity.country,
                Collectivity.status != "declined",
            )
            .order_by(Collectivity.name_fr)
        )
    )


def _abstract_state(abstract: Abstract | None) -> dict[str, Any] | None:
    if abstract is None:
        return None
    return {
        "workshop": abstract.workshop_id,
        "title": abstract.title,
        "summary_fr": abstract.summary_fr,
        "summary_ja": abstract.summary_ja,
        "speaker": abstract.speaker,
        "partner": abstract.partner_collectivity_id,
    }


def save_abstract(
    session: Session,
    *,
    event: Event,
    collectivity: Collectivity,
    workshop: Workshop,
    title: str,
    summary_fr: str | None,
    summary_ja: str | None,
    speaker: str | None,
    partner: Collectivity | None,
    now: dt.datetime,
    actor: str,
) -> Abstract:
    """Write (or rewrite) the abstract of this collectivity's intervention in `workshop`."""
    collectivity = lock(session, collectivity)
    if collectivity.status == "declined":
        raise ParticipationError("declined")
    if workshop not in own_workshops(session, event, collectivity):
        raise ParticipationError("not_own_workshop", workshop=workshop)
    if not title.strip():
        raise ParticipationError("abstract_title")
    if not (summary_fr or summary_ja):
        raise ParticipationError("abstract_summary")
    if partner is not None and (partner.country == collectivity.country or partner.event_id != event.id):
        raise ParticipationError("partner_country", partner=partner)
    abstract = session.scalars(
        select(Abstract).where(Abstract.collectivity_id == collectivity.id, Abstract.workshop_id == workshop.id)
    ).one_or_none()
    before = _abstract_state(abstract)
    if abstract is None:
        abstract = Abstract(collectivity_id=collectivity.id, workshop_id=workshop.id)
        session.add(abstract)
    abstract.title = title.strip()
    abstract.summary_fr = summary_fr or None
    abstract.summary_ja = summary_ja or None
    abstract.speaker = speaker or None
    abstract.partner_collectivity_id = partner.id if partner is not None else None
    abstract.updated_at = now
    collectivity.updated_at = now
    session.flush()
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="abstract.save",
        target=f"collectivity:{collectivity.id}",
        before=before,
        after=_abstract_state(abstract),
    )
    return abstract


def abstracts_of(session: Session, collectivity: Collectivity) -> list[Abstract]:
    return list(
        session.scalars(select(Abstract).where(Abstract.collectivity_id == collectivity.id).order_by(Abstract.id))
    )


def set_lead_volunteer(
    session: Session, *, collectivity: Collectivity, volunteer: bool, now: dt.datetime, actor: str
) -> bool:
    """Volunteer as workshop lead (or withdraw); returns False when nothing changed."""
    collectivity = lock(session, collectivity)
    if collectivity.status == "declined" and volunteer:
        raise ParticipationError("declined")
    if collectivity.lead_volunteer == volunteer:
        return False
    collectivity.lead_volunteer = volunteer
    collectivity.updated_at = now
    audit.record(
        session,
        event_id=collectivity.event_id,
        at=now,
        actor=actor,
        action="collectivity.lead_volunteer",
        target=f"collectivity:{collectivity.id}",
        before={"lead_volunteer": not volunteer},
        after={"lead_volunteer": volunteer},
    )
    return True


# --- tasks done by hand ---------------------------------------------------------------------


def manual_tasks(event: Event, collectivity: Collectivity) -> list[Task]:
    """The tasks the bot cannot see by itself that concern this collectivity."""
    return [t for t in event.tasks if t.check == "manual" and task_applies(event, t, collectivity)]


def find_task(event: Event, collectivity: Collectivity, text: str) -> Task | None:
    """A manual task by its key ("hotel"), its number in the list of manual tasks, or words of its
    title in any of the event's languages ("hôtel", "hotel", "ホテル"), when they name one task only."""
    tasks = manual_tasks(event, collectivity)
    wanted = _folded(text)
    number = parse_int(wanted)
    if number is not None and 1 <= number <= len(tasks):
        return tasks[number - 1]
    by_key = next((t for t in tasks if t.key == wanted), None)
    if by_key is not None or not wanted:
        return by_key
    words = wanted.split()
    matches = [
        t
        for t in tasks
        if any(all(w in _folded(str(title)) for w in words) for title in (t.title or {}).values() if title)
    ]
    return matches[0] if len(matches) == 1 else None


def _folded(text: str) -> str:
    """Compared as typed words are: NFKC, lower case, accents dropped (hôtel is hotel), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", bare).split())


def mark_done(session: Session, *, collectivity: Collectivity, task: Task, now: dt.datetime, actor: str) -> bool:
    """Record a manual task as done; returns False when it already was."""
    if task.check != "manual":
        raise ParticipationError("task_not_manual", task=task)
    if session.get(TaskDone, (collectivity.id, task.key)) is not None:
        return False
    session.add(TaskDone(collectivity_id=collectivity.id, task_key=task.key, done_at=now, done_by=actor))
    audit.record(
        session,
        event_id=collectivity.event_id,
        at=now,
        actor=actor,
        action="task.done",
        target=f"collectivity:{collectivity.id}",
        before={"task": task.key, "done": False},
        after={"task": task.key, "done": True},
    )
    return True


def mark_undone(session: Session, *, collectivity: Collectivity, task: Task, now: dt.datetime, actor: str) -> bool:
    """Take back a task marked done; returns False when it was not marked."""
    row = session.get(TaskDone, (collectivity.id, task.key))
    if row is None:
        return False
    before = {"task": task.key, "done": True, "done_at": row.done_at.isoformat(), "done_by": row.done_by}
    session.delete(row)
    audit.record(
        session,
        event_id=collectivity.event_id,
        at=now,
        actor=actor,
        action="task.undo",
        target=f"collectivity:{collectivity.id}",
        before=before,
        after={"task": task.key, "done": False},
    )
    return True
