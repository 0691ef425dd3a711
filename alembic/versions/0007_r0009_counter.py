"""counter: accent-free name search (recomputed for existing members), card reject/replace, redemption's purchase

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01
"""
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# a frozen copy of loyalty.core.text.search_key as of this revision (a migration must not change with the code)
_UPPER = str.maketrans({"I": "ı", "İ": "i"})
_ASCII = str.maketrans({"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u"})


def _search_key(text: str) -> str:
    folded = " ".join(unicodedata.normalize("NFC", text).translate(_UPPER).lower().split()).translate(_ASCII)
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))


def _old_fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).translate(_UPPER).lower().split())


def _recompute(key) -> None:  # type: ignore[no-untyped-def]
    members = sa.table("members", sa.column("id", sa.Integer), sa.column("full_name", sa.String),
                       sa.column("name_search", sa.String))
    bind = op.get_bind()
    last = 0
    while True:  # in batches, so a large member table is not held in memory
        rows = bind.execute(
            sa.select(members.c.id, members.c.full_name).where(members.c.id > last).order_by(members.c.id)
            .limit(1000)
        ).all()
        if not rows:
            break
        bind.execute(
            members.update().where(members.c.id == sa.bindparam("b_id")).values(name_search=sa.bindparam("b_key")),
            [{"b_id": row.id, "b_key": key(row.full_name)} for row in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    _recompute(_search_key)
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_by_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('review_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchase_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_coupon_redemptions_purchase_id_purchases'), 'purchases',
                                    ['purchase_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_coupon_redemptions_purchase_id'), ['purchase_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupon_redemptions_purchase_id'))
        batch_op.drop_constraint(batch_op.f('fk_coupon_redemptions_purchase_id_purchases'), type_='foreignkey')
        batch_op.drop_column('purchase_id')
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_column('review_reason')
        batch_op.drop_column('replaced_by_number')
    _recompute(_old_fold)
