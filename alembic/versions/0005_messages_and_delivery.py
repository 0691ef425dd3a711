"""messages and delivery

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import loyalty.core.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('requested_channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('coupon_id', sa.Integer(), nullable=True),
    sa.Column('occasion_id', sa.Integer(), nullable=True),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('not_before', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('dispatched_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_claimed_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('needs_reconcile', sa.Boolean(), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('provider_status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('error_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_messages_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('channel', 'dedupe_key', name=op.f('uq_messages_channel_dedupe_key'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_messages_member_category_claimed', ['member_id', 'category', 'claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_occasion_id'), ['occasion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_messages_state_not_before', ['state', 'not_before'], unique=False)

    op.create_table('message_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_events_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_events'))
    )
    with op.batch_alter_table('message_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_events_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_events_message_id'))

    op.drop_table('message_events')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_state_not_before')
        batch_op.drop_index(batch_op.f('ix_messages_run_id'))
        batch_op.drop_index(batch_op.f('ix_messages_provider_id'))
        batch_op.drop_index(batch_op.f('ix_messages_occasion_id'))
        batch_op.drop_index('ix_messages_member_category_claimed')
        batch_op.drop_index(batch_op.f('ix_messages_campaign_id'))

    op.drop_table('messages')
