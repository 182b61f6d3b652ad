"""Shared fixtures: a real database (SQLite file and PostgreSQL), the core, and console dialogs.

PostgreSQL tests use the server at TEST_POSTGRES_URL (default: the local one, database
`test`). The run creates one database of its own, migrated once and emptied before each test. When the
server is unreachable they are skipped with the reason, unless RB_REQUIRE_POSTGRES=1
(as in CI), where they fail.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.core import BotCore
from contract.clock import FixedClock
from contract.messages import Button, Incoming, Reply
from storage import event_loader
from storage.db import make_engine, upgrade
from storage.event_file import EventSpec, default_event_path, read_event_file

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("RB_REQUIRE_POSTGRES") == "1"
PARIS = dt.timezone(dt.timedelta(hours=2))  # Paris in October 2026, before the clock change
ORGANISER = "console:orga"
_counter = itertools.count()


def paris(*args: int) -> dt.datetime:
    """An instant given in Paris summer time (the event's dates)."""
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


class _Postgres:
    """One migrated database for the whole run, emptied before each test (faster than one per test)."""

    def __init__(self) -> None:
        self.admin: Engine | None = None
        self.name: str | None = None
        self.engine: Engine | None = None
        self.error: str | None = None

    def ensure(self) -> None:
        if self.name or self.error:
            return
        try:
            self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text("select 1"))
        except Exception as exc:  # the reason is shown in the skip message
            self.error = f"PostgreSQL unreachable at {PG_URL}: {exc.__class__.__name__}: {str(exc)[:200]}"
            return
        name = f"rb_test_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'create database "{name}"'))
        self.engine = make_engine(self.url(name))
        upgrade(self.engine)
        self.name = name

    def url(self, database: str) -> str:
        return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)

    def fresh(self) -> str:
        """The test database, every table emptied and every id counter back at 1.

        DELETE, children first, is several times faster than TRUNCATE on tables of a few rows
        (TRUNCATE gives every table new files); setval does what TRUNCATE's RESTART IDENTITY did.
        """
        from storage.models import Base

        assert self.engine is not None and self.name is not None
        with self.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(
                text(
                    "select setval(format('%I.%I', schemaname, sequencename), 1, false) from pg_sequences "
                    "where schemaname = current_schema()"
                )
            )
        return self.url(self.name)

    def engine_for(self, url: str) -> Engine | None:
        """The run's engine for its own database, as a view whose listeners stay its own (statement counts).

        Its compiled statements are kept from one test to the next, as a running bot keeps them: a new engine
        per test compiled every statement of every test again.
        """
        if self.engine is None or self.name is None or url != self.url(self.name):
            return None
        return self.engine.execution_options()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        if self.admin is not None and self.name:
            with self.admin.connect() as conn:
                conn.execute(text(f'drop database if exists "{self.name}" with (force)'))
            self.admin.dispose()


_parsed_event_files: dict[tuple[str, bytes], tuple[EventSpec, str]] = {}


def _read_event_file_once(path: Path | str) -> tuple[EventSpec, str]:
    """read_event_file, parsed once per worker for each file content (PyYAML takes most of a test's set-up).

    Keyed on the bytes, so a test that rewrites a file gets it parsed again; errors are never cached.
    """
    try:
        key = (str(path), Path(path).read_bytes())
    except OSError:
        return read_event_file(path)
    if key not in _parsed_event_files:
        _parsed_event_files[key] = read_event_file(path)
    spec, digest = _parsed_event_files[key]
    return spec.model_copy(deep=True), digest


event_loader.read_event_file = _read_event_file_once  # type: ignore[assignment]

_pg = _Postgres()
_sqlite_template: list[Path] = []


