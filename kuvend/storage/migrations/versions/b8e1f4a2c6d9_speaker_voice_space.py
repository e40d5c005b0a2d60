"""speaker voice space: the encoder that measured a session speaker's centroid

Revision ID: b8e1f4a2c6d9
Revises: c5e8a2f4b9d1
Create Date: 2026-11-30 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8e1f4a2c6d9"
down_revision: str | None = "c5e8a2f4b9d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Speakers of sessions processed earlier keep NULL: their centroids are taken to be in the
    # configured encoder's space, as before, when a reviewer enrols from them.
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voice_space", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.drop_column("voice_space")
