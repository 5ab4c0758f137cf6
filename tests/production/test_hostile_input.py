"""Schemathesis against our own OpenAPI document: every operation, valid and invalid input.

Each operation gets a bounded number of generated requests, authenticated as a
real partner (or an operator, for operations only the admin scope may call).
No answer may be a 5xx, and every answer must match what the document says:
status code, content type and body schema.
"""

import contextlib
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}
TIME_BUDGET_SECONDS = 90
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def exchange(build):
    """A small live exchange, so generated ids and slugs sometimes name real objects."""
    build.complement("windows", "window-installation")
    acme = build.partner("Acme", lines=["windows"])
    fitters = build.partner("Fitters", lines=["window-installation"])
    build.partnership(acme, fitters)
    build.partnership(fitters, build.partner("Pending Co"), status="proposed")
    return {"partner": build.headers(acme), "admin": build.headers(None)}


def _headers_for(operation, exchange) -> dict[str, str]:
    security = operation.definition.raw.get("security") or []
    scopes = {scope for requirement in security for scope in requirement.get("bearerAuth", [])}
    return exchange["admin"] if scopes == {"admin"} else exchange["partner"]


def _fuzz(operation, mode: GenerationMode, headers: dict[str, str]) -> int:
    """Run one operation's generated cases in one mode; return how many ran, raise on a failure."""
    ran = 0

    @settings(
        max_examples=EXAMPLES_PER_OPERATION[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        nonlocal ran
        ran += 1
        case.validate_response(case.call(headers=headers), checks=CHECKS)

    # Unsatisfiable: no input of this mode exists for the operation (a form whose fields are all optional).
    with contextlib.suppress(Unsatisfiable):
        run()
    return ran


def test_no_operation_answers_a_server_error_or_breaks_its_schema(app, exchange, monkeypatch):
    # The run is one client hammering every route; its limits are another test's business.
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "1000000 per minute")
    monkeypatch.setitem(app.config, "RATE_LIMIT_TOKEN", "1000000 per minute")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    operations, cases, failures = 0, 0, []

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in EXAMPLES_PER_OPERATION:
            if time.monotonic() > deadline:
                pytest.fail(f"the run passed its {TIME_BUDGET_SECONDS}s budget at {operation.label}")
            try:
                cases += _fuzz(operation, mode, _headers_for(operation, exchange))
            except Exception as exc:  # collect every operation's failure, then report them together
                failures.append(f"{operation.label} ({mode.value}): {exc}")

    print(f"schemathesis: {operations} operations, {cases} cases, {len(failures)} failures")
    assert operations >= 15
    assert not failures, "\n\n".join(failures)
