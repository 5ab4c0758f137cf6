"""Small helpers shared by the model modules."""

from collections.abc import Iterable

from sqlalchemy import CheckConstraint, String


def one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """A check constraint keeping a text column inside a closed vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


def search_key(length: int) -> String:
    """Text compared byte by byte on every database, so a prefix is a range an index can serve.

    SQLite compares bytes already; PostgreSQL is told to, whatever the database's collation.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")
