"""After a committed change, adapters hear whose collectivity changed (the Slack App Home is republished)."""

from __future__ import annotations

from tests.participation_support import linked


def test_an_organisers_edit_names_the_contacts_of_the_collectivity_it_changed(chat, core):
    _, cid = linked(chat, core, "Ville de Testville", user="camille")
    linked(chat, core, "Ville d'Ailleurs", user="odile")  # a contact of another collectivity: not named
    heard: list[list[tuple[str, str]]] = []
    core.people_listeners.append(heard.append)
    organiser = chat("orga", locale_hint="en")
    answer = organiser.send(f"/admin edit {cid} kind=commune")
    assert "Sorry" not in answer
    assert heard == [[("console", "camille")]]


def test_a_read_changes_nothing_and_names_nobody(chat, core):
    linked(chat, core, "Ville de Testville", user="camille")
    organiser = chat("orga", locale_hint="en")
    organiser.send("/programme")  # the organiser's first message records them: a write of no collectivity
    heard: list[list[tuple[str, str]]] = []
    core.people_listeners.append(heard.append)
    organiser.send("/admin list")
    assert heard == []
