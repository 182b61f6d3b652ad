"""What organisers change: collectivities, invites, organiser grants, workshops, locks, deadlines.

Every function takes the caller's session and records its change in the audit log; a
problem raises OrganiserError with an untranslated message that the caller translates.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from contract.numbers import parse_date, parse_int
from contract.platforms import PLATFORMS
from locales import N_, words
from storage import audit
from storage.models import AdminGrant, Collectivity, Contact, Deadline, Event, Invite, Slot, Workshop
from storage.models.participation import STATUSES
from storage.participation import lock_event

# No 0/O, 1/I/L: a code read aloud or copied by hand stays unambiguous. 31**10 ≈ 2**49.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
NAME_MAX = 200
KIND_MAX = 40
EDITABLE_FIELDS = ("name_fr", "name_ja", "country", "kind", "status", "steering")


class OrganiserError(Exception):
    """A change organisers asked for that cannot be made; `message` is an untranslated N_ text."""

    def __init__(self, message: str, *, see: str = "", **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params
        # The organisers' command that shows what exists ("list"); handlers name it the reader's platform's way.
        self.see = see

    def render(self, gettext: Callable[[str], str], shown: Callable[[object], str] | None = None) -> str:
        """The message in the reader's language; `shown` writes dates and slots the reader's way."""
        show = shown or plain
        return gettext(self.message).format(**{key: show(value) for key, value in self.params.items()})


def plain(value: object) -> str:
    """A parameter without a reader: ISO dates, slot keys (the command line, the logs)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Slot):
        return value.key
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value)
    return str(value)


# --- collectivities ---------------------------------------------------------------------------


def parse_country(value: str) -> str:
    """`fr` or `jp` from what organisers write (fr, FR, jp, ja, JP)."""
    country = words.read_country(value)
    if country is None:
        raise OrganiserError(N_("The country must be fr or jp, not “{value}”."), value=value)
    return country


def parse_status(value: str) -> str:
    """A status key from a key or a label organisers type (« confirmée », 参加確定)."""
    status = words.read_status(value)
    if status not in STATUSES:
        raise OrganiserError(N_("The status must be considering, confirmed or declined, not “{value}”."), value=value)
    return status


def parse_yes_no(value: str, field: str) -> bool:
    """yes/no, oui/non, はい/いいえ, ok, true/false: the bot's one vocabulary (locales.words)."""
    answer = words.read_yes_no(value)
    if answer is not None:
        return answer
    raise OrganiserError(N_("The {field} must be yes or no, not “{value}”."), field=field, value=value)


def _clean_name(value: str, field: str, *, required: bool) -> str | None:
    text = " ".join(value.split())
    if not text:
        if required:
            raise OrganiserError(N_("The {field} must not be empty."), field=field)
        return None
    if len(text) > NAME_MAX:
        raise OrganiserError(N_("The {field} is longer than {max} characters."), field=field, max=NAME_MAX)
    return text


def _clean_kind(value: str) -> str | None:
    text = " ".join(value.split())
    if len(text) > KIND_MAX:
        raise OrganiserError(N_("The {field} is longer than {max} characters."), field="kind", max=KIND_MAX)
    return text or None


def collectivity_fields(c: Collectivity) -> dict[str, Any]:
    """What the audit log keeps of a collectivity."""
    return {
        "name_fr": c.name_fr,
        "name_ja": c.name_ja,
        "country": c.country,
        "kind": c.kind,
        "status": c.status,
        "steering_group": bool(c.steering_group),
    }


def find_by_name(session: Session, event: Event, name_fr: str) -> Collectivity | None:
    return session.scalars(
        select(Collectivity).where(Collectivity.event_id == event.id, Collectivity.name_fr == name_fr)
    ).one_or_none()


def get_collectivity(session: Session, event: Event, ident: str | int) -> Collectivity:
    """The collectivity numbered `ident` in this event, or OrganiserError."""
    number = parse_int(str(ident).strip().lstrip("#"))
    found = session.get(Collectivity, number) if number is not None else None
    if found is None or found.event_id != event.id:
        raise OrganiserError(N_("There is no collectivity number {ident}."), ident=str(ident), see="list")
    return found


