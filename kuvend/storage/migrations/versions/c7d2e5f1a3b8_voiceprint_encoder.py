"""voiceprint encoder: the embedding space a member's voiceprint was made in

Revision ID: c7d2e5f1a3b8
Revises: d0df180f56b2
Create Date: 2026-11-29 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7d2e5f1a3b8"
down_revision: str | None = "d0df180f56b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing voiceprints keep NULL: their encoder is not known, so they are never compared
    # (identification skips them) until the member is enrolled again.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voiceprint_encoder", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("voiceprint_encoder")
