"""Routing: who receives a lead, in a table of scenarios, and the pure score behind it."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.exchange import intake, routing

NEED = "window-installation"
CLEANING = "window-cleaning"


def _world(build):
    """The sender, a window maker, and the complement between installation and cleaning."""
    build.complement(NEED, CLEANING, weight=1.0)
    return build.partner("Sender", lines=["windows"])


def _exact(build, sender, name="Exact", **kwargs):
    partner = build.partner(name, lines=[NEED], **kwargs)
    build.partnership(sender, partner)
    return partner


def _complementary(build, sender, name="Complementary"):
    partner = build.partner(name, lines=[CLEANING])
    build.partnership(sender, partner)
    return partner


@dataclass
class Scenario:
    name: str
    arrange: object
    winner: str | None
    reason: str | None = None
    lead: dict = field(default_factory=dict)


def exact_beats_complementary(build, sender):
    _complementary(build, sender)
    _exact(build, sender)


def complementary_is_used_when_nobody_sells_the_need(build, sender):
    _complementary(build, sender)


def a_line_serving_a_country_serves_its_regions(build, sender):
    partner = build.partner("Exact", regions=["FR"])
    build.line(partner, NEED, regions=["DE"])
    build.partnership(sender, partner)


def a_line_outside_the_region_is_not_a_candidate(build, sender):
    partner = build.partner("Exact", regions=["FR"])
    build.line(partner, NEED, regions=["FR", "DE-BY"])
    build.partnership(sender, partner)


def a_partner_at_its_monthly_cap_is_skipped(build, sender):
    capped = build.partner("Exact", lines=[NEED])
    build.partnership(sender, capped, monthly_cap=1)
    build.handoff(sender, capped)
    _complementary(build, sender)


def a_partner_over_capacity_is_skipped(build, sender):
    busy = _exact(build, sender, sales_reps=1)
    other = build.partner("Elsewhere")
    for _ in range(15):
        build.handoff(other, busy, status="accepted")
    _complementary(build, sender)


def the_same_contact_within_90_days_is_a_reported_conflict(build, sender):
    exact = _exact(build, sender)
    build.handoff(sender, exact, email="Same@Example.test", sent_at=utcnow() - timedelta(days=10))
    _complementary(build, sender)


def the_same_contact_long_ago_is_no_conflict(build, sender):
    exact = _exact(build, sender)
    build.handoff(
        sender, exact, email="same@example.test", status="lost", sent_at=utcnow() - timedelta(days=120)
    )
    _complementary(build, sender)


def a_new_partner_is_not_starved_by_a_poor_record(build, sender):
    veteran = _exact(build, sender, name="Veteran")
    other = build.partner("Elsewhere")
    build.handoff(other, veteran, status="won")
    for _ in range(9):
        build.handoff(other, veteran, status="lost")
    _exact(build, sender, name="Newcomer")


def a_strong_record_beats_a_newcomer(build, sender):
    veteran = _exact(build, sender, name="Veteran")
    other = build.partner("Elsewhere")
    for status in ["won"] * 8 + ["lost"] * 2:
        build.handoff(other, veteran, status=status)
    _exact(build, sender, name="Newcomer")


def a_partner_that_sends_leads_back_is_preferred(build, sender):
    _exact(build, sender, name="Taker")
    giver = _exact(build, sender, name="Giver")
    for _ in range(4):
        build.handoff(giver, sender)


def ties_go_to_the_longer_standing_partner(build, sender):
    _exact(build, sender, name="First")
    _exact(build, sender, name="Second")


def a_paused_partnership_is_not_used(build, sender):
    paused = build.partner("Exact", lines=[NEED])
    build.partnership(sender, paused, status="paused")
    _complementary(build, sender)


def a_suspended_partner_is_not_used(build, sender):
    _exact(build, sender, status="suspended")
    _complementary(build, sender)


def nobody_partnered_leaves_the_lead_unrouted(build, sender):
    build.partner("Stranger", lines=[NEED])


def everyone_excluded_leaves_the_lead_unrouted_with_each_reason(build, sender):
    exact = _exact(build, sender)
    build.handoff(sender, exact, email="same@example.test")


def an_unqualified_lead_is_kept_and_not_routed(build, sender):
    _exact(build, sender)


def a_partner_with_the_contact_among_its_customers_is_passed_over(build, sender):
    exact = _exact(build, sender)
    build.customers(exact, [{"email": " Buyer@Example.TEST "}])
    _complementary(build, sender)


def a_customer_phone_written_otherwise_is_the_same_customer(build, sender):
    exact = _exact(build, sender)
    build.customers(exact, [{"phone": "030 / 123 45 67"}])
    _complementary(build, sender)


def a_customer_company_domain_matches_the_leads_email(build, sender):
    exact = _exact(build, sender)
    build.customers(exact, [{"domain": "https://www.Ada-GmbH.example/contact"}])
    _complementary(build, sender)


def a_public_mail_provider_is_no_company_domain(build, sender):
    exact = _exact(build, sender)
    build.customers(exact, [{"domain": "gmail.com"}])


def another_partners_customers_do_not_pass_a_candidate_over(build, sender):
    _exact(build, sender)
    build.customers(build.partner("Stranger"), [{"email": "buyer@example.test"}])
    build.customers(sender, [{"email": "buyer@example.test"}])


def everyone_with_the_customer_leaves_the_lead_unrouted_without_naming_them(build, sender):
    for name in ("Exact", "Other"):
        build.customers(_exact(build, sender, name=name), [{"email": "buyer@example.test"}])


SCENARIOS = [
    Scenario("exact beats complementary", exact_beats_complementary, "Exact"),
    Scenario(
        "complementary when no exact", complementary_is_used_when_nobody_sells_the_need, "Complementary"
    ),
    Scenario("region DE serves DE-BE", a_line_serving_a_country_serves_its_regions, "Exact"),
    Scenario(
        "region outside",
        a_line_outside_the_region_is_not_a_candidate,
        None,
        "fits Window installation in DE-BE",
    ),
    Scenario("monthly cap", a_partner_at_its_monthly_cap_is_skipped, "Complementary", "monthly cap of 1"),
    Scenario("capacity", a_partner_over_capacity_is_skipped, "Complementary", "over capacity: 15 open"),
    Scenario(
        "conflict reported",
        the_same_contact_within_90_days_is_a_reported_conflict,
        "Complementary",
        "conflict: the same contact",
        lead={"email": "same@example.TEST"},
    ),
    Scenario(
        "old contact no conflict",
        the_same_contact_long_ago_is_no_conflict,
        "Exact",
        lead={"email": "same@example.test"},
    ),
    Scenario("new partner not starved", a_new_partner_is_not_starved_by_a_poor_record, "Newcomer"),
    Scenario("strong record wins", a_strong_record_beats_a_newcomer, "Veteran"),
    Scenario("reciprocity", a_partner_that_sends_leads_back_is_preferred, "Giver"),
    Scenario("ties deterministic", ties_go_to_the_longer_standing_partner, "First"),
    Scenario("paused partnership", a_paused_partnership_is_not_used, "Complementary"),
    Scenario("suspended partner", a_suspended_partner_is_not_used, "Complementary"),
    Scenario("unrouted", nobody_partnered_leaves_the_lead_unrouted, None, "No active partnership"),
    Scenario(
        "all excluded",
        everyone_excluded_leaves_the_lead_unrouted_with_each_reason,
        None,
        "Exact: conflict",
        lead={"email": "same@example.test"},
    ),
    Scenario(
        "existing customer passed over",
        a_partner_with_the_contact_among_its_customers_is_passed_over,
        "Complementary",
        "passed over for an existing relationship",
    ),
    Scenario(
        "existing customer by phone",
        a_customer_phone_written_otherwise_is_the_same_customer,
        "Complementary",
        "passed over for an existing relationship",
        lead={"phone": "+49 (0)30 1234567"},
    ),
    Scenario(
        "existing customer by company domain",
        a_customer_company_domain_matches_the_leads_email,
        "Complementary",
        "passed over for an existing relationship",
        lead={"email": "ada@ada-gmbh.example"},
    ),
    Scenario(
        "public mail domain",
        a_public_mail_provider_is_no_company_domain,
        "Exact",
        lead={"email": "ada@gmail.com"},
    ),
    Scenario("customers of others", another_partners_customers_do_not_pass_a_candidate_over, "Exact"),
    Scenario(
        "all existing customers",
        everyone_with_the_customer_leaves_the_lead_unrouted_without_naming_them,
        None,
        "A partner was passed over for an existing relationship with the contact",
    ),
    Scenario(
        "not qualified",
        an_unqualified_lead_is_kept_and_not_routed,
        None,
        "no consent",
        lead={"consent": False},
    ),
]


def _take(session, sender, *, email="buyer@example.test", phone=None, consent=True):
    return intake.take_lead(
        session,
        actor=Actor.system(sender.id),
        contact={"name": "Ada Buyer", "email": email, "phone": phone},
        need={"category": NEED, "text": "Six windows, fitted before spring."},
        region="DE-BE",
        consent=consent,
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_routing_scenarios(session, build, scenario):
    sender = _world(build)
    scenario.arrange(build, sender)

    lead = _take(session, sender, **scenario.lead)

    holder = lead.handoffs[-1].to_partner.name if lead.handoffs else None
    assert holder == scenario.winner
    if scenario.winner is None:
        assert lead.status in ("unrouted", "not_qualified")
    if scenario.reason:
        explained = lead.reasons + [r.get("excluded", "") for h in lead.handoffs for r in h.runners_up]
        assert any(scenario.reason in text for text in explained), explained


def test_the_sender_hears_a_partner_was_passed_over_but_never_which(session, build):
    sender = _world(build)
    for name in ("Holder One", "Holder Two"):
        build.customers(_exact(build, sender, name=name), [{"email": "buyer@example.test"}])
    _complementary(build, sender)

    handoff = _take(session, sender).handoffs[0]

    told = [r for r in handoff.runners_up if "excluded" in r]
    assert told == [
        {
            "excluded": "a partner was passed over for an existing relationship with the contact",
            "reason": "existing_customer",
        }
    ]
    assert "Holder" not in str(handoff.runners_up) + str(handoff.lead.reasons)


def test_the_handoff_keeps_the_score_parts_and_the_runners_up(session, build):
    sender = _world(build)
    _exact(build, sender)
    _complementary(build, sender)

    handoff = _take(session, sender).handoffs[0]

    assert set(handoff.score_parts) == set(routing.WEIGHTS)
    assert handoff.score_total == pytest.approx(sum(handoff.score_parts.values()), abs=1e-5)
    assert [r["partner"] for r in handoff.runners_up] == ["Complementary"]
    assert handoff.runners_up[0]["total"] < handoff.score_total


def test_the_warmup_note_joins_the_lines_script_and_the_need(session, build):
    sender = _world(build)
    fitter = build.partner("Fitter")
    build.line(fitter, NEED, warmup_script="We fit in one day, with a ten-year guarantee.")
    build.partnership(sender, fitter)

    handoff = _take(session, sender).handoffs[0]

    assert "Ada Buyer is looking for Window installation." in handoff.warmup_note
    assert "Six windows, fitted before spring." in handoff.warmup_note
    assert "ten-year guarantee" in handoff.warmup_note


def _candidate(partner_id, **facts):
    return routing.Candidate(
        partner_id=partner_id, partner_name=f"P{partner_id}", partnership_id=1, line_id=1, **facts
    )


def test_the_score_is_pure_and_its_parts_add_up():
    candidate = _candidate(1, exact=False, complement_weight=0.5, won=3, decided=4, accept_hours=12)

    first, second = routing.score(candidate), routing.score(candidate)

    assert first == second
    assert first.total == pytest.approx(sum(first.parts.values()), abs=1e-5)
    assert first.parts["category_fit"] == pytest.approx(0.35 * 0.6 * 0.5)


def test_equal_scores_rank_by_partner_id_whatever_the_input_order():
    candidates = [_candidate(7), _candidate(3), _candidate(5)]

    decision = routing.decide(candidates)

    assert [r.candidate.partner_id for r in decision.ranked] == [3, 5, 7]


@pytest.mark.parametrize(
    ("regions", "region", "served"),
    [(["DE"], "DE-BE", True), (["DE-BE"], "DE", False), (["DE-B"], "DE-BE", False), ([], "FR", True)],
)
def test_a_region_serves_its_subdivisions(regions, region, served):
    assert routing.serves(regions, region) is served


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            dict,
            exact=st.booleans(),
            complement_weight=st.sampled_from([0.2, 0.5, 0.8, 1.0]),
            won=st.integers(0, 3),
            decided=st.integers(3, 6),
            accept_hours=st.none() | st.sampled_from([0.0, 6.0, 24.0, 100.0]),
            sent_back=st.integers(0, 2),
            received=st.integers(0, 2),
            open_handoffs=st.integers(0, 40),
            sales_reps=st.integers(0, 3),
            monthly_leads=st.sampled_from([0, 10, 30]),
        ),
        max_size=30,
    )
)
def test_the_winner_and_runners_up_are_the_head_of_the_full_ranking(facts):
    candidates = [_candidate(i, **f) for i, f in enumerate(facts, start=1)]

    decision = routing.decide(candidates)

    assert decision.leaders == decision.ranked[: routing.LEADERS]
    assert [r.total for r in decision.ranked] == [routing.score(r.candidate).total for r in decision.ranked]


def test_a_receivers_long_history_does_not_make_routing_read_more(session, build):
    """A decision reads the sender's partners' records and the lead's own contact, never a
    receiver's whole history: SQLite's count of VM steps barely moves as that history grows."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("counts SQLite's virtual machine steps")
    sender = _world(build)
    receiver = _exact(build, sender)

    def steps_to_decide() -> int:
        lead = build.lead(sender, category=NEED)
        steps = 0

        def count():
            nonlocal steps
            steps += 1
            return 0

        sqlite = session.connection().connection.dbapi_connection
        sqlite.set_progress_handler(count, 10)
        try:
            routing.options_for(session, lead=lead)
        finally:
            sqlite.set_progress_handler(None, 0)
        return steps

    for _ in range(20):
        build.handoff(sender, receiver)
    short = steps_to_decide()
    for _ in range(400):
        build.handoff(sender, receiver)
    long = steps_to_decide()

    assert long < 1.5 * short, f"{short} steps with 20 past handoffs, {long} with 420"


def test_exclusions_for_other_senders_leads_are_told_once_and_without_the_partner():
    own = _candidate(3, conflict_on="2026-12-01", worked_elsewhere=True)
    candidates = [_candidate(1, worked_elsewhere=True), _candidate(2, worked_elsewhere=True), own]

    told = [(c, str(why)) for c, why in routing.decide(candidates).told]

    assert told == [
        (None, routing.WORKED_ELSEWHERE),
        (own, "conflict: the same contact was handed to P3 on 2026-12-01 (within 90 days)"),
    ]
