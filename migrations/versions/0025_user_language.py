"""users: the language a person chose to read PartnerHub in (NULL: the browser's); flags and
their events: the sentence as a Phrase to read in any language (NULL on older rows: English only)

Revision ID: 0025
Revises: 0026
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0025"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(5), nullable=True))
    for table in ("flags", "flag_events"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("words", partnerhub.core.db.JSONType, nullable=True))


def downgrade():
    for table in ("flag_events", "flags"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("words")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("language")
