"""campaigns

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import loyalty.core.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('trigger_type', sa.String(length=16), nullable=False),
    sa.Column('holiday_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('send_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('send_on', sa.Date(), nullable=True),
    sa.Column('occasion_kinds', sa.JSON(), nullable=True),
    sa.Column('for_whom', sa.JSON(), nullable=True),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('offer_kind', sa.String(length=8), nullable=False),
    sa.Column('offer_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('min_purchase', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('valid_days', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_status'), ['status'], unique=False)

    op.create_table('campaign_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('run_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('send_date', sa.Date(), nullable=False),
    sa.Column('send_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('issue_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('targeted', sa.Integer(), nullable=False),
    sa.Column('coupons_issued', sa.Integer(), nullable=False),
    sa.Column('messages_queued', sa.Integer(), nullable=False),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_runs_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_runs')),
    sa.UniqueConstraint('campaign_id', 'run_key', name=op.f('uq_campaign_runs_campaign_id_run_key'))
    )
    with op.batch_alter_table('campaign_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_runs_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_campaign_runs_status_issue_at', ['status', 'issue_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_runs_status_issue_at')
        batch_op.drop_index(batch_op.f('ix_campaign_runs_campaign_id'))

    op.drop_table('campaign_runs')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_status'))

    op.drop_table('campaigns')
