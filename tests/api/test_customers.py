"""PUT and GET /customers: a partner's list goes in, only hashes are kept, only a count comes out."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.core.db import utcnow
from partnerhub.customers import lists as customers
from partnerhub.models import AuditEntry, CustomerKey

CSV = {"Content-Type": "text/csv"}


def put_csv(client, headers, text, query=""):
    return client.put(f"/api/v1/customers{query}", data=text.encode(), headers={**headers, **CSV})


def test_a_json_upload_is_counted_and_the_list_answers_only_its_count_and_time(client, build):
    partner = build.partner("Acme")
    headers = build.headers(partner)

    put = client.put(
        "/api/v1/customers",
        json={"customers": [{"email": "a@b.example", "phone": "030 1234567"}, {"domain": "c.example"}]},
        headers=headers,
    )
    got = client.get("/api/v1/customers", headers=headers)

    assert put.status_code == 200, put.json
    assert put.json["count"] == 2
    assert put.json["rejected"] == []
    assert got.status_code == 200
    assert set(got.json) == {"count", "uploaded_at"}
    assert got.json["count"] == 2
    assert got.json["uploaded_at"] == put.json["uploaded_at"]


def test_before_any_upload_the_list_is_empty_with_no_time(client, build):
    got = client.get("/api/v1/customers", headers=build.headers(build.partner()))

    assert got.json == {"count": 0, "uploaded_at": None}


def test_only_keyed_hashes_are_kept_never_the_values(client, build, session):
    partner = build.partner()

    put_csv(
        client,
        build.headers(partner),
        "email,phone,domain\nsecret@hidden.example,030 7654321,hidden.example\n",
    )

    digests = session.scalars(select(CustomerKey.digest).where(CustomerKey.partner_id == partner.id)).all()
    assert len(digests) == 3
    assert all(isinstance(d, int) for d in digests)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "customers.uploaded")).one()
    assert audit.details == {"count": 1, "rejected": 0}


def test_a_csv_with_broken_rows_keeps_the_good_ones_and_names_the_bad_by_line(client, build):
    text = (
        "Email,phone,domain\n"  # line 1: the header, any case
        "good@acme.example,,\n"  # 2
        "not-an-address,,\n"  # 3
        ",12,\n"  # 4: too short to be a phone number
        "\n"  # 5: blank lines are skipped
        ",,acme.example\n"  # 6
        "x@y.example,too,many,cells\n"  # 7
        ",,\n"  # 8: nothing given is no row
        '"quoted, fine@acme.example",,\n'  # 9
    )

    answer = put_csv(client, build.headers(build.partner()), text)

    assert answer.status_code == 200, answer.json
    assert answer.json["count"] == 2
    assert answer.json["rejected_count"] == 4
    lines = {r["line"]: r["errors"] for r in answer.json["rejected"]}
    assert set(lines) == {3, 4, 7, 9}
    assert "email" in lines[3]
    assert "phone" in lines[4]
    assert "header has 3" in lines[7]["_row"][0]


def test_an_unknown_column_is_refused_and_named(client, build):
    answer = put_csv(client, build.headers(build.partner()), "email,fax\na@b.example,123\n")

    assert answer.status_code == 422
    assert "unknown column 'fax'" in answer.json["errors"]["columns"][0]


@pytest.mark.parametrize(
    ("text", "query"), [("email,phone,domain\n", ""), ("", ""), ("email\nnot-an-address\n", "")]
)
def test_an_upload_with_no_customer_is_refused_as_it_would_empty_the_list(client, build, text, query):
    partner = build.partner()
    headers = build.headers(partner)
    put_csv(client, headers, "email\nkeep@acme.example\n")

    answer = put_csv(client, headers, text, query)

    assert answer.status_code == 422
    assert "customers" in answer.json["errors"]
    assert client.get("/api/v1/customers", headers=headers).json["count"] == 1


def test_an_empty_upload_asked_for_explicitly_empties_the_list(client, build, session):
    partner = build.partner()
    headers = build.headers(partner)
    put_csv(client, headers, "email\nkeep@acme.example\n")

    answer = client.put("/api/v1/customers?allow_empty=true", json={"customers": []}, headers=headers)

    assert answer.status_code == 200
    assert answer.json["count"] == 0
    assert session.scalars(select(CustomerKey).where(CustomerKey.partner_id == partner.id)).all() == []


def test_a_json_upload_names_refused_customers_by_their_index(client, build):
    answer = client.put(
        "/api/v1/customers",
        json={"customers": [{"email": "ok@acme.example"}, {"phone": "not a phone"}, {}]},
        headers=build.headers(build.partner()),
    )

    assert answer.status_code == 200
    assert [r["index"] for r in answer.json["rejected"]] == [1, 2]
    assert answer.json["rejected"][1]["errors"] == {"_row": ["holds no email, phone or domain"]}


def test_a_json_upload_refuses_unknown_fields(client, build):
    answer = client.put(
        "/api/v1/customers", json={"customers": [{"fax": "123"}]}, headers=build.headers(build.partner())
    )

    assert answer.status_code == 422
    assert "customers.0.fax" in answer.json["errors"]


def test_another_type_of_body_is_refused(client, build):
    answer = client.put(
        "/api/v1/customers",
        data=b"email",
        headers={**build.headers(build.partner()), "Content-Type": "text/plain"},
    )

    assert answer.status_code == 415


def test_a_new_upload_replaces_the_list_and_keeps_when_a_remaining_customer_was_first_listed(
    client, build, session
):
    partner = build.partner()
    long_ago = utcnow() - timedelta(days=30)
    build.customers(partner, [{"email": "stays@acme.example"}, {"email": "goes@acme.example"}], at=long_ago)

    answer = put_csv(client, build.headers(partner), "email\nstays@acme.example\nnew@acme.example\n")

    assert answer.json["count"] == 2
    since = sorted(
        session.scalars(select(CustomerKey.listed_since).where(CustomerKey.partner_id == partner.id)).all()
    )
    assert len(since) == 2
    assert since[0] == pytest.approx(long_ago, abs=timedelta(seconds=1))
    assert since[1] > long_ago + timedelta(days=29)


def test_a_large_csv_is_taken_past_the_usual_body_limit(client, build):
    rows = "".join(f"buyer{i}@acme.example,+49 30 {1000000 + i},\n" for i in range(30_000))
    text = "email,phone,domain\n" + rows
    assert len(text) > 1024 * 1024

    answer = put_csv(client, build.headers(build.partner()), text)

    assert answer.status_code == 200, answer.json
    assert answer.json["count"] == 30_000


NEED = "window-installation"


def _exchange(build):
    """A sender and two fitters it is partnered with; the first fitter has the buyer as a customer."""
    sender = build.partner("Windows Co", lines=["windows"])
    holder = build.partner("Secret Holder", lines=[NEED])
    other = build.partner("Other Fitter", lines=[NEED])
    build.partnership(sender, holder)
    build.partnership(sender, other)
    build.customers(holder, [{"email": "ada@buyer.example"}])
    return sender, holder, other


def _lead(client, headers, **overrides):
    body = {
        "contact": {"name": "Ada", "email": "ada@buyer.example"},
        "need": {"category": NEED},
        "region": "DE-BE",
        "consent": True,
    }
    return client.post(
        "/api/v1/leads", json={**body, **overrides}, headers={**headers, "Idempotency-Key": "k1"}
    )


def test_a_hand_off_by_hand_to_a_partner_that_has_the_customer_is_refused_without_saying_why(client, build):
    sender, holder, _ = _exchange(build)
    headers = build.headers(sender)
    lead = _lead(client, headers)
    recalled = client.post(
        f"/api/v1/handoffs/{lead.json['handoffs'][0]['id']}/transitions",
        json={"to": "recalled"},
        headers=headers,
    )
    assert recalled.status_code == 200

    answer = client.post(
        f"/api/v1/leads/{lead.json['id']}/handoffs", json={"partner_id": holder.id}, headers=headers
    )

    assert answer.status_code == 409
    assert "Secret Holder" not in answer.text
    assert "customer" not in answer.json["detail"]


def test_the_sender_reads_that_a_partner_was_passed_over_never_which(client, build):
    sender, _, other = _exchange(build)
    headers = build.headers(sender)

    lead = _lead(client, headers)
    handoff = client.get(f"/api/v1/handoffs/{lead.json['handoffs'][0]['id']}", headers=headers)

    assert handoff.json["to_partner"]["id"] == other.id
    assert {
        "excluded": "a partner was passed over for an existing relationship with the contact",
        "reason": "existing_customer",
    } in handoff.json["excluded"]
    assert "Secret Holder" not in lead.text + handoff.text


def test_a_receivers_existing_customer_claim_is_checked_and_shown_to_both_sides(client, build):
    sender = build.partner("Windows Co", lines=["windows"])
    fitter = build.partner("Fitter", lines=[NEED])
    build.partnership(sender, fitter)
    lead = _lead(client, build.headers(sender))
    handoff_id = lead.json["handoffs"][0]["id"]

    declined = client.post(
        f"/api/v1/handoffs/{handoff_id}/transitions",
        json={"to": "declined", "reason": "existing_customer"},
        headers=build.headers(fitter),
    )
    seen_by_sender = client.get(f"/api/v1/handoffs/{handoff_id}", headers=build.headers(sender))

    assert declined.status_code == 200, declined.json
    assert declined.json["customer_claim"] == "not_confirmed"
    assert seen_by_sender.json["customer_claim"] == "not_confirmed"


def test_the_overlap_is_counted_only_while_both_sides_share_it(client, build, session):
    acme, globex = build.partner("Acme"), build.partner("Globex")
    partnership = build.partnership(acme, globex)
    build.customers(acme, [{"email": "both@x.example"}, {"email": "acme-only@x.example"}])
    build.customers(globex, [{"email": "Both@X.example"}, {"domain": "globex-only.example"}])
    mine, theirs = build.headers(acme), build.headers(globex)
    overlap = f"/api/v1/partnerships/{partnership.id}/overlap"
    sharing = f"/api/v1/partnerships/{partnership.id}/overlap-sharing"

    before = client.get(overlap, headers=mine)
    one_side = client.put(sharing, json={"share": True}, headers=mine)
    still_one = client.get(overlap, headers=mine)
    client.put(sharing, json={"share": True}, headers=theirs)
    both = client.get(overlap, headers=theirs)
    client.put(sharing, json={"share": False}, headers=mine)
    withdrawn = client.get(overlap, headers=theirs)

    assert before.status_code == 409
    assert one_side.json["shares_overlap"] is True
    assert one_side.json["other_shares_overlap"] is False
    assert still_one.status_code == 409
    assert "the other side does not" in still_one.json["detail"]
    assert both.status_code == 200
    assert both.json == {"shared_customers": 1}
    assert withdrawn.status_code == 409
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.like("partnership.overlap%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "partnership.overlap_shared",
        "partnership.overlap_shared",
        "partnership.overlap_withdrawn",
    ]


def test_another_partners_partnership_has_no_overlap_to_show_or_share(client, build):
    acme, globex = build.partner("Acme"), build.partner("Globex")
    partnership = build.partnership(acme, globex)
    outsider = build.headers(build.partner("Outsider"))

    shown = client.get(f"/api/v1/partnerships/{partnership.id}/overlap", headers=outsider)
    shared = client.put(
        f"/api/v1/partnerships/{partnership.id}/overlap-sharing", json={"share": True}, headers=outsider
    )

    assert shown.status_code == 404
    assert shared.status_code == 404


@pytest.mark.parametrize("share", ["true", 1, None])
def test_sharing_takes_only_a_json_boolean(client, build, share):
    acme = build.partner()
    partnership = build.partnership(acme, build.partner())

    answer = client.put(
        f"/api/v1/partnerships/{partnership.id}/overlap-sharing",
        json={"share": share},
        headers=build.headers(acme),
    )

    assert answer.status_code == 422


def test_the_partners_country_reads_its_customers_numbers_and_is_on_its_profile(client, build, session):
    partner = build.partner()
    headers = build.headers(partner)

    default = client.get("/api/v1/partners/me", headers=headers).json["country"]
    changed = client.patch("/api/v1/partners/me", json={"country": "FR"}, headers=headers)
    unknown = client.patch("/api/v1/partners/me", json={"country": "ZZ"}, headers=headers)
    put_csv(client, headers, "phone\n01 42 68 53 00\n")

    assert default == "DE"
    assert changed.json["country"] == "FR"
    assert unknown.status_code == 422
    digests = session.scalars(select(CustomerKey.digest).where(CustomerKey.partner_id == partner.id)).all()
    assert digests == [customers.digest("phone", "+33142685300")]
