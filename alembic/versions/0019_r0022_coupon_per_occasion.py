"""each occasion's coupon for its own occasion: coupons carry the occasion they celebrate

A run issued one coupon per member, so a member with two occasions on the run's day (her own birthday and
her daughter's) got one. Now an occasion campaign's coupon is unique per (run, occasion) and any other
per (run, member), as before. Coupons already issued for an occasion take it from their message.

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENERAL = "occasion_id IS NULL"
PER_OCCASION = "occasion_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occasion_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE coupons SET occasion_id = (SELECT MIN(m.occasion_id) FROM messages m "
        "WHERE m.coupon_id = coupons.id AND m.occasion_id IS NOT NULL)"
    )
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_constraint("uq_coupons_run_id_member_id", type_="unique")
        batch_op.create_index(
            "uq_coupons_run_member",
            ["run_id", "member_id"],
            unique=True,
            sqlite_where=sa.text(GENERAL),
            postgresql_where=sa.text(GENERAL),
        )
        batch_op.create_index(
            "uq_coupons_run_occasion",
            ["run_id", "occasion_id"],
            unique=True,
            sqlite_where=sa.text(PER_OCCASION),
            postgresql_where=sa.text(PER_OCCASION),
        )


def downgrade() -> None:
    # a second coupon of one member in one run (another occasion's) cannot stay under the old rule
    op.execute(
        "DELETE FROM coupons WHERE occasion_id IS NOT NULL AND id NOT IN "
        "(SELECT MIN(id) FROM coupons GROUP BY run_id, member_id)"
    )
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_index("uq_coupons_run_occasion")
        batch_op.drop_index("uq_coupons_run_member")
        batch_op.create_unique_constraint("uq_coupons_run_id_member_id", ["run_id", "member_id"])
        batch_op.drop_column("occasion_id")
