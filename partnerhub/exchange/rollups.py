"""Keep the handoff rollups in step with every handoff move, or rebuild them from the handoffs.

Cohort semantics: every step of a handoff is counted on the row of the day
(UTC) it was *sent*, so "the last 90 days" means "the handoffs sent in the last
90 days, and everything that has happened to them since". A step counts a
handoff that ever reached it, not its current status. The forward chain
(sent -> delivered -> accepted -> contacted -> won -> reward_invoiced ->
reward_paid -> rep_paid) is monotone: a move that skips steps (sent straight
to accepted) counts the skipped steps too, so the funnel never widens.
"""

import functools
import math
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    bindparam,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, object_session
from sqlalchemy.sql import Subquery

from partnerhub.models import Handoff, HandoffRollup, HandoffRollupMonth, Lead
from partnerhub.models.rollup import ACCEPT_BUCKET_HOURS, ACCEPT_BUCKETS

FUNNEL = ("sent", "delivered", "accepted", "contacted", "won", "reward_invoiced", "reward_paid", "rep_paid")
# Ends that leave the forward chain; each counts itself only.
EXITS = ("lost", "declined", "expired", "recalled")
COUNTERS = FUNNEL + EXITS
# Every count a rollup row keeps: the steps, and the leads its won customers referred.
COUNTED = (*COUNTERS, "referrals")
# The amount each step adds to which sum, read from the handoff when it reaches the step.
MONEY = {
    "won": ("deal_value", "deal_value"),
    "reward_invoiced": ("rewards_invoiced", "reward_amount"),
    "reward_paid": ("rewards_paid", "reward_amount"),
    "rep_paid": ("rep_shares_paid", "rep_share_amount"),
}
MONEY_COLUMNS = tuple(column for column, _amount in MONEY.values())
# Every column a period adds up.
SUMMED = (*COUNTED, *MONEY_COLUMNS, "accept_seconds", *ACCEPT_BUCKETS)
_ROW_KEY = ("partnership_id", "from_partner_id", "to_partner_id", "day", "currency")
# What makes a row one cohort (the tables' unique constraint).
_KEY = ("partnership_id", "from_partner_id", "day", "currency")
# Where a transaction's increments wait until its commit (session.info).
_PENDING = "rollups_pending"


def steps_reached(from_status: str | None, to_status: str) -> tuple[str, ...]:
    """The counters a move from `from_status` to `to_status` adds one to."""
    if to_status in EXITS:
        return (to_status,)
    start = FUNNEL.index(from_status) + 1 if from_status in FUNNEL else 0
    return FUNNEL[start : FUNNEL.index(to_status) + 1]


def accept_bucket(seconds: int) -> str:
    """The histogram column a time to accept falls in."""
    for hours, column in zip(ACCEPT_BUCKET_HOURS, ACCEPT_BUCKETS, strict=False):
        if seconds <= hours * 3600:
            return column
    return ACCEPT_BUCKETS[-1]


def record_move(
    session: Session, *, handoff: Handoff, from_status: str | None, to_status: str, at: datetime
) -> None:
    """Add one move of `handoff` to its cohort's rollup, in the caller's transaction.

    The lifecycle calls this for every state change, creation included
    (`from_status=None, to_status="sent"`), after setting the step's timestamp
    and amounts on the handoff. The increments wait in the session and are
    written just before the commit (`write_pending`): every lead from one sender
    to one receiver on one day updates the same row, and its row lock is held
    from that write to the end of the transaction, so the later the write the
    shorter the queue of transactions behind it. Inside a savepoint they are
    written at once, so the savepoint's rollback takes them back with it.
    """
    increments: dict[str, int | Decimal] = {}
    for step in steps_reached(from_status, to_status):
        increments[step] = 1
        if step in MONEY:
            column, attribute = MONEY[step]
            increments[column] = getattr(handoff, attribute) or Decimal(0)
        if step == "accepted":
            # Half up, as SQL's round() does in rebuild().
            seconds = math.floor((at - handoff.sent_at).total_seconds() + 0.5)
            increments["accept_seconds"] = seconds
            increments[accept_bucket(seconds)] = 1
    if increments:
        _count(session, handoff, increments)


