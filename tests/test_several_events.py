"""Two editions in one database: organiser rights, channels, audit and forms stay with their event."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import BotCore
from storage.db import transaction
from storage.event_file import default_event_path
from storage.models import AdminGrant, AuditEntry, ChannelSubscription, FormState
from tests.conftest import Chat
from tests.participation_support import add_collectivity, add_invite

NOT_ORGANISER = "Only the organisers can use the admin commands."
NO_AUDIT = "Nothing has been changed through the bot yet."
NO_CHANNEL = "No chat receives the reminders and announcements yet."


def next_edition_file(directory: Path) -> Path:
    """The Cannes file as the 2028 edition: another key, every date two years later."""
    text = default_event_path().read_text(encoding="utf-8")
    text = text.replace("key: cannes-2026", "key: tokyo-2028").replace("2026-", "2028-")
    path = directory / "tokyo-2028.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tokyo(settings, clock, tmp_path) -> Iterator[BotCore]:
    """A second bot on the same database serving tokyo-2028 (the `core` fixture serves cannes-2026)."""
    bot = BotCore.start(replace(settings, event_file=next_edition_file(tmp_path)), clock)
    yield bot
    bot.sessions.kw["bind"].dispose()


def test_the_two_bots_serve_two_events_of_one_database(core, tokyo):
    assert core.event_id != tokyo.event_id
    assert core.sessions.kw["bind"].url == tokyo.sessions.kw["bind"].url


def test_an_organiser_named_in_one_event_is_not_one_in_the_other(core, tokyo):
    Chat(core, "orga", locale_hint="en").send("/admin grant console:bob")
    assert NOT_ORGANISER not in Chat(core, "bob", locale_hint="en").send("/admin audit")
    assert NOT_ORGANISER in Chat(tokyo, "bob", locale_hint="en").send("/admin audit")
    # Those in ADMINS organise every edition; tokyo's list of organisers named in chat is empty.
    tokyo_orga = Chat(tokyo, "orga", locale_hint="en")
    assert "console:bob" not in tokyo_orga.send("/admin admins")
    assert "(none)" in tokyo_orga.last[0].text
    tokyo_orga.send("/admin grant console:bob")
    tokyo_orga.send("/admin revoke-admin console:bob")
    assert NOT_ORGANISER in Chat(tokyo, "bob", locale_hint="en").send("/admin audit")
    assert NOT_ORGANISER not in Chat(core, "bob", locale_hint="en").send("/admin audit")
    with transaction(core.sessions) as session:
        grants = session.execute(select(AdminGrant.event_id, AdminGrant.user_id)).all()
    assert grants == [(core.event_id, "bob")]


def test_a_chat_subscribed_in_one_event_is_not_listed_in_the_other(core, tokyo):
    Chat(core, "orga", locale_hint="en", is_group=True, chat_id="jumelage").send("/admin subscribe")
    in_tokyo = Chat(tokyo, "orga", locale_hint="en", is_group=True, chat_id="jumelage")
    assert in_tokyo.send("/admin channels").startswith(NO_CHANNEL)
    assert "not subscribed" in in_tokyo.send("/admin unsubscribe")
    assert "now receives" in in_tokyo.send("/admin subscribe")
    in_tokyo.send("/admin unsubscribe")
    assert "console:jumelage" in Chat(core, "orga", locale_hint="en").send("/admin channels")
    with transaction(core.sessions) as session:
        rows = session.execute(select(ChannelSubscription.event_id, ChannelSubscription.chat_id)).all()
    assert rows == [(core.event_id, "jumelage")]


def test_the_audit_of_one_event_shows_none_of_the_others_changes(core, tokyo):
    Chat(core, "orga", locale_hint="en").send("/admin add Ville de Sète; セート市; fr; commune")
    assert "Ville de Sète" in Chat(core, "orga", locale_hint="en").send("/admin audit")
    tokyo_orga = Chat(tokyo, "orga", locale_hint="en")
    assert tokyo_orga.send("/admin audit") == NO_AUDIT
    tokyo_orga.send("/admin add Ville de Tours; トゥール市; fr; commune")
    tokyo_audit = tokyo_orga.send("/admin audit")
    assert "Ville de Tours" in tokyo_audit and "Sète" not in tokyo_audit
    assert "Tours" not in Chat(core, "orga", locale_hint="en").send("/admin audit")
    with transaction(core.sessions) as session:
        events = set(session.scalars(select(AuditEntry.event_id)))
    assert events == {core.event_id, tokyo.event_id}


def joined(core: BotCore, user: str, name_fr: str) -> Chat:
    """`user` acting for a new collectivity of the event `core` serves."""
    cid = add_collectivity(core, name_fr)
    add_invite(core, cid, f"J{cid:03d}-{core.event_id}", max_uses=5)
    person = Chat(core, user, locale_hint="en")
    person.send(f"/join J{cid:03d}-{core.event_id}")
    return person


def forms(core: BotCore) -> dict[int, tuple[str, str, dict]]:
    """The forms in progress in the database, by event: form, step and answers so far."""
    with transaction(core.sessions) as session:
        return {s.event_id: (s.form, s.step, s.data) for s in session.scalars(select(FormState))}


def test_a_form_started_in_one_event_does_not_carry_on_in_the_other(core, tokyo):
    in_cannes = joined(core, "camille", "Ville de Dole")
    in_tokyo = joined(tokyo, "camille", "Ville de Dole")
    first_question = in_cannes.send("/confirm")
    in_cannes.send("2")
    cannes_form = forms(core)[core.event_id]

    # What would be the first delegate's name in Cannes is not taken as one in Tokyo.
    in_tokyo.send("Camille Durand, adjointe")
    assert forms(core) == {core.event_id: cannes_form}
    # Starting the form in Tokyo asks from the start and leaves Cannes's where it was.
    assert in_tokyo.send("/confirm") == first_question
    assert forms(core) == {core.event_id: cannes_form, tokyo.event_id: forms(core)[tokyo.event_id]}
    assert forms(core)[tokyo.event_id] != cannes_form
    in_tokyo.send("/cancel")
    assert forms(core) == {core.event_id: cannes_form}
    # Back in Cannes the answer goes on from the step reached there.
    assert in_cannes.send("Camille Durand, adjointe") != first_question
    assert forms(core)[core.event_id] != cannes_form
