"""The whole exchange through the public API: a lead goes out, is worked, and the balance shows it."""

from datetime import timedelta

from partnerhub.core.db import utcnow
from partnerhub.delivery import jobs

LEAD = {
    "external_id": "crm-8812",
    "contact": {"name": "Dana Buyer", "email": "dana@example.test", "phone": "+49 30 1234567"},
    "need": {"category": "window-installation", "text": "Six windows in an old flat"},
    "region": "DE-BE",
    "consent": True,
    "source": "api",
}


def _move(client, headers, handoff_id, to, **extra):
    response = client.post(
        f"/api/v1/handoffs/{handoff_id}/transitions", json={"to": to, **extra}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_won_lead_shows_in_both_partners_balance(client, build):
    maker = build.partner("Window Maker", lines=["windows"], sales_reps=10)
    fitter = build.partner("Fitter", lines=["window-installation"], sales_reps=10)
    build.partnership(maker, fitter, reward_type="percent", reward_value="10")
    as_maker, as_fitter = build.headers(maker), build.headers(fitter)

    posted = client.post("/api/v1/leads", json=LEAD, headers={**as_maker, "Idempotency-Key": "e2e-1"})
    [handoff] = posted.get_json()["handoffs"]
    for step in ("delivered", "accepted", "contacted"):
        _move(client, as_fitter, handoff["id"], step)
    won = _move(client, as_fitter, handoff["id"], "won", deal_value={"amount": "8000.00", "currency": "EUR"})

    assert posted.status_code == 201
    assert won["reward"] == {"amount": "800.00", "currency": "EUR"}
    [maker_row] = client.get("/api/v1/balance", headers=as_maker).get_json()["items"]
    [fitter_row] = client.get("/api/v1/balance", headers=as_fitter).get_json()["items"]
    assert (maker_row["sent"], maker_row["received"]) == (1, 0)
    assert (fitter_row["sent"], fitter_row["received"]) == (0, 1)
    assert maker_row["outgoing"]["won"] == 1
    assert maker_row["outgoing"]["deal_value"] == [{"amount": "8000.00", "currency": "EUR"}]


def test_the_worker_raises_a_size_mismatch_flag_both_partners_see(client, build, session):
    giant = build.partner("Giant", sales_reps=50, monthly_leads=500)
    solo = build.partner("Solo", sales_reps=1, monthly_leads=8)
    build.partnership(giant, solo)

    ran = jobs.run_due_jobs(session, now=utcnow() + timedelta(minutes=1))

    assert ran["flags"] >= 1
    for partner in (giant, solo):
        kinds = {
            f["kind"]: f
            for f in client.get("/api/v1/flags", headers=build.headers(partner)).get_json()["items"]
        }
        assert "size_mismatch" in kinds
        assert kinds["size_mismatch"]["sentence"].startswith(
            "Giant has 50 sales reps and expects 500 leads a month; Solo has 1 and expects 8"
        )
