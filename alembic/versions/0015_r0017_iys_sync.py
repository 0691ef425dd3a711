"""İYS both ways: each consent row's upload state and İYS's answer; the sync's own state row

Revision ID: 0017
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from loyalty.core.db import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        # every row already in the ledger is uploaded too (İYS keeps the newest by consent date)
        batch_op.add_column(sa.Column("iys_state", sa.String(8), nullable=False, server_default="pending"))
        batch_op.add_column(sa.Column("iys_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("iys_next_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("iys_answer", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("iys_synced_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_consent_events_iys_state", ["iys_state", "iys_next_at"])
    op.create_table(
        "iys_sync",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pull_after", sa.String(200), nullable=True),
        sa.Column("last_push_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_pull_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("last_error_at", UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("iys_sync")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_events_iys_state")
        for name in ("iys_synced_at", "iys_answer", "iys_next_at", "iys_attempts", "iys_state"):
            batch_op.drop_column(name)
