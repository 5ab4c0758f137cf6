"""Keyset pagination over any select, newest first."""

from sqlalchemy import Select
from sqlalchemy.orm import Session


def paginate(session: Session, stmt: Select, id_column, *, limit: int, cursor: int | None = None) -> dict:
    """One page of `stmt` in descending id order, and the cursor (last id) to the next."""
    if cursor is not None:
        stmt = stmt.where(id_column < cursor)
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}
