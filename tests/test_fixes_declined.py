"""Issue 11: a declined collectivity is refused /lead at once, and its /status lists no to-dos."""

from __future__ import annotations

import pytest

from tests.participation_support import linked


def _decline(person, locale: str) -> None:  # type: ignore[no-untyped-def]
    person.send("/decline")
    person.send("oui" if locale == "fr" else "はい")


@pytest.mark.parametrize(("locale", "refused"), [("fr", "a décliné sa participation"), ("ja", "不参加")])
def test_lead_is_refused_at_once(chat, core, snapshot, locale, refused):
    person, _ = linked(chat, core, locale_hint=locale)
    _decline(person, locale)
    before = snapshot()
    answer = person.send("/lead")
    assert refused in answer
    assert person.last[0].kind == "refusal" and not person.buttons
    assert "chef d'atelier prépare" not in answer and "分科会リーダーは" not in answer
    assert snapshot() == before


@pytest.mark.parametrize(
    ("locale", "nothing", "todo"),
    [("fr", "Rien ne lui est demandé", "Réserver l'hôtel"), ("ja", "ご対応いただくことはありません", "ホテル予約")],
)
def test_status_of_a_declined_collectivity_has_no_to_dos(chat, core, locale, nothing, todo):
    person, _ = linked(chat, core, locale_hint=locale)
    assert todo in person.send("/status")
    _decline(person, locale)
    status = person.send("/status")
    assert nothing in status
    assert todo not in status and "✗" not in status
