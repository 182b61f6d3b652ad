"""programme items say who attends without signing up (apart from their option)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programme_items") as batch:
        batch.add_column(sa.Column("attendees", sa.String(length=12), nullable=False, server_default="all"))
    # Until now an item with an option was for those signed up only; the next load rewrites every item.
    op.execute("UPDATE programme_items SET attendees = 'signed-up' WHERE option_key IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("programme_items") as batch:
        batch.drop_column("attendees")
