"""The console as a person uses it: a subprocess fed through a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_console(database_url: str, *args: str, stdin: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--database", database_url, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_language_choice_survives_a_restart_on_the_same_database(database_url):
    first = run_console(database_url, "--user", "keiko", stdin="/lang ja\n/help\n")
    assert "これからは日本語でお答えします。" in first
    second = run_console(database_url, "--user", "keiko", stdin="/workshops\n")
    assert "第1分科会" in second
    other = run_console(database_url, "--user", "pierre", stdin="/workshops\n")
    assert "Atelier 1" in other


def test_piped_session_answers_each_line_and_presses_numbered_buttons(tmp_path):
    url = f"sqlite:///{tmp_path / 'console.db'}"
    out = run_console(url, "--user", "anne", "--now", "2026-10-23T10:15", stdin="/lang\n3\n/now\n")
    assert "[2] 日本語" in out
    assert "From now on I will answer you in English." in out
    assert "It is 10:15" in out
    assert "Two thematic workshops in parallel" in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/nimportequoi", "Je ne connais pas la commande /nimportequoi"),
        ("bonjour", "Je réponds à des commandes comme /programme"),
        ("/" + "x" * 5000, "trop long"),
        ("/programme \u202e\u0000🎌" + "ｱ" * 50, "Je ne trouve pas le jour"),
        ("／ｈｅｌｐ", "Voici ce que je peux faire"),
    ],
)
def test_odd_input_gets_a_sentence_never_a_traceback(tmp_path, line, expected):
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    out = run_console(url, "--user", "odile", "--lang", "fr", stdin=line + "\n")
    assert expected in out


def test_bad_event_file_is_reported_with_path_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\nkey: x\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--database", f"sqlite:///{tmp_path / 'b.db'}", "--event", str(bad)],
        input="/help\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert str(bad) in result.stderr
    assert "timezone: Field required" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_any_platform_explains_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "rencontres-bot console" in result.stderr
