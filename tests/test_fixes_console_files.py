"""Issue 11: the console writes the files the bot sends to its data folder, which git ignores."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from bot.cli import CONSOLE_FILES_DIR, build_parser
from bot.console import ConsoleAdapter

ROOT = Path(__file__).resolve().parent.parent


def test_the_default_folder_is_the_data_folder_and_git_ignores_it():
    args = build_parser().parse_args(["console"])
    assert args.files == CONSOLE_FILES_DIR == "data/files"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", f"{CONSOLE_FILES_DIR}/agenda.ics"], cwd=ROOT, check=False
    ).returncode
    assert ignored == 0


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_an_agenda_lands_in_the_data_folder(core, tmp_path, monkeypatch, locale):
    from tests.participation_support import add_collectivity, add_invite

    monkeypatch.chdir(tmp_path)
    cid = add_collectivity(core, "Ville de Sète")
    add_invite(core, cid, "FILES-0001")
    out = io.StringIO()
    console = ConsoleAdapter(core, "keiko", stdout=out)
    for line in (f"/lang {locale}", "/join FILES-0001", "/agenda"):
        for reply in core.handle(console.incoming(line)):
            console.render(reply)
    assert (tmp_path / "data" / "files" / "agenda-cannes-2026-ville-de-sete.ics").is_file()
    assert not (tmp_path / "rencontres-files").exists()
