"""notices: the subject and body as Phrases to read in any language (NULL on older rows: English only)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 17:30:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notices") as batch_op:
        batch_op.add_column(sa.Column("words", partnerhub.core.db.JSONType, nullable=True))


def downgrade():
    with op.batch_alter_table("notices") as batch_op:
        batch_op.drop_column("words")
