"""A start imports what its command needs: the console answers without the heavy libraries of other commands.

Module counts, never times: each probe runs in a fresh interpreter and names the packages it found loaded.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bot.config import Settings
from bot.core import BotCore
from contract.clock import SystemClock
from scheduler import planning
from scheduler.planning import settings_of
from storage.db import make_engine, migration_heads, upgrade
from storage.event_file import default_event_path
from storage.models import Event

ROOT = Path(__file__).resolve().parent.parent
# What other commands need (the event file's schema, the migrations, exports, charts, calendars, platforms).
NOT_AT_START = (
    "pydantic",
    "yaml",
    "alembic",
    "networkx",
    "matplotlib",
    "openpyxl",
    "icalendar",
    "telegram",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
)
PROBE = """
import io, sys
from bot.cli import main
sys.stdin = io.StringIO({stdin!r})
status = main({argv!r})
print("LOADED", *sorted({{m.partition(".")[0] for m in sys.modules}} & set({heavy!r})), file=sys.stderr)
sys.exit(status)
"""


def loaded_by(argv: list[str], stdin: str = "") -> tuple[set[str], str]:
    """The packages of NOT_AT_START loaded after `rencontres-bot ARGV` ran in a fresh interpreter, and its output."""
    code = PROBE.format(stdin=stdin, argv=argv, heavy=NOT_AT_START)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("LOADED"))
    return set(line.split()[1:]), result.stdout


def test_importing_the_command_line_loads_no_heavy_library():
    code = f"import sys, bot.cli; print(*sorted({{m.partition('.')[0] for m in sys.modules}} & set({NOT_AT_START!r})))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, check=True
    )
    assert result.stdout.split() == []


def test_the_console_answers_a_ready_database_without_the_schema_or_migration_libraries(tmp_path):
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    ready(url)
    loaded, out = loaded_by(["console", "--database", url, "--files", str(tmp_path)], stdin="/help\n")
    assert "/programme" in out
    assert loaded == set()


def test_a_changed_event_file_is_still_validated_and_loaded_at_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'changed.db'}"
    ready(url)
    edited = tmp_path / "edited.yaml"
    edited.write_text(default_event_path().read_text(encoding="utf-8") + "\n# an organiser's note\n", encoding="utf-8")
    loaded, out = loaded_by(["console", "--database", url, "--event", str(edited)], stdin="/help\n")
    assert "/programme" in out
    assert {"pydantic", "yaml"} <= loaded
    assert "alembic" not in loaded
    engine = make_engine(url)
    with engine.connect() as conn:
        digests = conn.execute(text("select digest from events")).scalars().all()
    engine.dispose()
    assert digests == [hashlib.sha256(edited.read_bytes()).hexdigest()]


def test_a_database_behind_the_newest_migration_is_still_migrated(tmp_path):
    from alembic import command
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    upgrade(engine)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    upgrade(engine)
    with engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("pragma table_info(programme_items)"))]
        version = conn.execute(text("select version_num from alembic_version")).scalar()
    engine.dispose()
    assert "attendees" in columns
    assert version == ScriptDirectory.from_config(config).get_current_head()


def test_the_heads_read_from_the_migration_files_are_alembics():
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    assert migration_heads() == frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def test_reminder_settings_as_the_loader_stored_them_read_the_same_as_through_the_schema(core, monkeypatch):
    with core.sessions() as session:
        event = session.get_one(Event, core.event_id)
        read_directly = settings_of(event)
        monkeypatch.setattr(planning, "_as_loaded", lambda _raw: False)
        assert settings_of(event) == read_directly


def ready(url: str) -> None:
    """A database migrated and holding the bundled event, as a first start leaves it."""
    core = BotCore.start(Settings(database_url=url, event_file=default_event_path()), SystemClock())
    core.sessions.kw["bind"].dispose()
