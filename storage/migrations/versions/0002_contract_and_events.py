"""the platform's language of each person; everything that belongs to an event carries it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:30:00

Form states, channel subscriptions, the audit log, the outbox and organiser grants get
an `event_id`. Existing rows are given the event they belong to: the only one, or in a
database holding several the most recently loaded one; a form names its collectivity,
whose event it takes when it can.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables that now belong to an event, in the order they are migrated.
SCOPED = ("admin_grants", "audit_log", "channel_subscriptions", "form_states", "outbox")


def upgrade() -> None:
    with op.batch_alter_table("chat_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_locale", sa.String(length=5), nullable=True))

    for table in SCOPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
    _backfill(op.get_bind())

    with op.batch_alter_table("admin_grants", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("pk_admin_grants", type_="primary")
        batch_op.create_primary_key("pk_admin_grants", ["event_id", "platform", "user_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_admin_grants_event_id_events"), "events", ["event_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_audit_log_event_id"), ["event_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_log_event_id_events"), "events", ["event_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("channel_subscriptions", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_channel_subscriptions_platform", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_channel_subscriptions_event_id"), ["event_id", "platform", "chat_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_channel_subscriptions_event_id_events"), "events", ["event_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("form_states", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("pk_form_states", type_="primary")
        batch_op.create_primary_key("pk_form_states", ["chat_user_id", "event_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_form_states_event_id_events"), "events", ["event_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_outbox_dedup_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_event_id"), ["event_id", "dedup_key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_event_id_events"), "events", ["event_id"], ["id"], ondelete="CASCADE"
        )


def _backfill(conn: sa.Connection) -> None:
    """Give every existing row its event; a row without any event to belong to stops the upgrade."""
    latest = conn.execute(sa.text("select id from events order by loaded_at desc, id desc limit 1")).scalar()
    if latest is None:
        left = {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar() for t in SCOPED}
        if any(left.values()):
            raise RuntimeError(f"rows to give an event to but no event in the database: {left}")
        return
    _backfill_forms(conn, latest)
    for table in SCOPED:
        conn.execute(sa.text(f"update {table} set event_id = :event where event_id is null"), {"event": latest})


def _backfill_forms(conn: sa.Connection, latest: int) -> None:
    """A form takes the event of the collectivity its data names (forms started since 0001 name one)."""
    rows = conn.execute(sa.text("select id, event_id from collectivities")).all()
    events: dict[int, int] = {collectivity: event for collectivity, event in rows}
    forms = conn.execute(sa.text("select chat_user_id, data from form_states")).all()
    for chat_user_id, raw in forms:
        data: Any = json.loads(raw) if isinstance(raw, str | bytes) else raw
        collectivity = data.get("collectivity") if isinstance(data, dict) else None
        event = events.get(collectivity, latest) if isinstance(collectivity, int) else latest
        conn.execute(
            sa.text("update form_states set event_id = :event where chat_user_id = :user"),
            {"event": event, "user": chat_user_id},
        )


def downgrade() -> None:
    # Back to one event per database: rows of any other event than the latest are dropped.
    conn = op.get_bind()
    latest = conn.execute(sa.text("select id from events order by loaded_at desc, id desc limit 1")).scalar()
    for table in SCOPED:
        conn.execute(sa.text(f"delete from {table} where event_id != :event"), {"event": latest or 0})
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_event_id_events"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_outbox_event_id"), type_="unique")
        batch_op.create_unique_constraint("uq_outbox_dedup_key", ["dedup_key"])
        batch_op.drop_column("event_id")
    with op.batch_alter_table("form_states", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_form_states_event_id_events"), type_="foreignkey")
        batch_op.drop_constraint("pk_form_states", type_="primary")
        batch_op.create_primary_key("pk_form_states", ["chat_user_id"])
        batch_op.drop_column("event_id")
    with op.batch_alter_table("channel_subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_channel_subscriptions_event_id_events"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_channel_subscriptions_event_id"), type_="unique")
        batch_op.create_unique_constraint("uq_channel_subscriptions_platform", ["platform", "chat_id"])
        batch_op.drop_column("event_id")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_log_event_id_events"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_log_event_id"))
        batch_op.drop_column("event_id")
    with op.batch_alter_table("admin_grants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_admin_grants_event_id_events"), type_="foreignkey")
        batch_op.drop_constraint("pk_admin_grants", type_="primary")
        batch_op.create_primary_key("pk_admin_grants", ["platform", "user_id"])
        batch_op.drop_column("event_id")
    # Not recreated: on SQLite, dropping chat_users to copy it would delete its contacts and forms (cascade).
    with op.batch_alter_table("chat_users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("platform_locale")
