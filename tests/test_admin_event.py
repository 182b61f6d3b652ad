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
    assert "dimanche 20 septembre 2026" in orga.send("/admin deadline hotel-and-slides 2026-09-20")
    with core.sessions() as session:
        due = session.scalars(select(Deadline.due).where(Deadline.key == "hotel-and-slides")).one()
    assert due == dt.date(2026, 9, 20)
    answer = orga.send("/admin audit")
    # When, in the event's time zone (the clock says 10:00 in Paris), who, what, before → after.
    assert "10:00:00" in answer and "console:orga — deadline.set deadline:hotel-and-slides" in answer
    assert '{"due": "2026-09-15"} → {"due": "2026-09-20"}' in answer
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
