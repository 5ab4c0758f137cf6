"""Which partnership moves each side has, and who may propose at all."""

import pytest

from partnerhub.core.actors import Actor
from partnerhub.core.errors import InvalidInput, NotAllowed
from partnerhub.exchange import partnerships


def test_only_the_invited_side_may_accept_while_either_side_may_end_a_proposal(build):
    proposer, invited = build.partner(), build.partner()
    partnership = build.partnership(proposer, invited, status="proposed")

    by_proposer = partnerships.moves_open_to(partnership, partner_id=proposer.id)
    by_invited = partnerships.moves_open_to(partnership, partner_id=invited.id)

    assert by_proposer == ["end"]
    assert by_invited == ["accept", "decline", "end"]


def test_a_pending_partner_cannot_propose_a_partnership(build, session):
    pending, active = build.partner(status="pending"), build.partner()

    with pytest.raises(NotAllowed):
        partnerships.propose_partnership(
            session, proposer=pending, partner_id=active.id, terms={}, actor=Actor.system()
        )


@pytest.mark.parametrize("name", ["reward_value", "rep_share_percent"])
def test_terms_in_fractions_of_a_cent_are_refused_not_rounded(build, session, name):
    """Through any door: the API's schema refuses them too, the pages' form leaves it to this."""
    proposer, invited = build.partner(), build.partner()
    terms = {"reward_type": "percent", "reward_value": "10", "rep_share_percent": "20", name: "12.345"}

    with pytest.raises(InvalidInput) as refused:
        partnerships.propose_partnership(
            session, proposer=proposer, partner_id=invited.id, terms=terms, actor=Actor.system()
        )

    assert refused.value.errors == {f"terms.{name}": ["must have at most 2 decimal places"]}
