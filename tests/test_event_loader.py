"""Loading event files: valid, invalid (clear error, nothing written), idempotent, reloaded after edits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from storage.db import make_engine, make_sessionmaker, transaction, upgrade
from storage.event_file import EventFileError, default_event_path, read_event_file
from storage.event_loader import load_event_file
from storage.models import Deadline, Event, ProgrammeItem, Workshop
from tests.conftest import table_rows

NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def bundled() -> dict:
    return yaml.safe_load(default_event_path().read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict | str, name: str = "event.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load(sessions, path) -> None:
    with transaction(sessions) as session:
        load_event_file(session, path, NOW)


def test_bundled_event_loads_with_its_programme_workshops_and_deadlines(sessions):
    load(sessions, default_event_path())
    with sessions() as session:
        event = session.scalars(select(Event)).one()
        assert event.key == "cannes-2026"
        assert event.timezone == "Europe/Paris"
        assert (event.start, event.end) == (dt.date(2026, 10, 21), dt.date(2026, 10, 24))
        assert [w.number for w in event.workshops] == [1, 2, 3, 4]
        assert all(w.title["fr"] and w.title["ja"] and w.title["en"] for w in event.workshops)
        assert len(event.programme) >= 17
        dinner = next(i for i in event.programme if i.option_key == "opening-dinner")
        assert dinner.capacity == 150
        assert min(d.due for d in event.deadlines) == dt.date(2026, 5, 31)


def test_loading_the_same_file_twice_changes_nothing(sessions):
    load(sessions, default_event_path())
    before = table_rows(sessions.kw["bind"])
    load(sessions, default_event_path())
    assert table_rows(sessions.kw["bind"]) == before


def test_an_edited_file_updates_the_database(sessions, tmp_path):
    load(sessions, default_event_path())
    data = bundled()
    data["workshops"][0]["capacity"] = 12
    data["programme"] = [i for i in data["programme"] if i["key"] != "fri-free-evening"]
    data["deadlines"][0]["due"] = dt.date(2026, 6, 2)
    load(sessions, write(tmp_path, data))
    with sessions() as session:
        event = session.scalars(select(Event)).one()
        assert event.workshops[0].capacity == 12
        assert "fri-free-evening" not in {i.key for i in event.programme}
        assert session.scalar(select(Deadline.due).where(Deadline.key == data["deadlines"][0]["key"])) == dt.date(
            2026, 6, 2
        )
        assert session.scalar(select(ProgrammeItem).where(ProgrammeItem.key == "fri-plenary")) is not None


def test_an_organisers_edit_survives_a_reload_of_an_unchanged_entry(sessions, tmp_path):
    load(sessions, default_event_path())
    with transaction(sessions) as session:
        session.scalars(select(Workshop).where(Workshop.key == "culture")).one().slot_key = "afternoon"
    data = bundled()
    data["name"]["en"] = "9th Rencontres (renamed)"
    load(sessions, write(tmp_path, data))
    with sessions() as session:
        assert session.scalars(select(Workshop).where(Workshop.key == "culture")).one().slot_key == "afternoon"
        assert session.scalars(select(Event)).one().info["name"]["en"] == "9th Rencontres (renamed)"


def _without(data: dict, section: str, field: str) -> dict:
    del data[section][0][field]
    return data


INVALID = {
    "not yaml": ("key: [unclosed", "line 1"),
    "not a mapping": ("- just\n- a list\n", "must be a mapping"),
    "missing name": (lambda d: d.pop("name") and d, "name: Field required"),
    "bad time zone": (lambda d: d.update(timezone="Mars/Olympus") or d, "timezone: Value error, unknown time zone"),
    "bad time": (lambda d: d["programme"][0].update(start="25:00") or d, "programme.0.start"),
    "item without time": (lambda d: _without(d, "programme", "part"), "programme.0: Value error, give a start time"),
    "unknown slot": (lambda d: d["workshops"][0].update(slot="night") or d, "workshops.0.slot: unknown slot 'night'"),
    "unknown task": (lambda d: d["deadlines"][0].update(tasks=["dance"]) or d, "deadlines.0.tasks: unknown task"),
    "duplicate workshop": (lambda d: d["workshops"].append(d["workshops"][0]) or d, "appears twice"),
    "empty text": (lambda d: d.update(place={}) or d, "place: Value error, a text needs at least one of fr, ja, en"),
    "unknown field": (lambda d: d.update(colour="blue") or d, "colour: Extra inputs are not permitted"),
    "day outside the event": (lambda d: d["programme"][0].update(day="2026-11-01") or d, "outside the event dates"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_a_bad_file_is_refused_with_its_path_and_field_and_nothing_is_written(sessions, tmp_path, case):
    content, expected = INVALID[case]
    path = write(tmp_path, content if isinstance(content, str) else content(bundled()))
    before = table_rows(sessions.kw["bind"])
    with pytest.raises(EventFileError) as error:
        load(sessions, path)
    message = str(error.value).replace("Value error, ", "")
    assert str(path) in message
    assert expected.replace("Value error, ", "") in message
    assert table_rows(sessions.kw["bind"]) == before


def test_a_missing_file_is_refused_with_its_path(tmp_path):
    with pytest.raises(EventFileError, match="cannot read the file"):
        read_event_file(tmp_path / "nowhere.yaml")


def test_removing_a_workshop_that_collectivities_chose_is_refused(sessions, tmp_path):
    from storage.models import Collectivity, WorkshopChoice

    load(sessions, default_event_path())
    with transaction(sessions) as session:
        event = session.scalars(select(Event)).one()
        town = Collectivity(event_id=event.id, name_fr="Ville d'essai", country="fr", created_at=NOW, updated_at=NOW)
        session.add(town)
        session.flush()
        session.add(WorkshopChoice(collectivity_id=town.id, rank=1, workshop_id=event.workshops[0].id, chosen_at=NOW))
    data = bundled()
    data["workshops"] = data["workshops"][1:]
    before = table_rows(sessions.kw["bind"])
    with pytest.raises(EventFileError, match="choices name it"):
        load(sessions, write(tmp_path, data))
    assert table_rows(sessions.kw["bind"]) == before


def test_an_entry_added_before_an_edited_one_keeps_the_organisers_edit(sessions, tmp_path):
    load(sessions, default_event_path())
    data = bundled()
    moved = data["deadlines"][-1]["key"]
    with transaction(sessions) as session:
        session.scalars(select(Deadline).where(Deadline.key == moved)).one().due = dt.date(2026, 10, 1)
    data["deadlines"].insert(
        0, {"key": "new-first", "due": dt.date(2026, 5, 1), "title": {"fr": "Nouvelle échéance"}, "tasks": []}
    )
    data["programme"].insert(0, dict(data["programme"][0], key="early-item"))
    load(sessions, write(tmp_path, data))
    with sessions() as session:
        assert session.scalars(select(Deadline).where(Deadline.key == moved)).one().due == dt.date(2026, 10, 1)
        event = session.scalars(select(Event)).one()
        assert [i.key for i in event.programme][:2] == ["early-item", data["programme"][1]["key"]]


def test_removing_a_workshop_that_has_an_abstract_is_refused(sessions, tmp_path):
    from storage.models import Abstract, Collectivity

    load(sessions, default_event_path())
    with transaction(sessions) as session:
        event = session.scalars(select(Event)).one()
        town = Collectivity(event_id=event.id, name_fr="Ville d'essai", country="fr", created_at=NOW, updated_at=NOW)
        session.add(town)
        session.flush()
        session.add(
            Abstract(collectivity_id=town.id, workshop_id=event.workshops[3].id, title="Projet", updated_at=NOW)
        )
    data = bundled()
    data["workshops"] = data["workshops"][:3]
    before = table_rows(sessions.kw["bind"])
    with pytest.raises(EventFileError, match="1 abstracts name it"):
        load(sessions, write(tmp_path, data))
    assert table_rows(sessions.kw["bind"]) == before
