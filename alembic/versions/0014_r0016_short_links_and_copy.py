"""short member links (member_links), marketing's own copy (campaigns.message_copy, shop_settings.message_copy)

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa

import loyalty.core.db
from alembic import op

revision: str = "0016"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_links",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("link_version", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_at", loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("key"),
        sa.UniqueConstraint("member_id", "link_version", "issued_on", name="uq_member_links_day"),
    )
    with op.batch_alter_table("member_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_links_member_id"), ["member_id"], unique=False)
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_copy", sa.JSON(), nullable=True))
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_copy", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("message_copy")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("message_copy")
    with op.batch_alter_table("member_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_links_member_id"))
    op.drop_table("member_links")
