"""Engines and sessions for SQLite (embedded default) and PostgreSQL (shared, several instances)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take it over so writers lock at BEGIN.
        # A connection marked read_only (the health check) reads without queueing behind writers.
        event.listen(
            engine,
            "begin",
            lambda conn: conn.exec_driver_sql(
                "BEGIN" if conn.get_execution_options().get("read_only") else "BEGIN IMMEDIATE"
            ),
        )
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# SQLite's extended result code: a read transaction in WAL mode tried to write after another writer committed.
SQLITE_BUSY_SNAPSHOT = 517


class WriteInReadTransaction(Exception):
    """A unit of work opened to read only was about to write: nothing was written; run it again as a write."""


@contextmanager
def transaction(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    `read_only`: a deferred transaction on SQLite (it never takes the write lock, so a slow read holds up no
    writer); any write it attempts raises WriteInReadTransaction before reaching the database.
    """
    with factory() as session:
        if read_only:
            event.listen(session, "before_flush", _refuse_flush)
            event.listen(session, "do_orm_execute", _refuse_statement)
        try:
            with session.begin():
                if read_only:
                    session.connection(execution_options={"read_only": True})
                yield session
        except OperationalError as exc:
            # In WAL mode a read transaction cannot become a writer once another committed (BUSY_SNAPSHOT).
            if read_only and getattr(exc.orig, "sqlite_errorcode", None) == SQLITE_BUSY_SNAPSHOT:
                raise WriteInReadTransaction(str(exc)) from exc
            raise


def _refuse_flush(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.deleted or any(session.is_modified(row) for row in session.dirty):
        raise WriteInReadTransaction("a read-only transaction was about to flush changes")


def _refuse_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteInReadTransaction("a read-only transaction was about to run an INSERT, UPDATE or DELETE")


# Any constant shared by every instance: the key of the PostgreSQL advisory lock taken at start-up.
STARTUP_LOCK = 0x52_42_4F_54


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations and event loading when several instances start at once (PostgreSQL).

    SQLite needs nothing more: its writers already queue behind BEGIN IMMEDIATE.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("select pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("select pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
            conn.commit()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to run on every start).

    A database already at the head is told apart with one query: loading Alembic and its migration
    scripts would take most of a start that has nothing to migrate.
    """
    with engine.begin() as connection:
        if _at_head(connection):
            return
        from alembic import command

        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# The assignments at the top of every migration script (Alembic's template): `revision: str = "0005"`.
_REVISION = re.compile(r"""^revision(?:\s*:\s*str)?\s*=\s*["']([^"']+)["']\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision(?:\s*:[^=]+)?\s*=\s*(None|["']([^"']+)["'])\s*$""", re.MULTILINE)


def migration_heads() -> frozenset[str] | None:
    """The head revisions, read from the migration scripts' text; None when a script is not plainly written
    (a merge of branches, a tuple of down revisions), for Alembic itself to read."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision = _REVISION.findall(source)
        down = _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0][1]:
            parents.add(down[0][1])
    heads = revisions - parents
    return frozenset(heads) if heads and parents <= revisions else None


def _at_head(connection: Connection) -> bool:
    heads = migration_heads()
    if heads is None or not inspect(connection).has_table("alembic_version"):
        return False
    current = connection.execute(text("select version_num from alembic_version")).scalars().all()
    return len(current) == len(heads) and set(current) == heads
