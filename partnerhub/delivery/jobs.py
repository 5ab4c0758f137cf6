"""Timed jobs the worker runs: SLA expiry, dormant reminders, weekly digests, notice emails, and
the people's notifications (warnings on waiting leads, their emails one by one or as a daily digest).

Every worker ticks every job; a lease in `job_runs` lets one of them run it
and the others skip. A job killed mid-run is run again when its lease ends,
so each job's output is idempotent (a notice is not written twice for the
same partnership and month, or the same partner and week).
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from partnerhub.core.db import dialect_insert, utcnow
from partnerhub.core.i18n import Lines, ListOf, Phrase, nphrase, phrase
from partnerhub.core.mail import SmtpSettings
from partnerhub.core.words import status_in_sentence
from partnerhub.delivery.notices import email_pending_notices, notify
from partnerhub.exchange.intake import purge_idempotency_keys
from partnerhub.exchange.rerouting import expire_overdue_handoffs
from partnerhub.models import Handoff, JobRun, Notice, Partner, Partnership
from partnerhub.people import notifications
from partnerhub.reports.flags import refresh_flags

log = logging.getLogger(__name__)

DORMANT_AFTER = timedelta(days=30)
DIGEST_PERIOD = timedelta(days=7)
JOB_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[..., int]


def expire_overdue(session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = "") -> int:
    """Expire handoffs not accepted within their SLA; each lead is routed again."""
    return len(expire_overdue_handoffs(session, now=now))


def refresh_raised_flags(
    session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = ""
) -> int:
    """Raise and clear the flags on partner pairs; newly raised ones emit flag.raised."""
    return len(refresh_flags(session, now=now))


def purge_idempotency(
    session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = ""
) -> int:
    """Forget idempotency keys past their 24 hours, so the table stays small."""
    return purge_idempotency_keys(session, now=now)


def remind_dormant(
    session: Session, *, now: datetime, smtp: SmtpSettings | None = None, base_url: str = ""
) -> int:
    """Tell both managers of an active partnership with no handoff either way in 30 days; once a month."""
    last_handoff = dict(
        session.execute(
            select(Handoff.partnership_id, func.max(Handoff.sent_at)).group_by(Handoff.partnership_id)
        )
        .tuples()
        .all()
    )
    already = {
        (n.partner_id, n.data.get("partnership_id"))
        for n in session.scalars(
            select(Notice).where(Notice.kind == "dormant", Notice.created_at > now - DORMANT_AFTER)
        )
    }
    written = 0
    for partnership in session.scalars(select(Partnership).where(Partnership.status == "active")):
        quiet_since = last_handoff.get(partnership.id) or partnership.activated_at or partnership.created_at
        if now - quiet_since < DORMANT_AFTER:
            continue
        for side, other in (
            (partnership.proposer, partnership.responder),
            (partnership.responder, partnership.proposer),
        ):
            if (side.id, partnership.id) in already:
                continue
            days = (now - quiet_since).days
            notify(
                session,
                partner_id=side.id,
                kind="dormant",
                subject=nphrase(
                    "No leads exchanged with %(partner)s in %(num)s day",
                    "No leads exchanged with %(partner)s in %(num)s days",
                    "num",
                    partner=other.name,
                    num=days,
                ),
                body=nphrase(
                    "Your partnership with %(partner)s is active, but no lead went either way "
                    "in %(num)s day. A partner that hears nothing forgets you: pass them a lead, "
                    "or ask what they need.",
                    "Your partnership with %(partner)s is active, but no lead went either way "
                    "in %(num)s days. A partner that hears nothing forgets you: pass them a lead, "
                    "or ask what they need.",
                    "num",
                    partner=other.name,
                    num=days,
                ),
                data={"partnership_id": partnership.id, "other_partner_id": other.id, "quiet_days": days},
                now=now,
            )
            written += 1
    return written


def send_weekly_digests(
    session: Session, *, now: datetime, smtp: SmtpSettings | None = None, base_url: str = ""
) -> int:
    """Give each partner that passed leads in the last 7 days the counts of what receivers did with them."""
    week = "{}-W{:02d}".format(*now.isocalendar()[:2])
    done = {
        n.partner_id
        for n in session.scalars(
            select(Notice).where(Notice.kind == "weekly_digest", Notice.created_at > now - 2 * DIGEST_PERIOD)
        )
        if n.data.get("week") == week
    }
    rows = session.execute(
        select(Handoff.from_partner_id, Handoff.to_partner_id, Handoff.status, func.count())
        .where(Handoff.sent_at > now - DIGEST_PERIOD, Handoff.sent_at <= now)
        .group_by(Handoff.from_partner_id, Handoff.to_partner_id, Handoff.status)
    ).all()
    by_sender: dict[int, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for sender, receiver, status, count in rows:
        by_sender[sender][receiver][status] += count
    names = dict(session.execute(select(Partner.id, Partner.name)).tuples().all())
    written = 0
    for sender, receivers in by_sender.items():
        if sender in done:
            continue
        lines = Lines(
            tuple(
                _digest_line(names[r], counts)
                for r, counts in sorted(receivers.items(), key=lambda item: names[item[0]])
            )
        )
        notify(
            session,
            partner_id=sender,
            kind="weekly_digest",
            subject=phrase("Your leads this week (%(week)s)", week=week),
            body=phrase(
                "What your partners did with the leads you passed them in the last 7 days:\n%(lines)s",
                lines=lines,
            ),
            data={
                "week": week,
                "by_partner": {str(r): dict(counts) for r, counts in receivers.items()},
            },
            now=now,
        )
        written += 1
    return written


def _digest_line(partner: str, counts: Counter) -> Phrase:
    """A receiver's line of a weekly digest: how many of the sender's leads it holds in each status."""
    per_status = tuple(
        nphrase(
            "%(num)s lead %(status)s",
            "%(num)s leads %(status)s",
            "num",
            num=n,
            status=status_in_sentence(status),
        )
        for status, n in sorted(counts.items())
    )
    return phrase("%(partner)s: %(counts)s", partner=partner, counts=ListOf(per_status))


def email_notices(session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = "") -> int:
    """Hand new notices to the mail outbox; the worker's loop sends them."""
    return email_pending_notices(session, now=now)


