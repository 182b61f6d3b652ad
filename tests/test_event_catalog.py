"""The event's catalog kept in memory by each core is renewed as soon as the database says it changed.

Two cores on one database stand for two processes: what an organiser changes through one is what
the next message through the other answers with, in every language.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.core import BotCore
from storage.db import transaction
from storage.models import Event, ProgrammeItem
from tests.conftest import Chat
from tests.participation_support import add_collectivity, add_invite

MOVED = {"fr": "20 septembre 2026", "en": "20 September 2026", "ja": "2026年9月20日"}


@pytest.fixture
def other(core: BotCore, settings, clock) -> Iterator[BotCore]:  # type: ignore[no-untyped-def]
    """A second core on the same database, as another process serving the same event."""
    second = BotCore.start(settings, clock)
    assert second.event_id == core.event_id
    yield second
    second.sessions.kw["bind"].dispose()


def joined(core: BotCore, user: str, locale: str) -> Chat:
    collectivity = add_collectivity(core, f"Ville de {user}")
    add_invite(core, collectivity, f"CODE-{user}".upper())
    person = Chat(core, user, locale_hint=locale)
    person.send(f"/join CODE-{user}".upper())
    return person


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_a_deadline_moved_through_one_core_is_read_by_the_next_message_through_another(core, other, locale):
    contact = joined(other, f"c-{locale}", locale)
    assert MOVED[locale] not in contact.send("/deadlines")  # the catalog is now in the second core's memory
    Chat(core, "orga", locale_hint="fr").send("/admin deadline hotel-and-slides 2026-09-20")
    assert MOVED[locale] in contact.send("/deadlines")


def test_a_programme_item_changed_in_the_database_is_read_by_a_core_that_kept_the_old_one(core, other):
    visitor = Chat(other, "visitor", locale_hint="en")
    first = visitor.send("/programme")
    with transaction(core.sessions) as session:
        item = session.scalars(select(ProgrammeItem).where(ProgrammeItem.event_id == core.event_id)).first()
        assert item is not None
        old = item.title["en"]
        assert old in first
        item.title = {**item.title, "en": "Opening of the renamed rendez-vous"}
    answer = visitor.send("/programme")
    assert "Opening of the renamed rendez-vous" in answer and old not in answer


def test_choices_locked_through_one_core_refuse_a_choice_through_another(core, other):
    contact = joined(other, "chooser", "en")
    assert "refusal" not in {r.kind for r in other.handle(contact.incoming("/choose 1 2"))}
    Chat(core, "orga", locale_hint="en").send("/admin lock")
    replies = other.handle(contact.incoming("/choose 2 1"))
    assert [r.kind for r in replies] == ["refusal"] and "closed the workshop choices" in replies[0].text


def test_the_catalog_is_read_once_while_nothing_changes_and_again_after_an_edit(core, other):
    visitor = Chat(other, "reader", locale_hint="ja")
    for command in ("/programme", "/now", "/programme", "/help"):
        visitor.send(command)
    assert other.catalog.loads == 1
    Chat(core, "orga", locale_hint="fr").send("/admin workshop 2 capacity=9")
    visitor.send("/programme")
    visitor.send("/now")
    assert other.catalog.loads == 2


def test_a_refused_edit_leaves_the_revision_and_the_kept_catalog_as_they_were(core, other):
    visitor = Chat(other, "still", locale_hint="fr")
    visitor.send("/programme")
    with core.sessions() as session:
        before = session.scalars(select(Event.revision).where(Event.id == core.event_id)).one()
    Chat(core, "orga", locale_hint="fr").send("/admin deadline hotel-and-slides 2099-01-01")
    with core.sessions() as session:
        assert session.scalars(select(Event.revision).where(Event.id == core.event_id)).one() == before
    visitor.send("/programme")
    assert other.catalog.loads == 1


def test_an_organisers_edit_changes_the_rows_their_message_read_not_the_kept_ones(core):
    contact = joined(core, "kept", "en")
    contact.send("/deadlines")
    kept = core.catalog._snapshot
    assert kept is not None
    Chat(core, "orga", locale_hint="en").send("/admin deadline hotel-and-slides 2026-09-20")
    assert all(d.due.isoformat() != "2026-09-20" for d in kept.collections["deadlines"])
    assert MOVED["en"] in contact.send("/deadlines")
