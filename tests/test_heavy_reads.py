"""Commands that only read run in a read transaction: a slow one (an export at scale) holds up no writer.

A read-marked message that must write after all (a person's first message, a chat id that changed)
is answered as before, run again as a write.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from contract.messages import Incoming
from handlers.router import READ_ONLY_ADMIN_COMMANDS, READ_ONLY_COMMANDS, Command
from storage.db import WriteInReadTransaction, make_engine, make_sessionmaker, transaction, upgrade
from storage.inbox import handled_replies
from storage.models import ChatUser, Workshop, WorkshopChoice
from tests.admin_support import add_collectivity
from tests.participation_support import linked
from tests.statements import recorded_statements, writes

WAIT = 20.0


def writes_during(core, send) -> list[str]:  # type: ignore[no-untyped-def]
    """The INSERT, UPDATE and DELETE statements run while `send()` is answered."""
    with recorded_statements(core) as statements:
        send()
    return writes(statements)


@pytest.mark.parametrize(
    "command",
    [f"/{name}" for name in sorted(READ_ONLY_COMMANDS)]
    + [f"/admin {name}" for name in sorted(READ_ONLY_ADMIN_COMMANDS)],
)
def test_every_command_marked_read_only_writes_nothing(core, chat, command):
    command = {"/admin export": "/admin export doc7", "/admin show": "/admin show doc5"}.get(command, command)
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    person = chat("orga", locale_hint="en")
    person.send("/help")  # the person's first message records them: a write, before the one measured
    assert core.router.reads_only(person.incoming(command))
    assert writes_during(core, lambda: person.send(command)) == []
    # The organiser has no collectivity of their own: their /status and /agenda say so.
    assert all(reply.kind == "answer" for reply in person.last) or command in ("/status", "/agenda")


def test_a_new_persons_first_programme_is_answered_and_the_person_recorded(core, chat):
    newcomer = chat("newcomer", locale_hint="ja-JP")
    assert core.router.reads_only(newcomer.incoming("/programme"))
    assert "代表団の到着" in newcomer.send("/programme")
    with transaction(core.sessions) as session:
        user = session.scalars(select(ChatUser).where(ChatUser.user_id == "newcomer")).one()
        assert (user.private_chat_id, user.platform_locale) == ("newcomer", "ja")


def test_a_read_from_a_new_private_chat_or_in_a_new_language_records_them(core, chat):
    person = chat("camille", locale_hint="fr")
    person.send("/help")
    person.chat_id, person.locale_hint = "camille-new-phone", "en"
    assert "Arrival of the delegations" in person.send("/programme")
    with transaction(core.sessions) as session:
        user = session.scalars(select(ChatUser).where(ChatUser.user_id == "camille")).one()
        assert (user.private_chat_id, user.platform_locale) == ("camille-new-phone", "en")


def test_a_slow_read_does_not_hold_up_a_write(core, chat):
    """While an organiser's export is being built, a contact's choice is taken and committed."""
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    contact, cid = linked(chat, core, locale_hint="en")
    organiser = chat("orga", locale_hint="en")
    organiser.send("/help")
    inside, release = threading.Event(), threading.Event()
    export = core.router.admin_commands["export"]

    def slow_export(ctx, args):  # type: ignore[no-untyped-def]
        ctx.session.execute(text("select count(*) from collectivities")).scalar()
        inside.set()
        assert release.wait(WAIT)
        return export.handler(ctx, args)

    core.router.admin_commands["export"] = Command("export", slow_export, export.summary, export.usage, admin=True)
    with ThreadPoolExecutor(2) as pool:
        exporting = pool.submit(organiser.send, "/admin export doc7")
        try:
            assert inside.wait(WAIT)
            choosing = pool.submit(contact.send, "/choose 2 1")
            answer = choosing.result(timeout=WAIT)
        finally:
            release.set()
        assert "Doc 7" in exporting.result(timeout=WAIT)
    assert contact.last[0].kind == "answer", answer
    with transaction(core.sessions) as session:
        ranks = session.execute(
            select(WorkshopChoice.rank, Workshop.number)
            .join(Workshop, Workshop.id == WorkshopChoice.workshop_id)
            .where(WorkshopChoice.collectivity_id == cid)
        ).all()
    assert sorted(ranks) == [(1, 2), (2, 1)]


def test_a_read_command_from_the_inbox_keeps_its_replies_with_the_row(core):
    items = core.record_updates("console", [("u-1", "chat-1", {})])
    replies = core.handle(Incoming("console", "hikari", "hikari", "/programme"), inbox_row=items[0].row_id)
    with transaction(core.sessions) as session:
        kept = handled_replies(session, items[0].row_id)
    assert kept is not None and [r["text"] for r in kept] == [r.text for r in replies]


def test_a_read_that_would_write_after_another_commit_is_refused_before_writing(tmp_path):
    """SQLite's WAL: a read transaction cannot become a writer once another committed (BUSY_SNAPSHOT)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'snap.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    insert = "insert into chat_users (platform, user_id, created_at) values ('console', '{0}', '2026-06-01')"
    with pytest.raises(WriteInReadTransaction), transaction(sessions, read_only=True) as session:
        session.execute(text("select count(*) from chat_users")).scalar()
        with transaction(sessions) as other:
            other.execute(text(insert.format("other")))
        session.connection().exec_driver_sql(insert.format("late"))
    with transaction(sessions, read_only=True) as session:
        assert session.execute(text("select user_id from chat_users")).scalars().all() == ["other"]
    engine.dispose()


def test_a_read_transaction_refuses_an_orm_write(core):
    with pytest.raises(WriteInReadTransaction), transaction(core.sessions, read_only=True) as session:
        session.add(ChatUser(platform="console", user_id="ghost", created_at=core.clock.now()))
        session.flush()
    with transaction(core.sessions) as session:
        assert session.scalars(select(ChatUser).where(ChatUser.user_id == "ghost")).first() is None


@pytest.mark.parametrize(
    ("text", "reads", "heavy"),
    [
        ("/programme", True, False),
        ("/programme@RencontresBot 23", True, False),
        ("／ＡＤＭＩＮ　export doc7", True, True),
        ("/admin stats", True, True),
        ("/admin list confirmed", True, False),
        ("/admin lock", False, False),
        ("/admin", False, False),
        ("/choose 1 2", False, False),
        ("/lang ja", False, False),
        ("programme", False, False),
        ("", False, False),
    ],
)
def test_the_router_tells_reads_and_heavy_reads_from_the_text_alone(core, text, reads, heavy):
    incoming = Incoming("console", "orga", "orga", text)
    assert (core.router.reads_only(incoming), core.router.is_heavy(incoming)) == (reads, heavy)
    pressed = Incoming("console", "orga", "orga", text, action="cmd:/programme")
    assert not core.router.reads_only(pressed) and not core.router.is_heavy(pressed)
