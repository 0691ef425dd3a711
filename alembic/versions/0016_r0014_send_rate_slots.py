"""send-rate slots in a table named for them: send_rate_slots (were rows "rate:<channel>" in heartbeats)

Revision ID: 0014
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import loyalty.core.db
from alembic import op

revision: str = "0014"
down_revision: str | None = "0017"  # runs after 0016 and 0017 (merged before it)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "rate:"


def upgrade() -> None:
    op.create_table(
        "send_rate_slots",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("next_slot", loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_send_rate_slots")),
    )
    # a channel's next free slot carries over: the pace holds across the upgrade
    op.execute(
        "INSERT INTO send_rate_slots (channel, next_slot) "
        f"SELECT substr(name, {len(PREFIX) + 1}), at FROM heartbeats WHERE name LIKE '{PREFIX}%'"
    )
    op.execute(f"DELETE FROM heartbeats WHERE name LIKE '{PREFIX}%'")


def downgrade() -> None:
    op.execute(
        f"INSERT INTO heartbeats (name, at) SELECT '{PREFIX}' || channel, next_slot FROM send_rate_slots"
    )
    op.drop_table("send_rate_slots")
