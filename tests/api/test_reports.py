"""Balance, flags, thresholds and exports through HTTP, each partner seeing only its own."""

import csv
import io
import json
from datetime import timedelta

import pytest

from partnerhub.core.db import utcnow
from partnerhub.reports import flags

WON = ["delivered", "accepted", "contacted", "won", "reward_invoiced"]


def _steps(path, days_ago=2):
    sent_at = utcnow() - timedelta(days=days_ago)
    return [("sent", sent_at), *[(s, sent_at + timedelta(hours=i + 1)) for i, s in enumerate(path)]]


@pytest.fixture
def exchange(build):
    northwind, acme, globex = build.partner("Northwind"), build.partner("Acme"), build.partner("Globex")
    partnership = build.partnership(northwind, acme)
    build.handoff_through(partnership, northwind, _steps(WON), deal_value="1250", reward_amount="125")
    build.handoff_through(partnership, northwind, _steps(["delivered", "expired"]))
    build.handoff_through(partnership, acme, _steps(["delivered"]))
    build.handoff_through(partnership, acme, _steps(["delivered"], days_ago=200))
    return northwind, acme, globex, partnership


def test_the_balance_has_one_row_per_partnership_with_both_directions(client, build, exchange):
    northwind, acme, _globex, partnership = exchange

    response = client.get("/api/v1/balance?period_days=90", headers=build.headers(northwind))

    assert response.status_code == 200
    body = response.get_json()
    assert body["period_days"] == 90
    [row] = body["items"]
    assert (
        row["partnership_id"],
        row["partner"]["id"],
        row["partner"]["name"],
        row["sent"],
        row["received"],
    ) == (
        partnership.id,
        acme.id,
        "Acme",
        2,
        1,
    )
    out = row["outgoing"]
    assert (out["accepted"], out["won"], out["expired"]) == (1, 1, 1)
    assert out["deal_value"] == [{"amount": "1250.00", "currency": "EUR"}]
    assert out["rewards_owed"] == [{"amount": "125.00", "currency": "EUR"}]
    assert out["conversion_rate"] == 0.5
    assert [link["stage"] for link in out["funnel"]][:3] == ["sent", "delivered", "accepted"]
    assert out["funnel"][2] == {"stage": "accepted", "count": 1, "drop": 1, "drop_rate": 0.5}


def test_a_partner_sees_no_balance_of_partnerships_it_is_not_part_of(client, build, exchange):
    _northwind, _acme, globex, _partnership = exchange

    response = client.get("/api/v1/balance", headers=build.headers(globex))

    assert response.get_json()["items"] == []


def test_the_balance_needs_the_reports_scope_and_a_sane_period(client, build, exchange):
    northwind = exchange[0]

    no_scope = client.get("/api/v1/balance", headers=build.headers(northwind, scopes=["directory:read"]))
    bad_period = client.get("/api/v1/balance?period_days=0", headers=build.headers(northwind))
    anonymous = client.get("/api/v1/balance")

    assert (no_scope.status_code, bad_period.status_code, anonymous.status_code) == (403, 422, 401)


def test_the_balance_as_csv_has_a_line_per_partnership_and_direction(client, build, exchange):
    northwind = exchange[0]

    response = client.get("/api/v1/balance.csv", headers=build.headers(northwind))

    assert response.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(line["direction"], line["sent"], line["currency"], line["deal_value"]) for line in lines] == [
        ("outgoing", "2", "EUR", "1250.00"),
        ("incoming", "1", "EUR", "0.00"),
    ]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_flags_touching_the_caller_are_listed_with_partners_numbers_and_sentence(client, build, session):
    northwind, acme, globex = build.partner("Northwind"), build.partner("Acme"), build.partner("Globex")
    partnership = build.partnership(northwind, acme)
    for _ in range(10):
        build.handoff_through(partnership, northwind, _steps(["delivered", "accepted"]), commit=False)
    flags.refresh_flags(session, now=utcnow())
    session.commit()

    mine = client.get("/api/v1/flags", headers=build.headers(acme)).get_json()["items"]
    theirs = client.get("/api/v1/flags", headers=build.headers(globex)).get_json()["items"]
    operator = client.get("/api/v1/flags", headers=build.headers(None)).get_json()["items"]
    as_csv = client.get("/api/v1/flags.csv", headers=build.headers(acme)).get_data(as_text=True)

    [one_sided] = [f for f in mine if f["kind"] == "one_sided"]
    assert one_sided["partners"] == [
        {"id": northwind.id, "name": "Northwind"},
        {"id": acme.id, "name": "Acme"},
    ]
    assert one_sided["sentence"] == "Northwind sent 10 leads to Acme in 90 days, Acme sent 0 back."
    assert one_sided["numbers"] == {"sent": 10, "received": 0, "period_days": 90}
    assert theirs == []
    assert len(operator) == len(mine)
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert "Northwind sent 10 leads to Acme in 90 days, Acme sent 0 back." in [r["sentence"] for r in rows]


