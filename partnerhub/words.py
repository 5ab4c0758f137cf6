"""Every stored key a person may see, in the words the pages show: one place, for one translation later.

Statuses, roles, sizes and reasons are kept as keys (`reward_invoiced`, `not_qualified`) because
the API and the database speak them; people never read a key.
"""

import re

ROLE_WORDS = {"rep": "sales rep", "manager": "manager", "admin": "admin"}

REVENUE_WORDS = {
    "under_1m": "Under 1 million",
    "1m_10m": "1 to 10 million",
    "10m_50m": "10 to 50 million",
    "50m_250m": "50 to 250 million",
    "over_250m": "Over 250 million",
}

# Statuses of leads, handoffs, partners, people, partnerships and deliveries share one table:
# a key means the same to a person wherever it shows.
STATUS_WORDS = {
    "new": "New",
    "routed": "Routed",
    "unrouted": "Not routed",
    "not_qualified": "Not qualified",
    "sent": "Sent",
    "delivered": "Delivered",
    "accepted": "Accepted",
    "contacted": "Contacted",
    "won": "Won",
    "lost": "Lost",
    "declined": "Declined",
    "expired": "Expired",
    "recalled": "Recalled",
    "reward_invoiced": "Reward invoiced",
    "reward_paid": "Reward paid",
    "rep_paid": "Rep's share paid",
    "pending": "Pending",
    "active": "Active",
    "suspended": "Suspended",
    "rejected": "Rejected",
    "invited": "Invited",
    "deactivated": "Deactivated",
    "proposed": "Proposed",
    "paused": "Paused",
    "ended": "Ended",
    "failed": "Failed",
    "dead": "Given up",
    "disabled": "Stopped",
    "revoked": "Revoked",
    "existing_customer": "Already a customer",
    # Whether an "already a customer" decline is borne out by the receiver's list (partnerhub/customers.py).
    "confirmed": "Confirmed: on their customer list before the lead was sent",
    "not_confirmed": "Not confirmed: not on their customer list before the lead was sent",
    # After-sale follow-ups and how they went.
    "due": "Due",
    "done": "Done",
    "skipped": "Skipped",
    "satisfied": "Satisfied",
    "issue": "An issue to solve",
    "referral": "Gave a referral",
}

# Where a lead came from.
SOURCE_WORDS = {
    "api": "their system",
    "web": "by hand",
    "csv": "an import",
    "referral": "a referral",
}

_KEY = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")
# Nouns whose plural is not the singular with an "s".
_PLURALS = {"person": "people", "company": "companies", "category": "categories", "try": "tries"}


def word_for(key: str | None) -> str:
    """The words for a status, role, size or reason key; a key nobody named yet is shown spaced out,
    and text a person wrote (a reason for losing a deal) is shown as written."""
    if key is None:
        return "—"
    if not _KEY.fullmatch(key):
        return key
    for table in (STATUS_WORDS, REVENUE_WORDS):
        if key in table:
            return table[key]
    if key in ROLE_WORDS:
        return ROLE_WORDS[key].capitalize()
    return key.replace("_", " ").capitalize()


def count_of(number: int, noun: str) -> str:
    """ "1 rep", "2 reps", "0 people": the number with its noun in the right form."""
    if number == 1:
        return f"1 {noun}"
    return f"{number} {_PLURALS.get(noun, noun + 's')}"


def source_words(source: str) -> str:
    """Where a lead came from, as "added ... from" ends: "their system", "a referral"."""
    return SOURCE_WORDS.get(source, word_for(source).lower())