def record_referral(session: Session, *, handoff: Handoff) -> None:
    """Count a lead referred by the customer of won `handoff` on its cohort's row, in the caller's
    transaction: the exchange that brought the customer produced it."""
    _count(session, handoff, {"referrals": 1})


def _count(session: Session, handoff: Handoff, increments: dict[str, int | Decimal]) -> None:
    session.flush()
    key = (
        handoff.partnership_id,
        handoff.from_partner_id,
        handoff.to_partner_id,
        handoff.sent_at.date(),
        handoff.currency,
    )
    # The handoff's own session: a scoped_session proxy does not tell whether a savepoint is open.
    own = object_session(handoff)
    assert own is not None, "a handoff being moved belongs to the session moving it"
    if own.in_nested_transaction():
        _write(session, HandoffRollup, key, increments)
        _write(session, HandoffRollupMonth, _month_key(key), increments)
        return
    pending = session.info.setdefault(_PENDING, {}).setdefault(key, {})
    for column, amount in increments.items():
        pending[column] = pending.get(column, 0) + amount


def write_pending(session: Session) -> None:
    """Write the increments recorded in this transaction; readers of the rollups call it first.

    One atomic INSERT ... ON CONFLICT DO UPDATE per row, so concurrent moves of the
    same cohort never lose a count; the daily rows in key order, then the monthly rows in key
    order, so two transactions touching the same rows lock them in the same order and cannot
    deadlock (a day's row and its month's, written in turn, could: a move of a handoff sent
    yesterday and one sent today, beside another transaction's of today's alone).
    """
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    months: dict[tuple, dict] = {}
    for key in sorted(pending):
        _write(session, HandoffRollup, key, pending[key])
        month = months.setdefault(_month_key(key), {})
        for column, amount in pending[key].items():
            month[column] = month.get(column, 0) + amount
    for key in sorted(months):
        _write(session, HandoffRollupMonth, key, months[key])


def _write(session: Session, model, key: tuple, increments: dict) -> None:
    row = dict(zip(_in(model, _ROW_KEY), key, strict=True))
    session.execute(_upsert(model, tuple(increments)), row | increments)


def _in(model, columns: tuple[str, ...]) -> tuple[str, ...]:
    """`columns` as `model`'s table names them: the monthly table's month in the place of the day."""
    return tuple("month" if c == "day" and model is HandoffRollupMonth else c for c in columns)


def _month_key(key: tuple) -> tuple:
    """A daily row's key with its month's first day for its day."""
    return (*key[:3], first_of_month(key[3]), key[4])


def first_of_month(day: date) -> date:
    return day.replace(day=1)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    # A savepoint's rollback keeps the enclosing transaction's counts; its own were written at once.
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


@functools.cache
def _upsert(model: type[HandoffRollup] | type[HandoffRollupMonth], increments: tuple[str, ...]):
    # Plain SQL that both dialects read alike, one per table and set of counters (a handful):
    # SQLAlchemy does not cache its ON CONFLICT constructs, so building one per move compiled it
    # every time.
    table = model.__table__
    columns = [*_in(model, _ROW_KEY), *increments]
    return text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(_in(model, _KEY))}) DO UPDATE SET "
        + ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in increments)
    ).bindparams(*[bindparam(c, type_=table.c[c].type) for c in columns])


