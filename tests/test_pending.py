"""Who still has a deadline's tasks to do: the set queries agree with storage.progress, in constant statements."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.core import BotCore
from storage.db import transaction
from storage.models import (
    Abstract,
    ChatUser,
    Collectivity,
    Contact,
    Deadline,
    Delegate,
    Event,
    TaskDone,
    Workshop,
    WorkshopChoice,
)
from storage.pending import pending_contacts, pending_count, pending_for
from storage.progress import applies, pending_collectivities, progress, task_states
from tests.statements import recorded_statements

NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)
STATUSES = ("considering", "confirmed", "declined")
MANUAL = ("registration", "hotel", "slides", "lead-summaries", "declaration-draft-1", "poster")


def populate(core: BotCore, count: int, offset: int = 0) -> None:
    """`count` collectivities covering every combination the rules look at, each with one contact."""
    with transaction(core.sessions) as session:
        workshops = session.scalars(select(Workshop.id).where(Workshop.event_id == core.event_id)).all()
        for i in range(offset, offset + count):
            collectivity = Collectivity(
                event_id=core.event_id,
                name_fr=f"Collectivité {i:04d}",
                country=("fr", "jp")[i % 2],
                status=STATUSES[(i // 2) % 3],
                delegation_size=(None, 2, 0)[(i // 3) % 3],
                lead_volunteer=i % 5 == 0,
                steering_group=i % 7 == 0,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(collectivity)
            session.flush()
            if i % 4 != 1:
                session.add(Delegate(collectivity_id=collectivity.id, position=1, name="Camille Test"))
            for rank in range(1, 1 + (i // 4) % 3):  # 0, 1 or 2 choices
                session.add(
                    WorkshopChoice(
                        collectivity_id=collectivity.id, rank=rank, workshop_id=workshops[rank], chosen_at=NOW
                    )
                )
            if i % 6 == 0:
                session.add(
                    Abstract(collectivity_id=collectivity.id, workshop_id=workshops[0], title="Titre", updated_at=NOW)
                )
            for j, key in enumerate(MANUAL):
                if (i + j) % 3 != 1:
                    session.add(TaskDone(collectivity_id=collectivity.id, task_key=key, done_at=NOW, done_by="t"))
            user = ChatUser(platform="console", user_id=f"contact{i}", created_at=NOW)
            session.add(user)
            session.flush()
            session.add(
                Contact(event_id=core.event_id, chat_user_id=user.id, collectivity_id=collectivity.id, joined_at=NOW)
            )


def expected(session, event: Event, deadline: Deadline) -> list[tuple[str, tuple[str, ...]]]:
    """The answer storage.progress gives, one collectivity at a time."""
    found = []
    for collectivity in session.scalars(
        select(Collectivity).where(Collectivity.event_id == event.id).order_by(Collectivity.name_fr)
    ):
        if collectivity.status == "declined" or not applies(deadline.applies_to, collectivity):
            continue
        states = task_states(session, event, collectivity)
        missing = tuple(key for key in deadline.task_keys if key in states and not states[key].done)
        if missing:
            found.append((collectivity.name_fr, missing))
    return found


def test_the_set_query_gives_what_progress_gives_for_every_deadline(core):
    populate(core, 60)
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        nonempty = 0
        for deadline in event.deadlines:
            want = expected(session, event, deadline)
            got = [(p.collectivity.name_fr, p.missing) for p in pending_for(session, event, deadline)]
            assert got == want, deadline.key
            assert pending_count(session, event, deadline) == len(want)
            assert [c.name_fr for c in pending_collectivities(session, event, deadline)] == [n for n, _ in want]
            contacts = [(p.collectivity.name_fr, p.missing) for p in pending_contacts(session, event, deadline)]
            assert contacts == want  # one contact each here
            nonempty += bool(want)
        assert nonempty >= 6  # the fixture exercises most deadlines, not only empty answers


def test_done_declined_and_not_concerned_collectivities_are_left_out(core):
    populate(core, 60)
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        by_key = {d.key: d for d in event.deadlines}
        posters = {p.collectivity.country for p in pending_for(session, event, by_key["posters-and-presentations"])}
        assert posters == {"fr"}
        for key, attribute in (
            ("leads-summaries", "lead_volunteer"),
            ("second-draft-answer", "steering_group"),
        ):
            pending = pending_for(session, event, by_key[key])
            assert pending and all(getattr(p.collectivity, attribute) for p in pending)
        everyone = pending_for(session, event, by_key["hotel-and-slides"])
        assert all(p.collectivity.status != "declined" for p in everyone)
        # A collectivity that did every task of a deadline is not pending for it.
        for pending in everyone:
            states = task_states(session, event, pending.collectivity)
            assert pending.missing == tuple(k for k in ("hotel", "slides") if not states[k].done)
        done = [
            c
            for c in session.scalars(select(Collectivity).where(Collectivity.status != "declined"))
            if all(not p.pending for p in progress(session, event, c) if p.deadline.key == "hotel-and-slides")
        ]
        assert done and not {c.id for c in done} & {p.collectivity.id for p in everyone}
        assert pending_for(session, event, by_key["registrations-open"]) == []


def statements_for_every_deadline(core: BotCore) -> tuple[int, int]:
    """SQL statements to ask the three questions of every deadline; and how many deadlines have tasks."""
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        deadlines = list(event.deadlines)
        assert event.tasks  # loaded before counting, as any caller has them
        with recorded_statements(core) as statements:
            for deadline in deadlines:
                pending_for(session, event, deadline)
                pending_contacts(session, event, deadline)
                pending_count(session, event, deadline)
        return len(statements), sum(1 for d in deadlines if d.task_keys)


def test_the_number_of_statements_is_the_same_at_5_and_200_collectivities(core):
    populate(core, 5)
    at_5, with_tasks = statements_for_every_deadline(core)
    populate(core, 195, offset=5)
    at_200, _ = statements_for_every_deadline(core)
    # Per deadline: one statement for who, two for who and their contacts, one for how many; none when informational.
    assert at_5 == at_200 == 4 * with_tasks
