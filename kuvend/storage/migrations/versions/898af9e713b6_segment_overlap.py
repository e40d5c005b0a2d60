"""segment overlap: two or more people spoke at once during part of the segment

Existing segments get false: no overlap was detected when they were recognised.

Revision ID: 898af9e713b6
Revises: f3a9c1e7b2d4
Create Date: 2026-11-30 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "898af9e713b6"
down_revision: str | None = "f3a9c1e7b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("overlap", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_column("overlap")
