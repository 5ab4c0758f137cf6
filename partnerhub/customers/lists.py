"""Partners' customer lists, kept private: only keyed hashes of normalised contacts, never the values.

A partner uploads its customers (email, phone, company domain). Each value is
normalised (`normal_email`, `normal_phone`, `normal_domain`), then hashed with
HMAC-SHA256 under CUSTOMER_HASH_KEY, a platform key that never leaves the
server (api/config.py); the first 64 bits of the MAC are kept. Nothing can turn
a kept hash back into its value, and without the key nobody can test a guess.
The lists serve three things: routing passes over a partner that already has
the lead's contact as a customer, a receiver's "we already had this customer"
is checked against its list as it stood when the lead came, and two partners
who both consent learn how many customers they have in common.

A 64-bit hash can collide: with three million hashes on one list, a lead's
contact matches one by chance once in some six trillion lookups.
"""

import contextlib
import csv
import hmac
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from sqlalchemy import bindparam, exists, func, select, text
from sqlalchemy.orm import Session

from partnerhub.core import audit
from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, InvalidInput
from partnerhub.core.i18n import N_, Phrase, phrase
from partnerhub.core.validation import EMAIL, MAX_EMAIL
from partnerhub.models import CustomerKey, CustomerList, Handoff, Partner, Partnership

COLUMNS = ("email", "phone", "domain")
# The reason routing passes a partner over with, and a receiver declines with, for a customer it has.
EXISTING_CUSTOMER = "existing_customer"
DEFAULT_COUNTRY = "DE"
# The countries whose numbering plans are known: where a partner's customers' numbers can be read.
COUNTRIES = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))
# Rejected rows named in an upload's answer; the rest are counted.
MAX_REPORTED = 100
# Digests written to the database per round trip; bounds what an upload holds in memory.
BATCH = 10_000
MAX_DOMAIN = 253
MAX_PHONE = 50
# Mail providers anyone can have an address at: a lead writing from one says nothing about its company,
# so its email's domain is not looked up as a customer's company domain.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "freenet.de",
        "gmail.com",
        "gmx.at",
        "gmx.ch",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mail.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "posteo.de",
        "proton.me",
        "protonmail.com",
        "t-online.de",
        "web.de",
        "yahoo.com",
        "yahoo.de",
    }
)

_hash_key: bytes | None = None


def use_hash_key(key: str) -> None:
    """Set the platform's CUSTOMER_HASH_KEY for this process (the app does, at start).

    A process-wide setting rather than an argument: routing runs from intake, declines,
    expiries and the command line, and each would otherwise pass the key along.
    """
    global _hash_key  # noqa: PLW0603
    _hash_key = key.encode()


def _key() -> bytes:
    if _hash_key is None:
        raise RuntimeError("CUSTOMER_HASH_KEY is not set: create the app, or call use_hash_key first.")
    return _hash_key


def digest(kind: str, value: str) -> int:
    """The kept form of a normalised value: the first 64 bits of HMAC-SHA256, as a signed integer.

    The kind is hashed with the value, so an email and a domain that read alike never match.
    """
    mac = hmac.digest(_key(), f"{kind}:{value}".encode(), "sha256")
    return int.from_bytes(mac[:8], "big", signed=True)


# --- normalising ------------------------------------------------------------


def normal_email(value: str) -> str:
    """Trimmed and lower-cased; ValueError when it is not an address."""
    email = value.strip().lower()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise ValueError("must be an email address such as name@example.com")
    return email


