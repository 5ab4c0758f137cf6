"""Keyset pagination over any select, newest first: the API's lists and the pages' alike.

The cursor is the last id of the previous page, written in base 36 so clients treat it as opaque.
"""

from sqlalchemy import Select
from sqlalchemy.orm import Session

from partnerhub.exchange.lists import first


def paginate(session: Session, stmt: Select, id_column, *, limit: int, cursor: int | None = None) -> dict:
    """One page of `stmt` in descending id order, and the cursor (last id) to the next."""
    if cursor is not None:
        stmt = stmt.where(id_column < cursor)
    rows = list(session.scalars(first(stmt, id_column, id_column.desc(), limit=limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
# Primary keys are 32-bit integers in PostgreSQL; a larger id names nothing and must not reach SQL.
MAX_ID = 2**31 - 1


def encode_cursor(last_id: int) -> str:
    out = ""
    while True:
        last_id, rem = divmod(last_id, 36)
        out = _DIGITS[rem] + out
        if last_id == 0:
            return out


def decode_cursor(text: str) -> int | None:
    """The id a cursor stands for; None for anything this app never wrote."""
    try:
        cursor = int(text, 36)
    except ValueError:
        return None
    return cursor if 0 < cursor <= MAX_ID else None
