"""A partner system's client, generated from /api/v1/openapi.json, works against a real server.

openapi-python-client (pinned in the dev extras) generates the client at test time into a temporary
folder: nothing generated is committed, so the test always speaks the document the app serves now.
It runs here, beside the live server the browser tests use.
"""

import importlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

PACKAGE = "partnerhub_client"


@pytest.fixture
def generated(live_server, tmp_path, monkeypatch):
    """The package openapi-python-client generates from the served document, imported."""
    document = tmp_path / "openapi.json"
    document.write_bytes(requests.get(f"{live_server}/api/v1/openapi.json", timeout=10).content)
    # No post-generation hooks: formatting the code with ruff would only cost time here. The generator
    # knows no text/csv body (PUT /customers takes one beside JSON): a client sends the file's bytes,
    # which is what its octet-stream bodies do, so it is told to treat CSV as those.
    config = tmp_path / "generator.json"
    config.write_text(
        json.dumps({"post_hooks": [], "content_type_overrides": {"text/csv": "application/octet-stream"}})
    )
    subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield lambda module: importlib.import_module(f"{PACKAGE}.{module}")
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_a_generated_client_posts_a_lead_reads_its_handoff_and_moves_it(
    build, session, live_server, generated
):
    build.complement("windows", "window-installation")
    acme = build.partner("Acme", lines=["windows"])
    fitters = build.partner("Fitters", lines=["window-installation"])
    build.partnership(acme, fitters)
    as_acme, as_fitters = (build.headers(p)["Authorization"].removeprefix("Bearer ") for p in (acme, fitters))
    # Nothing the test holds keeps a transaction open while the server writes (SQLite's one writer).
    session.commit()
    models, client_module = generated("models"), generated("client")
    leads = generated("api.leads.post_leads")
    handoff_by_id = generated("api.handoffs.get_handoffs_by_handoff_id")
    transitions = generated("api.handoffs.post_handoffs_by_handoff_id_transitions")

    sender = client_module.AuthenticatedClient(
        base_url=live_server, token=as_acme, raise_on_unexpected_status=True
    )
    receiver = client_module.AuthenticatedClient(
        base_url=live_server, token=as_fitters, raise_on_unexpected_status=True
    )
    lead = leads.sync(
        client=sender,
        idempotency_key=str(uuid.uuid4()),
        body=models.LeadIn(
            contact=models.Contact(name="Dana Buyer", email="dana@example.com"),
            need=models.Need(category="window-installation", text="Six windows fitted"),
            region="DE-BE",
            consent=True,
        ),
    )
    handoff = handoff_by_id.sync(client=receiver, handoff_id=lead.handoffs[0].id)
    transitions.sync(
        client=receiver, handoff_id=handoff.id, body=models.TransitionIn(to=models.TransitionInTo.DELIVERED)
    )
    accepted = transitions.sync(
        client=receiver, handoff_id=handoff.id, body=models.TransitionIn(to=models.TransitionInTo.ACCEPTED)
    )

    assert lead.status == models.LeadOutStatus.ROUTED
    assert handoff.status == "sent"
    assert handoff.to_partner.name == "Fitters"
    assert accepted.status == "accepted"
    assert [event.to for event in accepted.events] == ["sent", "delivered", "accepted"]
