"""A contact's whole journey in fr/ja/en: join, confirm, choose, abstract, status, done, deadlines, agenda."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Abstract, TaskDone
from tests.participation_support import add_collectivity, add_invite, fill_confirm_form, set_slots

PARIS = ZoneInfo("Europe/Paris")
TEXTS = {
    "fr": {
        "welcome": "Vous agissez désormais pour la collectivité Ville de Testville",
        "confirm": "Confirmer",
        "confirmed": "La participation de la collectivité Ville de Testville est confirmée",
        "saved": "Vos choix d'ateliers sont enregistrés",
        "skip": "Passer",
        "partner": "Ville Japonaise",
        "save": "Enregistrer",
        "abstract_saved": "Le résumé pour l'Atelier 3",
        "status": ["Participation : confirmée", "Délégation : 2 personnes", "Choix d'ateliers :", "« Tourisme doux »"],
        "todo": "✗ Réserver l'hôtel",
        "done": "C'est noté : « Réserver l'hôtel sur le site de la ville hôte » est faite.",
        "deadlines": [
            "Échéances de la collectivité Ville de Testville",
            "encore",
            "(en cours depuis le 3 juin)",
            "✓ Réserver l'hôtel",
        ],
        "agenda": ["Agenda de la collectivité Ville de Testville", "Atelier 3", "Inscrits : 2 personnes"],
        "dinner": "Cérémonie d'accueil et cocktail dînatoire d'ouverture",
    },
    "ja": {
        "welcome": "テストヴィル市の担当者として登録されました",
        "confirm": "確定する",
        "confirmed": "テストヴィル市の参加が確定しました",
        "saved": "分科会の選択を保存しました",
        "skip": "スキップ",
        "partner": "日本町",
        "save": "保存する",
        "abstract_saved": "の発表要旨を保存しました",
        # Counted sentences ("代表団：2名") are checked in test_japanese_counts_are_translated.
        "status": ["参加状況：参加確定", "分科会の選択：", "「Tourisme doux」"],
        "todo": "✗ 開催都市ウェブサイトでのホテル予約",
        "done": "承知しました。「開催都市ウェブサイトでのホテル予約」を完了として記録しました。",
        "deadlines": [
            "テストヴィル市の締切（近い順）",
            "残り",
            "（6月3日から受付中）",
            "✓ 開催都市ウェブサイトでのホテル予約",
        ],
        "agenda": ["テストヴィル市の日程表", "第3分科会"],
        "dinner": "歓迎式典及び開会レセプション",
    },
    "en": {
        "welcome": "You now act for Ville de Testville",
        "confirm": "Confirm",
        "confirmed": "The participation of Ville de Testville is confirmed",
        "saved": "Your workshop choices are saved",
        "skip": "Skip",
        "partner": "Ville Japonaise",
        "save": "Save",
        "abstract_saved": "The abstract for Workshop 3",
        "status": ["Participation: confirmed", "Delegation: 2 people", "Workshop choices:", "« Tourisme doux »"],
        "todo": "✗ Book the hotel",
        "done": "Noted: “Book the hotel on the host city's website” is done.",
        "deadlines": ["Deadlines of Ville de Testville", "left", "(open since 3 June)", "✓ Book the hotel"],
        "agenda": ["Agenda of Ville de Testville", "Workshop 3", "Signed up: 2 people"],
        "dinner": "Welcome ceremony and opening cocktail dinner",
    },
}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_a_contacts_whole_journey(chat, core, locale):
    t = TEXTS[locale]
    cid = add_collectivity(core, "Ville de Testville", name_ja="テストヴィル市")
    partner = add_collectivity(core, "Ville Japonaise", name_ja="日本町", country="jp")
    add_invite(core, cid, "JOUR-NEY1")
    set_slots(core, {1: "morning", 2: "morning", 3: "afternoon", 4: "afternoon"})
    person = chat(locale_hint=locale)

    assert t["welcome"] in person.send("/start jour-ney1")

    fill_confirm_form(
        person,
        ["Camille Durand, adjointe au maire", "Louis Petit, chargé de mission"],
        {"opening-dinner": 2, "stand": "yes"},
    )
    assert t["confirmed"] in person.press(t["confirm"])

    person.send("/choose")
    person.act("ch:3")
    assert t["saved"] in person.act("ch:1")

    person.send("/abstract")
    person.act("ab:w:3")
    person.send("Tourisme doux")
    # The summary in the reader's language is asked first; the other one is skipped here.
    summary = "持続可能な移動手段に関する発表です。" if locale == "ja" else "Un atelier sur les mobilités douces."
    person.send(summary)
    person.press(t["skip"])
    person.send("Camille Durand, adjointe au maire")
    person.press(t["partner"])
    assert t["abstract_saved"] in person.press(t["save"])
    with transaction(core.sessions) as session:
        abstract = session.scalars(select(Abstract)).one()
        written = (
            (abstract.summary_ja, abstract.summary_fr) if locale == "ja" else (abstract.summary_fr, abstract.summary_ja)
        )
        assert (abstract.title, *written) == ("Tourisme doux", summary, None)
        assert abstract.partner_collectivity_id == partner

    status = person.send("/status")
    for expected in [*t["status"], t["todo"]]:
        assert expected in status

    assert t["done"] in person.send("/done hotel")
    with transaction(core.sessions) as session:
        assert [row.task_key for row in session.scalars(select(TaskDone))] == ["hotel"]

    deadlines = person.send("/deadlines")
    for expected in t["deadlines"]:
        assert expected in deadlines
    # Soonest first: the 30 June deadline comes before the 15 September one.
    assert deadlines.index("30") < deadlines.index("15")

    agenda = person.send("/agenda")
    for expected in t["agenda"]:
        assert expected in agenda
    attachment = person.last[0].attachment
    assert attachment is not None and attachment.filename.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(attachment.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    summaries = {str(e["summary"]) for e in events.values()}
    assert any(t["dinner"] in summary for summary in summaries)
    workshop3 = next(e for e in events.values() if "3" in str(e["summary"]) and "afternoon" in str(e["uid"]))
    assert workshop3.decoded("dtstart") == dt.datetime(2026, 10, 23, 14, 30, tzinfo=PARIS)
    assert workshop3.decoded("dtend") == dt.datetime(2026, 10, 23, 17, 0, tzinfo=PARIS)
    assert any("morning" in uid and "economy" in uid for uid in events)
    # The visits were not taken: no campus visit; the stand was: the Saturday exhibition is there.
    assert not any("thu-campus-visit" in uid for uid in events)
    assert any("sat-restitution" in uid for uid in events)
    assert any("fri-plenary" in uid for uid in events)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]

    # The same agenda downloaded again keeps its UIDs, so calendars update rather than duplicate.
    person.send("/agenda")
    again = icalendar.Calendar.from_ical(person.last[0].attachment.content)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)


def test_japanese_counts_are_translated(chat, core):
    cid = add_collectivity(core, "Ville de Testville", name_ja="テストヴィル市")
    add_invite(core, cid, "COUNT-0001")
    person = chat(locale_hint="ja")
    person.send("/join COUNT-0001")
    fill_confirm_form(person, ["山田花子、副市長", "佐藤太郎、主事"])
    person.press("確定する")
    assert "代表団：2名" in person.send("/status")


@pytest.mark.parametrize(("locale", "suffix"), [("fr", " (souhaité)"), ("ja", "（希望）"), ("en", " (requested)")])
def test_calendar_marks_workshops_only_requested_until_the_organisers_assign_them(chat, core, locale, suffix):
    from storage.models import Assignment, Workshop

    cid = add_collectivity(core, "Ville de Testville", name_ja="テストヴィル市")
    add_invite(core, cid, "ICS-00001")
    set_slots(core, {1: "morning", 2: "morning", 3: "afternoon", 4: "afternoon"})
    person = chat(locale_hint=locale)
    person.send("/join ICS-00001")
    person.send("/choose 3 1")

    def workshop_summaries() -> list[str]:
        person.send("/agenda")
        calendar = icalendar.Calendar.from_ical(person.last[0].attachment.content)
        return sorted(
            str(e["summary"])
            for e in calendar.walk("VEVENT")
            if "economy" in str(e["uid"]) or "governance" in str(e["uid"])
        )

    requested = workshop_summaries()
    assert len(requested) == 2 and all(s.endswith(suffix) for s in requested)
    with transaction(core.sessions) as session:
        third = session.scalars(select(Workshop).where(Workshop.number == 3)).one()
        session.add(
            Assignment(
                collectivity_id=cid,
                workshop_id=third.id,
                choice_rank=1,
                applied_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
            )
        )
    assigned = workshop_summaries()
    assert len(assigned) == 1 and not assigned[0].endswith(suffix)
