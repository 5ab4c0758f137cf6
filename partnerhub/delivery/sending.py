"""Sending the outbox: claiming due deliveries under a lease, signing, sending, retrying.

The Delivery row is the truth. A worker claims a few due rows by setting a
lease on them and commits; it then sends with no transaction open, and
records each outcome in its own short transaction. A worker that dies
mid-send leaves its rows leased; when the lease ends another worker takes
them, so every delivery goes out at least once.

No send outlives its lease: each has a deadline (its connect and read timeouts
together, enforced by `egress.deadline`), and the lease is derived from it.

No partner's receivers hold up another's. A claim takes every partner's oldest
due row before any partner's second, partners with the fewest rows due first;
and once a partner's sends in a batch have taken `PARTNER_TURN` in all, its other
rows go back to the queue for the next claim. A partner with slow endpoints
therefore costs any other partner at most one slow send per batch.
"""

import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, joinedload
from standardwebhooks.webhooks import Webhook

from partnerhub.core.db import utcnow
from partnerhub.core.i18n import N_, phrase
from partnerhub.delivery import egress
from partnerhub.delivery.notices import notify
from partnerhub.delivery.webhooks import disable_endpoint, signing_secrets
from partnerhub.exchange.lifecycle import confirm_delivery
from partnerhub.models import Delivery, DeliveryAttempt, WebhookEndpoint

# The Standard Webhooks schedule: seconds to wait before attempt n+1 (the first is immediate).
RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_ATTEMPTS = len(RETRY_SCHEDULE)
JITTER = 0.1
FAILING_LIMIT = timedelta(days=5)
RESPONSE_EXCERPT = 1000
DEFAULT_TIMEOUT = (3.05, 10.0)
DEFAULT_BATCH = 10
# Beyond the sends themselves: workers' clocks that disagree, and name resolution, which no
# deadline can cut short.
LEASE_MARGIN = timedelta(seconds=10)
# How long one partner's sends may run in a batch before the other partners' come first.
PARTNER_TURN = 1.0
USER_AGENT = "PartnerHub-Webhooks/1"


def send_deadline(timeout: tuple[float, float]) -> float:
    """The most seconds one send may take, connecting and reading the answer."""
    return sum(timeout)


def lease_for(*, limit: int, timeout: tuple[float, float]) -> timedelta:
    """A claim's lease: long enough for each of its rows to be sent until its deadline."""
    return timedelta(seconds=limit * send_deadline(timeout)) + LEASE_MARGIN


DEFAULT_LEASE = lease_for(limit=DEFAULT_BATCH, timeout=DEFAULT_TIMEOUT)


@dataclass(frozen=True)
class Claim:
    """What a worker needs to send one delivery, read while it holds the lease."""

    delivery_id: int
    endpoint_id: int
    partner_id: int
    url: str
    message_id: str
    body: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    response_excerpt: str = ""
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """Timeouts, connection errors, 429 and 5xx may pass; another 4xx refuses the message itself."""
        return self.status_code is None or self.status_code == 429 or self.status_code >= 500


def retry_delay(
    attempts_made: int, *, retry_after: float | None = None, jitter: float = 0.0
) -> timedelta | None:
    """How long to wait before the next attempt, or None when the schedule is used up.

    `jitter` is a fraction in [-JITTER, JITTER] so that deliveries failed together
    do not all come back in the same second; a Retry-After longer than the
    schedule wins, up to the schedule's longest step.
    """
    if attempts_made >= MAX_ATTEMPTS:
        return None
    seconds = RETRY_SCHEDULE[attempts_made] * (1 + jitter)
    if retry_after:
        seconds = max(seconds, min(retry_after, RETRY_SCHEDULE[-1]))
    return timedelta(seconds=seconds)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Retry-After as seconds, from delta-seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def _due(now: datetime):
    return (
        Delivery.status == "pending",
        Delivery.next_attempt_at <= now,
        or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
    )


def _in_turn(now: datetime):
    """Due rows, numbered within their partner (oldest first), with the size of its queue."""
    partner = Delivery.partner_id
    return (
        select(
            Delivery.id,
            Delivery.next_attempt_at,
            func.row_number()
            .over(partition_by=partner, order_by=(Delivery.next_attempt_at, Delivery.id))
            .label("turn"),
            func.count().over(partition_by=partner).label("queued"),
        )
        .where(*_due(now))
        .subquery()
    )


