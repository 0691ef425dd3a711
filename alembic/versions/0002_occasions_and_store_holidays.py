"""occasions and store holidays

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import loyalty.core.db

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('store_days',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_tr', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_days'))
    )
    with op.batch_alter_table('store_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_store_days_key'), ['key'], unique=True)

    op.create_table('occasions',
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('for_whom', sa.String(length=24), nullable=False),
    sa.Column('relation_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=280), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('recurrence', sa.String(length=8), nullable=False),
    sa.Column('remind_days_before', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('stated_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('retired_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_occasions_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasions'))
    )
    with op.batch_alter_table('occasions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occasions_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_occasions_month_day_remind', ['month', 'day', 'remind_days_before'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('occasions', schema=None) as batch_op:
        batch_op.drop_index('ix_occasions_month_day_remind')
        batch_op.drop_index(batch_op.f('ix_occasions_member_id'))

    op.drop_table('occasions')
    with op.batch_alter_table('store_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_store_days_key'))

    op.drop_table('store_days')
