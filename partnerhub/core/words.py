"""Every stored key a person may see, in the words the pages show, in the reader's language.

Statuses, roles, sizes and reasons are kept as keys (`reward_invoiced`, `not_qualified`) because
the API and the database speak them; people never read a key. The words here are English and
marked for the catalogs; the reader's Translator (partnerhub/core/i18n.py) gives them in their language.
"""

import re

from partnerhub.core.i18n import DEFAULT_LANGUAGE, N_, Nn_, Phrase, Translator, translator

ROLE_WORDS = {"rep": N_("sales rep"), "manager": N_("manager"), "admin": N_("admin")}
# A role on its own, as a label; in a sentence a role is ROLE_WORDS's lower case.
ROLE_CAPITALIZED = {"rep": N_("Sales rep"), "manager": N_("Manager"), "admin": N_("Admin")}

REVENUE_WORDS = {
    "under_1m": N_("Under 1 million"),
    "1m_10m": N_("1 to 10 million"),
    "10m_50m": N_("10 to 50 million"),
    "50m_250m": N_("50 to 250 million"),
    "over_250m": N_("Over 250 million"),
}

# Statuses of leads, handoffs, partners, people, partnerships and deliveries share one table:
# a key means the same to a person wherever it shows.
STATUS_WORDS = {
    "new": N_("New"),
    "routed": N_("Routed"),
    "unrouted": N_("Not routed"),
    "not_qualified": N_("Not qualified"),
    "sent": N_("Sent"),
    "delivered": N_("Delivered"),
    "accepted": N_("Accepted"),
    "contacted": N_("Contacted"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "declined": N_("Declined"),
    "expired": N_("Expired"),
    "recalled": N_("Recalled"),
    "reward_invoiced": N_("Reward invoiced"),
    "reward_paid": N_("Reward paid"),
    "rep_paid": N_("Rep's share paid"),
    "pending": N_("Pending"),
    "active": N_("Active"),
    "suspended": N_("Suspended"),
    "rejected": N_("Rejected"),
    "invited": N_("Invited"),
    "deactivated": N_("Deactivated"),
    "proposed": N_("Proposed"),
    "paused": N_("Paused"),
    "ended": N_("Ended"),
    "failed": N_("Failed"),
    "dead": N_("Given up"),
    "disabled": N_("Stopped"),
    "revoked": N_("Revoked"),
    "existing_customer": N_("Already a customer"),
    # Whether an "already a customer" decline is borne out by the receiver's list (customers/lists.py).
    "confirmed": N_("Confirmed: on their customer list before the lead was sent"),
    "not_confirmed": N_("Not confirmed: not on their customer list before the lead was sent"),
    # After-sale follow-ups and how they went.
    "due": N_("Due"),
    "done": N_("Done"),
    "skipped": N_("Skipped"),
    "satisfied": N_("Satisfied"),
    "issue": N_("An issue to solve"),
    "referral": N_("Gave a referral"),
}

# A status inside a sentence ("a declined handoff cannot become won"), as ROLE_WORDS is a role's.
STATUS_IN_SENTENCE = {
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "accepted": N_("accepted"),
    "contacted": N_("contacted"),
    "won": N_("won"),
    "lost": N_("lost"),
    "declined": N_("declined"),
    "expired": N_("expired"),
    "recalled": N_("recalled"),
    "reward_invoiced": N_("reward invoiced"),
    "reward_paid": N_("reward paid"),
    "rep_paid": N_("rep's share paid"),
    "pending": N_("pending"),
    "active": N_("active"),
    "suspended": N_("suspended"),
    "rejected": N_("rejected"),
    "proposed": N_("proposed"),
    "paused": N_("paused"),
    "ended": N_("ended"),
    "due": N_("due"),
    "done": N_("done"),
    "skipped": N_("skipped"),
}

# Where a lead came from, each as the whole "added <date> ..." a lead's page shows.
ADDED_FROM = {
    "api": N_("added %(date)s from their system"),
    "web": N_("added %(date)s by hand"),
    "csv": N_("added %(date)s from an import"),
    "referral": N_("added %(date)s from a referral"),
}

_KEY = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")
# Every noun a page counts, with its plural forms (Russian has three: 1 лид, 2 лида, 5 лидов).
COUNTS = {
    "rep": Nn_("%(num)s rep", "%(num)s reps"),
    "sales rep": Nn_("%(num)s sales rep", "%(num)s sales reps"),
    "lead": Nn_("%(num)s lead", "%(num)s leads"),
    "handoff": Nn_("%(num)s handoff", "%(num)s handoffs"),
    "open handoff": Nn_("%(num)s open handoff", "%(num)s open handoffs"),
    "deal": Nn_("%(num)s deal", "%(num)s deals"),
    "invoice": Nn_("%(num)s invoice", "%(num)s invoices"),
    "attempt": Nn_("%(num)s attempt", "%(num)s attempts"),
    "partner": Nn_("%(num)s partner", "%(num)s partners"),
    "time": Nn_("%(num)s time", "%(num)s times"),
    "try": Nn_("%(num)s try", "%(num)s tries"),
    "person": Nn_("%(num)s person", "%(num)s people"),
    "day": Nn_("%(num)s day", "%(num)s days"),
    "minute": Nn_("%(num)s minute", "%(num)s minutes"),
    "customer": Nn_("%(num)s customer", "%(num)s customers"),
    "contact": Nn_("%(num)s contact", "%(num)s contacts"),
}


def word_for(key: str | None, tr: Translator | None = None) -> str:
    """The words for a status, role, size or reason key; a key nobody named yet is shown spaced out,
    and text a person wrote (a reason for losing a deal) is shown as written."""
    tr = tr or translator(DEFAULT_LANGUAGE)
    if key is None:
        return "—"
    if not _KEY.fullmatch(key):
        return key
    for table in (STATUS_WORDS, REVENUE_WORDS):
        if key in table:
            return tr.gettext(table[key])
    if key in ROLE_WORDS:
        return tr.gettext(ROLE_CAPITALIZED[key])
    return key.replace("_", " ").capitalize()


def role_in_sentence(role: str, tr: Translator | None = None) -> str:
    """A role as a sentence names it: "invited you ... as a sales rep"."""
    return (tr or translator(DEFAULT_LANGUAGE)).gettext(ROLE_WORDS[role])


def status_in_sentence(key: str) -> Phrase:
    """A status as a sentence names it, to read in the reader's language; a key without words as it is."""
    return Phrase(STATUS_IN_SENTENCE.get(key, key.replace("_", " ")))


def counted(number: int, noun: str) -> Phrase:
    """The number with its noun (a key of COUNTS), as a Phrase to render in the reader's language."""
    singular, plural = COUNTS[noun]
    return Phrase(singular, {"num": number}, plural)


def count_of(number: int, noun: str, tr: Translator | None = None) -> str:
    """ "1 rep", "2 reps"; "1 лид", "2 лида", "5 лидов": the number with its noun in the right form."""
    return (tr or translator(DEFAULT_LANGUAGE)).phrase(counted(number, noun))


def added_from(source: str, moment: object, tr: Translator | None = None) -> str:
    """When and where a lead came from, one sentence per source: "added 7 Dec 2026 from a referral"."""
    message = ADDED_FROM.get(source, N_("added %(date)s"))
    return (tr or translator(DEFAULT_LANGUAGE)).phrase(Phrase(message, {"date": moment}))
