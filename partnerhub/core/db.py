"""The declarative base every model shares, and the plain-SQL writes and reads (`insert_now`,
`adopt`) that intake's hot path uses instead of the ORM's unit of work and loading."""

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, Select, Table, TypeDecorator, insert, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached

# Stable constraint names, so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite stores no zone; without this, values read back from it would be
    naive and compare unequal to the aware values PostgreSQL returns.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# JSONB on PostgreSQL for indexing and containment; plain JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}
    # Every model here maps one table (DeclarativeBase types it as any FromClause).
    __table__: ClassVar[Table]


def utcnow() -> datetime:
    return datetime.now(UTC)


def of_partner(model, partner_id: int, *, direction: str | None = None, status: str | None = None) -> Select:
    """Rows of `model` (one with from_partner_id, to_partner_id and status) for the partner: those it
    received ("incoming"), those it sent ("outgoing"), or both; of one status when given."""
    if direction == "incoming":
        stmt = select(model).where(model.to_partner_id == partner_id)
    elif direction == "outgoing":
        stmt = select(model).where(model.from_partner_id == partner_id)
    else:
        either = or_(model.to_partner_id == partner_id, model.from_partner_id == partner_id)
        stmt = select(model).where(either)
    if status:
        stmt = stmt.where(model.status == status)
    return stmt


def dialect_insert(session: Session, model):
    """An INSERT of the session's dialect, for ON CONFLICT clauses (both dialects spell them alike)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def built_once(build: Callable[[str], Any]) -> Callable[[Session], Any]:
    """Build a statement once per dialect (values as bindparams) and hand back the same object after.

    SQLAlchemy memoizes a statement object's cache key; a statement rebuilt on
    every call pays construction and cache-key generation each time, which for
    routing's large queries cost more than running them.
    """
    built: dict[str, object] = {}

    def statement(session: Session) -> Any:
        dialect = session.get_bind().dialect.name
        if dialect not in built:
            built[dialect] = build(dialect)
        return built[dialect]

    return statement


def insert_now(session: Session, obj) -> None:
    """Write a new object's row with one plain INSERT now and make it persistent.

    For intake's hot path: the unit of work costs more than the rest of writing a
    routed lead. Column defaults are filled in here, so the object comes back with
    every column loaded and nothing is read again; a column with only a server
    default would be written NULL, so models written this way give Python defaults.
    Relationships are not followed: the caller sets the foreign keys.
    """
    state = inspect(obj)
    values = state.dict
    insert_row, columns = _insert_plan(state.mapper)
    for key, _, default in columns:
        if key not in values:
            # Straight into the object's dict: make_transient_to_detached below takes every
            # value there as loaded, so the attribute events a setattr fires are not needed.
            values[key] = default()
    row = {column_key: values[key] for key, column_key, _ in columns}
    values["id"] = session.connection().execute(insert_row, row).scalar_one()
    # As if just loaded: its attributes are the row's, with no change left for a flush to write.
    make_transient_to_detached(obj)
    session.add(obj)


@functools.cache
def _insert_plan(mapper) -> tuple:
    """The INSERT ... RETURNING id of a model, and (attribute, column, default) for every
    other column: worked out once per model, not per row."""
    table = mapper.local_table
    columns = tuple(
        (prop.key, prop.columns[0].key, _default_of(prop.columns[0]))
        for prop in mapper.column_attrs
        if not prop.columns[0].primary_key
    )
    return insert(table).returning(table.c.id), columns


def _default_of(column):
    default = column.default
    if default is None:
        return lambda: None
    if default.is_callable:
        return functools.partial(default.arg, None)
    return lambda: default.arg


def columns_of(model, prefix: str = "") -> list:
    """The model's columns labelled `prefix` + attribute name, to read a row `adopt` takes."""
    return [prop.columns[0].label(prefix + prop.key) for prop in inspect(model).column_attrs]


def adopt(session: Session, model, row: Mapping, prefix: str = ""):
    """The persistent object of `model` whose columns a plain row holds (`columns_of`, same
    prefix), without the ORM's loading; the object the session holds already, if it does.

    For reads on intake's hot path: the ORM builds its row processing anew on every
    execution, which for a one-row lookup cost more than the query. Every column is set,
    relationships load lazily as usual. The session holds its objects weakly: keep the
    returned object while it is needed, or a later lazy load queries for it again.
    """
    mapper = inspect(model)
    held = session.identity_map.get(mapper.identity_key_from_primary_key((row[prefix + "id"],)))
    if held is not None:
        return held
    obj = mapper.class_manager.new_instance()
    inspect(obj).dict.update((prop.key, row[prefix + prop.key]) for prop in mapper.column_attrs)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
