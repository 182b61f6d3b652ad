"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from storage.db import make_engine, upgrade
from storage.models import Base


def test_migrated_database_matches_the_models(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade(make_engine(url))
    upgrade(make_engine(url))
    with create_engine(url).connect() as conn:
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar() is not None


def test_a_read_only_connection_does_not_wait_behind_a_writer_on_sqlite(tmp_path):
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    upgrade(engine)
    with engine.connect() as writer:
        writer.execute(
            text("insert into chat_users (platform, user_id, created_at) values ('console', 'x', '2026-06-01')")
        )
        # The writer holds SQLite's write lock (BEGIN IMMEDIATE) and has not committed.
        with engine.connect().execution_options(read_only=True) as reader:
            assert reader.execute(text("select 1")).scalar() == 1
        writer.rollback()
    engine.dispose()