def normal_phone(value: str, country: str) -> str:
    """E.164 (+4930123456), reading a number without a country code as one of `country`."""
    if len(value) > MAX_PHONE:
        raise ValueError(f"must be a phone number of at most {MAX_PHONE} characters")
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        raise ValueError(
            "must be a phone number, with its country code when outside the partner's country"
        ) from None
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValueError("must be a phone number of a possible length for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_DOMAIN = re.compile(r"^[^\s./:@?#]+(\.[^\s./:@?#]+)+$")


def normal_domain(value: str) -> str:
    """Lower-cased host without scheme, path, port or `www.`: "https://WWW.Acme.de/about" is "acme.de"."""
    domain = _SCHEME.sub("", value.strip().lower())
    domain = re.split(r"[/?#]", domain, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    domain = domain.removeprefix("www.")
    if len(domain) > MAX_DOMAIN or not _DOMAIN.match(domain):
        raise ValueError("must be a company domain such as example.com")
    return domain


_NORMALISE = {"email": normal_email, "domain": normal_domain}


def customer_digests(entry: dict[str, str | None], country: str) -> tuple[list[int], dict[str, list[str]]]:
    """The digests of one customer's given values, or the reasons per column it was refused."""
    digests, errors = [], {}
    for column in COLUMNS:
        value = (entry.get(column) or "").strip()
        if not value:
            continue
        try:
            normal = normal_phone(value, country) if column == "phone" else _NORMALISE[column](value)
        except ValueError as exc:
            errors[column] = [str(exc)]
        else:
            digests.append(digest(column, normal))
    if not digests and not errors:
        errors["_row"] = ["holds no email, phone or domain"]
    return ([] if errors else digests), errors


def contact_digests(*, email: str | None, phone: str | None, country: str) -> list[int]:
    """What a lead's contact is looked up by: its email, its phone (read in `country`), and its email's
    domain unless that is a public mail provider's. A value that does not normalise is left out."""
    digests = []
    if email:
        try:
            email = normal_email(email)
        except ValueError:
            email = None
    if email:
        digests.append(digest("email", email))
        domain = email.rsplit("@", 1)[1]
        if domain not in PUBLIC_MAIL_DOMAINS:
            with contextlib.suppress(ValueError):
                digests.append(digest("domain", normal_domain(domain)))
    if phone:
        with contextlib.suppress(ValueError):
            digests.append(digest("phone", normal_phone(phone, country)))
    return digests


def lead_country(region: str | None, partner: Partner) -> str:
    """The country a lead's phone number is read in: its region's ("DE-BE" is DE), else its sender's."""
    if region and re.match(r"^[A-Z]{2}(-|$)", region):
        return region[:2]
    return partner.country or DEFAULT_COUNTRY


# --- reading an upload --------------------------------------------------------


def csv_entries(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
    """The rows of a CSV file with a header of COLUMNS, as (line, values, None) or (line, None, why).

    The header is read at once, so a file with an unknown column is refused before
    anything is written; the rows are read as they are consumed.
    """
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput({"file": [_csv_problem(1, exc)]}, N_("The file is not CSV.")) from None
    if header is None:
        return iter(())
    names = [name.strip().lower() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or len(set(names)) != len(names):
        reasons: list[Phrase | str] = [phrase("unknown column %(name)s", name=repr(name)) for name in unknown]
        if len(set(names)) != len(names):
            reasons.append(N_("a column is named twice"))
        raise InvalidInput(
            {
                "columns": [
                    *reasons,
                    phrase("the header row names some of: %(columns)s", columns=", ".join(COLUMNS)),
                ]
            },
            N_("The header row names a column this list does not take."),
        )
    return _rows(reader, names)


def _csv_problem(line: int, exc: csv.Error) -> Phrase:
    # The csv module's own words stay English: it has no catalog.
    return phrase("line %(line)s: %(problem)s", line=str(line), problem=str(exc))


def _rows(reader, names: list[str]):
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(
                {"file": [_csv_problem(reader.line_num, exc)]}, N_("The file is not CSV.")
            ) from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            yield reader.line_num, None, f"has {len(row)} cells where the header has {len(names)}"
        else:
            yield reader.line_num, dict(zip(names, row, strict=True)), None


def json_entries(customers: list[dict]) -> Iterator[tuple[int, dict[str, str | None], None]]:
    """A JSON upload's customers as entries; each is named by its index in `customers`."""
    return ((index, entry, None) for index, entry in enumerate(customers))


# --- replacing a list -------------------------------------------------------------


@dataclass
class Upload:
    """What an upload did: customers kept, when, and the rows refused (the first MAX_REPORTED)."""

    count: int
    uploaded_at: datetime
    rejected: list[dict] = field(default_factory=list)
    rejected_count: int = 0


class _Reading:
    """Turns entries into batches of digests, counting the customers and keeping the refusals."""

    def __init__(self, entries, *, country: str, position: str):
        self.entries, self.country, self.position = entries, country, position
        self.rejected: list[dict] = []
        self.count, self.rejected_count = 0, 0

    def _refuse(self, where: int, errors: dict[str, list[str]]) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append({self.position: where, "errors": errors})

    def batches(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for where, entry, why in self.entries:
            if entry is None:
                self._refuse(where, {"_row": [why]})
                continue
            digests, errors = customer_digests(entry, self.country)
            if errors:
                self._refuse(where, errors)
                continue
            self.count += 1
            batch.extend(digests)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


_STAGE = "customer_upload"
# The new list replaces the old in two set-based statements: what is no longer listed goes, what is new
# comes in with this upload's time, and what stays keeps the time it was first listed.
_DROP_UNLISTED = text(
    f"DELETE FROM customer_keys WHERE partner_id = :partner_id "
    f"AND NOT EXISTS (SELECT 1 FROM {_STAGE} u WHERE u.digest = customer_keys.digest)"
)
# In the indexes' order, so each insertion lands next to the last one: inserted in random order, a
# million customers' hashes took three times as long. What is listed already is left out by an
# anti-join, not ON CONFLICT, whose speculative insertion doubled the work per row; uploads of one
# partner take turns (`_one_upload_at_a_time`), so nothing is listed in between.
_LIST_NEW = text(
    f"INSERT INTO customer_keys (partner_id, digest, listed_since) "
    f"SELECT :partner_id, u.digest, :now FROM (SELECT DISTINCT digest FROM {_STAGE}) u "
    f"WHERE NOT EXISTS (SELECT 1 FROM customer_keys k WHERE k.partner_id = :partner_id "
    f"AND k.digest = u.digest) ORDER BY u.digest"
).bindparams(bindparam("now", type_=CustomerKey.__table__.c.listed_since.type))
_UPLOAD_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, :partner_id)")
# The advisory lock's first key: this module's, so its locks meet no other module's.
_LOCK_NAMESPACE = 2101


def _one_upload_at_a_time(connection, partner_id: int) -> None:
    """PostgreSQL: hold the partner's upload lock until the transaction ends (SQLite has one writer)."""
    if connection.dialect.name == "postgresql":
        connection.execute(_UPLOAD_LOCK, {"namespace": _LOCK_NAMESPACE, "partner_id": partner_id})


def replace_customer_list(
    session: Session,
    *,
    partner: Partner,
    entries: Iterable[tuple[int, dict | None, str | None]],
    actor: Actor,
    origin: str = "",
    allow_empty: bool = False,
    position: str = "line",
    now: datetime | None = None,
) -> Upload:
    """Replace the partner's customer list with `entries` (`csv_entries` or `json_entries`), in the
    caller's transaction: routing sees the old list or the new one, never a mix.

    Refuses an upload that keeps no customer unless `allow_empty`: it would erase the list.
    Streams: the entries are read, hashed and written a batch at a time.
    """
    now = now or utcnow()
    reading = _Reading(entries, country=partner.country or DEFAULT_COUNTRY, position=position)
    connection = session.connection()
    _one_upload_at_a_time(connection, partner.id)
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {_STAGE} (digest BIGINT NOT NULL)")
    try:
        if connection.dialect.name == "postgresql":
            _copy(connection, reading.batches())
            connection.exec_driver_sql(f"ANALYZE {_STAGE}")
        else:
            insert = f"INSERT INTO {_STAGE} (digest) VALUES (?)"
            for batch in reading.batches():
                connection.exec_driver_sql(insert, [(d,) for d in batch])
        if reading.count == 0 and not allow_empty:
            errors = {"customers": ["the upload holds no customer; ask with allow_empty to empty the list"]}
            for refused in reading.rejected[:10]:
                for column, reasons in refused["errors"].items():
                    errors[f"{position} {refused[position]}.{column}"] = reasons
            raise InvalidInput(errors, "The upload holds no customer, and would empty the list.")
        connection.execute(_DROP_UNLISTED, {"partner_id": partner.id})
        connection.execute(_LIST_NEW, {"partner_id": partner.id, "now": now})
    finally:
        connection.exec_driver_sql(f"DROP TABLE {_STAGE}")
    summary = session.get(CustomerList, partner.id)
    if summary is None:
        summary = CustomerList(partner_id=partner.id)
        session.add(summary)
    summary.count, summary.uploaded_at = reading.count, now
    audit.record(
        session,
        actor=actor,
        action="customers.uploaded",
        partner_id=partner.id,
        target=partner.name,
        details={"count": reading.count, "rejected": reading.rejected_count},
        origin=origin,
        now=now,
    )
    return Upload(reading.count, now, reading.rejected, reading.rejected_count)


def _copy(connection, batches: Iterator[list[int]]) -> None:
    """PostgreSQL: stream the digests into the staging table through COPY, a batch per write."""
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {_STAGE} (digest) FROM STDIN") as copy:
        for batch in batches:
            copy.write("\n".join(map(str, batch)) + "\n")


def customer_list(session: Session, *, partner_id: int) -> dict:
    """What may be said of a partner's list: `count` and `uploaded_at` (None before the first upload)."""
    summary = session.get(CustomerList, partner_id)
    if summary is None:
        return {"count": 0, "uploaded_at": None}
    return {"count": summary.count, "uploaded_at": summary.uploaded_at}


# --- using the lists ----------------------------------------------------------------

_LISTING = select(CustomerKey.partner_id).where(CustomerKey.digest.in_(bindparam("digests", expanding=True)))


def partners_listing(session: Session, *, digests: list[int]) -> set[int]:
    """The partners whose list holds any of `digests`: one range of one index per digest."""
    if not digests:
        return set()
    return set(session.connection().execute(_LISTING, {"digests": digests}).scalars())


def listed_before(session: Session, *, partner_id: int, digests: list[int], before: datetime) -> bool:
    """Whether the partner's list held any of `digests` since a time before `before`."""
    if not digests:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    CustomerKey.partner_id == partner_id,
                    CustomerKey.digest.in_(digests),
                    CustomerKey.listed_since < before,
                )
            )
        )
    )


def check_claim(session: Session, *, handoff: Handoff) -> str:
    """Whether the receiver's list held the lead's contact before the handoff was sent: "confirmed" or
    "not_confirmed". A list uploaded after the lead came proves nothing about before."""
    lead = handoff.lead
    contact = contact_digests(
        email=lead.contact_email, phone=lead.contact_phone, country=lead_country(lead.region, lead.partner)
    )
    held = listed_before(session, partner_id=handoff.to_partner_id, digests=contact, before=handoff.sent_at)
    return "confirmed" if held else "not_confirmed"


def set_overlap_sharing(
    session: Session,
    *,
    partnership: Partnership,
    partner_id: int,
    share: bool,
    actor: Actor,
    origin: str = "",
) -> Partnership:
    """Turn the partner's side of overlap sharing on the partnership on or off."""
    side = "proposer" if partner_id == partnership.proposer_id else "responder"
    if getattr(partnership, f"{side}_shares_overlap") != share:
        setattr(partnership, f"{side}_shares_overlap", share)
        audit.record(
            session,
            actor=actor,
            action="partnership.overlap_shared" if share else "partnership.overlap_withdrawn",
            partner_id=partner_id,
            target=f"partnership {partnership.id}",
            details={"partnership_id": partnership.id},
            origin=origin,
        )
    session.flush()
    return partnership


def count_shared(session: Session, *, a: int, b: int) -> int:
    """How many hashes the lists of partners `a` and `b` hold in common."""
    other = CustomerKey.__table__.alias("other")
    return session.execute(
        select(func.count())
        .select_from(CustomerKey)
        .join(other, (other.c.digest == CustomerKey.digest) & (other.c.partner_id == b))
        .where(CustomerKey.partner_id == a)
    ).scalar_one()


def shared_customers(session: Session, *, partnership: Partnership, partner_id: int) -> int:
    """The overlap of the two sides' lists; refused unless both sides share it."""
    if not partnership.overlap_shared:
        if not partnership.shares_overlap(partner_id):
            raise Conflict(N_("Both sides must share their customer overlap; you do not."))
        raise Conflict(N_("Both sides must share their customer overlap; the other side does not."))
    return count_shared(session, a=partnership.proposer_id, b=partnership.responder_id)
