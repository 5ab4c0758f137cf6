"""job runs: a lease per timed job

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('next_run_at', partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs'))
    )


def downgrade():
    op.drop_table('job_runs')
