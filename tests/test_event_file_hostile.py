"""Event files that once crashed the loader: impossible dates, deep nesting, numbers no database holds.

Each is refused naming the field and the value; the command line exits 1 without a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from storage.event_file import EventFileError, default_event_path, read_event_file
from tests.conftest import table_rows
from tests.test_event_loader import load, sessions  # noqa: F401 - the fixture

BAD_DATES = ["2026-06-31", "2026-02-30", "2026-13-01"]


def with_first(pattern: str, replacement: str, tmp_path: Path) -> Path:
    """The bundled file with the first match of `pattern` replaced."""
    text = default_event_path().read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1
    path = tmp_path / "event.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.mark.parametrize("day", BAD_DATES)
def test_an_impossible_deadline_date_names_the_field_and_the_value(tmp_path, day):
    path = with_first(r"^(\s+)due: \S+$", rf"\g<1>due: {day}", tmp_path)
    with pytest.raises(EventFileError) as error:
        read_event_file(path)
    (problem,) = error.value.problems
    assert problem.startswith("deadlines.0.due: Input should be a valid date") and problem.endswith(f"(got '{day}')")
    assert str(path) in str(error.value)


@pytest.mark.parametrize("day", BAD_DATES)
def test_an_impossible_event_start_names_the_field(tmp_path, day):
    path = with_first(r"^start: \S+$", f"start: {day}", tmp_path)
    with pytest.raises(EventFileError, match=rf"start: .* \(got '{day}'\)"):
        read_event_file(path)


@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_deep_nesting_is_refused_as_bad_yaml(tmp_path, opening):
    depth = 100_000
    closing = {"[": "]", "{a: ": "}", "- ": ""}[opening]
    if opening == "- ":
        body = "".join(f"{'  ' * i}- \n" for i in range(200)) + "  " * 200 + "x\n"
    else:
        body = opening * depth + "1" + closing * depth + "\n"
    path = tmp_path / "deep.yaml"
    path.write_text("schema: 1\nprogramme: " + body if opening != "- " else "programme:\n" + body, encoding="utf-8")
    with pytest.raises(EventFileError, match="nested deeper than 40 levels"):
        read_event_file(path)


def test_a_capacity_no_database_integer_holds_is_refused_before_loading(sessions, tmp_path):  # noqa: F811
    path = with_first(r"^(\s+)capacity: \d+$", r"\g<1>capacity: 99999999999", tmp_path)
    before = table_rows(sessions.kw["bind"])
    with pytest.raises(EventFileError, match=r"capacity: Input should be less than or equal to 1000000"):
        load(sessions, path)
    assert table_rows(sessions.kw["bind"]) == before


def test_the_bundled_file_still_reads_its_dates_as_dates():
    spec, _ = read_event_file(default_event_path())
    assert spec.start.isoformat() == "2026-10-21" and all(d.due.year == 2026 for d in spec.deadlines)


def run_cli(*args: str, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="/help\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=base | (env or {}),
        check=False,
    )


@pytest.mark.parametrize("command", ["event check", "console", "run"])
def test_the_command_line_names_the_field_and_exits_1_without_a_traceback(tmp_path, command):
    path = with_first(r"^(\s+)due: \S+$", r"\g<1>due: 2026-06-31", tmp_path)
    if command == "event check":
        result = run_cli("event", "check", str(path), tmp_path=tmp_path)
    elif command == "console":
        result = run_cli("console", "--event", str(path), tmp_path=tmp_path)
    else:
        # A token makes `run` go as far as loading the event; the API address is a closed local port.
        env = {"EVENT_FILE": str(path), "TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_URL": "http://127.0.0.1:9/bot"}
        result = run_cli("run", tmp_path=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    assert f"{path}: deadlines.0.due:" in result.stderr and "(got '2026-06-31')" in result.stderr
    assert "Traceback" not in result.stderr


def test_event_check_of_a_deeply_nested_file_exits_1_without_a_traceback(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = run_cli("event", "check", str(path), tmp_path=tmp_path)
    assert result.returncode == 1
    assert "nested deeper than 40 levels" in result.stderr and "Traceback" not in result.stderr
