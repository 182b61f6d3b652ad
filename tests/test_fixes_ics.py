"""Issue 11: the agenda's .ics reads the same in two independent parsers; its file name keeps its letters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from storage.calendar import CalendarEntry, build_ics
from tests.participation_support import add_collectivity, add_invite, set_slots

WORKSHOP = dt.datetime(2026, 10, 23, 12, 30, tzinfo=dt.UTC)  # 14:30 in Paris, summer time


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_the_friday_workshop_reads_at_14_30_plus_2_in_vobject_and_icalendar(chat, core, locale):
    cid = add_collectivity(core, "Ville de Sète", name_ja="セット市")
    add_invite(core, cid, "ICS-SETE1")
    set_slots(core, {1: "morning", 2: "morning", 3: "afternoon", 4: "afternoon"})
    person = chat(locale_hint=locale)
    person.send("/join ICS-SETE1")
    person.send("/choose 3 1")
    person.send("/agenda")
    attachment = person.last[0].attachment
    assert attachment is not None
    assert attachment.filename == "agenda-cannes-2026-ville-de-sete.ics"

    by_vobject = {str(e.uid.value): e.dtstart.value for e in vobject.readOne(attachment.content.decode()).vevent_list}
    by_icalendar = {
        str(e["uid"]): e.decoded("dtstart") for e in icalendar.Calendar.from_ical(attachment.content).walk("VEVENT")
    }
    assert by_vobject.keys() == by_icalendar.keys()
    afternoon = next(uid for uid in by_vobject if "afternoon" in uid and "governance" in uid)
    for start in (by_vobject[afternoon], by_icalendar[afternoon]):
        assert start == WORKSHOP
        assert start.utcoffset() == dt.timedelta(hours=2)
    # Every entry reads the same instant in both.
    assert all(by_vobject[uid] == by_icalendar[uid] for uid in by_vobject)


@pytest.mark.parametrize(
    ("zone", "when", "offset"),
    [
        ("Europe/Paris", dt.datetime(2026, 12, 1, 9, 0), 1),
        ("Asia/Tokyo", dt.datetime(2028, 10, 20, 9, 0), 9),
        ("Australia/Sydney", dt.datetime(2026, 1, 15, 9, 0), 11),
        ("Australia/Sydney", dt.datetime(2026, 7, 15, 9, 0), 10),
    ],
)
def test_a_vtimezone_in_rrule_form_for_other_zones(zone, when, offset):
    start = when.replace(tzinfo=ZoneInfo(zone))
    content = build_ics(
        [CalendarEntry("x@test", start, start + dt.timedelta(hours=1), "Séance")],
        name="Test",
        stamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert b"RDATE" not in content
    read = vobject.readOne(content.decode()).vevent.dtstart.value
    assert read.utcoffset() == dt.timedelta(hours=offset)
    assert read == start


@pytest.mark.parametrize("locale", ["ja", "fr"])
def test_xlsx_columns_are_wide_enough_for_japanese_names(core, locale):
    import io

    import openpyxl

    from locales import Translator
    from storage import exports
    from storage.db import transaction
    from storage.models import Event
    from tests import admin_support

    name_ja = "アルプ＝マリティーム県観光協会連合会"  # 18 characters, 36 columns wide
    admin_support.add_collectivity(core, "Département des Alpes-Maritimes", name_ja=name_ja)
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        table = exports.build("doc5", session, event, Translator(locale).gettext, locale)
    sheet = openpyxl.load_workbook(io.BytesIO(exports.render(table, "xlsx"))).active
    column = next(c[0].column_letter for c in sheet.columns if any(cell.value == name_ja for cell in c))
    assert sheet.column_dimensions[column].width >= exports.display_width(name_ja) == 36