def add_collectivity(
    session: Session,
    event: Event,
    *,
    name_fr: str,
    name_ja: str,
    country: str,
    kind: str = "",
    status: str = "considering",
    steering_group: bool = False,
    actor: str,
    now: dt.datetime,
    log: bool = True,
) -> Collectivity:
    fr = _clean_name(name_fr, "name_fr", required=True)
    assert fr is not None
    collectivity = Collectivity(
        event_id=event.id,
        name_fr=fr,
        name_ja=_clean_name(name_ja, "name_ja", required=False),
        country=parse_country(country),
        kind=_clean_kind(kind),
        status=parse_status(status or "considering"),
        steering_group=steering_group,
        created_at=now,
        updated_at=now,
    )
    if find_by_name(session, event, fr) is not None:
        raise OrganiserError(N_("A collectivity named “{name}” already exists."), name=fr)
    session.add(collectivity)
    session.flush()
    if log:
        audit.record(
            session,
            event_id=event.id,
            at=now,
            actor=actor,
            action="collectivity.add",
            target=f"collectivity:{collectivity.id}",
            after=collectivity_fields(collectivity),
        )
    return collectivity


def edit_collectivity(
    session: Session,
    event: Event,
    ident: str | int,
    changes: Mapping[str, str],
    *,
    actor: str,
    now: dt.datetime,
) -> Collectivity:
    collectivity = get_collectivity(session, event, ident)
    if not changes:
        raise OrganiserError(N_("Say what to change, for example name_ja=… or kind=…"))
    before = collectivity_fields(collectivity)
    for field, value in changes.items():
        if field == "name_fr":
            name = _clean_name(value, field, required=True)
            assert name is not None
            other = find_by_name(session, event, name)
            if other is not None and other.id != collectivity.id:
                raise OrganiserError(N_("A collectivity named “{name}” already exists."), name=name)
            collectivity.name_fr = name
        elif field == "name_ja":
            collectivity.name_ja = _clean_name(value, field, required=False)
        elif field == "country":
            collectivity.country = parse_country(value)
        elif field == "kind":
            collectivity.kind = _clean_kind(value)
        elif field == "status":
            collectivity.status = parse_status(value)
        elif field in ("steering", "steering_group"):
            collectivity.steering_group = parse_yes_no(value, "steering")
        else:
            raise OrganiserError(
                N_("I cannot change “{field}”. Fields: {fields}."), field=field, fields=", ".join(EDITABLE_FIELDS)
            )
    after = collectivity_fields(collectivity)
    if after != before:
        collectivity.updated_at = now
        audit.record(
            session,
            event_id=event.id,
            at=now,
            actor=actor,
            action="collectivity.edit",
            target=f"collectivity:{collectivity.id}",
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return collectivity


def remove_collectivity(session: Session, event: Event, ident: str | int, *, actor: str, now: dt.datetime) -> str:
    """Delete a collectivity and everything it stated; returns its name."""
    collectivity = get_collectivity(session, event, ident)
    name = collectivity.name_fr
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="collectivity.remove",
        target=f"collectivity:{collectivity.id}",
        before=collectivity_fields(collectivity),
    )
    session.delete(collectivity)
    session.flush()
    return name


def list_collectivities(
    session: Session,
    event: Event,
    *,
    status: str | None = None,
    country: str | None = None,
    limit: int | None = None,
) -> list[Collectivity]:
    """The event's collectivities by number; the first `limit` of them only when given."""
    query = select(Collectivity).where(*_listed(event, status, country)).order_by(Collectivity.id)
    return list(session.scalars(query if limit is None else query.limit(limit)))


def count_collectivities(
    session: Session, event: Event, *, status: str | None = None, country: str | None = None
) -> int:
    return session.scalar(select(func.count()).select_from(Collectivity).where(*_listed(event, status, country))) or 0


def _listed(event: Event, status: str | None, country: str | None) -> list[ColumnElement[bool]]:
    clauses = [Collectivity.event_id == event.id]
    if status:
        clauses.append(Collectivity.status == status)
    if country:
        clauses.append(Collectivity.country == country)
    return clauses


