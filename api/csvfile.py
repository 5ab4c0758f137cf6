"""Every CSV download goes through `csv_response`: UTF-8, a header row, rows streamed as they are read;
every upload through `csv_upload`.

The cells are written by the domain's one CSV writer (`partnerhub.reports.exports.csv_lines`):
amounts as plain decimal numbers (the currency has its own column), times as ISO 8601,
None as an empty cell, and text that starts like a formula neutralised.
"""

import io
from collections.abc import Iterable
from typing import BinaryIO, TextIO

from flask import Response, stream_with_context

from partnerhub.reports.exports import csv_lines


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> Response:
    """A streamed CSV download of `rows` under `header`."""
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# A million customers as CSV is some 60 MB; an upload is read as it arrives, never held whole.
UPLOAD_LIMIT = 256 * 1024 * 1024


def csv_upload(stream: BinaryIO) -> TextIO:
    """An uploaded CSV file as text, read as it arrives: UTF-8 (a byte order mark is skipped), and a
    byte that is not UTF-8 read as U+FFFD, so the row holding it is refused with its line, not the file."""
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
