"""Organisers set workshops, lock choices, move deadlines, read stats and the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.models import Deadline, Event, Workshop
from tests.admin_support import add_collectivity


def workshop(core, number: int) -> Workshop:
    with core.sessions() as session:
        return session.scalars(select(Workshop).where(Workshop.number == number)).one()


@pytest.mark.parametrize(("locale", "saved"), [("fr", "Capacité : 12"), ("ja", "定員：12"), ("en", "Capacity: 12")])
def test_set_a_workshops_slot_room_and_capacity(core, chat, locale, saved):
    orga = chat("orga", locale_hint=locale)
    answer = orga.send("/admin workshop 2 slot=afternoon room=auditorium c capacity=12")
    assert saved in answer
    w = workshop(core, 2)
    assert (w.slot_key, w.capacity) == ("afternoon", 12)
    assert w.room == {"fr": "Auditorium C", "ja": "オーディトリアムC", "en": "Auditorium C"}


@pytest.mark.parametrize(
    "args",
    ["9 capacity=3", "1 capacity=lots", "1 slot=evening", "1 colour=red", "1", "1 slot=morning room=Auditorium B"],
)
def test_bad_workshop_settings_are_refused_and_change_nothing(chat, snapshot, args):
    orga = chat("orga", locale_hint="en")
    orga.send("/admin workshop 2 slot=morning room=Auditorium B")
    before = snapshot()
    answer = orga.send(f"/admin workshop {args}")
    assert answer and "Sorry" not in answer and "Capacity:" not in answer
    assert snapshot() == before


def test_lock_and_unlock_choices(core, chat):
    orga = chat("orga", locale_hint="en")
    assert "locked" in orga.send("/admin lock")
    assert "already locked" in orga.send("/admin lock")
    with core.sessions() as session:
        assert session.get_one(Event, core.event_id).choices_locked
    assert "open again" in orga.send("/admin unlock")
    with core.sessions() as session:
        assert not session.get_one(Event, core.event_id).choices_locked


def test_move_a_deadline_and_see_it_in_the_audit_log(core, chat, snapshot):
    orga = chat("orga", locale_hint="fr")
    assert "hotel-and-slides" in orga.send("/admin deadlines")
    assert "est désormais le 20 septembre 2026." in orga.send("/admin deadline hotel-and-slides 2026-09-20")
    with core.sessions() as session:
        due = session.scalars(select(Deadline.due).where(Deadline.key == "hotel-and-slides")).one()
    assert due == dt.date(2026, 9, 20)
    answer = orga.send("/admin audit")
    # When, in the event's time zone (the clock says 10:00 in Paris), who, what, before → after.
    assert "• 15 juin 2026 à 10:00 — console:orga" in answer
    assert "Échéance déplacée : " in answer and "(hotel-and-slides)" in answer
    assert "Date : 15 septembre 2026 → 20 septembre 2026" in answer
    before = snapshot()
    for bad in ("nowhere 2026-09-20", "hotel-and-slides 20/09/2026", "hotel-and-slides 2027-01-01", "only-a-key"):
        assert "Désolé" not in orga.send(f"/admin deadline {bad}")
    assert snapshot() == before


def test_audit_is_empty_at_first_and_refuses_a_silly_count(chat):
    orga = chat("orga", locale_hint="en")
    assert "Nothing has been changed" in orga.send("/admin audit")
    assert "from 1 to 100" in orga.send("/admin audit 5000")


@pytest.mark.parametrize(
    ("locale", "heading"), [("fr", "Demande par atelier"), ("ja", "分科会ごとの希望数"), ("en", "Demand per workshop")]
)
def test_stats_count_by_status_and_country_with_a_chart(core, chat, locale, heading):
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    add_collectivity(core, "Nara-shi", country="jp", choices=(1, 3))
    add_collectivity(core, "Kofu-shi", country="jp", status="declined", choices=(1, 2))
    orga = chat("orga", locale_hint=locale)
    answer = orga.send("/admin stats")
    assert heading in answer
    (reply,) = orga.last
    assert reply.attachment is not None
    assert reply.attachment.kind == "image" and reply.attachment.mime == "image/png"
    assert reply.attachment.content.startswith(b"\x89PNG\r\n\x1a\n")
    if locale == "en":
        assert "• confirmed: 2 (France 1 · Japan 1)" in answer
        assert "• declined: 1 (France 0 · Japan 1)" in answer
        assert "• Workshop 1: 1st choice France 1 · Japan 1; 2nd choice France 0 · Japan 0" in answer
        assert "Welcome ceremony and opening cocktail dinner (Villa Domergue): 0 / 150" in answer


def test_japanese_counted_sentences_are_translated(core, chat):
    add_collectivity(core, "Ville de Sète")
    add_collectivity(core, "Nara-shi", country="jp")
    assert "合計2自治体" in chat("orga", locale_hint="ja").send("/admin stats")


def test_a_japanese_organisers_chart_has_a_font_with_japanese_glyphs():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from storage.stats import _cjk_font

    name = _cjk_font()
    assert name is not None
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert ord("分") in FT2Font(path).get_charmap()


@pytest.mark.parametrize(
    ("locale", "end"),
    [
        ("fr", "la fin de l'événement (24 octobre 2026)."),
        ("ja", "会議最終日の2026年10月24日（土）より後"),
        ("en", "after the event ends (24 October 2026)."),
    ],
)
def test_a_deadline_after_the_event_is_refused_with_a_readable_date(chat, snapshot, locale, end):
    orga = chat("orga", locale_hint=locale)
    orga.send("/help")
    before = snapshot()
    answer = orga.send("/admin deadline hotel-and-slides 2026-11-02")
    assert end in answer and "2026-10-24" not in answer
    assert snapshot() == before


@pytest.mark.parametrize(
    ("locale", "listed"),
    [
        ("fr", "• 15 septembre 2026 — hotel-and-slides"),
        ("ja", "• 2026年9月15日（火） — hotel-and-slides"),
        ("en", "• 15 September 2026 — hotel-and-slides"),
    ],
)
def test_deadlines_and_invitations_show_dates_the_readers_way(chat, locale, listed):
    orga = chat("orga", locale_hint=locale)
    assert listed in orga.send("/admin deadlines")
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    until = {"fr": "jusqu'au 15 juillet 2026", "ja": "2026年7月15日（水）", "en": "until 15 July 2026"}[locale]
    assert until in orga.send("/admin invite 1")
    assert until in orga.send("/admin invites")


@pytest.mark.parametrize(
    ("locale", "typed", "slot"),
    [
        ("fr", "matin", "Créneau : vendredi 23 octobre 2026, 09:30–12:00"),
        ("fr", "après-midi", "Créneau : vendredi 23 octobre 2026, 14:30–17:00"),
        ("fr", "14h30", "Créneau : vendredi 23 octobre 2026, 14:30–17:00"),
        ("ja", "午前", "時間帯：2026年10月23日（金）9:30～12:00"),
        ("ja", "午後", "時間帯：2026年10月23日（金）14:30～17:00"),
        ("ja", "9:30", "時間帯：2026年10月23日（金）9:30～12:00"),
        ("en", "afternoon", "Slot: Friday 23 October 2026, 2:30 PM–5:00 PM"),
        ("en", "morning", "Slot: Friday 23 October 2026, 9:30 AM–12:00 PM"),
    ],
)
def test_a_slot_is_typed_and_shown_in_the_readers_words(core, chat, locale, typed, slot):
    answer = chat("orga", locale_hint=locale).send(f"/admin workshop 2 slot={typed}")
    assert slot in answer
    if locale != "en":
        assert "morning" not in answer and "afternoon" not in answer
    assert workshop(core, 2).slot_key == ("morning" if slot.count("9:30") else "afternoon")


@pytest.mark.parametrize(
    ("locale", "slots"),
    [
        ("fr", "Créneaux : vendredi 23 octobre 2026, 09:30–12:00 et vendredi 23 octobre 2026, 14:30–17:00."),
        ("ja", "時間帯：2026年10月23日（金）9:30～12:00、2026年10月23日（金）14:30～17:00。"),
        ("en", "Slots: Friday 23 October 2026, 9:30 AM–12:00 PM and Friday 23 October 2026, 2:30 PM–5:00 PM."),
    ],
)
def test_an_unknown_slot_is_refused_naming_the_slots_by_day_and_time(chat, snapshot, locale, slots):
    orga = chat("orga", locale_hint=locale)
    orga.send("/help")
    before = snapshot()
    answer = orga.send("/admin workshop 2 slot=evening")
    assert slots in answer and "slot=9:30" in answer
    assert snapshot() == before


@pytest.mark.parametrize(
    ("locale", "unset"),
    [
        ("fr", ["Salle : non fixée", "Capacité : non fixée"]),
        ("ja", ["会場：未設定", "定員：未設定"]),
        ("en", ["Room: not set", "Capacity: not set"]),
    ],
)
def test_unset_workshop_settings_agree_with_their_noun(chat, locale, unset):
    answer = chat("orga", locale_hint=locale).send("/admin workshop 4 slot=9:30")
    for text in unset:
        assert text in answer


@pytest.mark.parametrize(
    ("locale", "place", "generic"),
    [
        ("fr", "Lieu : Salle Estérel et Auditorium C", "Auditoriums B et C"),
        ("ja", "場所：Salle Estérel、オーディトリアムC", "オーディトリアムB・C"),
        ("en", "Place: Salle Estérel and Auditorium C", "Auditoriums B and C"),
    ],
)
def test_rooms_set_by_organisers_replace_the_generic_place_of_the_slot(chat, locale, place, generic):
    orga = chat("orga", locale_hint=locale)
    orga.send("/admin workshop 2 slot=morning room=Salle Estérel")
    orga.send("/admin workshop 3 slot=morning room=Auditorium C")
    programme = chat(locale_hint=locale).send("/programme 23")
    assert place in programme
    # The afternoon slot has no room set yet: it alone keeps the event file's place.
    assert programme.count(generic) == 1


@pytest.mark.parametrize(
    ("locale", "when"),
    [
        ("fr", "Créneau : vendredi 23 octobre 2026, 09:30–12:00 · Salle : pas encore fixée"),
        ("ja", "時間帯：2026年10月23日（金）9:30～12:00・会場：未定"),
        ("en", "Slot: Friday 23 October 2026, 9:30 AM–12:00 PM · Room: not yet set"),
    ],
)
def test_workshops_show_the_slot_in_the_readers_pattern_and_an_unset_room(chat, locale, when):
    chat("orga", locale_hint=locale).send("/admin workshop 1 slot=morning")
    assert when in chat(locale_hint=locale).send("/workshops")


def test_the_chart_legend_names_the_dashed_capacity_line(core):
    from locales import Translator
    from storage import stats
    from storage.db import transaction
    from storage.models import Event as EventRow

    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    with transaction(core.sessions) as session:
        event = session.get_one(EventRow, core.event_id)
        next(w for w in event.workshops if w.number == 1).capacity = 6
        found = stats.compute(session, event)
    french = Translator("fr").gettext
    figure = stats.chart_figure(found, french, locale="fr", fallback=french)
    legend = [t.get_text() for t in figure.axes[1].get_legend().get_texts()]
    assert legend.count("Capacité") == 1


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        ("fr", "• confirmée : 1 (France 1 · Japon 0)"),
        ("ja", "• 参加確定：1（フランス 1／日本 0）"),
        ("en", "• confirmed: 1 (France 1 · Japan 0)"),
    ],
)
def test_stats_lines_follow_the_readers_punctuation(core, chat, locale, line):
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    assert line in chat("orga", locale_hint=locale).send("/admin stats")
