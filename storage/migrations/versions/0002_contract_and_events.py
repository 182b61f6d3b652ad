"""the platform's language of each person; everything that belongs to an event carries it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_locale", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_users", schema=None) as batch_op:
        batch_op.drop_column("platform_locale")
