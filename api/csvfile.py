"""Every CSV download goes through `csv_response`: UTF-8, a header row, rows streamed as they are read.

Cells are written as given: amounts as plain decimal numbers (the currency
has its own column), times as ISO 8601, None as an empty cell.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from flask import Response, stream_with_context


def cell(value) -> str | int | float:
    """A spreadsheet-friendly cell: ISO 8601 times, plain decimals with two places, '' for nothing."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> Response:
    """A streamed CSV download; the one writer every CSV of the app uses."""

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for line in _chain(header, rows):
            writer.writerow([cell(v) for v in line])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _chain(header: list[str], rows: Iterable[list]) -> Iterator[list]:
    yield header
    yield from rows
