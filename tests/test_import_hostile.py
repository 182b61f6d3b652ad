"""Import files that once crashed: a cell over csv's field limit, a NUL in a name: lines named, nothing imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.test_admin_collectivities import names

HEADER = "name_fr,name_ja,country,kind\n"
GOOD_LINE = "Ville de Sète,セート市,fr,commune\n"
HUGE_CELL = HEADER + GOOD_LINE + "Ville de Toul," + "ト" * 131_073 + ",fr,commune\n"
NUL_NAME = HEADER + "Ville de\x00 Toul,トゥール市,fr,commune\n" + GOOD_LINE + "Nara-shi,奈良\x01市,jp,city\n"

EXPECTED = {
    "huge": {
        "en": ["Line 3: A cell is longer than 131072 characters."],
        "fr": ["Ligne 3 : Une cellule dépasse 131072 caractères."],
        "ja": ["3行目：131072文字を超えるセルがあります。"],
    },
    "nul": {
        "en": ["Line 2: The name_fr holds a control character (such as NUL).", "Line 4: The name_ja holds"],
        "fr": [
            "Ligne 2 : Le champ name_fr contient un caractère de contrôle (comme NUL).",
            "Ligne 4 : Le champ name_ja",
        ],
        "ja": ["2行目：name_fr に制御文字（NUL など）が含まれています。", "4行目：name_ja に制御文字"],
    },
}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
@pytest.mark.parametrize(("case", "content"), [("huge", HUGE_CELL), ("nul", NUL_NAME)])
def test_a_hostile_csv_names_its_lines_and_imports_nothing(chat, core, snapshot, tmp_path, locale, case, content):
    path = tmp_path / "collectivities.csv"
    path.write_text(content, encoding="utf-8")
    orga = chat("orga", locale_hint=locale)
    orga.send("/help")
    before = snapshot()
    answer = orga.send(f"/admin import {path}")
    for expected in EXPECTED[case][locale]:
        assert expected in answer, answer
    assert orga.last[0].kind == "refusal"
    assert snapshot() == before


@pytest.mark.parametrize(("case", "content"), [("huge", HUGE_CELL), ("nul", NUL_NAME)])
def test_the_command_line_import_of_a_hostile_csv_exits_1_without_a_traceback(core, settings, tmp_path, case, content):
    path = tmp_path / "collectivities.csv"
    path.write_text(content, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "admin", "import", str(path)],
        env={"DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert EXPECTED[case]["en"][0] in result.stderr
    assert "Traceback" not in result.stderr
    assert names(core) == []
