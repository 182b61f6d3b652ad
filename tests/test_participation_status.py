"""Status, deadlines, tasks marked by hand, abstracts and leads; and the progress queries the scheduler uses."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Collectivity, Deadline, Event
from storage.progress import pending_collectivities, progress
from tests.participation_support import add_collectivity, fill_confirm_form, linked


def test_done_without_a_task_lists_them_and_a_button_marks_one(chat, core):
    person, _ = linked(chat, core, locale_hint="en")
    answer = person.send("/done")
    assert "The tasks I cannot see by myself" in answer
    assert "4. ✗ Book the hotel" in answer and "(hotel)" not in answer  # titles, not keys
    assert "Noted: “Book the hotel on the host city's website” is done." in person.act("done:hotel")
    assert "was already marked done" in person.send("/done hotel")
    assert "✓ Book the hotel" in person.send("/status")
    assert "is still to do" in person.send("/undo hotel")
    assert "✗ Book the hotel" in person.send("/status")
    assert "No task is marked done yet." in person.send("/undo")


def test_done_by_number_of_the_list(chat, core):
    person, _ = linked(chat, core, locale_hint="en")
    lines = person.send("/done").splitlines()
    assert any(line.startswith("4. ✗ Book the hotel") for line in lines)
    assert "/undo 4" in person.send("/done 4")


def test_an_unknown_or_automatic_task_is_refused_and_changes_nothing(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="fr")
    person.send("/status")
    before = snapshot()
    answer = person.send("/done sieste")
    assert "Je ne connais pas la tâche « sieste »" in answer
    assert "✗ Réserver l'hôtel" in answer and person.buttons
    assert "Je vois cette tâche par moi-même" in person.send("/done confirmation")
    assert "n'était pas marquée comme faite" in person.send("/undo hotel")
    assert snapshot() == before


def test_deadlines_follow_the_collectivitys_country_and_lead_role(chat, core):
    japanese, _ = linked(chat, core, "Ville de Nihon", country="jp", locale_hint="en")
    french, _ = linked(chat, core, "Ville de Testville", locale_hint="en")
    japanese_view = japanese.send("/deadlines")
    assert "Posters for the digital exhibition" not in japanese_view
    assert "Hotel booking" in japanese_view
    french_view = french.send("/deadlines")
    assert "Posters for the digital exhibition" in french_view
    assert "Summaries of the presentations by the workshop leads" not in french_view
    french.send("/lead")
    assert "volunteer workshop lead" in french.press("Yes, we volunteer")
    assert "Summaries of the presentations by the workshop leads" in french.send("/deadlines")
    french.send("/lead")
    assert "no longer volunteers" in french.press("Withdraw")


def test_deadlines_show_time_left_soonest_first_and_past_ones_apart(chat, core, clock):
    person, _ = linked(chat, core, locale_hint="en")
    answer = person.send("/deadlines")
    assert "Past deadlines:" not in answer  # the only past one (31 May) is the steering group's
    assert answer.index("Tuesday 30 June 2026 (15 days left)") < answer.index("Tuesday 15 September 2026")
    person.send("/lead")
    person.press("Yes, we volunteer")
    clock.move(dt.timedelta(days=50))  # 4 August
    upcoming, past = person.send("/deadlines").split("Past deadlines:")
    assert "Friday 31 July 2026 — Synthesis of the interventions by the French workshop leads (past)" in past
    assert "Tuesday 15 September 2026 (42 days left)" in upcoming


def test_deadlines_for_someone_not_linked_list_the_whole_event(chat):
    answer = chat(locale_hint="en").send("/deadlines")
    assert "The event's deadlines, soonest first:" in answer
    assert "[French collectivities]" in answer and "[workshop leads]" in answer
    assert "/join" in answer


def test_progress_and_pending_collectivities(chat, core, clock):
    person, done_cid = linked(chat, core, "Ville Prête", locale_hint="en")
    fill_confirm_form(person, ["Camille Durand, adjointe"])
    person.press("Confirm")
    person.send("/choose 1 3")
    late = add_collectivity(core, "Ville en Retard")
    declined = add_collectivity(core, "Ville Absente")
    with transaction(core.sessions) as session:
        session.get_one(Collectivity, declined).status = "declined"
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        ready = session.get_one(Collectivity, done_cid)
        items = {p.deadline.key: p for p in progress(session, event, ready)}
        assert items["confirmation-and-delegation"].complete
        assert not items["registration-and-workshops"].complete
        assert [t.task.key for t in items["registration-and-workshops"].pending] == ["registration", "abstract"]
        assert "leads-summaries" not in items
        assert "first-draft-answer" not in items  # the French steering group's
        deadline = session.scalars(select(Deadline).where(Deadline.key == "confirmation-and-delegation")).one()
        assert [c.id for c in pending_collectivities(session, event, deadline)] == [late]
        informational = session.scalars(select(Deadline).where(Deadline.key == "registrations-open")).one()
        assert pending_collectivities(session, event, informational) == []


def test_abstract_before_choosing_is_refused(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="en")
    before = snapshot()
    assert "Please choose your workshops with /choose first" in person.send("/abstract")
    assert snapshot() == before


def test_abstract_for_a_workshop_not_chosen_is_refused(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/choose 1 3")
    before = snapshot()
    assert "has not chosen workshop 4" in person.send("/abstract 4")
    assert snapshot() == before


def test_abstract_needs_a_summary_in_one_language(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/choose 1 3")
    person.send("/abstract 1")
    person.send("Titre")
    person.send("-")
    before = snapshot()
    assert "needs a summary in French or in Japanese" in person.send("-")
    assert snapshot() == before


def test_abstract_partner_typed_by_name_and_the_summary_before_saving(chat, core):
    add_collectivity(core, "Ville Japonaise", name_ja="日本町", country="jp")
    add_collectivity(core, "Autre Ville Française")
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/choose 1 3")
    person.send("/abstract")
    assert [b.action for b in person.buttons] == ["ab:w:1", "ab:w:3"]
    person.send("1")
    person.send("Des nomades numériques")
    person.send("Résumé en français.")
    person.send("日本語の要旨です。")
    question = person.send("Camille Durand, adjointe")
    assert [b.label for b in person.buttons] == ["Ville Japonaise", "No partner"]
    assert "binôme" in question
    review = person.send("japonaise")
    assert "Partner: Ville Japonaise" in review
    assert "Summary (Japanese): 日本語の要旨です。" in review
    assert "is saved" in person.press("Save")
    status = person.send("/status")
    assert "« Des nomades numériques » — speaker: Camille Durand, adjointe — with Ville Japonaise" in status


def _set(core, cid: int, **values: object) -> None:  # type: ignore[no-untyped-def]
    with transaction(core.sessions) as session:
        collectivity = session.get_one(Collectivity, cid)
        for name, value in values.items():
            setattr(collectivity, name, value)


def test_steering_group_and_french_leads_tasks_only_concern_them(chat, core):
    commune, commune_id = linked(chat, core, "Ville Ordinaire", locale_hint="en")
    status = commune.send("/status")
    for hidden in ("1st draft of the final declaration", "2nd draft", "Synthesis of the interventions"):
        assert hidden not in status
    assert "declaration-draft" not in commune.send("/done")

    member, member_id = linked(chat, core, "Ville du Copil", locale_hint="en")
    _set(core, member_id, steering_group=True)
    status = member.send("/status")
    assert "Answer on the 1st draft of the final declaration" in status
    assert "Answer on the 2nd draft of the final declaration" in status
    assert "Synthesis of the interventions" not in status

    _set(core, commune_id, lead_volunteer=True)
    assert "Synthesis of the interventions by the French workshop leads" in commune.send("/status")
    japanese_lead, japanese_id = linked(chat, core, "Ville Japonaise", country="jp", locale_hint="en")
    _set(core, japanese_id, lead_volunteer=True)
    status = japanese_lead.send("/status")
    assert "Synthesis of the interventions" not in status
    assert "Summaries of the presentations by the workshop leads" in status


DATES = {
    "fr": ("mardi 30 juin 2026 (encore 15 jours)", "(en cours depuis le 3 juin)", "(à partir du 3 juin)"),
    "ja": ("2026年6月30日（火）（残り15日）", "（6月3日から受付中）", "（6月3日から受付開始）"),
    "en": ("Tuesday 30 June 2026 (15 days left)", "(open since 3 June)", "(opens on 3 June)"),
}
PAST = {"fr": "(passée)", "ja": "（締切済み）", "en": "(past)"}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_status_and_deadlines_show_readable_dates_and_open_informational_ones(chat, core, clock, locale):
    due, since, opens = DATES[locale]
    person, _ = linked(chat, core, locale_hint=locale)
    for command in ("/status", "/deadlines"):
        answer = person.send(command)
        assert due in answer
        assert since in answer
        assert PAST[locale] not in answer
        if locale == "ja":
            # Japanese sentences use full-width punctuation throughout.
            assert "(" not in answer and ")" not in answer and ": " not in answer, answer
    clock.move(-dt.timedelta(days=20))  # 26 May: registrations are not open yet
    assert opens in person.send("/deadlines")