def contact_counts(session: Session, event: Event, ids: Collection[int] | None = None) -> dict[int, int]:
    """Contacts per collectivity (only those of `ids` when given), counted by the database."""
    query = select(Contact.collectivity_id, func.count()).where(Contact.event_id == event.id)
    if ids is not None:
        query = query.where(Contact.collectivity_id.in_(list(ids)))
    return {cid: n for cid, n in session.execute(query.group_by(Contact.collectivity_id)).all()}


# --- invites ----------------------------------------------------------------------------------


def new_code() -> str:
    """Ten characters from CODE_ALPHABET, grouped for reading: ABCD-EFGH-JK."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(text: str) -> str:
    """The stored form of a code as someone typed it (any case, spaces or dashes anywhere)."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(raw) != CODE_LENGTH:
        return text.strip().upper()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@dataclass(frozen=True)
class InviteView:
    invite: Invite
    collectivity: Collectivity
    state: str  # active | expired | used | revoked


def invite_state(invite: Invite, now: dt.datetime) -> str:
    if invite.revoked_at is not None:
        return "revoked"
    if invite.uses >= invite.max_uses:
        return "used"
    if invite.expires_at <= now:
        return "expired"
    return "active"


def create_invite(
    session: Session,
    event: Event,
    ident: str | int,
    *,
    days: int = 30,
    uses: int = 1,
    actor: str,
    now: dt.datetime,
) -> Invite:
    collectivity = get_collectivity(session, event, ident)
    if not 1 <= days <= 365:
        raise OrganiserError(N_("An invitation lasts from 1 to 365 days, not {value}."), value=days)
    if not 1 <= uses <= 50:
        raise OrganiserError(N_("An invitation may be used from 1 to 50 times, not {value}."), value=uses)
    code = new_code()
    while session.scalars(select(Invite.id).where(Invite.code == code)).first() is not None:
        code = new_code()  # a collision is a 1-in-10^14 event; drawing again is enough
    invite = Invite(
        collectivity_id=collectivity.id,
        code=code,
        expires_at=now + dt.timedelta(days=days),
        max_uses=uses,
        uses=0,
        created_by=actor,
        created_at=now,
    )
    session.add(invite)
    session.flush()
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="invite.create",
        target=f"collectivity:{collectivity.id}",
        # The audit log is readable by every organiser; it keeps only the start of the code.
        after={"code": code[:4] + "-…", "expires_at": invite.expires_at.isoformat(), "max_uses": uses},
    )
    return invite


def list_invites(
    session: Session,
    event: Event,
    now: dt.datetime,
    *,
    include_closed: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[InviteView]:
    """The event's invites, oldest first (only the valid ones unless `include_closed`); one page when `limit`."""
    query = (
        select(Invite, Collectivity)
        .join(Collectivity, Invite.collectivity_id == Collectivity.id)
        .where(*_invites_listed(event, now, include_closed))
        .order_by(Invite.created_at, Invite.id)
        .offset(offset)
    )
    rows = session.execute(query if limit is None else query.limit(limit)).all()
    return [InviteView(invite, collectivity, invite_state(invite, now)) for invite, collectivity in rows]


def count_invites(session: Session, event: Event, now: dt.datetime, *, include_closed: bool = False) -> int:
    query = (
        select(func.count())
        .select_from(Invite)
        .join(Collectivity, Invite.collectivity_id == Collectivity.id)
        .where(*_invites_listed(event, now, include_closed))
    )
    return session.scalar(query) or 0


def _invites_listed(event: Event, now: dt.datetime, include_closed: bool) -> list[ColumnElement[bool]]:
    """invite_state(...) == "active" as SQL, unless every invite is wanted."""
    clauses = [Collectivity.event_id == event.id]
    if not include_closed:
        clauses += [Invite.revoked_at.is_(None), Invite.uses < Invite.max_uses, Invite.expires_at > now]
    return clauses


def revoke_invite(session: Session, event: Event, code: str, *, actor: str, now: dt.datetime) -> InviteView:
    wanted = normalize_code(code)
    row = session.execute(
        select(Invite, Collectivity)
        .join(Collectivity, Invite.collectivity_id == Collectivity.id)
        .where(Collectivity.event_id == event.id, Invite.code == wanted)
    ).one_or_none()
    if row is None:
        raise OrganiserError(N_("There is no invitation with the code {code}."), code=code.strip())
    invite, collectivity = row
    if invite.revoked_at is not None:
        raise OrganiserError(N_("The invitation {code} was already revoked."), code=invite.code)
    invite.revoked_at = now
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="invite.revoke",
        target=f"collectivity:{collectivity.id}",
        before={"code": invite.code[:4] + "-…", "uses": invite.uses},
        after={"revoked": True},
    )
    return InviteView(invite, collectivity, "revoked")


