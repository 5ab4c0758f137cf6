"""Suggestions: complementary lines, a shared region, a similar size, not yet partners, active."""

import pytest

from partnerhub.reports.suggestions import regions_overlap, suggest_partners


@pytest.fixture
def market(build):
    build.complement("windows", "window-installation", weight=0.9)
    northwind = build.partner(
        "Northwind", regions=["DE-BE"], sales_reps=3, monthly_leads=30, lines=["windows"]
    )
    build.partner("Acme", regions=["DE"], sales_reps=4, monthly_leads=30, lines=["window-installation"])
    build.partner("Globex", regions=["DE"], sales_reps=30, monthly_leads=300, lines=["window-installation"])
    build.partner("Initech", regions=["FR"], lines=["window-installation"])
    build.partner("Hooli", regions=["DE"], lines=["doors"])
    build.partner("Pending", regions=["DE"], status="pending", lines=["window-installation"])
    umbrella = build.partner("Umbrella", regions=["DE"], lines=["window-installation"])
    build.partnership(northwind, umbrella)
    former = build.partner(
        "Former", regions=["DE"], sales_reps=3, monthly_leads=30, lines=["window-installation"]
    )
    build.partnership(former, northwind, status="ended")
    return northwind


def test_suggestions_are_active_complementary_partners_in_a_shared_region_not_yet_partners(session, market):
    found = suggest_partners(session, partner=market)

    assert [s.partner.name for s in found] == ["Former", "Acme", "Globex"]
    assert found[1].sentence == (
        "Acme sells window installation, which complements your windows; it serves DE-BE like you; "
        "it has 4 sales reps to your 3 and expects 30 leads a month to your 30."
    )
    assert found[1].parts == {"complement": 0.9, "size": 0.875}
    assert found[1].score == pytest.approx(0.6 * 0.9 + 0.4 * 0.875)


def test_a_country_covers_its_regions_when_looking_for_overlap():
    assert regions_overlap(["DE-BE", "FR"], ["DE"]) == ["DE-BE"]
    assert regions_overlap(["DE"], ["DE-BY", "AT"]) == ["DE-BY"]
    assert regions_overlap(["DE-BE"], ["DE-BY"]) == []


def test_suggestions_through_the_api(client, build, market):
    response = client.get(
        "/api/v1/suggestions?limit=2", headers=build.headers(market, scopes=["directory:read"])
    )

    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["partner"]["name"] for i in items] == ["Former", "Acme"]
    assert items[1]["regions"] == ["DE-BE"]


def test_customers_in_common_lift_a_former_partner_when_both_consented_to_count_them(session, build):
    build.complement("windows", "window-installation", weight=0.8)
    me = build.partner("Me", lines=["windows"])
    customers = [{"email": f"c{i}@shared.example"} for i in range(50)]
    build.customers(me, customers)
    ended = {}
    for name in ("Silent", "Sharing"):
        other = build.partner(name, lines=["window-installation"])
        build.customers(other, customers)
        ended[name] = build.partnership(me, other, status="ended")
    ended["Sharing"].proposer_shares_overlap = ended["Sharing"].responder_shares_overlap = True
    session.commit()

    found = {s.partner.name: s for s in suggest_partners(session, partner=me)}

    assert found["Sharing"].score > found["Silent"].score
    assert found["Sharing"].parts["overlap"] == pytest.approx(50 / 150, abs=1e-4)
    assert "overlap" not in found["Silent"].parts
    assert "50 contacts in common" in found["Sharing"].sentence
