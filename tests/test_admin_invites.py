"""Invitation codes: created unguessable, listed, revoked; their state as the other half will redeem them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Event, Invite
from storage.organisers import (
    CODE_ALPHABET,
    OrganiserError,
    create_invite,
    invite_state,
    list_invites,
    normalize_code,
    revoke_invite,
)
from tests.admin_support import add_collectivity

CODE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{2}}$")


@pytest.mark.parametrize(
    ("locale", "heading", "joined"),
    [
        ("fr", "Code d'invitation pour Ville de Sète", "/join"),
        ("ja", "セート市 の招待コード", "/join"),
        ("en", "Invitation code for", "/join"),
    ],
)
def test_an_organiser_creates_a_code_to_hand_to_a_contact(core, chat, locale, heading, joined):
    add_collectivity(core, "Ville de Sète", name_ja="セート市")
    orga = chat("orga", locale_hint=locale)
    answer = orga.send("/admin invite 1 days=14 uses=3")
    assert heading in answer
    code = answer.splitlines()[1]
    assert CODE.match(code)
    assert f"{joined} {code}" in answer
    with core.sessions() as session:
        invite = session.scalars(select(Invite)).one()
    assert (invite.code, invite.max_uses, invite.uses) == (code, 3, 0)
    assert invite.expires_at == core.clock.now() + dt.timedelta(days=14)


def test_one_tap_links_are_shown_for_platforms_that_have_them(core, chat):
    add_collectivity(core, "Ville de Sète")
    core.invite_links["telegram"] = lambda code: f"https://t.me/example_bot?start={code}"
    answer = chat("orga", locale_hint="en").send("/admin invite 1")
    code = answer.splitlines()[1]
    assert f"One-tap link (Telegram): https://t.me/example_bot?start={code}" in answer


def test_codes_are_different_every_time(core):
    add_collectivity(core, "Ville de Sète")
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        codes = {create_invite(session, event, 1, actor="test", now=core.clock.now()).code for _ in range(200)}
    assert len(codes) == 200 and all(CODE.match(c) for c in codes)


def test_list_and_revoke(core, chat, snapshot):
    add_collectivity(core, "Ville de Sète")
    orga = chat("orga", locale_hint="en")
    code = orga.send("/admin invite 1").splitlines()[1]
    assert f"• {code} — #1 Ville de Sète — valid, used 0/1" in orga.send("/admin invites")
    assert "is revoked" in orga.send(f"/admin revoke {code.lower().replace('-', ' ')}")
    assert "No invitation code is valid now" in orga.send("/admin invites")
    assert f"{code} — #1 Ville de Sète — revoked" in orga.send("/admin invites all")
    before = snapshot()
    assert "already revoked" in orga.send(f"/admin revoke {code}")
    assert "no invitation with the code" in orga.send("/admin revoke ZZZZ-ZZZZ-ZZ")
    assert snapshot() == before


@pytest.mark.parametrize(
    "command", ["/admin invite 7", "/admin invite 1 days=0", "/admin invite 1 uses=x", "/admin invite 1 colour=red"]
)
def test_bad_invites_are_refused_and_change_nothing(core, chat, snapshot, command):
    add_collectivity(core, "Ville de Sète")
    orga = chat("orga", locale_hint="en")
    orga.send("/help")
    before = snapshot()
    answer = orga.send(command)
    assert answer and "Sorry" not in answer and "Invitation code for" not in answer
    assert snapshot() == before


def test_states_seen_by_the_join_command(core, clock):
    add_collectivity(core, "Ville de Sète")
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        now = clock.now()
        short = create_invite(session, event, 1, days=1, actor="test", now=now)
        used = create_invite(session, event, 1, uses=2, actor="test", now=now)
        used.uses = 2
        revoked = create_invite(session, event, 1, actor="test", now=now)
        revoke_invite(session, event, revoked.code, actor="test", now=now)
        later = now + dt.timedelta(days=2)
        assert invite_state(short, now) == "active"
        assert invite_state(short, later) == "expired"
        assert invite_state(used, now) == "used"
        assert invite_state(revoked, now) == "revoked"
        assert [v.invite.code for v in list_invites(session, event, now)] == [short.code]
        assert len(list_invites(session, event, now, include_closed=True)) == 3
        assert normalize_code(" " + short.code.replace("-", "").lower() + " ") == short.code
        with pytest.raises(OrganiserError):
            revoke_invite(session, event, "nope", actor="test", now=now)
