"""handoff rollups: daily cohorts of handoffs per partnership and direction, for balance and flags

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:26:35.318547
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handoff_rollups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('from_partner_id', sa.Integer(), nullable=False),
    sa.Column('to_partner_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('sent', sa.Integer(), server_default='0', nullable=False),
    sa.Column('delivered', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('contacted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('won', sa.Integer(), server_default='0', nullable=False),
    sa.Column('lost', sa.Integer(), server_default='0', nullable=False),
    sa.Column('declined', sa.Integer(), server_default='0', nullable=False),
    sa.Column('expired', sa.Integer(), server_default='0', nullable=False),
    sa.Column('recalled', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reward_invoiced', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reward_paid', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rep_paid', sa.Integer(), server_default='0', nullable=False),
    sa.Column('deal_value', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False),
    sa.Column('rewards_invoiced', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False),
    sa.Column('rewards_paid', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False),
    sa.Column('rep_shares_paid', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False),
    sa.Column('accept_seconds', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('accepted_within_1h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_2h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_4h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_8h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_12h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_24h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_48h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_72h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_120h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_168h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_within_336h', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_later', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['from_partner_id'], ['partners.id'], name=op.f('fk_handoff_rollups_from_partner_id_partners')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_handoff_rollups_partnership_id_partnerships')),
    sa.ForeignKeyConstraint(['to_partner_id'], ['partners.id'], name=op.f('fk_handoff_rollups_to_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_rollups')),
    sa.UniqueConstraint('partnership_id', 'from_partner_id', 'day', 'currency', name=op.f('uq_handoff_rollups_partnership_id_from_partner_id_day_currency'))
    )
    with op.batch_alter_table('handoff_rollups', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_rollups_day', ['day'], unique=False)
        batch_op.create_index('ix_handoff_rollups_to_day', ['to_partner_id', 'day'], unique=False)



def downgrade():
    with op.batch_alter_table('handoff_rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_rollups_to_day')
        batch_op.drop_index('ix_handoff_rollups_day')

    op.drop_table('handoff_rollups')
