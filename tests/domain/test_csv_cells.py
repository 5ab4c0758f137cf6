"""The one CSV writer: text that a spreadsheet would run as a formula is written with a leading '."""

import csv
import io
from decimal import Decimal

import pytest

from partnerhub.reports.exports import csv_cell, csv_lines


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil.example")', "-inf"],
    ids=repr,
)
def test_text_that_starts_like_a_formula_gets_a_leading_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("number", [12, -12, Decimal("-12.50"), -0.25, "-12.50", "+3", "-.5", "42"], ids=repr)
def test_numbers_and_numeric_text_are_left_as_they_are(number):
    # An amount is written with its cents, as the number it is; nothing is prefixed.
    assert str(csv_cell(number)) == str(number)


@pytest.mark.parametrize("text", ["Acme", "a=b", " =1+1", "", "Müller & Söhne"], ids=repr)
def test_other_text_is_left_as_it_is(text):
    assert csv_cell(text) == text


def test_csv_lines_are_the_header_then_each_row_with_none_as_an_empty_cell():
    lines = list(
        csv_lines(["name", "amount", "note"], [["=evil()", Decimal("-3.00"), None], ["Acme", 4, "ok"]])
    )

    assert len(lines) == 3
    assert list(csv.reader(io.StringIO("".join(lines)))) == [
        ["name", "amount", "note"],
        ["'=evil()", "-3.00", ""],
        ["Acme", "4", "ok"],
    ]
