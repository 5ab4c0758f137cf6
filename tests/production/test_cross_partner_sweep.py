"""Every object route, every method, with another partner's token: 404, and nothing changes.

Routes are found in the URL map, not listed by hand: a route with an integer id
in its path must have a factory below that makes a real object of the owner,
or this test fails and names it. Add one factory per id parameter name.
"""

import pytest
from werkzeug.routing import IntegerConverter

from tests.api.test_referrals import referral_body

# id parameter name -> (build, owner, stranger) -> id of a real object the owner can see.
OBJECT_FACTORIES = {
    "line_id": lambda build, owner, stranger: build.line(owner, "windows").id,
    "partnership_id": lambda build, owner, stranger: _partnership(build, owner),
    "endpoint_id": lambda build, owner, stranger: build.endpoint(owner, "http://127.0.0.1:9/hook").id,
    "delivery_id": lambda build, owner, stranger: _delivery(build, owner),
    "lead_id": lambda build, owner, stranger: build.lead(owner).id,
    "handoff_id": lambda build, owner, stranger: build.handoff(owner, build.partner()).id,
    "user_id": lambda build, owner, stranger: build.user(owner, "rep").id,
    "flag_id": lambda build, owner, stranger: _flag(build, owner),
    "follow_up_id": lambda build, owner, stranger: _follow_up(build, owner),
    # A version of the terms of the owner's partnership (partnership_id's): the first one.
    "version": lambda build, owner, stranger: 1,
}
# Values for the other (not integer id) arguments of those paths.
PATH_VALUES = {"month": "2026-11"}
# A body for a (method, rule) whose schema refuses {} before it looks the object up.
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/handoffs/<int:handoff_id>/transitions"): {"to": "accepted"},
    # A PATCH must name something to change (docs/api.md).
    ("PATCH", "/api/v1/product-lines/<int:line_id>"): {"name": "Windows"},
    ("PATCH", "/api/v1/webhook-endpoints/<int:endpoint_id>"): {"enabled": False},
    ("PATCH", "/api/v1/users/<int:user_id>"): {"away": True},
    ("POST", "/api/v1/partnerships/<int:partnership_id>/terms"): {
        "terms": {"reward_type": "percent", "reward_value": "15"}
    },
    ("POST", "/api/v1/handoffs/<int:handoff_id>/assign"): {"user_id": 1},
    ("POST", "/api/v1/handoffs/<int:handoff_id>/comments"): {"text": "Hello"},
    ("POST", "/api/v1/follow-ups/<int:follow_up_id>"): {"status": "skipped"},
    ("PUT", "/api/v1/partnerships/<int:partnership_id>/overlap-sharing"): {"share": True},
    ("POST", "/api/v1/handoffs/<int:handoff_id>/referrals"): referral_body(),
}
SAFE_METHODS = {"HEAD", "OPTIONS"}


def _delivery(build, owner) -> int:
    from partnerhub.core import outbox

    build.endpoint(owner, "http://127.0.0.1:9/hook")
    queued = outbox.emit(build.session, partner_id=owner.id, event_type="lead.unrouted", data={"lead_id": 1})
    delivery = queued[0]
    build.session.commit()
    return delivery.id


def _partnership(build, owner) -> int:
    # Both sides share their customers in common, so its overlap is the owner's to read.
    partnership = build.partnership(owner, build.partner())
    partnership.proposer_shares_overlap = partnership.responder_shares_overlap = True
    build.session.commit()
    return partnership.id


def _follow_up(build, owner) -> int:
    from partnerhub.core.db import utcnow
    from partnerhub.exchange import follow_ups

    handoff = build.handoff(build.partner(), owner, status="won")
    follow_ups.schedule_follow_ups(build.session, handoff=handoff, days=[7], now=utcnow())
    build.session.commit()
    return follow_ups.of_handoff(build.session, handoff=handoff)[0].id


def _flag(build, owner) -> int:
    from partnerhub.models import Flag

    flag = Flag(kind="overloaded", subject_key=str(owner.id), partner_id=owner.id, sentence="Owner is busy.")
    build.session.add(flag)
    build.session.commit()
    return flag.id


def object_routes(app):
    """(rule, method, id argument names) for each API route with an integer id in its path.

    Pages authenticate by session, not bearer token; tests/web sweeps them with logged-in users.
    """
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        ids = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ids:
            for method in sorted(rule.methods - SAFE_METHODS):
                if not _admin_only(app, rule, method):
                    yield rule, method, ids


def _admin_only(app, rule, method) -> bool:
    view = app.view_functions[rule.endpoint]
    view = getattr(getattr(view, "view_class", None), method.lower(), view)
    security = getattr(view, "_apidoc", {}).get("manual_doc", {}).get("security", [])
    return bool(security) and all(req.get("bearerAuth") == ["admin"] for req in security)


def test_every_id_parameter_has_an_object_factory(app):
    missing = sorted(
        {
            (name, rule.rule)
            for rule, _, ids in object_routes(app)
            for name in ids
            if name not in OBJECT_FACTORIES
        }
    )

    assert not missing, f"add a factory to OBJECT_FACTORIES for these id parameters: {missing}"


def test_another_partners_objects_are_404_on_every_route_and_method(app, client, build):
    owner, stranger = build.partner("Owner"), build.partner("Stranger")
    owner_headers, stranger_headers = build.headers(owner), build.headers(stranger)
    ids = {name: make(build, owner, stranger) for name, make in OBJECT_FACTORIES.items()}
    routes = list(object_routes(app))
    views = {rule.rule: rule for rule, method, _ in routes if method == "GET"}
    before = {path: client.get(_url(rule, ids), headers=owner_headers) for path, rule in views.items()}
    answers = {}

    for rule, method, _ in routes:
        url = _url(rule, ids)
        body = BODIES.get((method, rule.rule), {})
        # A key on every request: one that needs it would otherwise be refused before the lookup.
        headers = {**stranger_headers, "Idempotency-Key": f"sweep-{method}-{rule.rule}"}
        answer = client.open(url, method=method, json=body, headers=headers)
        answers[f"{method} {rule.rule}"] = answer.status_code

    assert len(answers) >= 8
    assert {route: status for route, status in answers.items() if status != 404} == {}
    for path, rule in views.items():
        after = client.get(_url(rule, ids), headers=owner_headers)
        assert before[path].status_code == 200, f"the factory's object is not visible to its owner at {path}"
        assert after.get_json() == before[path].get_json(), f"a stranger's request changed {path}"


def _url(rule, ids) -> str:
    values = {**PATH_VALUES, **ids}
    return rule.build({name: values[name] for name in rule.arguments if name in values})[1]


@pytest.mark.parametrize("name", sorted(OBJECT_FACTORIES))
def test_each_factory_is_used_by_some_route(app, name):
    used = {n for _, _, ids in object_routes(app) for n in ids}

    assert name in used, f"OBJECT_FACTORIES[{name!r}] matches no route any more; remove it"
