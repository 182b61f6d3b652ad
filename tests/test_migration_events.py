"""Migration 0002 on a database holding the 2026 data: every row kept, each given its event."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from storage.db import alembic_config, make_engine, upgrade
from tests.conftest import REQUIRE_PG, _pg

T = "'2026-06-01 10:00:00+00:00'"
LATER = "'2026-11-30 10:00:00+00:00'"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database (no migration applied yet) of each kind."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    _pg.ensure()
    if _pg.error or _pg.admin is None:
        if REQUIRE_PG:
            pytest.fail(_pg.error or "no PostgreSQL")
        pytest.skip(_pg.error or "no PostgreSQL")
    name = f"rb_migration_{uuid.uuid4().hex[:10]}"
    with _pg.admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    engine = make_engine(_pg.url(name))
    try:
        yield engine
    finally:
        engine.dispose()
        with _pg.admin.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))


def upgrade_to(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def insert_event(conn, event_id: int, key: str, loaded_at: str) -> None:
    conn.execute(
        text(
            'insert into events (id, key, digest, timezone, start, "end", info, choices_locked, loaded_at) '
            f"values ({event_id}, '{key}', 'd{event_id}', 'Europe/Paris', '2026-10-21', '2026-10-24', "
            f'\'{{"name": {{"fr": "{key}"}}}}\', false, {loaded_at})'
        )
    )


def insert_2026_rows(conn) -> None:
    """What a 0001 database of the Cannes edition holds: a collectivity, its contact, and the rest."""
    insert_event(conn, 1, "cannes-2026", T)
    for statement in (
        "insert into collectivities (id, event_id, name_fr, name_ja, country, kind, status, delegation_size, "
        f"lead_volunteer, steering_group, version, created_at, updated_at) values (1, 1, 'Ville de Dole', "
        f"'ドール市', 'fr', 'commune', 'considering', null, false, true, 0, {T}, {T})",
        "insert into chat_users (id, platform, user_id, display_name, locale, private_chat_id, created_at) "
        f"values (1, 'telegram', '7001', 'Camille', 'fr', '7001', {T})",
        "insert into chat_users (id, platform, user_id, display_name, created_at) "
        f"values (2, 'telegram', '7002', 'Louis', {T})",
        f"insert into contacts (id, event_id, chat_user_id, collectivity_id, joined_at) values (1, 1, 1, 1, {T})",
        "insert into form_states (chat_user_id, form, step, data, updated_at) "
        f"values (1, 'confirm', 'person', '{{\"collectivity\": 1, \"size\": 2, \"people\": []}}', {T})",
        f"insert into form_states (chat_user_id, form, step, data, updated_at) values (2, 'x', 'y', '{{}}', {T})",
        f"insert into admin_grants (platform, user_id, granted_by, granted_at) values ('telegram', '7002', "
        f"'console:orga', {T})",
        "insert into audit_log (id, at, actor, action, target, before, after) values "
        f"(1, {T}, 'console:orga', 'admin.grant', 'telegram:7002', null, '{{\"admin\": true}}')",
        "insert into channel_subscriptions (id, platform, chat_id, title, subscribed_by, subscribed_at) values "
        f"(1, 'telegram', '-100123', 'Jumelage', 'console:orga', {T})",
        "insert into outbox (id, dedup_key, platform, chat_id, text, payload, not_before, status, attempts, "
        f"created_at) values (1, 'nudge:1', 'telegram', '7001', 'Bonjour', null, {T}, 'pending', 0, {T})",
    ):
        conn.execute(text(statement))


SCOPED = {
    "form_states": "chat_user_id",
    "admin_grants": "user_id",
    "audit_log": "id",
    "channel_subscriptions": "chat_id",
    "outbox": "dedup_key",
}


def scoped_rows(engine: Engine) -> dict[str, list[tuple[object, object]]]:
    with engine.connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(text(f"select {key}, event_id from {table} order by {key}"))]
            for table, key in SCOPED.items()
        }


def test_upgrading_a_2026_database_keeps_every_row_and_gives_it_the_event(blank_engine):
    upgrade_to(blank_engine, "0001")
    with blank_engine.begin() as conn:
        insert_2026_rows(conn)
    upgrade(blank_engine)

    assert scoped_rows(blank_engine) == {
        "form_states": [(1, 1), (2, 1)],
        "admin_grants": [("7002", 1)],
        "audit_log": [(1, 1)],
        "channel_subscriptions": [("-100123", 1)],
        "outbox": [("nudge:1", 1)],
    }
    with blank_engine.connect() as conn:
        assert conn.execute(text("select name_fr, steering_group from collectivities")).one() == ("Ville de Dole", True)
        assert conn.execute(text("select chat_user_id, collectivity_id, event_id from contacts")).one() == (1, 1, 1)
        assert conn.execute(text("select user_id, locale, platform_locale from chat_users order by id")).all() == [
            ("7001", "fr", None),
            ("7002", None, None),
        ]
        assert conn.execute(text("select step from form_states where chat_user_id = 1")).scalar() == "person"
        assert conn.execute(text("select version_num from alembic_version")).scalar() == newest_revision()


def test_in_a_database_of_two_events_a_form_keeps_its_collectivitys_and_the_rest_go_to_the_latest(blank_engine):
    upgrade_to(blank_engine, "0001")
    with blank_engine.begin() as conn:
        insert_2026_rows(conn)
        insert_event(conn, 2, "tokyo-2028", LATER)
    upgrade(blank_engine)

    assert scoped_rows(blank_engine) == {
        "form_states": [(1, 1), (2, 2)],
        "admin_grants": [("7002", 2)],
        "audit_log": [(1, 2)],
        "channel_subscriptions": [("-100123", 2)],
        "outbox": [("nudge:1", 2)],
    }


def test_a_grant_is_removed_with_its_event(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cascade.db'}")
    upgrade_to(engine, "0001")
    with engine.begin() as conn:
        insert_2026_rows(conn)
        insert_event(conn, 2, "tokyo-2028", LATER)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("delete from events where id = 2"))
    assert scoped_rows(engine)["admin_grants"] == []
    assert scoped_rows(engine)["form_states"] == [(1, 1)]
    engine.dispose()


def test_a_downgrade_keeps_the_latest_events_rows_and_every_person(blank_engine):
    upgrade_to(blank_engine, "0001")
    with blank_engine.begin() as conn:
        insert_2026_rows(conn)
        insert_event(conn, 2, "tokyo-2028", LATER)
    upgrade(blank_engine)
    config = alembic_config(blank_engine.url.render_as_string(hide_password=False))
    with blank_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    with blank_engine.connect() as conn:
        assert conn.execute(text("select count(*) from chat_users")).scalar() == 2
        assert conn.execute(text("select count(*) from contacts")).scalar() == 1
        # Cannes's form (event 1) cannot survive in a schema of one event; the latest event's does.
        assert conn.execute(text("select chat_user_id from form_states")).scalars().all() == [2]
        assert conn.execute(text("select user_id from admin_grants")).scalars().all() == ["7002"]


def newest_revision() -> str:
    """The head of the migration chain (0002 and any later migration were applied)."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head
