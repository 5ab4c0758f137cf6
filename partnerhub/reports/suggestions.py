"""Whom a partner should propose a partnership to next (law 1 and law 5).

A candidate is an active partner, not yet in a living partnership with this
one, with a product line whose category complements one of this partner's
lines, serving a region this partner serves too. Among those, the score
prefers the strongest complement and the most similar size; customers in
common lift it, where both sides consented to count them on an earlier
partnership of the pair (partnerhub/customers/lists.py): a partner that already
serves many of your customers is one whose offer they take to.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from partnerhub.core.i18n import Phrase, phrase
from partnerhub.core.words import counted
from partnerhub.customers import lists as customers
from partnerhub.models import Complement, Partner, Partnership, ProductLine
from partnerhub.models.partnership import CLOSED_PARTNERSHIP_STATUSES

WEIGHTS = {"complement": 0.6, "size": 0.4}
# Customers in common lift the score towards 1 by up to this share of the way left; this many in
# common make half of that lift.
OVERLAP_LIFT = 0.2
OVERLAP_HALF = 100


@dataclass(frozen=True)
class Suggestion:
    partner: Partner
    score: float
    parts: dict[str, float]
    categories: list[str]
    regions: list[str]
    # Why, in a sentence read in the reader's language (the API gives it in English).
    words: Phrase

    @property
    def sentence(self) -> str:
        return str(self.words)


def regions_overlap(mine: list[str], theirs: list[str]) -> list[str]:
    """The regions both serve; a country covers its subdivisions (DE covers DE-BE)."""
    shared = set()
    for a in mine:
        for b in theirs:
            if a == b or b.startswith(a + "-"):
                shared.add(b)
            elif a.startswith(b + "-"):
                shared.add(a)
    return sorted(shared)


def size_similarity(a: Partner, b: Partner) -> float:
    """1.0 for equal sizes, falling with the ratio of sales reps and of expected monthly leads."""
    reps = min(a.sales_reps, b.sales_reps) / max(a.sales_reps, b.sales_reps, 1)
    leads = max(min(a.monthly_leads, b.monthly_leads), 1) / max(a.monthly_leads, b.monthly_leads, 1)
    return round((reps + leads) / 2, 4)


def suggest_partners(session: Session, *, partner: Partner, limit: int = 20) -> list[Suggestion]:
    """Partners worth proposing to, best first, each with its score and a sentence why."""
    my_lines = session.scalars(
        select(ProductLine).where(ProductLine.partner_id == partner.id, ProductLine.archived_at.is_(None))
    ).all()
    my_categories = {line.category_id: line.category.name for line in my_lines}
    complements = session.scalars(select(Complement).where(Complement.category_id.in_(my_categories))).all()
    best_weight: dict[int, tuple[float, int]] = {}
    for c in complements:
        if c.weight > best_weight.get(c.complement_id, (0.0, 0))[0]:
            best_weight[c.complement_id] = (c.weight, c.category_id)
    taken = _living_partner_ids(session, partner.id)
    lines = session.scalars(
        select(ProductLine)
        .join(Partner, Partner.id == ProductLine.partner_id)
        .where(
            ProductLine.category_id.in_(best_weight),
            ProductLine.archived_at.is_(None),
            Partner.status == "active",
            Partner.id.not_in(taken | {partner.id}),
        )
        .order_by(ProductLine.id)
    ).all()
    by_partner: dict[int, list[ProductLine]] = {}
    for line in lines:
        if regions_overlap(partner.regions, line.regions or line.partner.regions):
            by_partner.setdefault(line.partner_id, []).append(line)
    in_common = _shared_customers(session, partner.id, set(by_partner))
    suggestions = [
        _suggest(partner, their_lines, best_weight, my_categories, in_common.get(partner_id))
        for partner_id, their_lines in by_partner.items()
    ]
    suggestions.sort(key=lambda s: (-s.score, s.partner.name))
    return suggestions[:limit]


def _suggest(
    partner: Partner,
    lines: list[ProductLine],
    best_weight: dict[int, tuple[float, int]],
    my_categories: dict,
    in_common: int | None,
) -> Suggestion:
    other = lines[0].partner
    strongest = max(lines, key=lambda line: (best_weight[line.category_id][0], -line.id))
    weight, my_category_id = best_weight[strongest.category_id]
    similarity = size_similarity(partner, other)
    parts = {"complement": round(weight, 4), "size": similarity}
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    if in_common is not None:
        parts["overlap"] = round(in_common / (in_common + OVERLAP_HALF), 4)
        score += OVERLAP_LIFT * parts["overlap"] * (1 - score)
    score = round(score, 4)
    shared = regions_overlap(partner.regions, [r for line in lines for r in (line.regions or other.regions)])
    categories = sorted({line.category.name for line in lines})
    facts = {
        "other": other.name,
        "theirs": strongest.category.name.lower(),
        "yours": my_categories[my_category_id].lower(),
        "regions": ", ".join(shared),
        "their_reps": counted(other.sales_reps, "sales rep"),
        "your_reps": partner.sales_reps,
        "their_leads": counted(other.monthly_leads, "lead"),
        "your_leads": partner.monthly_leads,
    }
    if in_common is None:
        sentence = phrase(
            "%(other)s sells %(theirs)s, which complements your %(yours)s; it serves %(regions)s like you; "
            "it has %(their_reps)s to your %(your_reps)s and expects %(their_leads)s a month to your "
            "%(your_leads)s.",
            **facts,
        )
    else:
        sentence = phrase(
            "%(other)s sells %(theirs)s, which complements your %(yours)s; it serves %(regions)s like you; "
            "it has %(their_reps)s to your %(your_reps)s and expects %(their_leads)s a month to your "
            "%(your_leads)s. Your customer lists have %(contacts)s in common.",
            contacts=counted(in_common, "contact"),
            **facts,
        )
    return Suggestion(other, score, parts, categories, shared, sentence)


def _shared_customers(session: Session, partner_id: int, others: set[int]) -> dict[int, int]:
    """Per other partner, the contacts both lists hold, where both consented on one of the pair's
    partnerships (living ones are not suggested, so: an ended or declined one)."""
    rows = session.execute(
        select(Partnership.proposer_id, Partnership.responder_id).where(
            or_(Partnership.proposer_id == partner_id, Partnership.responder_id == partner_id),
            Partnership.proposer_shares_overlap,
            Partnership.responder_shares_overlap,
        )
    )
    sharing = {a if b == partner_id else b for a, b in rows} & others
    return {other: customers.count_shared(session, a=partner_id, b=other) for other in sharing}


def _living_partner_ids(session: Session, partner_id: int) -> set[int]:
    rows = session.execute(
        select(Partnership.proposer_id, Partnership.responder_id).where(
            or_(Partnership.proposer_id == partner_id, Partnership.responder_id == partner_id),
            Partnership.status.not_in(CLOSED_PARTNERSHIP_STATUSES),
        )
    )
    return {a if b == partner_id else b for a, b in rows}
