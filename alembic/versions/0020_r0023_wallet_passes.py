"""the card in the phone's wallet: passes, the devices registered for their updates, the update tag; stores'
coordinates (a pass shows itself near a store)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import loyalty.core.db
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('wallet_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('wallet_passes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('serial', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('auth_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tag', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('announced_coupon_id', sa.Integer(), nullable=True),
    sa.Column('google_saved', sa.Boolean(), nullable=False),
    sa.Column('google_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('card_id'),
    sa.UniqueConstraint('serial')
    )
    with op.batch_alter_table('wallet_passes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_passes_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallet_passes_tag'), ['tag'], unique=False)

    op.create_table('wallet_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('push_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('pass_id', sa.Integer(), nullable=False),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pass_id'], ['wallet_passes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('device_id', 'pass_id')
    )
    with op.batch_alter_table('wallet_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_registrations_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallet_registrations_pass_id'), ['pass_id'], unique=False)

    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))

    op.execute("INSERT INTO wallet_tag (id, value) VALUES (1, 0)")


def downgrade() -> None:
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')

    with op.batch_alter_table('wallet_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_registrations_pass_id'))
        batch_op.drop_index(batch_op.f('ix_wallet_registrations_device_id'))

    op.drop_table('wallet_registrations')
    with op.batch_alter_table('wallet_passes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_passes_tag'))
        batch_op.drop_index(batch_op.f('ix_wallet_passes_member_id'))

    op.drop_table('wallet_passes')
    op.drop_table('wallet_tag')
