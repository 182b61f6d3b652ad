"""Issue 11: choices changed after an applied balancing, and binômes whose partner no longer fits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contract.messages import Recipient
from storage.db import transaction
from storage.models import Abstract
from tests import admin_support
from tests.participation_support import add_invite

TEXTS = {
    "fr": {
        "contact": "avaient déjà affecté votre collectivité à l'atelier 1",
        "status": "ne fait plus partie de vos choix",
        "declined": "ce partenaire a décliné sa participation",
        "other": "n'a pas choisi cet atelier",
        "yes": "oui",
    },
    "ja": {
        "contact": "第1分科会への割り当てを行っていましたが",
        "status": "現在の選択に含まれていません",
        "declined": "この相手自治体は不参加となりました",
        "other": "この分科会を選択していません",
        "yes": "はい",
    },
}


def _contact(chat, core, cid: int, code: str, locale: str):  # type: ignore[no-untyped-def]
    add_invite(core, cid, code, max_uses=3)
    person = chat(locale_hint=locale)
    person.send(f"/join {code}")
    return person


def _to_organiser(person) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.text for r in person.last if r.to == Recipient.person("console", "orga")]


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_choosing_again_after_the_balancing_tells_the_contact_and_the_organisers(chat, core, locale):
    t = TEXTS[locale]
    cid = admin_support.add_collectivity(core, "Ville de Sète", name_ja="セット市", choices=(1, 3))
    admin_support.assign(core, cid, 1)
    person = _contact(chat, core, cid, "STALE-0001", locale)
    assert t["contact"] in person.send("/choose 2 4")
    told = _to_organiser(person)
    assert len(told) == 1 and "Ville de Sète" in told[0] and "/admin mismatches" in told[0]
    assert t["status"] in person.send("/status")

    organiser = chat("orga", locale_hint="en")
    shown = organiser.send("/admin mismatches")
    assert "Ville de Sète: workshop 1, but its choices are now 2, 4" in shown
    assert "Ville de Sète (to balance again)" in organiser.send("/admin show doc8")
    # Choosing the assigned workshop again: it matches, nobody is told.
    person.send("/choose 1 4")
    assert _to_organiser(person) == []
    assert "Every assignment matches" in organiser.send("/admin mismatches")


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_a_partner_that_chose_elsewhere_or_declined_is_shown(chat, core, locale):
    t = TEXTS[locale]
    french = admin_support.add_collectivity(core, "Ville de Sète", choices=(3, 1), abstract=(3, "Tourisme doux"))
    partner = admin_support.add_collectivity(core, "Ville de Shizuoka", name_ja="静岡市", country="jp", choices=(1, 2))
    with transaction(core.sessions) as session:
        session.scalars(select(Abstract)).one().partner_collectivity_id = partner
    contact = _contact(chat, core, french, "BINOME-001", locale)
    assert t["other"] in contact.send("/status")
    organiser = chat("orga", locale_hint="en")
    assert "Ville de Sète, workshop 3: with Ville de Shizuoka, which has not chosen it" in organiser.send(
        "/admin mismatches"
    )

    japanese = _contact(chat, core, partner, "BINOME-002", "ja")
    japanese.send("/decline")
    japanese.send("はい")
    told = _to_organiser(japanese)
    assert len(told) == 1 and "Ville de Sète" in told[0]
    assert t["declined"] in contact.send("/status")
    assert "which has declined" in organiser.send("/admin mismatches")
    assert "Ville de Shizuoka (declined)" in organiser.send("/admin show doc7")


@pytest.mark.parametrize(
    ("locale", "skip", "save", "warning"),
    [
        ("fr", "Passer", "Enregistrer", "Ville de Shizuoka n'a pas choisi cet atelier"),
        ("ja", "スキップ", "保存する", "静岡市はこの分科会を選択していません"),
    ],
)
def test_naming_a_partner_that_chose_other_workshops_warns(chat, core, locale, skip, save, warning):
    french = admin_support.add_collectivity(core, "Ville de Sète", status="considering")
    admin_support.add_collectivity(core, "Ville de Shizuoka", name_ja="静岡市", country="jp", choices=(1, 2))
    contact = _contact(chat, core, french, "BINOME-003", locale)
    contact.send("/choose 3 1")
    contact.send("/abstract")
    contact.send("3")
    contact.send("Tourisme doux")
    contact.send("Un résumé.")
    contact.press(skip)
    contact.send("Camille Durand")
    contact.press("Shizuoka" if locale == "fr" else "静岡市")
    assert warning in contact.press(save)
