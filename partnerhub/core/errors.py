"""What can go wrong in the domain, as exceptions that carry a message and no HTTP code.

`api/errors.py` maps each family to its status once.
"""


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does."""


class Conflict(DomainError):
    """The request contradicts the current state: a duplicate, or an impossible move."""


class NotAllowed(DomainError):
    """The caller sees the object but this action belongs to someone else."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a domain rule; `errors` maps field -> reasons."""

    def __init__(self, errors: dict[str, list[str]], message: str = "Invalid input."):
        super().__init__(message)
        self.errors = errors


class InvalidCredentials(DomainError):
    """A client id and secret, or an email and password, that do not match."""


class SignInPaused(InvalidCredentials):
    """Too many wrong passwords for one account: sign-in to it is refused until `until`."""

    def __init__(self, message: str, *, until):
        super().__init__(message)
        self.until = until
