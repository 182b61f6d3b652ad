"""Joining a collectivity with an invitation code: the right code links, every wrong one changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import AuditEntry, Contact, Invite
from tests.participation_support import NOW, add_collectivity, add_invite

WELCOME = {"fr": "Vous agissez désormais pour", "ja": "の担当者として登録されました", "en": "You now act for"}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_join_links_the_person_to_the_collectivity_and_counts_a_use(chat, core, locale):
    cid = add_collectivity(core, "Ville de Testville", name_ja="テストヴィル市")
    add_invite(core, cid, "ABCD-2345", max_uses=2)
    person = chat(locale_hint=locale)

    answer = person.send("/join ABCD-2345")

    assert WELCOME[locale] in answer
    assert ("テストヴィル市" if locale == "ja" else "Ville de Testville") in answer
    with transaction(core.sessions) as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.collectivity_id == cid
        assert session.scalars(select(Invite)).one().uses == 1
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.join")).one()
        assert entry.actor == f"console:{person.user}"


def test_code_typed_in_lower_case_with_spaces_is_accepted(chat, core):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "ABCD-2345")
    assert "You now act for Ville de Testville" in chat(locale_hint="en").send("/join abcd 2345")


def test_start_with_a_code_joins(chat, core):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "WXYZ-6789")
    assert "You now act for Ville de Testville" in chat(locale_hint="en").send("/start wxyz-6789")


def test_several_contacts_on_several_platforms_share_one_collectivity(chat, core):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "TEAM-0001", max_uses=3)
    first = chat(locale_hint="en")
    second = chat(locale_hint="ja", platform="telegram")
    first.send("/join TEAM-0001")
    second.send("/join TEAM-0001")
    first.send("/choose 2 4")
    status = second.send("/status")
    assert "分科会の選択：" in status
    assert "1. " in status and "地域の魅力向上に関わる文化とレジャー" in status


@pytest.mark.parametrize(
    ("setup", "typed", "expected"),
    [
        ({}, "/join NOPE-0000", "This invitation code is not valid"),
        ({"expires_at": NOW - dt.timedelta(days=1)}, "/join ABCD-2345", "This invitation code expired on"),
        ({"revoked": True}, "/join ABCD-2345", "was withdrawn by the organisers"),
        ({"uses": 1, "max_uses": 1}, "/join ABCD-2345", "already been used as many times as allowed"),
        ({}, "/join", "Please send the invitation code"),
    ],
    ids=["wrong", "expired", "revoked", "used-up", "missing"],
)
def test_a_bad_code_is_refused_and_changes_nothing(chat, core, snapshot, setup, typed, expected):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "ABCD-2345", **setup)
    person = chat(locale_hint="en")
    person.send("/help")
    before = snapshot()

    assert expected in person.send(typed)
    assert snapshot() == before


def test_used_up_code_refuses_the_second_person(chat, core, snapshot):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "ONCE-0001", max_uses=1)
    chat(locale_hint="en").send("/join ONCE-0001")
    late = chat(locale_hint="fr")
    late.send("/help")
    before = snapshot()
    assert "a déjà été utilisé autant de fois que permis" in late.send("/join ONCE-0001")
    assert snapshot() == before


def test_a_person_linked_to_another_collectivity_is_refused(chat, core, snapshot):
    first = add_collectivity(core, "Ville de Testville")
    other = add_collectivity(core, "Département du Modèle")
    add_invite(core, first, "FIRST-0001")
    add_invite(core, other, "OTHER-0002")
    person = chat(locale_hint="en")
    person.send("/join FIRST-0001")
    before = snapshot()
    answer = person.send("/join OTHER-0002")
    assert "You already act for Ville de Testville" in answer
    assert "contact the organisers" in answer
    assert snapshot() == before


def test_joining_again_with_the_same_collectivity_uses_nothing(chat, core, snapshot):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "TWICE-0001", max_uses=5)
    person = chat(locale_hint="en")
    person.send("/join TWICE-0001")
    before = snapshot()
    assert "You already act for Ville de Testville" in person.send("/join TWICE-0001")
    assert snapshot() == before


def test_commands_need_a_collectivity(chat, snapshot):
    person = chat(locale_hint="en")
    person.send("/help")
    before = snapshot()
    for command in ("/confirm", "/choose 1 2", "/abstract", "/status", "/done hotel", "/agenda", "/decline"):
        assert "You are not linked to a collectivity yet" in person.send(command)
    assert snapshot() == before
