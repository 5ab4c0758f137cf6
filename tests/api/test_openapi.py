"""The OpenAPI document says exactly what the API takes and answers.

Schemathesis runs every phase (examples, coverage, fuzzing, and the stateful phase that follows the
document's links) with every check it has, authenticated as a real partner, against the app served in
this process over HTTP (its in-process WSGI transport fails the ignored_auth check's own probe).
A check fails when the API refuses what the document allows, takes what it forbids, or answers with a
status, a header or a body the document does not declare.
"""

import re
import uuid

import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from api.idempotency import HEADER, KEY_PATTERN

SEED = 20261207
# What schemathesis takes as an answer to valid input by default.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
MAX_EXAMPLES = 5
MAX_STEPS = 5


def test_the_document_is_valid_openapi_3(client):
    document = client.get("/api/v1/openapi.json").json

    validate(document)

    assert document["openapi"].startswith("3.")


def test_a_handoffs_partners_are_documented_and_dumped_as_partner_refs(client):
    from types import SimpleNamespace

    from api.schemas import Flat, PartnerRef

    handoff = client.get("/api/v1/openapi.json").json["components"]["schemas"]["HandoffOut"]
    partner = SimpleNamespace(id=7, name="Nordlicht", regions=["DE"])

    for side in ("from_partner", "to_partner"):
        assert handoff["properties"][side] == {"$ref": "#/components/schemas/PartnerRef"}
    assert Flat(PartnerRef).serialize("partner", {"partner": partner}) == PartnerRef().dump(partner)
    assert Flat(PartnerRef).serialize("partner", {"partner": None}) is None


def test_every_request_body_refuses_unknown_fields_and_every_patch_an_empty_body(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    request_bodies = {name: schema for name, schema in schemas.items() if name.endswith(("In", "Patch"))}

    assert request_bodies
    assert all(schema["additionalProperties"] is False for schema in request_bodies.values())
    assert all(
        schemas[name]["minProperties"] == 1
        for name in ("ProfileIn", "ProductLinePatch", "EndpointPatch", "UserPatch")
    )


@pytest.fixture
def exchange(build):
    """A small live exchange, so generated requests sometimes name real objects."""
    build.complement("windows", "window-installation")
    acme = build.partner("Acme", lines=["windows"])
    fitters = build.partner("Fitters", lines=["window-installation"])
    build.partnership(acme, fitters)
    build.partnership(fitters, build.partner("Pending Co"), status="proposed")
    return {"partner": build.headers(acme), "admin": build.headers(None)}


def with_values_resolved(document: dict, client, headers: dict[str, str]) -> dict:
    """The document with each `x-values-from` pointer turned into the enumeration it points at, as a client
    would do it."""
    cache: dict[str, list] = {}

    def values(source: dict) -> list:
        if source["path"] not in cache:
            body = client.get(source["path"], headers=headers).json
            key = source["pointer"].rsplit("/", 1)[-1]
            cache[source["path"]] = sorted({item[key] for item in body["items"]})
        return cache[source["path"]]

    def walk(node):
        if isinstance(node, dict):
            if "x-values-from" in node:
                node["enum"] = values(node["x-values-from"]) + ([None] if node.get("nullable") else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return document


@pytest.fixture
def fresh_idempotency_keys():
    """A real client sends a fresh key per request: a valid key drawn twice would be a replay or a 422.

    Just before each call, so every phase's cases get one; schemathesis has this hook globally only.
    Valid requests only: a negative case keeps what it sends (schemathesis re-reads an edited case),
    and its key, never a UUID, cannot meet one stored.
    """

    def before_call(ctx, case, kwargs):
        if case.meta is not None and case.meta.generation.mode.is_negative:
            return
        if case.headers and re.match(KEY_PATTERN, str(case.headers.get(HEADER, ""))):
            case.headers[HEADER] = str(uuid.uuid4())

    schemathesis.hook(before_call)
    yield
    schemathesis.hooks.unregister(before_call)


@pytest.mark.usefixtures("fresh_idempotency_keys")
def test_schemathesis_finds_no_difference_between_the_document_and_the_api(
    app, client, live_server, exchange, monkeypatch
):
    # The run is one client hammering every route; its limits are another test's business.
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "1000000 per minute")
    monkeypatch.setitem(app.config, "RATE_LIMIT_TOKEN", "1000000 per minute")
    document = with_values_resolved(client.get("/api/v1/openapi.json").json, client, exchange["partner"])
    admin_only = [
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and operation.get("security") == [{"bearerAuth": ["admin"]}]
    ]
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": live_server,
            # A loaded machine may take seconds over one answer; speed is bench/'s business, not this test's.
            "request-timeout": 60,
            "headers": exchange["partner"],
            # The API takes I-JSON (RFC 7493, docs/api.md): UTF-8 text, so no lone surrogate, and no NUL.
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "codec": "utf-8",
                "allow-x00": False,
            },
            "checks": {"enabled": True},
            # Error feedback reads a 422's field paths ("size.monthly_won_value.amount") as top-level
            # property names and sends them as if the document allowed them.
            "phases": {
                "stateful": {"max-steps": MAX_STEPS},
                "fuzzing": {"error-feedback": {"enabled": False}},
            },
            "operations": [
                {"include-operation-id": admin_only, "headers": exchange["admin"]},
                # The refusals of valid input left as 422 (docs/api.md): an invitation to an address
                # already taken, a manager's password among the most common ones, assignee=me
                # from a partner system, which is no person, and a customer upload that keeps no
                # customer without allow_empty=true (it would erase the list; "no customer" also
                # means every row refused, which no schema can state: a phone number's validity is
                # the numbering plan's, and a CSV body is any text).
                {
                    "include-operation-id": ["post_users", "post_partners", "get_handoffs", "put_customers"],
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]},
                    },
                },
            ],
        }
    )
    schema = schemathesis.openapi.from_dict(document, config=config)

    operations, cases, failures, errors, phases = set(), 0, [], [], set()
    stop_reason = None
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            phases.add(event.phase.value)
            operations.update(node.value.operation.label for node in event.recorder.cases.values())
            cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                failures.extend(
                    _describe(check.failure_info, event.recorder.interactions.get(case_id))
                    for check in checks
                    if check.failure_info is not None
                )
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            stop_reason = event.stop_reason
            failures.extend(str(failure) for failure in event.failures)

    print(
        f"schemathesis: {len(operations)} operations, {cases} cases, phases {sorted(phases)}, "
        f"{len(failures)} failures, stopped: {stop_reason}"
    )
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} failures:\n\n" + "\n\n".join(unique)
    assert not errors, "\n\n".join(errors)
    # With no time limit every phase runs once (a limit would repeat fuzzing and stateful until it ends).
    assert stop_reason == "completed", f"the run stopped early: {stop_reason}"
    assert "stateful" in phases
    assert len(operations) >= 45


def _describe(info, interaction) -> str:
    failure = info.failure
    answer = ""
    if interaction is not None and interaction.response is not None:
        answer = f"\n-> {interaction.response.status_code} {interaction.response.content[:300]!r}"
    return f"{failure.operation}: {failure.title}\n{failure.message}\n{info.code_sample}{answer}"