def _day(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    # SQLite keeps UTC text; its date() is the UTC day.
    return func.date(column)


def _seconds_between(session: Session, start, end):
    seconds: ColumnElement
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", end - start)
    else:
        seconds = (func.julianday(end) - func.julianday(start)) * 86400
    return cast(func.round(seconds), BigInteger)


def _first_reached_at(step: str):
    """When the handoff reached `step`: its own timestamp, else the first later forward step's."""
    if step in EXITS or step == FUNNEL[-1]:
        return getattr(Handoff, f"{step}_at")
    return func.coalesce(*[getattr(Handoff, f"{s}_at") for s in FUNNEL[FUNNEL.index(step) :]])


def _reached(step: str):
    return _first_reached_at(step).is_not(None)


def rebuild(session: Session) -> int:
    """Recompute every rollup from the handoffs in one set-based statement; return the rows written.

    For bulk loads, the bench, and repair after a bug. Amounts are the
    handoffs' current ones, which equal the incremental path's as long as an
    amount is not changed after its step.
    """
    session.flush()
    # Recomputed from the handoffs below: increments still waiting would count twice.
    session.info.pop(_PENDING, None)
    accept_seconds = _seconds_between(session, Handoff.sent_at, _first_reached_at("accepted"))
    accepted = _reached("accepted")

    def count_when(condition):
        return func.sum(case((condition, 1), else_=0))

    columns = {
        "partnership_id": Handoff.partnership_id,
        "from_partner_id": Handoff.from_partner_id,
        "to_partner_id": Handoff.to_partner_id,
        "day": _day(session, Handoff.sent_at),
        "currency": Handoff.currency,
    }
    group_by = list(columns.values())
    for step in COUNTERS:
        columns[step] = cast(count_when(_reached(step)), Integer)
    for step, (column, attribute) in MONEY.items():
        amount = func.coalesce(getattr(Handoff, attribute), 0)
        columns[column] = func.coalesce(func.sum(case((_reached(step), amount), else_=0)), 0)
    columns["accept_seconds"] = func.coalesce(func.sum(case((accepted, accept_seconds), else_=0)), 0)
    lower = None
    for hours, column in zip(ACCEPT_BUCKET_HOURS, ACCEPT_BUCKETS, strict=False):
        within = accepted & (accept_seconds <= hours * 3600)
        if lower is not None:
            within = within & (accept_seconds > lower)
        columns[column] = cast(count_when(within), Integer)
        lower = hours * 3600
    columns[ACCEPT_BUCKETS[-1]] = cast(count_when(accepted & (accept_seconds > lower)), Integer)

    referred = (
        select(Lead.referred_from_handoff_id.label("handoff_id"), func.count().label("leads"))
        .where(Lead.referred_from_handoff_id.is_not(None))
        .group_by(Lead.referred_from_handoff_id)
        .subquery()
    )
    columns["referrals"] = cast(func.coalesce(func.sum(referred.c.leads), 0), Integer)

    session.execute(delete(HandoffRollup))
    source = (
        select(*[expr.label(name) for name, expr in columns.items()])
        .select_from(Handoff)
        .outerjoin(referred, referred.c.handoff_id == Handoff.id)
        .group_by(*group_by)
    )
    session.execute(insert(HandoffRollup).from_select(list(columns), source))

    session.execute(delete(HandoffRollupMonth))
    day = HandoffRollup.__table__.c.day
    month = _month_of(session, day)
    keys = [HandoffRollup.__table__.c[c] for c in ("partnership_id", "from_partner_id", "to_partner_id")]
    sums = [func.sum(HandoffRollup.__table__.c[c]).label(c) for c in SUMMED]
    by_month = select(*keys, month.label("month"), HandoffRollup.currency, *sums).group_by(
        *keys, month, HandoffRollup.currency
    )
    session.execute(
        insert(HandoffRollupMonth).from_select(
            [*(k.name for k in keys), "month", "currency", *SUMMED], by_month
        )
    )
    return session.execute(select(func.count()).select_from(HandoffRollup)).scalar_one()


def _month_of(session: Session, day):
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month")


def _cohorts() -> Subquery:
    days, months = HandoffRollup.__table__, HandoffRollupMonth.__table__
    columns = ("partnership_id", "from_partner_id", "to_partner_id", "currency", *SUMMED)
    whole_months_from = bindparam("whole_months_from", type_=Date)
    return union_all(
        select(*[days.c[c] for c in columns]).where(
            days.c.day >= bindparam("cohorts_from", type_=Date), days.c.day < whole_months_from
        ),
        select(*[months.c[c] for c in columns]).where(months.c.month >= whole_months_from),
    ).subquery("cohorts")


# The cohorts of a period, from the day it starts on: the days before its first whole month from
# the daily rows, the months from then on (the current one included, whole so far) from the
# monthly rows. Select from it with `period(start)` as the parameters. Built once, as readers
# ask for it on every page.
COHORTS = _cohorts()


def period(start: date) -> dict[str, object]:
    """The parameters COHORTS reads the cohorts from `start` on with."""
    whole = start if start.day == 1 else first_of_month(start.replace(day=28) + timedelta(days=4))
    return {"cohorts_from": start, "whole_months_from": whole}
