"""Exports: the files an organiser receives, read back with openpyxl and csv, hold the right rows."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from tests.admin_support import add_collectivity, assign, set_capacity

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def seeded(core):
    """Two French and two Japanese collectivities, one of them declined, with choices and options."""
    return {
        "sete": add_collectivity(
            core,
            "Ville de Sète",
            name_ja="セート市",
            choices=(1, 2),
            delegates=[("Camille Exemple", "adjointe"), ("Dominique Essai", None)],
            options={"opening-dinner": 2, "thursday-lunch": 1},
            abstract=(1, "Ports et tourisme durable"),
            lead=True,
        ),
        "nara": add_collectivity(
            core,
            "Nara-shi",
            name_ja="奈良市",
            country="jp",
            choices=(1, 3),
            delegates=[("Taro Kakuu", "課長")],
            options={"opening-dinner": 1, "visits": 1},
        ),
        "dole": add_collectivity(core, "Ville de Dole", status="considering", choices=(2, 4)),
        "kofu": add_collectivity(core, "Kofu-shi", name_ja="甲府市", country="jp", status="declined", choices=(1, 2)),
    }


def export(chat, what: str, locale: str = "en"):
    orga = chat("orga", locale_hint=locale)
    orga.send(f"/admin export {what}")
    (reply,) = orga.last
    assert reply.attachment is not None, reply.text
    return reply.attachment


def xlsx_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_doc5_lists_every_collectivity_by_status_then_country(chat, seeded):
    attachment = export(chat, "doc5 xlsx")
    assert attachment.mime == XLSX
    assert attachment.filename == "cannes-2026-doc5-2026-06-15.xlsx"
    header, *rows = xlsx_rows(attachment.content)
    assert header[:4] == ("No.", "Status", "Country", "Name (French)")
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("confirmed", "France", "Ville de Sète"),
        ("confirmed", "Japan", "Nara-shi"),
        ("considering", "France", "Ville de Dole"),
        ("declined", "Japan", "Kofu-shi"),
    ]
    assert rows[0][4] == "セート市" and rows[0][header.index("Delegation")] == 2


def test_doc5_as_csv_in_french_keeps_the_japanese_names(chat, seeded):
    attachment = export(chat, "doc5 csv", locale="fr")
    assert attachment.mime == "text/csv"
    assert attachment.filename.endswith(".csv")
    header, *rows = csv_rows(attachment.content)
    assert header[1] == "État"
    assert rows[0][1:5] == ["confirmée", "France", "Ville de Sète", "セート市"]
    assert len(rows) == 4


def test_doc7_lists_choices_by_workshop_with_abstracts(chat, seeded):
    header, *rows = xlsx_rows(export(chat, "doc7").content)
    by_workshop = [(r[0], r[3], r[6]) for r in rows]
    # Declined Kofu is not listed; workshop 1 lists 1st choices first.
    assert by_workshop == [
        (1, "Ville de Sète", 1),
        (1, "Nara-shi", 1),
        (2, "Ville de Dole", 1),
        (2, "Ville de Sète", 2),
        (3, "Nara-shi", 2),
        (4, "Ville de Dole", 2),
    ]
    sete = rows[0]
    assert sete[header.index("Abstract title")] == "Ports et tourisme durable"
    assert sete[header.index("Lead volunteer")] == "yes"
    assert sete[header.index("Summary (Japanese)")] == "要旨：Ports et tourisme durable"


def test_doc8_splits_french_and_japanese_per_workshop(chat, seeded):
    header, *rows = csv_rows(export(chat, "doc8 csv").content)
    assert header[2:6] == [
        "Collectivities from France",
        "Collectivities from Japan",
        "Number from France",
        "Number from Japan",
    ]
    first = rows[0]
    assert first[0] == "1"
    assert first[2:6] == ["Ville de Sète", "Nara-shi", "1", "1"]
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]


def test_delegations_count_heads_against_capacities(chat, seeded):
    header, *rows = xlsx_rows(export(chat, "delegations").content)
    dinner = header.index("Welcome ceremony and opening cocktail dinner (Villa Domergue)")
    lunch = header.index("Lunch on Thursday 22 October")
    names = [r[1] for r in rows]
    assert names == ["Ville de Sète", "Nara-shi", "Total", "Capacity", "Places left"]
    assert rows[0][header.index("Delegates")] == "Camille Exemple (adjointe); Dominique Essai"
    total, capacity, left = rows[2], rows[3], rows[4]
    assert (total[dinner], capacity[dinner], left[dinner]) == (3, 150, 147)
    assert (total[lunch], capacity[lunch], left[lunch]) == (1, 70, 69)
    assert total[header.index("People")] == 3


def test_show_gives_the_list_as_a_message(chat, seeded):
    orga = chat("orga", locale_hint="en")
    answer = orga.send("/admin show doc8")
    assert "Doc 8" in answer and "Ville de Sète" in answer and orga.last[0].attachment is None


# What an organiser reads in chat names every value as the file's column does, with the
# reader's typography: « N° : 1 » in French, 「番号：1」 in Japanese.
SHOWN = {
    "fr": {
        "doc5": ["• N° : 1 · État : confirmée · Pays : France · Nom (français) : Ville de Sète", "État : déclinée"],
        "doc7": ["Choix : 1 · Affectée : oui · Volontaire chef d'atelier : oui", "Choix : 1 · Affectée : non"],
        "doc8": [
            "Capacité : 12 · Sur la base de : la répartition appliquée",
            "Collectivités françaises : Ville de Sète",
        ],
        "delegations": [
            "Cérémonie d'accueil et cocktail dînatoire d'ouverture (Villa Domergue) — Total : 3 · Capacité : 150"
            " · Places restantes : 147",
            "Déjeuner du jeudi 22 octobre — Total : 1 · Capacité : 70 · Places restantes : 69",
            "• Total · Personnes : 3",
        ],
    },
    "ja": {
        "doc5": ["• 番号：1／状況：参加確定／国：フランス", "状況：不参加"],
        "doc7": ["希望順位：1／割り当て：はい／分科会リーダー希望：はい", "希望順位：1／割り当て：いいえ"],
        "doc8": ["定員：12／根拠：確定済みの割り当て", "フランス側自治体：セート市"],
        "delegations": ["歓迎式典及び開会レセプション（ヴィラ・ドメルグ） — 合計：3／定員：150／残り人数：147"],
    },
    "en": {
        "doc5": ["• No.: 1 · Status: confirmed · Country: France · Name (French): Ville de Sète", "Status: declined"],
        "doc7": ["Choice: 1 · Assigned: yes · Lead volunteer: yes", "Choice: 1 · Assigned: no"],
        "doc8": ["Capacity: 12 · Based on: the applied assignment", "Collectivities from France: Ville de Sète"],
        "delegations": ["(Villa Domergue) — Total: 3 · Capacity: 150 · Places left: 147"],
    },
}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
@pytest.mark.parametrize("kind", ["doc5", "doc7", "doc8", "delegations"])
def test_shown_lists_label_every_value_like_the_files(core, chat, seeded, locale, kind):
    assign(core, seeded["sete"], 1)
    assign(core, seeded["nara"], 3, rank=2)
    set_capacity(core, 1, 12)
    answer = chat("orga", locale_hint=locale).send(f"/admin show {kind}")
    for text in SHOWN[locale][kind]:
        assert text in answer
    # No value is left without its column's name, and nothing dangles at the end of a line.
    assert "· la répartition" not in answer and "· oui" not in answer and "· yes" not in answer


def test_doc8_says_it_is_based_on_the_choices_before_any_balancing(chat, seeded):
    answer = chat("orga", locale_hint="fr").send("/admin show doc8")
    assert "Sur la base de : les choix (1er et 2e)" in answer
    header, *_rows = csv_rows(export(chat, "doc8 csv", locale="fr").content)
    # One capitalisation for every header, in the organiser's language.
    assert header == [
        "Atelier",
        "Intitulé de l'atelier",
        "Collectivités françaises",
        "Collectivités japonaises",
        "Nombre de collectivités françaises",
        "Nombre de collectivités japonaises",
        "Capacité",
        "Sur la base de",
    ]


def test_unknown_export_is_refused_and_changes_nothing(chat, seeded, snapshot):
    orga = chat("orga", locale_hint="en")
    orga.send("/help")
    before = snapshot()
    assert "Which list?" in orga.send("/admin export doc9")
    assert "xlsx or csv" in orga.send("/admin export doc5 pdf")
    assert snapshot() == before


def test_command_line_export_writes_the_same_rows(seeded, settings, tmp_path):
    output = tmp_path / "doc5.csv"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", "doc5", "--format", "csv", "--output", str(output), "--lang", "en"],
        env={"DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    _header, *rows = csv_rows(output.read_bytes())
    assert [r[3] for r in rows] == ["Ville de Sète", "Nara-shi", "Ville de Dole", "Kofu-shi"]
