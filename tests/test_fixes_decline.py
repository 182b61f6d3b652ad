"""Issue 11: declining « à l'étude » warns before deleting the choices; a typed yes or no answers the question."""

from __future__ import annotations

import pytest

from tests.participation_support import linked
from tests.test_participation_confirm import collectivity_state


@pytest.mark.parametrize(
    ("locale", "warning", "yes", "done"),
    [
        ("ja", "選択済みの分科会（4, 2）は削除されます", "はい", "不参加"),
        ("fr", "Ses choix d'ateliers (4, 2) seront supprimés", "oui", "ne participera pas"),
    ],
)
def test_a_considering_collectivity_is_warned_and_a_typed_yes_declines(
    chat, core, snapshot, locale, warning, yes, done
):
    person, cid = linked(chat, core, "Ville de Kōfu", country="jp", locale_hint=locale)
    person.send("/choose 4 2")
    assert collectivity_state(core, cid)[0] == "considering"
    assert warning in person.send("/decline")
    assert snapshot()["workshop_choices"] != []
    assert done in person.send(yes)
    assert collectivity_state(core, cid)[0] == "declined"
    assert snapshot()["workshop_choices"] == []
    assert snapshot()["form_states"] == []


@pytest.mark.parametrize(
    ("locale", "no", "kept", "again"),
    [
        ("fr", "non", "Rien n'a été modifié", "Veuillez répondre oui ou non"),
        ("ja", "いいえ", "変更はありません", "「はい」か「いいえ」"),
    ],
)
def test_a_typed_no_keeps_everything(chat, core, snapshot, locale, no, kept, again):
    person, cid = linked(chat, core, locale_hint=locale)
    person.send("/choose 1 3")
    person.send("/decline")
    assert kept in person.send(no)
    assert collectivity_state(core, cid)[0] == "considering"
    assert len(snapshot()["workshop_choices"]) == 2
    # Anything else asks the question again, and changes nothing.
    person.send("/decline")
    before = snapshot()
    assert again in person.send("peut-être")
    assert snapshot() == before
