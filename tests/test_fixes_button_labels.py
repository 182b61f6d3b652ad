"""Issue 11: typing a button's label presses it, in every form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Abstract, OptionSignup
from tests.participation_support import OPTION_ORDER, add_collectivity, linked


@pytest.mark.parametrize(
    ("locale", "everyone", "confirm", "done"),
    [("fr", "Tout le monde", "Confirmer", "est confirmée"), ("ja", "全員", "確定する", "参加が確定しました")],
)
def test_typed_everyone_and_confirm_press_their_buttons(chat, core, locale, everyone, confirm, done):
    person, _ = linked(chat, core, locale_hint=locale)
    person.send("/confirm")
    person.send("2")
    person.send("Camille Durand, adjointe")
    person.send("Louis Petit, chargé de mission")
    for key in OPTION_ORDER:
        labels = [b.label for b in person.buttons]
        if key == "opening-dinner":
            assert any(label.startswith(everyone) for label in labels), labels
            person.send(everyone)
        else:
            person.send("0")
    assert done in person.send(confirm)
    with transaction(core.sessions) as session:
        signups = {s.option_key: s.people for s in session.scalars(select(OptionSignup))}
    assert signups == {"opening-dinner": 2}


@pytest.mark.parametrize(
    ("locale", "no_partner", "save"), [("ja", "共同発表なし", "保存する"), ("fr", "Pas de binôme", "Enregistrer")]
)
def test_typed_no_partner_and_save(chat, core, locale, no_partner, save):
    add_collectivity(core, "Ville de Shizuoka", name_ja="静岡市", country="jp")
    person, _ = linked(chat, core, locale_hint=locale)
    person.send("/choose 3 1")
    person.send("/abstract")
    person.send("3")
    person.send("Tourisme doux")
    person.send("Un résumé.")
    person.send("-")
    person.send("Camille Durand")
    person.send(no_partner)
    person.send(save)
    with transaction(core.sessions) as session:
        abstract = session.scalars(select(Abstract)).one()
        assert (abstract.title, abstract.partner_collectivity_id) == ("Tourisme doux", None)
