"""`event new --copy-collectivities-from` and `export --event` through the command line's main()."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.core import BotCore
from storage.db import transaction
from storage.models import (
    Collectivity,
    Contact,
    Delegate,
    Event,
    Invite,
    OptionSignup,
    TaskDone,
    WorkshopChoice,
)
from tests.conftest import Chat
from tests.participation_support import add_collectivity, add_invite
from tests.test_several_events import next_edition_file

AT = dt.datetime(2026, 6, 20, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    for name in ("EVENT_FILE", "DATABASE_URL", "ADMINS"):
        monkeypatch.delenv(name, raising=False)


def cannes_with_answers(core: BotCore) -> int:
    """Dole confirmed with everything answered and a contact; Sète only considering it."""
    dole = add_collectivity(core, "Ville de Dole", name_ja="ドール市")
    add_invite(core, dole, "DOLE-2026", max_uses=5)
    Chat(core, "camille").send("/join DOLE-2026")
    add_collectivity(core, "Ville de Sète", name_ja="セート市")
    with transaction(core.sessions) as session:
        c = session.get_one(Collectivity, dole)
        c.status, c.delegation_size, c.lead_volunteer, c.steering_group = "confirmed", 2, True, True
        session.add(Delegate(collectivity_id=dole, position=1, name="Camille Durand", role="adjointe"))
        session.add(OptionSignup(collectivity_id=dole, option_key="visits", people=2))
        session.add(TaskDone(collectivity_id=dole, task_key="hotel", done_at=AT, done_by="console:camille"))
        workshop = session.scalars(select(Event).where(Event.id == core.event_id)).one().workshops[0]
        session.add(WorkshopChoice(collectivity_id=dole, rank=1, workshop_id=workshop.id, chosen_at=AT))
    return dole


def count(session, model, event_id: int) -> int:
    query = select(func.count()).select_from(model).join(Collectivity).where(Collectivity.event_id == event_id)
    return int(session.scalar(query) or 0)


def test_the_next_edition_gets_the_collectivities_and_contacts_without_their_answers(
    core, settings, clock, tmp_path, capsys
):
    cannes_with_answers(core)
    tokyo_file = next_edition_file(tmp_path)
    argv = ["event", "new", str(tokyo_file), "--copy-collectivities-from", "cannes-2026"]

    assert main([*argv, "--database", settings.database_url]) == 0
    assert "Copied 2 collectivities and 1 contacts from cannes-2026; skipped 0" in capsys.readouterr().out
    assert main([*argv, "--database", settings.database_url]) == 0
    assert "Copied 0 collectivities and 0 contacts from cannes-2026; skipped 2" in capsys.readouterr().out

    with transaction(core.sessions) as session:
        tokyo = session.scalars(select(Event).where(Event.key == "tokyo-2028")).one()
        copies = session.scalars(select(Collectivity).where(Collectivity.event_id == tokyo.id)).all()
        assert sorted((c.name_fr, c.name_ja, c.country, c.kind, c.steering_group) for c in copies) == [
            ("Ville de Dole", "ドール市", "fr", "commune", True),
            ("Ville de Sète", "セート市", "fr", "commune", False),
        ]
        assert {(c.status, c.delegation_size, c.lead_volunteer) for c in copies} == {("considering", None, False)}
        for model in (Delegate, OptionSignup, TaskDone, WorkshopChoice, Invite):
            assert count(session, model, tokyo.id) == 0, model
            assert count(session, model, core.event_id) > 0, model
        contacts = session.execute(select(Contact.chat_user_id, Contact.event_id).order_by(Contact.event_id)).all()
        assert len(contacts) == 2 and contacts[0][0] == contacts[1][0]
        tokyo_id = tokyo.id
    # The same person acts for Dole in the new edition without a new invitation.
    tokyo_bot = BotCore.start(replace(settings, event_file=tokyo_file), clock)
    try:
        assert tokyo_bot.event_id == tokyo_id
        assert "Ville de Dole" in Chat(tokyo_bot, "camille", locale_hint="en").send("/status")
    finally:
        tokyo_bot.sessions.kw["bind"].dispose()


def test_copying_from_an_unknown_event_names_the_known_ones_and_loads_nothing(core, settings, tmp_path, capsys):
    tokyo_file = next_edition_file(tmp_path)
    argv = ["event", "new", str(tokyo_file), "--copy-collectivities-from", "nagoya-2030"]
    assert main([*argv, "--database", settings.database_url]) == 1
    assert "there is no event 'nagoya-2030' in the database; it holds: cannes-2026." in capsys.readouterr().err
    with transaction(core.sessions) as session:
        assert session.scalars(select(Event.key)).all() == ["cannes-2026"]


def test_an_earlier_edition_is_exported_while_the_bot_serves_the_next(core, settings, tmp_path, capsys, monkeypatch):
    cannes_with_answers(core)
    tokyo_file = next_edition_file(tmp_path)
    assert main(["event", "new", str(tokyo_file), "--database", settings.database_url]) == 0
    tokyo_bot = BotCore.start(replace(settings, event_file=tokyo_file), core.clock)
    add_collectivity(tokyo_bot, "Ville de Tours")
    tokyo_bot.sessions.kw["bind"].dispose()
    monkeypatch.setenv("EVENT_FILE", str(tokyo_file))
    common = ["--format", "csv", "--lang", "en", "--database", settings.database_url]

    cannes_csv, tokyo_csv = tmp_path / "cannes.csv", tmp_path / "tokyo.csv"
    assert main(["export", "doc5", "--event", "cannes-2026", "--output", str(cannes_csv), *common]) == 0
    assert main(["export", "doc5", "--output", str(tokyo_csv), *common]) == 0
    cannes, tokyo = cannes_csv.read_text(encoding="utf-8-sig"), tokyo_csv.read_text(encoding="utf-8-sig")
    assert "Ville de Dole" in cannes and "Ville de Sète" in cannes and "Tours" not in cannes
    assert "Ville de Tours" in tokyo and "Dole" not in tokyo
    capsys.readouterr()

    assert main(["export", "doc5", "--event", "nagoya-2030", "--output", str(tmp_path / "x.csv"), *common]) == 1
    err = capsys.readouterr().err
    assert "there is no event 'nagoya-2030' in the database; it holds: cannes-2026, tokyo-2028." in err
    assert not (tmp_path / "x.csv").exists()