# --- organisers -------------------------------------------------------------------------------


def parse_identity(text: str) -> tuple[str, str]:
    platform, sep, user = text.strip().partition(":")
    platform = platform.lower()
    if not sep or platform not in PLATFORMS or not user or len(user) > 64 or " " in user:
        raise OrganiserError(
            N_("Write the person as platform:user, for example telegram:123456789 or slack:U0123ABCD.")
        )
    return platform, user


def grant_admin(session: Session, event: Event, identity: str, *, actor: str, now: dt.datetime) -> str:
    """Make `identity` an organiser of `event` (not of the other editions in the database)."""
    platform, user = parse_identity(identity)
    if session.get(AdminGrant, (event.id, platform, user)) is not None:
        raise OrganiserError(N_("{who} is already an organiser."), who=f"{platform}:{user}")
    session.add(AdminGrant(event_id=event.id, platform=platform, user_id=user, granted_by=actor, granted_at=now))
    session.flush()
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="admin.grant",
        target=f"{platform}:{user}",
        after={"admin": True},
    )
    return f"{platform}:{user}"


def revoke_admin(session: Session, event: Event, identity: str, *, actor: str, now: dt.datetime) -> str:
    platform, user = parse_identity(identity)
    grant = session.get(AdminGrant, (event.id, platform, user))
    if grant is None:
        raise OrganiserError(
            N_("{who} was not made an organiser in chat (those in ADMINS are changed in the settings only)."),
            who=f"{platform}:{user}",
        )
    session.delete(grant)
    session.flush()
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="admin.revoke",
        target=f"{platform}:{user}",
        before={"admin": True, "granted_by": grant.granted_by},
        after={"admin": False},
    )
    return f"{platform}:{user}"


def list_grants(session: Session, event: Event) -> list[AdminGrant]:
    """The organisers named in chat for `event`."""
    query = select(AdminGrant).where(AdminGrant.event_id == event.id).order_by(AdminGrant.granted_at)
    return list(session.scalars(query))


# --- workshops, locks, deadlines --------------------------------------------------------------


def get_workshop(event: Event, number: str) -> Workshop:
    wanted = parse_int(number)
    found = next((w for w in event.workshops if w.number == wanted), None)
    if found is None:
        numbers = ", ".join(str(w.number) for w in event.workshops)
        raise OrganiserError(N_("There is no workshop {number}. Workshops: {numbers}."), number=number, numbers=numbers)
    return found


def workshop_fields(w: Workshop) -> dict[str, Any]:
    return {"slot": w.slot_key, "room": w.room, "capacity": w.capacity}


def set_workshop(
    session: Session, event: Event, number: str, changes: Mapping[str, str], *, actor: str, now: dt.datetime
) -> Workshop:
    """Set a workshop's slot, room and capacity (`none` clears one)."""
    workshop = get_workshop(event, number)
    if not changes:
        raise OrganiserError(N_("Say what to set: slot=…, room=… or capacity=…"))
    before = workshop_fields(workshop)
    for field, raw in changes.items():
        value = raw.strip()
        clear = words.means_clear(value)
        if field == "slot":
            if clear:
                workshop.slot_key = None
                continue
            workshop.slot_key = find_slot(event, value).key
        elif field == "room":
            workshop.room = None if clear else _room_text(event, value)
        elif field == "capacity":
            if clear:
                workshop.capacity = None
            else:
                capacity = parse_int(value)
                if capacity is None or not 1 <= capacity <= 10000:
                    raise OrganiserError(
                        N_("The capacity must be a whole number of collectivities, not “{value}”."), value=value
                    )
                workshop.capacity = capacity
        else:
            raise OrganiserError(
                N_("I cannot change “{field}”. Fields: {fields}."), field=field, fields="slot, room, capacity"
            )
    _check_room_free(event, workshop)
    after = workshop_fields(workshop)
    if after != before:
        audit.record(
            session,
            event_id=event.id,
            at=now,
            actor=actor,
            action="workshop.set",
            target=f"workshop:{workshop.number}",
            before=before,
            after=after,
        )
    return workshop


