"""data rights: İYS fields on the consent ledger, erased members, the audit log, shop settings, KVKK requests

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:33:55.093702
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import loyalty.core.db
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SOURCE_CODES = {
    'HS_WEB': ('self_service', 'web'),
    'HS_MESAJ': ('sms keyword', 'sms provider', 'sms unsubscribe'),
    'HS_EORTAM': ('email unsubscribe',),
}


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_actor', ['actor', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_audit_log_target', ['target_type', 'target_id', 'id'], unique=False)

    op.create_table('member_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('handled_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('handled_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('member_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_requests_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_member_requests_status', ['status', 'id'], unique=False)

    op.create_table('shop_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('card_visits_needed', sa.Integer(), nullable=True),
    sa.Column('card_window_days', sa.Integer(), nullable=True),
    sa.Column('quiet_hours_start', sa.Integer(), nullable=True),
    sa.Column('quiet_hours_end', sa.Integer(), nullable=True),
    sa.Column('completed_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('recipient_type', sa.String(length=8), nullable=False, server_default='BIREYSEL')
        )
        batch_op.add_column(
            sa.Column('iys_source', sa.String(length=20), nullable=False, server_default='HS_FIZIKSEL_ORTAM')
        )
        batch_op.add_column(sa.Column('consent_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_consent_events_recorded_at', ['recorded_at'], unique=False)

    # the free-text sources written so far, mapped to İYS's codes (the rest stay HS_FIZIKSEL_ORTAM)
    consent = sa.table('consent_events', sa.column('source', sa.String), sa.column('iys_source', sa.String))
    for code, sources in _SOURCE_CODES.items():
        op.execute(consent.update().where(consent.c.source.in_(sources)).values(iys_source=code))

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('token_version')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_events_recorded_at')
        batch_op.drop_column('consent_at')
        batch_op.drop_column('iys_source')
        batch_op.drop_column('recipient_type')

    op.drop_table('shop_settings')
    with op.batch_alter_table('member_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_member_requests_status')
        batch_op.drop_index(batch_op.f('ix_member_requests_member_id'))

    op.drop_table('member_requests')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target')
        batch_op.drop_index('ix_audit_log_at')
        batch_op.drop_index(batch_op.f('ix_audit_log_member_id'))
        batch_op.drop_index('ix_audit_log_actor')

    op.drop_table('audit_log')
