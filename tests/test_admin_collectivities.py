"""Organisers add, edit, list, remove and import collectivities."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from storage.models import AuditEntry, Collectivity

GOOD_CSV = (
    "name_fr,name_ja,country,kind,status\n"
    "Ville de Sète,セート市,fr,commune,confirmed\n"
    "Kofu-shi,甲府市,jp,city,à l'étude\n"
)
# Line 3 has an unknown country, line 4 repeats line 2: nothing at all may be imported.
BAD_CSV = (
    "name_fr,name_ja,country,kind\n"
    "Ville de Sète,セート市,fr,commune\n"
    "Ville de Toul,トゥール市,de,commune\n"
    "Ville de Sète,セート市,fr,commune\n"
    "Nara-shi,奈良市,jp,city\n"
)


def names(core) -> list[str]:
    with core.sessions() as session:
        return list(session.scalars(select(Collectivity.name_fr).order_by(Collectivity.id)))


@pytest.mark.parametrize(
    ("locale", "added", "saved", "listed"),
    [
        ("fr", "Ajoutée", "Enregistré", "à l'étude"),
        ("ja", "追加しました", "保存しました", "検討中"),
        ("en", "Added", "Saved", "considering"),
    ],
)
def test_add_edit_and_list_collectivities(core, chat, locale, added, saved, listed):
    orga = chat("orga", locale_hint=locale)
    assert added in orga.send("/admin add Ville de Sète; セート市; fr; commune")
    assert added in orga.send("/admin add Nara-shi；奈良市；jp；city")  # full-width semicolons as typed in Japanese
    answer = orga.send("/admin edit 2 name_fr=Ville de Nara kind=ville")
    assert saved in answer and "Ville de Nara" in answer
    answer = orga.send("/admin list jp")
    assert "Ville de Nara" in answer and "Ville de Sète" not in answer and listed in answer
    assert names(core) == ["Ville de Sète", "Ville de Nara"]


def test_edits_are_recorded_with_before_and_after(core, chat):
    orga = chat("orga", locale_hint="en")
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    orga.send("/admin edit 1 status=confirmed")
    with core.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "collectivity.edit")).one()
    assert (entry.actor, entry.before, entry.after) == (
        "console:orga",
        {"status": "considering"},
        {"status": "confirmed"},
    )
    answer = orga.send("/admin audit 1")
    assert "15 June 2026 at 10:00 AM — console:orga" in answer
    assert "Collectivity changed: #1 Ville de Sète\n   Status: considering → confirmed" in answer


@pytest.mark.parametrize(
    "command",
    [
        "/admin add Ville de Sète; セート市; de; commune",
        "/admin add Ville de Sète; セート市; fr; commune",  # the same name twice
        "/admin add only a name",
        "/admin edit 1 colour=blue",
        "/admin edit 99 kind=x",
        "/admin edit 1 status=maybe",
        "/admin edit 1 steering=perhaps",
        "/admin remove 42",
        "/admin list galaxy",
    ],
)
def test_bad_requests_are_refused_and_change_nothing(chat, snapshot, command):
    orga = chat("orga", locale_hint="en")
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    before = snapshot()
    answer = orga.send(command)
    assert answer and "Sorry" not in answer
    assert snapshot() == before


def test_remove_asks_first_and_keep_changes_nothing(core, chat, snapshot):
    orga = chat("orga", locale_hint="fr")
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    before = snapshot()
    assert "Supprimer #1 Ville de Sète" in orga.send("/admin remove 1")
    assert snapshot() == before
    assert "Rien n'a été supprimé" in orga.press("La garder")
    assert snapshot() == before
    orga.send("/admin remove 1")
    assert "Supprimée : Ville de Sète" in orga.press("Supprimer")
    assert names(core) == []


def test_import_from_csv_in_the_console(core, chat, tmp_path):
    path = tmp_path / "collectivities.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    orga = chat("orga", locale_hint="en")
    assert "Imported 2 collectivities" in orga.send(f"/admin import {path}")
    with core.sessions() as session:
        rows = session.execute(select(Collectivity.name_ja, Collectivity.country, Collectivity.status)).all()
    assert sorted(rows) == [("セート市", "fr", "confirmed"), ("甲府市", "jp", "considering")]


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_import_with_bad_rows_imports_nothing_and_names_each_line(chat, snapshot, tmp_path, locale):
    path = tmp_path / "collectivities.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    orga = chat("orga", locale_hint=locale)
    orga.send("/help")
    before = snapshot()
    answer = orga.send(f"/admin import {path}")
    line = {"fr": "Ligne {n}", "ja": "{n}行目", "en": "Line {n}"}[locale]
    named = [n for n in range(1, 6) if any(text.startswith(line.format(n=n)) for text in answer.splitlines())]
    assert named == [3, 4]
    assert snapshot() == before


def test_import_from_xlsx_with_a_bad_row_names_the_spreadsheet_line(chat, snapshot, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name_fr", "name_ja", "country", "kind"])
    sheet.append(["Ville de Sète", "セート市", "fr", "commune"])
    sheet.append([None, "名無し", "jp", "city"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "collectivities.xlsx"
    path.write_bytes(buffer.getvalue())
    orga = chat("orga", locale_hint="en")
    orga.send("/help")
    before = snapshot()
    answer = orga.send(f"/admin import {path}")
    assert "Nothing was imported" in answer and "Line 3: The name_fr must not be empty." in answer
    assert snapshot() == before


def test_import_from_a_path_is_for_the_console_only(chat, snapshot, tmp_path):
    path = tmp_path / "collectivities.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    chat("orga").send("/help")
    organiser_on_telegram = chat("42", platform="telegram", locale_hint="en")
    chat("orga", locale_hint="en").send("/admin grant telegram:42")
    before = snapshot()
    assert "console only" in organiser_on_telegram.send(f"/admin import {path}")
    assert snapshot() == before


def test_command_line_import_is_all_or_nothing(core, settings, tmp_path):
    env = {"DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"}
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "admin", "import", str(bad)], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "Line 3: The country must be fr or jp" in result.stderr
    assert names(core) == []
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV.replace(",", ";"), encoding="utf-8")  # as Excel writes it in French
    result = subprocess.run(
        [sys.executable, "-m", "bot", "admin", "import", str(good)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert names(core) == ["Ville de Sète", "Kofu-shi"]


@pytest.mark.parametrize(
    ("locale", "word", "flag", "listed"),
    [
        ("fr", "oui", True, "(France, commune, comité de pilotage)"),
        ("ja", "はい", True, "（フランス、commune、運営委員会）"),
        ("en", "true", True, "(France, commune, steering committee)"),
        ("fr", "non", False, "(France, commune)"),
        ("ja", "いいえ", False, "（フランス、commune）"),
        ("en", "no", False, "(France, commune)"),
    ],
)
def test_organisers_set_the_steering_group_flag(core, chat, locale, word, flag, listed):
    orga = chat("orga", locale_hint=locale)
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    orga.send("/admin edit 1 steering=yes")
    orga.send(f"/admin edit 1 steering={word}")
    with core.sessions() as session:
        assert session.scalars(select(Collectivity.steering_group)).one() is flag
    assert listed in orga.send("/admin list")
    labelled = {"fr": "Comité de pilotage : oui", "ja": "運営委員会：はい", "en": "Steering committee: yes"}[locale]
    assert (labelled in orga.send("/admin show doc5")) is flag


def test_doc5_file_has_the_steering_committee_column(chat, tmp_path):
    orga = chat("orga", locale_hint="fr")
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    orga.send("/admin add Nara-shi; 奈良市; jp; city")
    orga.send("/admin edit 2 steering=oui")
    orga.send("/admin export doc5 csv")
    header, *rows = list(csv.reader(io.StringIO(orga.last[0].attachment.content.decode("utf-8-sig"))))
    column = header.index("Comité de pilotage")
    assert {r[3]: r[column] for r in rows} == {"Ville de Sète": "", "Nara-shi": "oui"}


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("fr", "« à l'étude », « confirmée » ou « déclinée »"),
        ("ja", "「検討中」「参加確定」「不参加」"),
        ("en", "considering, confirmed or declined"),
    ],
)
def test_a_bad_status_in_an_import_names_the_words_of_the_readers_language(chat, snapshot, tmp_path, locale, words):
    path = tmp_path / "collectivities.csv"
    path.write_text("name_fr,name_ja,country,kind,status\nVille de Sète,セート市,fr,commune,peut-être\n", "utf-8")
    orga = chat("orga", locale_hint=locale)
    orga.send("/help")
    before = snapshot()
    answer = orga.send(f"/admin import {path}")
    assert words in answer and "peut-être" in answer
    assert snapshot() == before


def test_an_import_accepts_the_status_words_of_each_language(core, chat, tmp_path):
    path = tmp_path / "collectivities.csv"
    path.write_text(
        "name_fr,name_ja,country,kind,status\n"
        "Ville de Sète,セート市,fr,commune,confirmée\n"
        "Nara-shi,奈良市,jp,city,参加確定\n"
        "Kofu-shi,甲府市,jp,city,不参加\n"
        "Ville de Dole,,fr,commune,confirmed\n",
        "utf-8",
    )
    assert "4" in chat("orga", locale_hint="en").send(f"/admin import {path}")
    with core.sessions() as session:
        statuses = dict(session.execute(select(Collectivity.name_fr, Collectivity.status)).all())
    assert statuses == {
        "Ville de Sète": "confirmed",
        "Nara-shi": "confirmed",
        "Kofu-shi": "declined",
        "Ville de Dole": "confirmed",
    }


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "Fichier introuvable : "), ("ja", "ファイルが見つかりません："), ("en", "File not found: ")],
)
def test_a_missing_import_file_is_named_as_not_found(chat, snapshot, tmp_path, locale, expected):
    orga = chat("orga", locale_hint=locale)
    orga.send("/help")
    before = snapshot()
    missing = tmp_path / "absent.csv"
    assert orga.send(f"/admin import {missing}") == expected + str(missing)
    assert snapshot() == before