def slot_part(slot: Slot) -> str:
    """morning, afternoon or evening, from the slot's start time."""
    hour = int(slot.start.split(":")[0])
    return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"


def find_slot(event: Event, value: str) -> Slot:
    """The slot organisers mean by its key, a word for its part of the day (matin, 午後) or its start time (9:30)."""
    text = " ".join(value.strip().lower().split())
    found = [s for s in event.slots if s.key.lower() == text]
    start = words.read_start_time(text)
    if not found and start:
        found = [s for s in event.slots if s.start == start]
    if not found:
        part = words.read_day_part(text)
        found = [s for s in event.slots if part is not None and slot_part(s) == part]
    if len(found) != 1:
        example = event.slots[0].start.lstrip("0") if event.slots else "9:30"
        raise OrganiserError(
            N_("There is no slot “{value}”. Slots: {slots}. Write for example slot={example}."),
            value=value,
            slots=list(found or event.slots),
            example=example,
        )
    return found[0]


def _room_text(event: Event, value: str) -> dict[str, Any]:
    """A room named as in the event file keeps its translations; any other name is used as typed."""
    for slot in event.slots:
        for room in slot.rooms:
            if isinstance(room, dict) and any(str(v).lower() == value.lower() for v in room.values() if v):
                return dict(room)
    return {"fr": value, "ja": value, "en": value}


def _check_room_free(event: Event, workshop: Workshop) -> None:
    if workshop.slot_key is None or workshop.room is None:
        return
    for other in event.workshops:
        if other is not workshop and other.slot_key == workshop.slot_key and other.room == workshop.room:
            raise OrganiserError(N_("Workshop {other} already uses that room in that slot."), other=other.number)


def set_choices_locked(session: Session, event: Event, locked: bool, *, actor: str, now: dt.datetime) -> bool:
    """Lock or unlock the workshop choices; returns False when it already was so."""
    # The event row first, as a choice takes it: a choice that committed meanwhile is seen and logged
    # before this entry (its id and time), never after it.
    lock_event(session, event)
    if event.choices_locked == locked:
        return False
    audit.record(
        session,
        event_id=event.id,
        at=audit.stamp(session, event.id, now),
        actor=actor,
        action="choices.lock" if locked else "choices.unlock",
        target=f"event:{event.key}",
        before={"locked": event.choices_locked},
        after={"locked": locked},
    )
    event.choices_locked = locked
    return True


def get_deadline(event: Event, key: str) -> Deadline:
    found = next((d for d in event.deadlines if d.key == key.strip()), None)
    if found is None:
        raise OrganiserError(N_("There is no deadline “{key}”."), key=key.strip(), see="deadlines")
    return found


def set_deadline(session: Session, event: Event, key: str, date_text: str, *, actor: str, now: dt.datetime) -> Deadline:
    deadline = get_deadline(event, key)
    due = parse_date(date_text)  # 2026-07-31, 31/07/2026, 2026年7月31日
    if due is None:
        raise OrganiserError(N_("Write the date as YYYY-MM-DD, for example 2026-07-31."))
    if due > event.end:
        raise OrganiserError(N_("A deadline cannot fall after the event ends ({end})."), end=event.end)
    if due != deadline.due:
        audit.record(
            session,
            event_id=event.id,
            at=now,
            actor=actor,
            action="deadline.set",
            target=f"deadline:{deadline.key}",
            before={"due": deadline.due.isoformat()},
            after={"due": due.isoformat()},
        )
        deadline.due = due
    return deadline
