"""the durable outbox for reminders and broadcasts; occurrences handled once; muted nudges

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:10:00

The outbox gets a person recipient (`user_id`, `chat_id` now optional), a kind, a batch (an occurrence's
key or `broadcast/<id>`), `expires_at`, the platform's `message_id` and an index for claiming. The
`reminder_runs` table records each occurrence once; `broadcasts` holds organisers' announcements;
`chat_users.nudges_muted_at` is set by `mute`. Contacts get an index on their collectivity.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("user_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="nudge", nullable=False))
        batch_op.add_column(sa.Column("batch", sa.String(length=160), server_default="", nullable=False))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_claim", ["status", "not_before"], unique=False)
        batch_op.create_index("ix_outbox_batch", ["event_id", "batch"], unique=False)
    with op.batch_alter_table("chat_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nudges_muted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_collectivity_id"), ["collectivity_id"], unique=False)
    op.create_table(
        "reminder_runs",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=160), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_reminder_runs_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "occurrence", name=op.f("pk_reminder_runs")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("channels", sa.Boolean(), nullable=False),
        sa.Column("text_fr", sa.Text(), nullable=False),
        sa.Column("text_ja", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=90), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_broadcasts_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_event_id"), "broadcasts", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_broadcasts_event_id"), table_name="broadcasts")
    op.drop_table("broadcasts")
    op.drop_table("reminder_runs")
    # Not recreated: on SQLite, dropping chat_users or contacts to copy them would delete their dependants (cascade).
    with op.batch_alter_table("contacts", schema=None, recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_collectivity_id"))
    with op.batch_alter_table("chat_users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("nudges_muted_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_batch")
        batch_op.drop_index("ix_outbox_claim")
        batch_op.drop_column("message_id")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("batch")
        batch_op.drop_column("kind")
        batch_op.drop_column("user_id")
        batch_op.alter_column("chat_id", existing_type=sa.String(length=64), nullable=False)
