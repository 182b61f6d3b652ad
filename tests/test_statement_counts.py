"""Per-message cost does not grow with the event: the same SQL statements at 10 and at 210 collectivities.

A count, not a timing: each command is sent once to warm up (first message of a person, first choice),
then measured at both sizes. Organisers' lists are paged, so they are constant too.
"""

from __future__ import annotations

from bench._common import populate
from storage.db import transaction
from storage.models import Event
from tests.statements import recorded_statements

CONTACT = ["/programme", "/now", "/status", "/deadlines", "/choose 1 2", "/confirm", "/cancel"]
ORGANISER = ["/admin list", "/admin list confirmed", "/admin invites", "/admin show doc5", "/admin show doc7"]


def grow(core, collectivities: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(core.sessions) as session:
        populate(session, session.get_one(Event, core.event_id), collectivities, collectivities * 4)


def statements_per_command(core, chat) -> dict[str, int]:  # type: ignore[no-untyped-def]
    found = {}
    with recorded_statements(core) as statements:
        for person, commands in ((chat("scale-0-0"), CONTACT), (chat("orga"), ORGANISER)):
            for command in commands:
                before = len(statements)
                person.send(command)
                found[command] = len(statements) - before
    return found


def test_statements_per_command_do_not_grow_with_the_number_of_collectivities(core, chat):
    grow(core, 10)
    statements_per_command(core, chat)  # warm up: first messages, first choice
    small = statements_per_command(core, chat)
    grow(core, 200)
    large = statements_per_command(core, chat)
    assert large == small
    assert all(n > 0 for n in small.values())


# What each command costs once warm (SQLite counts its BEGIN IMMEDIATE; PostgreSQL's BEGIN is implicit):
# the event's catalog comes from memory, the person, their form and grant from one statement; /status reads
# the collectivity with its delegates and choices in one, /choose locks the event and the collectivity in one.
MOST = {"/programme": 2, "/now": 2, "/deadlines": 5, "/status": 7, "/choose 1 2": 9, "/confirm": 5, "/cancel": 4}


def test_reading_the_event_costs_one_statement_and_a_contacts_commands_a_handful(core, chat):
    grow(core, 10)
    statements_per_command(core, chat)  # warm up: first messages, first choice
    found = statements_per_command(core, chat)
    assert {command: found[command] for command in MOST} == {
        command: min(found[command], most) for command, most in MOST.items()
    }
