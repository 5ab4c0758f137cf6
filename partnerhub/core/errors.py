"""What can go wrong in the domain, as exceptions that carry a message and no HTTP code.

`api/errors.py` maps each family to its status once. A message with numbers or names in it is a
Phrase (partnerhub/core/i18n.py): `message` is its English, for the API and the logs, and `words`
the Phrase a page reads in its reader's language; a fixed message is marked N_ for the catalogs.
"""

from collections.abc import Mapping, Sequence

from partnerhub.core.i18n import Phrase


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str | Phrase, **details):
        super().__init__(str(message))
        self.message = str(message)
        self.words = message
        self.details = details


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does."""


class Conflict(DomainError):
    """The request contradicts the current state: a duplicate, or an impossible move."""


class NotAllowed(DomainError):
    """The caller sees the object but this action belongs to someone else."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a domain rule; `errors` maps field -> reasons."""

    def __init__(
        self, errors: Mapping[str, Sequence[str | Phrase]], message: str | Phrase = "Invalid input."
    ):
        super().__init__(message)
        self.errors = {name: [str(reason) for reason in reasons] for name, reasons in errors.items()}
        # The reasons as given, Phrases among them, for a page to read in its reader's language.
        self.error_words = {name: list(reasons) for name, reasons in errors.items()}


class InvalidCredentials(DomainError):
    """A client id and secret, or an email and password, that do not match."""


class SignInPaused(InvalidCredentials):
    """Too many wrong passwords for one account: sign-in to it is refused until `until`."""

    def __init__(self, message: str, *, until):
        super().__init__(message)
        self.until = until