def claim_due(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = DEFAULT_BATCH,
    lease: timedelta = DEFAULT_LEASE,
) -> list[Claim]:
    """Lease up to `limit` due deliveries to the caller, in turns across partners; no other worker
    takes them until the lease ends."""
    now = now or utcnow()
    ranked = _in_turn(now)
    fair = (ranked.c.turn, ranked.c.queued, ranked.c.next_attempt_at, ranked.c.id)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for; the due
        # conditions are checked again on the rows as locked.
        ids = session.scalars(
            select(Delivery.id)
            .join(ranked, ranked.c.id == Delivery.id)
            .where(*_due(now))
            .order_by(*fair)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Delivery)
        ).all()
        if ids:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(lease_until=now + lease)
                .execution_options(synchronize_session=False)
            )
    else:
        # One statement: SQLite serialises writers, so the check and the lease cannot interleave.
        due_ids = select(ranked.c.id).order_by(*fair).limit(limit)
        ids = session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(due_ids.scalar_subquery()))
            .values(lease_until=now + lease)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        ).all()
    if not ids:
        return []
    deliveries = _in_turns(
        session.scalars(
            select(Delivery)
            .where(Delivery.id.in_(ids))
            .options(joinedload(Delivery.endpoint))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .execution_options(populate_existing=True)
        ).all()
    )
    claims = []
    for delivery in deliveries:
        endpoint = delivery.endpoint
        if not endpoint.enabled or endpoint.deleted_at is not None:
            # Disabled after the row was written: nothing to send it to.
            delivery.status = "failed"
            delivery.last_error = "endpoint disabled"
            delivery.lease_until = None
            continue
        claims.append(
            Claim(
                delivery_id=delivery.id,
                endpoint_id=endpoint.id,
                partner_id=delivery.partner_id,
                url=endpoint.url,
                message_id=delivery.message_id,
                body=json.dumps(delivery.payload, separators=(",", ":")),
                secrets=tuple(signing_secrets(endpoint, now=now)),
            )
        )
    session.flush()
    return claims


def _in_turns(oldest_first: Sequence[Delivery]) -> list[Delivery]:
    """The claimed rows in the order to send them: each partner's first, then each one's second,
    and so on; within a turn, partners with fewer rows first."""
    claimed = Counter(d.partner_id for d in oldest_first)
    turn: dict[int, int] = defaultdict(int)
    keyed = []
    for position, delivery in enumerate(oldest_first):
        turn[delivery.partner_id] += 1
        keyed.append(((turn[delivery.partner_id], claimed[delivery.partner_id], position), delivery))
    return [delivery for _, delivery in sorted(keyed, key=lambda pair: pair[0])]


def release(session: Session, *, delivery_ids: list[int]) -> None:
    """Give back leased rows the caller will not send, so others need not wait for the lease."""
    if delivery_ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == "pending")
            .values(lease_until=None)
            .execution_options(synchronize_session=False)
        )


def sign(claim: Claim, *, timestamp: datetime) -> str:
    """The webhook-signature header: one `v1,...` per secret in force, space-separated."""
    return " ".join(Webhook(s).sign(claim.message_id, timestamp, claim.body) for s in claim.secrets)


def send(claim: Claim, *, http: requests.Session, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> Outcome:
    """POST one signed delivery and report what happened; never raises for network trouble.

    `http` comes from `egress.http_session`: its connections are the ones a deadline can cut."""
    # The signature time is the wall clock of the send: receivers reject old timestamps.
    timestamp = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": claim.message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": sign(claim, timestamp=timestamp),
    }
    started = time.perf_counter()
    with egress.deadline(send_deadline(timeout)) as deadline:
        try:
            # Redirects are not followed: a receiver answers 2xx where it was registered.
            with http.post(
                claim.url,
                data=claim.body.encode(),
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                excerpt = _excerpt(response)
                return Outcome(
                    status_code=response.status_code,
                    duration_ms=_ms_since(started),
                    response_excerpt=excerpt,
                    retry_after=parse_retry_after(response.headers.get("retry-after"), now=timestamp),
                )
        except (requests.RequestException, OSError) as exc:
            error = failure(exc, timeout=timeout, deadline=deadline)
            return Outcome(status_code=None, duration_ms=_ms_since(started), error=error)


def failure(exc: BaseException, *, timeout: tuple[float, float], deadline: egress.Deadline) -> str:
    """What went wrong, in words the partner reads (GET /deliveries): never the addresses its
    host resolved to, nor the platform's own error text."""
    if deadline.expired:
        return f"timed out after {deadline.seconds:g} s"
    if egress.refused(exc):
        return "address not allowed"
    if isinstance(exc, requests.ConnectTimeout):
        return f"could not connect within {timeout[0]:g} s"
    if isinstance(exc, requests.Timeout):
        return f"timed out after {timeout[1]:g} s"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect"
    return "request failed"


def _excerpt(response: requests.Response) -> str:
    # Read no more than we keep: a receiver may answer with megabytes.
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=RESPONSE_EXCERPT):
            chunks.append(chunk)
            size += len(chunk)
            if size >= RESPONSE_EXCERPT:
                break
    except (requests.RequestException, OSError):
        # The status is the answer; a body cut short (by the deadline, say) is kept as far as it came.
        pass
    return b"".join(chunks)[:RESPONSE_EXCERPT].decode("utf-8", errors="replace")


