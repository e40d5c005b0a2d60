"""segment revision: the revision that last wrote each segment row (its version)

A change can rewrite several segments (a moved boundary two, a turn all of its segments);
each row now records the revision that wrote it, so that every one of them gets a new
version, not only the one the revision is filed under. Live rows are filled in from the
revisions filed under them (the versions they had until now).

Revision ID: a41c9e07d2b5
Revises: 59a0dbb125dc
Create Date: 2026-11-30 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a41c9e07d2b5"
down_revision: str | None = "59a0dbb125dc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE segments SET revision_id = (SELECT max(revisions.id) FROM revisions "
        "WHERE revisions.session_id = segments.session_id "
        "AND revisions.segment_id = segments.id) WHERE superseded = false"
    )


def downgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_column("revision_id")
