"""speaker guest name: a speaker a reviewer named who is not a member

Revision ID: d0df180f56b2
Revises: e4a312e87f97
Create Date: 2026-11-29 21:57:59.668120
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0df180f56b2"
down_revision: str | None = "e4a312e87f97"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guest_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.drop_column("guest_name")
