"""segment flag: speech the transcriber could not trust, shown as a gap to fill

Revision ID: b3f1c2a9d0e4
Revises: 8d4edad52979
Create Date: 2026-11-29 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3f1c2a9d0e4"
down_revision: str | None = "8d4edad52979"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flag", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_column("flag")
