"""After an upload, no answer anywhere holds an uploaded value: every GET route of the API and the pages,
as the partner itself, as its partner on the other side (sharing the overlap), and as the operator."""

import io
import re

from flask import url_for

from partnerhub.core.db import utcnow
from tests.builders import TEST_PASSWORD
from tests.web.conftest import OwnContextClient, csrf_token

EMAIL = "Sweep.Secret@Hidden-Customer.example"
PHONE = "030 99887766"
DOMAIN = "https://www.hidden-domain-sweep.example/about"
REFUSED = "leaky-refused-value"
# Each value as written, and as it is normalised before hashing.
SECRETS = [
    EMAIL,
    EMAIL.lower(),
    "99887766",
    "+493099887766",
    "hidden-domain-sweep",
    REFUSED,
]


def _signed_in(app, user) -> OwnContextClient:
    client = OwnContextClient(app, app.response_class, use_cookies=True)
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    return client


def _urls(app, ids: dict[str, int]) -> list[str]:
    """Every GET route, its ids filled with the arranged objects' (another id where none fits)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static", "web.static", "swagger_assets"):
                continue
            values = {}
            for name, converter in rule._converters.items():
                kind = type(converter).__name__
                if kind == "IdConverter":
                    values[name] = ids.get(name, 1)
                elif kind == "MonthConverter":
                    values[name] = utcnow().strftime("%Y-%m")
                elif kind == "AnyConverter":
                    values[name] = sorted(converter.items)[0]
                else:
                    values[name] = ids.get(name, "x")
            urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if re.search(re.escape(s), text, re.IGNORECASE)]


def test_no_answer_anywhere_holds_an_uploaded_value(app, build, session):
    build.complement("windows", "window-installation")
    owner = build.partner("Owner", lines=["windows"])
    other = build.partner("Other", lines=["window-installation"])
    partnership = build.partnership(owner, other)
    partnership.proposer_shares_overlap = partnership.responder_shares_overlap = True
    owner_manager, other_manager = build.user(owner, "manager"), build.user(other, "manager")
    admin = build.user(None, "admin")
    owner_api, other_api, admin_api = build.headers(owner), build.headers(other), build.headers(None)
    build.customers(other, [{"email": EMAIL}])
    lead = build.lead(owner, email=EMAIL, phone=PHONE)
    ids = {"partnership_id": partnership.id, "partner_id": owner.id, "lead_id": lead.id}
    session.commit()
    owner_pages = _signed_in(app, owner_manager)
    api = app.test_client()

    answers = [
        api.put(
            "/api/v1/customers",
            data=f"email,phone,domain\n{EMAIL},{PHONE},{DOMAIN}\n{REFUSED},,\n".encode(),
            headers={**owner_api, "Content-Type": "text/csv"},
        ),
        owner_pages.post(
            "/customers",
            data={
                "csrf_token": csrf_token(owner_pages.get("/customers").text),
                "file": (
                    io.BytesIO(f"email,phone,domain\n{EMAIL},{PHONE},{DOMAIN}\n{REFUSED},,\n".encode()),
                    "c.csv",
                ),
            },
            content_type="multipart/form-data",
            follow_redirects=True,
        ),
    ]
    assert answers[0].json["count"] == 1
    assert "1 customer" in answers[1].text

    readers = [
        (owner_api, api),
        (other_api, api),
        (admin_api, api),
        (None, owner_pages),
        (None, _signed_in(app, other_manager)),
        (None, _signed_in(app, admin)),
    ]
    urls = _urls(app, ids)
    assert "/customers" in urls
    assert f"/api/v1/partnerships/{partnership.id}/overlap" in urls
    for headers, client in readers:
        for url in urls:
            if url.startswith("/api/") != (headers is not None):
                continue
            answers.append(client.get(url, headers=headers or {}))
            # Read now: a streamed download must be read while its request's context stands.
            answers[-1].get_data()

    found = {(a.request.path, s) for a in answers for s in _leaks(a.get_data().decode("utf-8", "replace"))}
    # The lead's own page shows its contact to its sender: that is the lead, not the list; and it shows
    # the sweep would see a value where one is.
    from_the_lead = {
        (path, s) for path, s in found if path.startswith((f"/leads/{lead.id}", "/api/v1/leads"))
    }
    assert (f"/leads/{lead.id}", EMAIL) in from_the_lead
    assert found - from_the_lead == set()
    assert sum(a.status_code == 200 for a in answers) > 40
