"""second voices: who else spoke in the stretches where two people spoke at once

Sessions recognised before have none: no overlap was detected then.

Revision ID: c5e8a2f4b9d1
Revises: 898af9e713b6
Create Date: 2026-11-30 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e8a2f4b9d1"
down_revision: str | None = "898af9e713b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "second_voices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("speaker_label", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_second_voices_session_id", "second_voices", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_second_voices_session_id", table_name="second_voices")
    op.drop_table("second_voices")
