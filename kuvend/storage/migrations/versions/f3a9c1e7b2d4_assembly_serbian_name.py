"""assembly serbian name: the name Serbian pages show (kuvend assemblies add|rename --name-sr)

Revision ID: f3a9c1e7b2d4
Revises: a41c9e07d2b5
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3a9c1e7b2d4"
down_revision: str | None = "a41c9e07d2b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing assemblies keep NULL: their Serbian pages show `name` until one is given.
    with op.batch_alter_table("assemblies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_sr", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assemblies", schema=None) as batch_op:
        batch_op.drop_column("name_sr")