def warn_waiting_leads(
    session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = ""
) -> int:
    """Tell who works a lead not yet accepted when half its time passed, and when it is about to expire."""
    return notifications.warn_waiting_handoffs(session, now=now)


def remind_follow_ups(
    session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = ""
) -> int:
    """Tell the rep of a won customer of each follow-up that fell due, once each."""
    return notifications.tell_follow_ups_due(session, now=now)


def email_notifications(
    session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = ""
) -> int:
    """Hand each notification wanted by email on its own to the mail outbox."""
    return notifications.email_single_notifications(session, now=now, base_url=base_url)


def email_notification_digests(
    session: Session, *, now: datetime, smtp: SmtpSettings | None, base_url: str = ""
) -> int:
    """Once a day, one email per person who chose the digest, carrying what they were not emailed yet."""
    return notifications.email_daily_digests(session, now=now, base_url=base_url)


JOBS = (
    Job("sla_expiry", timedelta(minutes=1), expire_overdue),
    Job("idempotency_purge", timedelta(hours=1), purge_idempotency),
    Job("flags", timedelta(minutes=10), refresh_raised_flags),
    Job("dormant_reminders", timedelta(days=1), remind_dormant),
    # Hourly, keyed by ISO week: the first run of a week writes the digests, the rest find them written.
    Job("weekly_digest", timedelta(hours=1), send_weekly_digests),
    Job("email_notices", timedelta(minutes=1), email_notices),
    Job("waiting_lead_warnings", timedelta(minutes=5), warn_waiting_leads),
    Job("follow_up_reminders", timedelta(minutes=5), remind_follow_ups),
    Job("notification_emails", timedelta(minutes=1), email_notifications),
    Job("notification_digests", timedelta(days=1), email_notification_digests),
)


def claim_job(session: Session, *, name: str, now: datetime, lease: timedelta = JOB_LEASE) -> bool:
    """Take the job's lease if it is due and nobody holds it; True when the caller should run it."""
    session.execute(
        dialect_insert(session, JobRun).values(name=name).on_conflict_do_nothing(index_elements=["name"])
    )
    # An UPDATE's result is a CursorResult, which has the rowcount; Session.execute is typed as Result.
    claimed = cast(
        CursorResult,
        session.execute(
            update(JobRun)
            .where(
                JobRun.name == name,
                or_(JobRun.next_run_at.is_(None), JobRun.next_run_at <= now),
                or_(JobRun.lease_until.is_(None), JobRun.lease_until < now),
            )
            .values(lease_until=now + lease)
            .execution_options(synchronize_session=False)
        ),
    )
    return claimed.rowcount == 1


def finish_job(session: Session, *, name: str, now: datetime, every: timedelta) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.name == name)
        .values(next_run_at=now + every, lease_until=None, last_finished_at=now)
        .execution_options(synchronize_session=False)
    )


def run_due_jobs(
    session: Session,
    *,
    now: datetime | None = None,
    smtp: SmtpSettings | None = None,
    base_url: str = "",
    jobs: tuple[Job, ...] = JOBS,
) -> dict[str, int]:
    """Run every due job this worker can claim; each commits on its own and a failure spares the rest."""
    now = now or utcnow()
    results = {}
    for job in jobs:
        claimed = claim_job(session, name=job.name, now=now)
        session.commit()
        if not claimed:
            continue
        try:
            results[job.name] = job.run(session, now=now, smtp=smtp, base_url=base_url)
            finish_job(session, name=job.name, now=now, every=job.every)
            session.commit()
        except Exception:
            # Logged and left leased: it runs again when the lease ends, its outputs being idempotent.
            log.exception("timed job %s failed", job.name)
            session.rollback()
    return results
