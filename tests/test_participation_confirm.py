"""Confirming participation through a form kept in the database; declining with a confirmation button."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from bot.core import BotCore
from storage.db import transaction
from storage.models import AuditEntry, Collectivity, Delegate, Event, FormState, OptionSignup
from tests.participation_support import OPTION_ORDER, add_collectivity, fill_confirm_form, linked

SUMMARY = {"fr": "Vérifiez vos réponses", "ja": "回答内容をご確認ください", "en": "Please check your answers"}
CONFIRMED = {"fr": "est confirmée", "ja": "参加が確定しました", "en": "is confirmed"}


def collectivity_state(core: BotCore, cid: int) -> tuple[str, int | None, list[tuple[str, str | None]], dict[str, int]]:
    with transaction(core.sessions) as session:
        c = session.get_one(Collectivity, cid)
        delegates = [(d.name, d.role) for d in session.scalars(select(Delegate).order_by(Delegate.position))]
        options = {s.option_key: s.people for s in session.scalars(select(OptionSignup))}
        return c.status, c.delegation_size, delegates, options


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_confirm_form_writes_everything_only_on_the_final_button(chat, core, locale):
    person, cid = linked(chat, core, locale_hint=locale)
    summary = fill_confirm_form(
        person,
        ["Camille Durand, adjointe au maire", "Louis Petit"],
        {"visits": "yes", "thursday-lunch": 1, "opening-dinner": 2, "stand": "no", "gastronomy": "oui"},
    )
    assert SUMMARY[locale] in summary
    assert "Camille Durand — adjointe au maire" in summary
    assert collectivity_state(core, cid) == ("considering", None, [], {})

    answer = person.press({"fr": "Confirmer", "ja": "確定する", "en": "Confirm"}[locale])

    assert CONFIRMED[locale] in answer
    assert collectivity_state(core, cid) == (
        "confirmed",
        2,
        [("Camille Durand", "adjointe au maire"), ("Louis Petit", None)],
        {"visits": 2, "thursday-lunch": 1, "opening-dinner": 2, "gastronomy": 2},
    )
    with transaction(core.sessions) as session:
        assert session.scalars(select(FormState)).all() == []
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "collectivity.confirm")).one()
        assert entry.before is not None and entry.before["status"] == "considering"
        assert entry.after is not None and entry.after["delegation_size"] == 2


def test_options_are_answered_with_buttons_and_show_remaining_places(chat, core):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    person.press("3")
    for name in ("Camille Durand, adjointe", "Louis Petit, chargé de mission", "Inès Moreau, interprète"):
        answer = person.send(name)
    assert "Thursday 22 October visits" in answer
    answer = person.press("Yes")
    assert "70 places left out of 70" in answer
    answer = person.press("Everyone (3)")
    assert "150 places left out of 150" in answer
    person.press("Nobody")
    person.press("No")
    summary = person.press("Yes")
    assert "Delegation: 3 people" in summary
    assert "Lunch on Thursday 22 October: 3 people" in summary
    assert "opening cocktail dinner (Villa Domergue): no" in summary


def test_a_restart_in_the_middle_of_the_form_loses_nothing(chat, core, settings, clock):
    person, cid = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    person.send("2")
    person.send("Camille Durand, adjointe")

    restarted = BotCore.start(settings, clock)
    try:
        person.core = restarted
        assert "opening cocktail dinner" not in person.send("Louis Petit, conseiller")
        for key in OPTION_ORDER:
            person.send("0" if key != "opening-dinner" else "2")
        again = BotCore.start(settings, clock)
        try:
            person.core = again
            # The button was shown by the first core; the third one still knows what it means.
            answer = person.act("cf:ok")
        finally:
            again.sessions.kw["bind"].dispose()
    finally:
        restarted.sessions.kw["bind"].dispose()
    assert "is confirmed" in answer
    status, size, delegates, options = collectivity_state(core, cid)
    assert (status, size, options) == ("confirmed", 2, {"opening-dinner": 2})
    assert delegates == [("Camille Durand", "adjointe"), ("Louis Petit", "conseiller")]


def test_cancel_drops_the_form_and_saves_nothing(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="en")
    before = snapshot()
    fill_confirm_form(person, ["Camille Durand, adjointe"])
    assert "Nothing from that form was saved" in person.send("/cancel")
    assert snapshot()["collectivities"] == before["collectivities"]
    assert snapshot()["form_states"] == []
    assert snapshot()["delegates"] == []


@pytest.mark.parametrize(
    ("step_answers", "bad", "expected"),
    [
        ([], "0", "Please send the number of people, from 1 to 50"),
        ([], "lots", "Please send the number of people"),
        (["1", "Camille Durand, adjointe", "no"], "3", "please give a number between 0 and 1"),
        (["1"], ", adjointe", "Please send a name"),
    ],
    ids=["zero-people", "no-number", "more-than-the-delegation", "no-name"],
)
def test_a_wrong_answer_is_asked_again_and_changes_nothing(chat, core, snapshot, step_answers, bad, expected):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    for line in step_answers:
        person.send(line)
    before = snapshot()
    assert expected in person.send(bad)
    assert snapshot() == before


def test_a_full_option_is_refused_with_the_places_left(chat, core, snapshot):
    other = add_collectivity(core, "Autre Ville")
    with transaction(core.sessions) as session:
        session.add(OptionSignup(collectivity_id=other, option_key="thursday-lunch", people=69))
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    person.send("2")
    person.send("Camille Durand, adjointe")
    person.send("Louis Petit, conseiller")
    question = person.send("no")
    assert "1 place left out of 70" in question
    before = snapshot()
    assert "Only 1 place is left for “Lunch on Thursday 22 October”" in person.send("2")
    assert snapshot() == before
    assert "opening cocktail dinner" in person.send("1")


def test_decline_asks_for_confirmation_then_gives_up_options_and_choices(chat, core, snapshot):
    person, cid = linked(chat, core, locale_hint="fr")
    fill_confirm_form(person, ["Camille Durand, adjointe"], {"opening-dinner": 1})
    person.press("Confirmer")
    person.send("/choose 1 3")
    before = snapshot()
    question = person.send("/decline")
    assert "ne participera pas" in question
    # Only the question is remembered (a typed oui answers it), nothing of the collectivity changed.
    assert {k: v for k, v in snapshot().items() if k != "form_states"} == {
        k: v for k, v in before.items() if k != "form_states"
    }
    assert "Rien n'a été modifié" in person.press("Non")
    assert snapshot() == before

    person.send("/decline")
    assert "ne participera pas" in person.press("Oui, décliner")
    status, _, _, options = collectivity_state(core, cid)
    assert (status, options) == ("declined", {})
    assert snapshot()["workshop_choices"] == []
    refused = snapshot()
    assert "a décliné sa participation" in person.send("/choose 2 4")
    assert snapshot() == refused


def test_a_declined_collectivity_can_confirm_again(chat, core):
    person, cid = linked(chat, core, locale_hint="en")
    person.send("/decline")
    person.press("Yes, decline")
    fill_confirm_form(person, ["Camille Durand, adjointe"])
    assert "is confirmed" in person.press("Confirm")
    assert collectivity_state(core, cid)[0] == "confirmed"


def test_the_form_is_not_filled_in_a_group(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="en")
    group = chat(person.user, locale_hint="en", chat_id="group-1", is_group=True)
    before = snapshot()
    assert "private conversation" in group.send("/confirm")
    assert snapshot() == before


def test_a_form_naming_an_option_the_event_no_longer_has_is_closed_with_an_explanation(chat, core):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    person.send("1")
    person.send("Camille Durand, adjointe")  # now on the first option: the visits
    with transaction(core.sessions) as session:
        session.execute(delete(OptionSignup))
        event = session.get_one(Event, core.event_id)
        event.options = [o for o in event.options if o.key != "visits"]
    answer = person.send("yes")
    assert "The organisers changed the event while your form was open" in answer
    with core.sessions() as session:
        assert session.scalars(select(FormState)).all() == []
    assert "Sorry" not in person.send("/status")
