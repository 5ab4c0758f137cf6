"""notifications: the subject and body as Phrases to read in any language; leads: their reasons
likewise (NULL on older rows: English only)

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0027"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("words", partnerhub.core.db.JSONType, nullable=True))
    with op.batch_alter_table("leads") as batch_op:
        batch_op.add_column(sa.Column("reason_words", partnerhub.core.db.JSONType, nullable=True))


def downgrade():
    with op.batch_alter_table("leads") as batch_op:
        batch_op.drop_column("reason_words")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_column("words")
