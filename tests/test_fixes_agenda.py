"""Issue 11: an item's audience and an option's sign-up are apart in the agenda and its .ics."""

from __future__ import annotations

import icalendar
import pytest

from tests.participation_support import add_collectivity, add_invite, fill_confirm_form, linked


def _uids(person) -> set[str]:  # type: ignore[no-untyped-def]
    calendar = icalendar.Calendar.from_ical(person.last[0].attachment.content)
    return {str(e["uid"]).split(".", 2)[2].removesuffix("@rencontres-bot") for e in calendar.walk("VEVENT")}


@pytest.mark.parametrize(
    ("locale", "restitution", "arrival", "note"),
    [
        ("fr", "Restitution des ateliers en plénière", "Arrivée des délégations", "ne figurent pas ici"),
        ("ja", "分科会報告（全体会合）", "代表団の到着", "記載していません"),
    ],
)
def test_a_french_collectivity_without_a_stand_keeps_the_plenary_and_not_the_japanese_arrival(
    chat, core, locale, restitution, arrival, note
):
    person, _cid = linked(chat, core, locale_hint=locale)
    fill_confirm_form(person, ["Camille Durand, adjointe"], {"stand": 0})
    person.press("Confirmer" if locale == "fr" else "確定する")
    agenda = person.send("/agenda")
    assert restitution in agenda
    assert arrival not in agenda
    assert note in agenda
    uids = _uids(person)
    assert "sat-restitution" in uids and "thu-opening-dinner" in uids
    assert "wed-arrival" not in uids and "thu-campus-visit" not in uids


@pytest.mark.parametrize(("locale", "signed"), [("fr", "Inscription : Mini-stand"), ("en", "Signed up: Mini-stand")])
def test_a_stand_and_the_visits_are_signed_up_for(chat, core, locale, signed):
    person, _cid = linked(chat, core, locale_hint=locale)
    fill_confirm_form(person, ["Camille Durand, adjointe"], {"stand": "yes", "visits": "yes"})
    person.press("Confirmer" if locale == "fr" else "Confirm")
    agenda = person.send("/agenda")
    assert signed in agenda
    assert {"thu-campus-visit", "thu-thermal-plant", "sat-restitution"} <= _uids(person)


@pytest.mark.parametrize(("locale", "arrival"), [("ja", "代表団の到着"), ("fr", "Arrivée des délégations")])
def test_a_japanese_collectivity_has_its_arrival_and_the_visits_without_signing_up(chat, core, locale, arrival):
    cid = add_collectivity(core, "Ville de Shizuoka", name_ja="静岡市", country="jp")
    add_invite(core, cid, "JP-AGENDA1")
    person = chat(locale_hint=locale)
    person.send("/join JP-AGENDA1")
    assert arrival in person.send("/agenda")
    uids = _uids(person)
    assert {"wed-arrival", "thu-campus-visit", "thu-thermal-plant", "sat-restitution"} <= uids
    assert "thu-lunch" not in uids
