"""Test helpers for the contacts' side: collectivities and invites written straight to the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.core import BotCore
from storage.db import transaction
from storage.models import Collectivity, Invite, Workshop

NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)


def add_collectivity(
    core: BotCore, name_fr: str, *, name_ja: str | None = None, country: str = "fr", lead: bool = False
) -> int:
    with transaction(core.sessions) as session:
        collectivity = Collectivity(
            event_id=core.event_id,
            name_fr=name_fr,
            name_ja=name_ja,
            country=country,
            kind="commune",
            status="considering",
            lead_volunteer=lead,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(collectivity)
        session.flush()
        return collectivity.id


def add_invite(
    core: BotCore,
    collectivity_id: int,
    code: str,
    *,
    expires_at: dt.datetime | None = None,
    max_uses: int = 1,
    uses: int = 0,
    revoked: bool = False,
) -> None:
    with transaction(core.sessions) as session:
        session.add(
            Invite(
                collectivity_id=collectivity_id,
                code=code,
                expires_at=expires_at or NOW + dt.timedelta(days=60),
                max_uses=max_uses,
                uses=uses,
                revoked_at=NOW if revoked else None,
                created_by="console:orga",
                created_at=NOW,
            )
        )


def set_slots(core: BotCore, slots: dict[int, str | None]) -> None:
    """Put workshops (by number) into slots, as the organisers do."""
    with transaction(core.sessions) as session:
        for workshop in session.scalars(select(Workshop).where(Workshop.event_id == core.event_id)):
            if workshop.number in slots:
                workshop.slot_key = slots[workshop.number]


def linked(chat, core: BotCore, name_fr: str = "Ville de Testville", *, country: str = "fr", **kwargs):  # type: ignore[no-untyped-def]
    """A person already linked to a new collectivity; returns (chat, collectivity id)."""
    cid = add_collectivity(core, name_fr, name_ja=kwargs.pop("name_ja", None), country=country)
    code = f"T{cid:03d}-JOIN"
    add_invite(core, cid, code, max_uses=5)
    person = chat(**kwargs)
    person.send(f"/join {code}")
    return person, cid


# The options a French collectivity is asked about, in the event file's order.
OPTION_ORDER = ("visits", "thursday-lunch", "opening-dinner", "stand", "gastronomy")


def fill_confirm_form(person, people: list[str], options: dict[str, int | str] | None = None) -> str:  # type: ignore[no-untyped-def]
    """Answer the whole /confirm form by typing; returns the summary shown before confirming."""
    answers = {key: 0 for key in OPTION_ORDER} | (options or {})
    person.send("/confirm")
    person.send(str(len(people)))
    for line in people:
        person.send(line)
    answer = ""
    for key in OPTION_ORDER:
        answer = person.send(str(answers[key]))
    return answer


def rows(snapshot, table: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return snapshot()[table]
