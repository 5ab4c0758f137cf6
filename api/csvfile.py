"""Every CSV download goes through `csv_response`: UTF-8, a header row, rows streamed as they are read.

The cells are written by the domain's one CSV writer (`partnerhub.exports.csv_lines`):
amounts as plain decimal numbers (the currency has its own column), times as ISO 8601,
None as an empty cell, and text that starts like a formula neutralised.
"""

from collections.abc import Iterable

from flask import Response, stream_with_context

from partnerhub.exports import csv_lines


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> Response:
    """A streamed CSV download of `rows` under `header`."""
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
