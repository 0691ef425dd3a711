"""marketing: saved segments, a campaign's segment, test sends (a message without a member), feedback
follow-up

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import loyalty.core.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('created_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments')),
    sa.UniqueConstraint('name', name=op.f('uq_segments_name'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('segment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_campaigns_segment_id'), ['segment_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_campaigns_segment_id_segments'), 'segments', ['segment_id'], ['id']
        )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('followup', sa.String(length=16), nullable=False, server_default='open')
        )
        batch_op.add_column(sa.Column('followup_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
        batch_op.add_column(sa.Column('followup_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column('followup_at', loyalty.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('followup_at')
        batch_op.drop_column('followup_by')
        batch_op.drop_column('followup_note')
        batch_op.drop_column('followup')
    op.execute("DELETE FROM messages WHERE member_id IS NULL")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_segment_id_segments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_campaigns_segment_id'))
        batch_op.drop_column('segment_id')
    op.drop_table('segments')
