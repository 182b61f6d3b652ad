"""Two ranked workshops: buttons or typed, every refusal changes nothing, concurrent choosers end consistent."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from bot.core import BotCore
from storage.db import transaction
from storage.models import AuditEntry, Collectivity, Event, Workshop, WorkshopChoice
from tests.participation_support import add_collectivity, add_invite, fill_confirm_form, linked, set_slots

SAVED = {
    "fr": "Vos choix d'ateliers sont enregistrés",
    "ja": "分科会の選択を保存しました",
    "en": "Your workshop choices are saved",
}


def choices(core: BotCore, cid: int) -> list[tuple[int, int]]:
    """(rank, workshop number) pairs of a collectivity."""
    with transaction(core.sessions) as session:
        numbers = {w.id: w.number for w in session.scalars(select(Workshop))}
        rows = session.scalars(
            select(WorkshopChoice).where(WorkshopChoice.collectivity_id == cid).order_by(WorkshopChoice.rank)
        )
        return [(row.rank, numbers[row.workshop_id]) for row in rows]


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_tapping_two_workshops_ranks_them_in_order(chat, core, locale):
    person, cid = linked(chat, core, locale_hint=locale)
    person.send("/choose")
    assert len(person.buttons) == 4
    person.act("ch:3")
    assert [b.action for b in person.buttons] == ["ch:1", "ch:2", "ch:4"]
    answer = person.act("ch:1")
    assert SAVED[locale] in answer
    assert choices(core, cid) == [(1, 3), (2, 1)]


def test_typed_choice_and_a_change_replaces_both(chat, core):
    person, cid = linked(chat, core, locale_hint="en")
    assert "Your workshop choices are saved" in person.send("/choose 3 1")
    answer = person.send("/choose")
    assert "Your current choices:" in answer and "Choosing again replaces both." in answer
    person.send("/choose 2 4")
    assert choices(core, cid) == [(1, 2), (2, 4)]
    person.send("/choose 4 2")
    assert choices(core, cid) == [(1, 4), (2, 2)]
    with transaction(core.sessions) as session:
        assert session.get_one(Collectivity, cid).version == 3
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "choices.replace")).all()
        assert len(audit) == 3


def test_a_number_typed_while_choosing_counts_as_a_tap(chat, core):
    person, cid = linked(chat, core, locale_hint="en")
    person.send("/choose")
    assert "Now tap your second choice" in person.send("4")
    assert "saved" in person.send("2")
    assert choices(core, cid) == [(1, 4), (2, 2)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/choose 2 2", "workshop 2 cannot be both your first and second choice"),
        ("/choose 1 2 3", "A third one cannot be added"),
        ("/choose 1 9", "There is no workshop “9”"),
        ("/choose economy", "Please give two different workshops"),
    ],
    ids=["same-twice", "third-one", "unknown", "only-one"],
)
def test_a_wrong_choice_is_refused_and_changes_nothing(chat, core, snapshot, typed, expected):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/choose 1 3")
    before = snapshot()
    assert expected in person.send(typed)
    assert snapshot() == before


def test_tapping_the_first_workshop_again_is_refused(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/choose")
    person.act("ch:2")
    before = snapshot()
    assert "cannot be both your first and second choice" in person.act("ch:2")
    assert snapshot() == before


def test_choices_are_refused_when_locked(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="ja")
    with transaction(core.sessions) as session:
        session.get_one(Event, core.event_id).choices_locked = True
    before = snapshot()
    assert "主催者により締め切られました" in person.send("/choose 1 2")
    assert "主催者により締め切られました" in person.send("/choose")
    assert snapshot() == before


def test_choices_are_refused_after_their_deadline(chat, core, snapshot, clock):
    person, _ = linked(chat, core, locale_hint="fr")
    clock.move(dt.timedelta(days=50))  # 4 August: the 31 July deadline has passed
    before = snapshot()
    assert "Le choix des ateliers a été clos à la fin du 31 juillet 2026" in person.send("/choose 1 2")
    assert snapshot() == before


def test_choices_are_open_on_the_last_day(chat, core, clock):
    person, cid = linked(chat, core, locale_hint="en")
    clock.at = dt.datetime(2026, 7, 31, 21, 0, tzinfo=dt.UTC)  # 23:00 in Paris
    assert "saved" in person.send("/choose 1 2")
    assert choices(core, cid) == [(1, 1), (2, 2)]


def test_a_single_person_cannot_choose_two_workshops_of_the_same_slot(chat, core, snapshot):
    person, cid = linked(chat, core, locale_hint="en")
    fill_confirm_form(person, ["Camille Durand, adjointe"])
    person.press("Confirm")
    set_slots(core, {1: "morning", 2: "morning", 3: "afternoon", 4: "afternoon"})
    before = snapshot()
    assert "take place at the same time, and your delegation has a single person" in person.send("/choose 1 2")
    assert snapshot() == before
    assert "saved" in person.send("/choose 1 3")
    assert choices(core, cid) == [(1, 1), (2, 3)]


def test_a_larger_delegation_may_choose_two_workshops_of_the_same_slot(chat, core):
    person, _ = linked(chat, core, locale_hint="en")
    fill_confirm_form(person, ["Camille Durand, adjointe", "Louis Petit, conseiller"])
    person.press("Confirm")
    set_slots(core, {1: "morning", 2: "morning", 3: "afternoon", 4: "afternoon"})
    assert "saved" in person.send("/choose 1 2")


def run_together(cores: list[BotCore], requests: list[tuple[object, str]]) -> list[str]:
    """Send each request through its own core, from its own thread, released at the same moment."""
    barrier = threading.Barrier(len(requests))
    answers = [""] * len(requests)

    def run(index: int) -> None:
        person, text = requests[index]
        barrier.wait()
        replies = cores[index].handle(person.incoming(text))  # type: ignore[attr-defined]
        answers[index] = "\n".join(r.text for r in replies)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_concurrent_choosers_of_one_collectivity_end_with_one_consistent_pair(chat, core, settings, clock):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "BOTH-0001", max_uses=2)
    first, second = chat(locale_hint="en"), chat(locale_hint="en")
    first.send("/join BOTH-0001")
    second.send("/join BOTH-0001")
    cores = [BotCore.start(settings, clock), BotCore.start(settings, clock)]
    requests = [(first, "/choose 1 2"), (second, "/choose 3 4")]
    try:
        for round_ in range(5):
            answers = run_together(cores, requests)
            assert all("Your workshop choices are saved" in a for a in answers), answers
            assert choices(core, cid) in ([(1, 1), (2, 2)], [(1, 3), (2, 4)])
            with transaction(core.sessions) as session:
                assert session.get_one(Collectivity, cid).version == 2 * (round_ + 1)
    finally:
        for bot in cores:
            bot.sessions.kw["bind"].dispose()


def test_shrinking_the_delegation_to_one_person_with_two_workshops_of_one_slot_is_refused(chat, core, snapshot):
    set_slots(core, {1: "morning", 2: "morning"})
    person, _ = linked(chat, core, locale_hint="en")
    fill_confirm_form(person, ["Camille Durand, adjointe", "Louis Petit"])
    person.press("Confirm")
    assert "saved" in person.send("/choose 1 2")
    fill_confirm_form(person, ["Camille Durand, adjointe"])
    before = snapshot()
    answer = person.press("Confirm")
    assert "a delegation of one person cannot attend both" in answer
    assert snapshot() == before