def _sqlite_copy(target: Path, tmp_factory: pytest.TempPathFactory) -> None:
    """A migrated SQLite file: migrating once and copying is much faster than migrating per test."""
    if not _sqlite_template:
        template = tmp_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()  # the last connection closing folds the WAL into the file
        _sqlite_template.append(template)
    shutil.copyfile(_sqlite_template[0], target)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _pg.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database of each kind, migrated to the newest schema and otherwise empty."""
    if request.param == "sqlite":
        _sqlite_copy(tmp_path / "bot.db", tmp_path_factory)
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    _pg.ensure()
    if _pg.error:
        if REQUIRE_PG:
            pytest.fail(_pg.error)
        pytest.skip(_pg.error)
    yield _pg.fresh()


@pytest.fixture
def clock() -> FixedClock:
    """Two weeks before the event, when contacts still prepare it."""
    return FixedClock(paris(2026, 6, 15, 10, 0))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, event_file=default_event_path(), admins=frozenset({ORGANISER}))


class _BundledEvent:
    """The bundled event's rows as a first start writes them into an empty database, written again for each test.

    Loading the event (sync_event: some eighty statements, compiled again for each test's new engine) was most
    of a test's set-up. A test's start then finds the file's digest loaded, as a start on a ready database does;
    a database something was written to first, or another event file, takes the whole load as before.
    """

    def __init__(self) -> None:
        self.sqlite_template: Path | None = None
        self.postgres_rows: dict[str, list[dict[str, object]]] | None = None

    def put_into(self, url: str, tmp_factory: pytest.TempPathFactory) -> None:
        if make_url(url).get_backend_name() == "sqlite":
            self._copy_sqlite(Path(make_url(url).database or ""), tmp_factory)
        elif _pg.name is not None and url == _pg.url(_pg.name):
            self._insert_postgres(url)

    def _copy_sqlite(self, target: Path, tmp_factory: pytest.TempPathFactory) -> None:
        if not (_sqlite_template and target.is_file() and filecmp.cmp(_sqlite_template[0], target, shallow=False)):
            return  # not the empty database database_url made
        if self.sqlite_template is None:
            template = tmp_factory.mktemp("template") / "loaded.db"
            shutil.copyfile(_sqlite_template[0], template)
            self._start(f"sqlite:///{template}")
            self.sqlite_template = template
        shutil.copyfile(self.sqlite_template, target)

    def _insert_postgres(self, url: str) -> None:
        from storage.models import Base

        assert _pg.engine is not None
        tables = Base.metadata.sorted_tables
        with _pg.engine.connect() as conn:
            if conn.execute(text(" union all ".join(f'select 1 from "{t.name}"' for t in tables) + " limit 1")).first():
                return  # something was written before the core started
        if self.postgres_rows is None:
            self._start(url)
            with _pg.engine.connect() as conn:
                found = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in tables}
            self.postgres_rows = {name: rows for name, rows in found.items() if rows}
            return
        with _pg.engine.begin() as conn:
            for table in tables:
                rows = self.postgres_rows.get(table.name)
                if not rows:
                    continue
                conn.execute(table.insert(), rows)
                if "id" in table.c:  # the next id where a fresh load's would be
                    sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
                    conn.execute(text(f'select setval({sequence}, max(id)) from "{table.name}"'))

    @staticmethod
    def _start(url: str) -> None:
        settings = Settings(database_url=url, event_file=default_event_path())
        BotCore.start(settings, FixedClock(paris(2026, 6, 15, 10, 0))).sessions.kw["bind"].dispose()


_bundled_event = _BundledEvent()


@pytest.fixture
def core(settings: Settings, clock: FixedClock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotCore]:
    if settings.event_file == default_event_path():
        _bundled_event.put_into(settings.database_url, tmp_path_factory)
    shared = _pg.engine_for(settings.database_url)
    bot = BotCore.start(settings, clock, shared)
    yield bot
    if shared is None:
        bot.sessions.kw["bind"].dispose()


@dataclass
class Chat:
    """One person talking to the bot through the neutral core, as the console adapter does."""

    core: BotCore
    user: str
    platform: str = "console"
    locale_hint: str | None = None
    chat_id: str | None = None
    is_group: bool = False
    last: list[Reply] = field(default_factory=list)

    def incoming(self, text: str = "", action: str | None = None) -> Incoming:
        return Incoming(
            platform=self.platform,
            user_id=self.user,
            chat_id=self.chat_id or self.user,
            text=text,
            action=action,
            is_group=self.is_group,
            display_name=self.user,
            locale_hint=self.locale_hint,
        )

    def send(self, text: str) -> str:
        """What the person reads after sending `text`."""
        self.last = self.core.handle(self.incoming(text))
        return self.read()

    def read(self) -> str:
        # Babel writes no-break spaces ("3\u00a0jours", "8:30\u202fAM"); tests compare them as spaces.
        return "\n".join(r.text for r in self.last).replace("\u00a0", " ").replace("\u202f", " ")

    @property
    def buttons(self) -> list[Button]:
        return [b for r in self.last for b in r.all_buttons]

    def press(self, label: str) -> str:
        """Press the button whose label contains `label` (exactly one must match)."""
        matches = [b for b in self.buttons if label in b.label]
        assert len(matches) == 1, f"{len(matches)} buttons match {label!r}: {[b.label for b in self.buttons]}"
        return self.act(matches[0].action)

    def act(self, action: str) -> str:
        self.last = self.core.handle(self.incoming(action=action))
        return self.read()


@pytest.fixture
def chat(core: BotCore) -> type[Chat]:
    """`chat("alice", locale_hint="ja")` opens a conversation with the core under test."""

    def open_chat(user: str | None = None, **kwargs: object) -> Chat:
        return Chat(core, user or f"user{next(_counter)}", **kwargs)  # type: ignore[arg-type]

    return open_chat  # type: ignore[return-value]


def table_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: to show a refused command changed nothing."""
    from storage.models import Base

    snapshot = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            snapshot[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return snapshot


@pytest.fixture
def snapshot(core: BotCore) -> object:
    """`snapshot()` returns all rows of the database under test."""
    return lambda: table_rows(core.sessions.kw["bind"])
