"""/admin lock waiting behind a workshop choice is logged after it, at a time no earlier: commit order."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select, text

from storage.db import transaction
from storage.models import AuditEntry, Collectivity, Event, Workshop
from storage.organisers import set_choices_locked
from storage.participation import choose
from tests.participation_support import add_collectivity
from tests.waiting import wait_for


def _waiting_for_a_lock(core) -> bool:  # type: ignore[no-untyped-def]
    with core.sessions() as session:
        query = "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()"
        return bool(session.scalar(text(query)))


def test_a_lock_that_waited_behind_a_choice_is_logged_after_it(core, clock):
    cid = add_collectivity(core, "Ville de Testville")
    choice_at = clock.now()
    # The organiser's /admin lock arrived a little earlier, but waits for the choice's transaction.
    lock_asked_at = choice_at - dt.timedelta(seconds=2)
    postgres = core.sessions.kw["bind"].dialect.name == "postgresql"
    done = threading.Event()

    def organiser_locks() -> None:
        with transaction(core.sessions) as session:
            event = session.get_one(Event, core.event_id)
            set_choices_locked(session, event, True, actor="telegram:1", now=lock_asked_at)
        done.set()

    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        first, second = session.scalars(
            select(Workshop).where(Workshop.event_id == event.id).order_by(Workshop.number)
        ).all()[:2]
        collectivity = session.get_one(Collectivity, cid)
        choose(
            session,
            event=event,
            collectivity=collectivity,
            first=first,
            second=second,
            now=choice_at,
            actor="telegram:2",
        )
        organiser = threading.Thread(target=organiser_locks)
        organiser.start()
        if postgres:
            # The lock's transaction is queued behind this one.
            wait_for(lambda: _waiting_for_a_lock(core), "the organiser's transaction waiting for the lock")
        assert not done.is_set()
    organiser.join(timeout=60)
    assert done.is_set()

    with core.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries] == ["choices.replace", "choices.lock"]
    assert entries[1].at >= entries[0].at