def test_an_operator_tunes_flag_thresholds_and_partners_cannot(client, build):
    partner_headers = build.headers(build.partner())
    operator = build.headers(None)

    changed = client.put(
        "/api/v1/settings/flags", json={"thresholds": {"flags.dormant.days": 45}}, headers=operator
    )
    read_back = client.get("/api/v1/settings/flags", headers=operator)
    refused = client.put("/api/v1/settings/flags", json={"thresholds": {"flags.nope": 1}}, headers=operator)
    forbidden = client.get("/api/v1/settings/flags", headers=partner_headers)

    assert changed.status_code == 200
    assert read_back.get_json()["thresholds"]["flags.dormant.days"] == 45
    assert read_back.get_json()["thresholds"]["flags.one_sided.ratio"] == 3
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"thresholds.flags.nope.key": ["not a flag threshold"]}
    assert forbidden.status_code == 403


def test_handoffs_of_a_period_export_as_csv_and_json_for_their_two_sides_only(client, build, exchange):
    northwind, acme, globex, _partnership = exchange

    # Each streamed body is read before the next request opens its own context.
    as_csv = client.get("/api/v1/handoffs.csv?period_days=30", headers=build.headers(acme)).get_data(
        as_text=True
    )
    as_json = client.get("/api/v1/handoffs.json?period_days=365", headers=build.headers(northwind)).get_data(
        as_text=True
    )
    other = client.get("/api/v1/handoffs.json", headers=build.headers(globex)).get_data(as_text=True)

    lines = list(csv.DictReader(io.StringIO(as_csv)))
    assert len(lines) == 3
    assert {line["status"] for line in lines} == {"reward_invoiced", "expired", "delivered"}
    assert lines[0]["deal_value"] in {"1250.00", ""}
    exported = json.loads(as_json)
    assert len(exported) == 4
    assert {h["from_partner_id"] for h in exported} == {northwind.id, acme.id}
    assert json.loads(other) == []


def test_thresholds_and_rollups_from_the_command_line(runner, build, exchange):
    shown = runner.invoke(args=["partnerhub", "thresholds", "--json"])
    changed = runner.invoke(args=["partnerhub", "set-threshold", "flags.one_sided.ratio", "4", "--json"])
    refused = runner.invoke(args=["partnerhub", "set-threshold", "flags.nope", "4"])
    endless = runner.invoke(args=["partnerhub", "set-threshold", "flags.period_days", "1e308"])
    infinite = runner.invoke(args=["partnerhub", "set-threshold", "flags.one_sided.ratio", "inf"])
    rebuilt = runner.invoke(args=["partnerhub", "rebuild-rollups", "--json"])
    refreshed = runner.invoke(args=["partnerhub", "refresh-flags", "--json"])

    assert json.loads(shown.output)["flags.one_sided.ratio"] == 3
    assert json.loads(changed.output) == {"key": "flags.one_sided.ratio", "value": 4.0}
    assert refused.exit_code != 0
    assert "not a flag threshold" in refused.output
    assert endless.exit_code == infinite.exit_code == 1
    assert "flags.period_days: must be a number from 1 to 730" in endless.output
    assert "flags.one_sided.ratio: must be a number from 1 to 1000" in infinite.output
    assert json.loads(rebuilt.output) == {"rollup_rows": 3}
    assert "raised" in json.loads(refreshed.output)
