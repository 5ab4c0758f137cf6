"""Exports: the handoffs of a period, read in batches, and the one way every CSV file is written."""

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from partnerhub.models import Handoff
from partnerhub.models.handoff import HANDOFF_STATUSES

STEP_TIMESTAMPS = tuple(f"{status}_at" for status in HANDOFF_STATUSES)
BATCH = 500

# A spreadsheet runs a cell that starts with one of these as a formula (tab and carriage
# return let one hide behind them); a partner's name or a decline reason must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def handoffs_for_export(session: Session, *, partner_id: int, since: datetime) -> Iterator[Handoff]:
    """Every handoff the partner sent or received since `since`, oldest first, fetched `BATCH` at a time."""
    stmt = (
        select(Handoff)
        .where(
            or_(Handoff.from_partner_id == partner_id, Handoff.to_partner_id == partner_id),
            Handoff.sent_at >= since,
        )
        .order_by(Handoff.sent_at, Handoff.id)
        .execution_options(yield_per=BATCH)
    )
    yield from session.scalars(stmt)


def csv_cell(value: object) -> object:
    """`value` as a CSV cell no spreadsheet takes for a formula: such text gets a leading `'`.

    None is an empty cell, times are ISO 8601 and amounts plain decimals with two places.

    Numbers stay numbers, a negative one and a numeric text such as "-12.50" too: a
    spreadsheet reads them as values, and a `'` would turn them into text. Infinity and
    NaN are no values to a spreadsheet ("-inf" would be a formula) and go as text.
    """
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        # ISO 8601, which every spreadsheet and script reads the same way.
        return value.isoformat()
    if isinstance(value, Decimal) and value.is_finite():
        # Amounts as plain numbers with their cents; the currency has a column of its own.
        return f"{value:.2f}"
    if isinstance(value, int | float) and math.isfinite(value):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header, then each row, as CSV lines one at a time (None is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chain([header], rows):
        writer.writerow([csv_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