def _ms_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def record_outcome(
    session: Session,
    *,
    claim: Claim,
    outcome: Outcome,
    now: datetime | None = None,
    jitter: float | None = None,
) -> Delivery:
    """Log the attempt and decide what comes next: delivered, retried later, failed or dead."""
    now = now or utcnow()
    jitter = random.uniform(-JITTER, JITTER) if jitter is None else jitter
    delivery = session.get_one(Delivery, claim.delivery_id, options=[joinedload(Delivery.endpoint)])
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.response_excerpt,
            error=outcome.error,
        )
    )
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.lease_until = None
    endpoint = delivery.endpoint
    if outcome.ok:
        delivery.status = "delivered"
        delivery.delivered_at = now
        endpoint.failing_since = None
        if delivery.event_type == "handoff.created":
            confirm_delivery(session, handoff_id=delivery.payload["data"]["id"], now=now)
        session.flush()
        return delivery
    endpoint.failing_since = endpoint.failing_since or now
    if outcome.status_code == 410:
        delivery.status = "failed"
        _disable_and_tell(session, endpoint, reason=N_("the endpoint answered 410 Gone"), now=now)
    elif outcome.retryable:
        delay = retry_delay(delivery.attempts, retry_after=outcome.retry_after, jitter=jitter)
        if delay is None:
            delivery.status = "dead"
        else:
            delivery.next_attempt_at = now + delay
    else:
        delivery.status = "failed"
    if endpoint.enabled and now - endpoint.failing_since >= FAILING_LIMIT:
        _disable_and_tell(session, endpoint, reason=N_("five days of nothing but failed deliveries"), now=now)
    session.flush()
    return delivery


def _disable_and_tell(session: Session, endpoint: WebhookEndpoint, *, reason: str, now: datetime) -> None:
    disable_endpoint(session, endpoint=endpoint, reason=reason)
    notify(
        session,
        partner_id=endpoint.partner_id,
        kind="endpoint_disabled",
        subject=phrase("Webhook endpoint %(url)s was disabled", url=endpoint.url),
        body=phrase(
            "We stopped sending webhooks to %(url)s: %(reason)s. Fix the receiver, enable the "
            "endpoint again and redeliver what failed (POST /api/v1/deliveries/redeliver).",
            url=endpoint.url,
            reason=phrase(reason),
        ),
        data={"endpoint_id": endpoint.id, "reason": reason},
        now=now,
    )


def deliver_due(
    session: Session,
    *,
    http: requests.Session,
    now: datetime | None = None,
    limit: int = DEFAULT_BATCH,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> int:
    """Claim one batch, send it, record every outcome; return how many were sent.

    This commits, unlike other domain functions: it owns its transactions so
    that none stays open across an HTTP call, and each outcome is kept the
    moment it is known.
    """
    lease = lease_for(limit=limit, timeout=timeout)
    claims = claim_due(session, now=now, limit=limit, lease=lease)
    session.commit()
    started = time.monotonic()
    # The lease covers every send to its deadline; this holds even if one ran over.
    last_start = (lease - LEASE_MARGIN).total_seconds() - send_deadline(timeout)
    # Rows of an endpoint disabled during this batch were failed with it: not sent.
    disabled: set[int] = set()
    spent: dict[int, float] = defaultdict(float)
    sent = 0
    for index, claim in enumerate(claims):
        if time.monotonic() - started > last_start:
            # Never start a send the lease might not cover: another worker could take the row meanwhile.
            release(session, delivery_ids=[c.delivery_id for c in claims[index:]])
            session.commit()
            break
        if claim.endpoint_id in disabled or spent[claim.partner_id] >= PARTNER_TURN:
            continue
        sending = time.monotonic()
        outcome = send(claim, http=http, timeout=timeout)
        recorded = record_outcome(session, claim=claim, outcome=outcome, now=now)
        if not recorded.endpoint.enabled:
            disabled.add(claim.endpoint_id)
        spent[claim.partner_id] += time.monotonic() - sending
        if spent[claim.partner_id] >= PARTNER_TURN:
            # The partner's turn is over: its other rows go back now, for another worker or the next claim.
            rest = [c.delivery_id for c in claims[index + 1 :] if c.partner_id == claim.partner_id]
            release(session, delivery_ids=rest)
        session.commit()
        sent += 1
    return sent
