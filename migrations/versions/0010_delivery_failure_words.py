"""Delivery failures stored in words a partner may read: no addresses a host resolved to

The worker used to keep requests' own error text ("connection error: ... resolves to
10.0.0.7: ..."), which partners read back through GET /deliveries. What is stored now is
`partnerhub.delivery.sending.failure`'s few words; this rewrites what was stored before. The old
text is gone for good, so the downgrade leaves the words.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-07 12:40:00
"""

from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

# Old timeouts did not keep which timeout fired, so they get no number of seconds.
WORDS = """CASE
    WHEN {column} LIKE 'timeout:%' THEN 'timed out'
    WHEN {column} LIKE 'connection error:%must reach a public address%' THEN 'address not allowed'
    WHEN {column} LIKE 'connection error:%' THEN 'could not connect'
    ELSE 'request failed'
END"""
OLD = "{column} LIKE 'timeout:%' OR {column} LIKE 'connection error:%' OR {column} LIKE 'request failed:%'"


def upgrade():
    for table, column in (("deliveries", "last_error"), ("delivery_attempts", "error")):
        op.execute(
            f"UPDATE {table} SET {column} = {WORDS.format(column=column)} WHERE {OLD.format(column=column)}"
        )


def downgrade():
    pass
