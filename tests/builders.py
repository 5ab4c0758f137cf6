"""Test data with sensible defaults: each builder makes one thing and commits it.

Committing matters: a request that fails rolls its session back, and the
arranged data must survive that.
"""

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.customers import lists as customers
from partnerhub.exchange import rollups, search_keys
from partnerhub.models import (
    ApiClient,
    Category,
    Complement,
    Handoff,
    Lead,
    Partner,
    Partnership,
    ProductLine,
    User,
    WebhookEndpoint,
)
from partnerhub.people import credentials

TEST_SECRET = "phs_test-secret"
TEST_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@cache
def _password_hash() -> str:
    return credentials.hash_password(TEST_PASSWORD)


class Builder:
    def __init__(self, session: Session):
        self.session = session

    def _save(self, obj):
        self.session.add(obj)
        self.session.commit()
        return obj

    def category(self, slug: str) -> Category:
        existing = self.session.scalar(select(Category).where(Category.slug == slug))
        return existing or self._save(Category(slug=slug, name=slug.replace("-", " ").capitalize()))

    def complement(self, a: str, b: str, weight: float = 1.0, symmetric: bool = True) -> None:
        first, second = self.category(a), self.category(b)
        pairs = [(first, second)] + ([(second, first)] if symmetric else [])
        for x, y in pairs:
            self.session.add(Complement(category=x, complement=y, weight=weight))
        self.session.commit()

    def partner(
        self,
        name: str | None = None,
        *,
        status: str = "active",
        sales_reps: int = 3,
        monthly_leads: int = 30,
        revenue_band: str = "1m_10m",
        regions: list[str] | None = None,
        lines: list[str] = (),
    ) -> Partner:
        partner = self._save(
            Partner(
                name=name or f"Partner {next(_counter)}",
                status=status,
                sales_reps=sales_reps,
                monthly_leads=monthly_leads,
                revenue_band=revenue_band,
                regions=regions if regions is not None else ["DE"],
            )
        )
        for category in lines:
            self.line(partner, category)
        return partner

    def line(
        self, partner: Partner, category: str, *, regions: list[str] | None = None, warmup_script: str = ""
    ) -> ProductLine:
        return self._save(
            ProductLine(
                partner=partner,
                category=self.category(category),
                name=f"{category} line",
                regions=regions if regions is not None else list(partner.regions),
                warmup_script=warmup_script or f"Why {category} from {partner.name} is worth a call.",
            )
        )

    def partnership(
        self,
        a: Partner,
        b: Partner,
        *,
        status: str = "active",
        reward_type: str = "percent",
        reward_value: str = "10",
        rep_share_percent: str = "20",
        accept_sla_hours: int = 48,
        monthly_cap: int | None = None,
    ) -> Partnership:
        return self._save(
            Partnership(
                proposer=a,
                responder=b,
                pair_key=Partnership.key_for(a.id, b.id),
                status=status,
                reward_type=reward_type,
                reward_value=Decimal(reward_value),
                rep_share_percent=Decimal(rep_share_percent),
                accept_sla_hours=accept_sla_hours,
                monthly_cap=monthly_cap,
            )
        )

    def api_client(self, partner: Partner | None, scopes: list[str] | None = None) -> ApiClient:
        default = credentials.ALL_PARTNER_SCOPES if partner else (credentials.ADMIN_SCOPE,)
        return self._save(
            ApiClient(
                partner=partner,
                client_id=f"phc_test{next(_counter)}",
                secret_hash=credentials.hash_client_secret(
                    TEST_SECRET, key=current_app.config["CLIENT_SECRET_HMAC_KEY"]
                ),
                scopes=list(scopes or default),
            )
        )

    def headers(self, partner: Partner | None, scopes: list[str] | None = None) -> dict[str, str]:
        """Authorization headers for a fresh client of `partner` (None: an operator)."""
        from api.auth import mint_token

        client = self.api_client(partner, scopes)
        return {"Authorization": f"Bearer {mint_token(client, client.scopes)}"}

    def user(self, partner: Partner | None, role: str = "rep", email: str | None = None) -> User:
        return self._save(
            User(
                partner=partner,
                role=role,
                email=email or f"user{next(_counter)}@example.test",
                name=f"{role} {next(_counter)}",
                password_hash=_password_hash(),
            )
        )

    def lead(
        self,
        partner: Partner,
        *,
        category: str = "window-installation",
        email: str | None = None,
        phone: str | None = None,
        region: str = "DE-BE",
        status: str = "new",
        created_at: datetime | None = None,
        name: str | None = None,
        company: str | None = None,
    ) -> Lead:
        """A lead as intake would store it, without routing it."""
        n = next(_counter)
        email = email if email is not None else f"buyer{n}@example.test"
        return self._save(
            Lead(
                partner=partner,
                external_id=f"ext-{n}",
                contact_name=name or f"Buyer {n}",
                contact_company=company,
                contact_email=email,
                contact_email_norm=email.lower() if email else None,
                contact_phone=phone,
                contact_phone_norm="".join(c for c in phone if c.isdigit()) if phone else None,
                need_category=self.category(category),
                need_text="Needs it by spring.",
                region=region,
                consent=True,
                status=status,
                created_at=created_at or utcnow(),
            )
        )

    def handoff(
        self,
        sender: Partner,
        receiver: Partner,
        *,
        status: str = "sent",
        sent_at: datetime | None = None,
        accepted_after: timedelta | None = None,
        email: str | None = None,
        phone: str | None = None,
        name: str | None = None,
        company: str | None = None,
    ) -> Handoff:
        """A past handoff written straight to the table (routing history); partners the pair if needed."""
        partnership = self.session.scalar(
            select(Partnership).where(Partnership.pair_key == Partnership.key_for(sender.id, receiver.id))
        ) or self.partnership(sender, receiver)
        sent_at = sent_at or utcnow()
        lead = self.lead(
            sender, email=email, phone=phone, name=name, company=company, status="routed", created_at=sent_at
        )
        accepted_at = sent_at + accepted_after if accepted_after else None
        handoff = self._save(
            Handoff(
                lead=lead,
                from_partner_id=sender.id,
                to_partner_id=receiver.id,
                partnership_id=partnership.id,
                status=status,
                sent_at=sent_at,
                accepted_at=accepted_at,
                sla_due_at=sent_at + timedelta(hours=partnership.accept_sla_hours),
            )
        )
        # Found by search and counted in the rollups as the lifecycle does, which routing reads its
        # records from.
        search_keys.keep(self.session, handoff, lead)
        if status == "recalled":
            search_keys.forget_for_receiver(self.session, handoff)
        moves = [(None, "sent", sent_at)]
        if accepted_at is not None:
            moves.append(("sent", "accepted", accepted_at))
        if status != moves[-1][1]:
            funnel = rollups.FUNNEL
            beyond_acceptance = status in funnel and funnel.index(status) > funnel.index("accepted")
            # Without an acceptance time the history says nothing about speed: leave that step out.
            start = "accepted" if beyond_acceptance and accepted_at is None else moves[-1][1]
            moves.append((start, status, accepted_at or sent_at))
        for from_status, to_status, at in moves:
            rollups.record_move(
                self.session, handoff=handoff, from_status=from_status, to_status=to_status, at=at
            )
        self.session.commit()
        return handoff

    def customers(self, partner: Partner, rows: list[dict], *, at: datetime | None = None) -> None:
        """Give the partner a customer list, as an upload would, listed since `at` (default now)."""
        customers.replace_customer_list(
            self.session,
            partner=partner,
            entries=customers.json_entries(rows),
            actor=Actor.system(partner.id),
            now=at,
        )
        self.session.commit()

    def endpoint(
        self,
        partner: Partner,
        url: str = "http://127.0.0.1:9/hook",
        *,
        events: list[str] | None = None,
        secret: str | None = None,
    ) -> WebhookEndpoint:
        from partnerhub.delivery.webhooks import new_secret

        return self._save(
            WebhookEndpoint(
                partner_id=partner.id, url=url, events=events or [], secret=secret or new_secret()
            )
        )

    def handoff_through(
        self,
        partnership: Partnership,
        sender: Partner,
        steps: list[tuple[str, datetime]],
        *,
        deal_value: str | None = None,
        reward_amount: str | None = None,
        rep_share_amount: str | None = None,
        currency: str = "EUR",
        commit: bool = True,
    ) -> Handoff:
        """A handoff that went through `steps` (status, time) in order, recorded as the lifecycle does."""
        first_status, sent_at = steps[0]
        assert first_status == "sent"
        lead = Lead(
            partner_id=sender.id, contact_name="A buyer", consent=True, status="routed", created_at=sent_at
        )
        handoff = Handoff(
            lead=lead,
            from_partner_id=sender.id,
            to_partner_id=partnership.other_side(sender.id),
            partnership_id=partnership.id,
            status="sent",
            sent_at=sent_at,
            currency=currency,
            deal_value=Decimal(deal_value) if deal_value is not None else None,
            reward_amount=Decimal(reward_amount) if reward_amount is not None else None,
            rep_share_amount=Decimal(rep_share_amount) if rep_share_amount is not None else None,
        )
        self.session.add(handoff)
        self.session.flush()
        search_keys.keep(self.session, handoff, lead)
        rollups.record_move(self.session, handoff=handoff, from_status=None, to_status="sent", at=sent_at)
        for status, at in steps[1:]:
            previous = handoff.status
            handoff.status = status
            setattr(handoff, f"{status}_at", at)
            rollups.record_move(self.session, handoff=handoff, from_status=previous, to_status=status, at=at)
        if commit:
            self.session.commit()
        return handoff
