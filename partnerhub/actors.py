"""Who makes a change: a rep user, a partner's API client, or the platform itself."""

from dataclasses import dataclass

from partnerhub.models.handoff import ACTOR_TYPES


@dataclass(frozen=True)
class Actor:
    """The one making a change, as plain values the web pages, the API and jobs all pass in."""

    type: str
    partner_id: int | None = None
    user_id: int | None = None
    client_id: int | None = None

    def __post_init__(self):
        if self.type not in ACTOR_TYPES:
            raise ValueError(f"unknown actor type {self.type!r}")

    @classmethod
    def system(cls, partner_id: int | None = None) -> "Actor":
        """The platform (jobs, imports); `partner_id` names whose behalf it acts on, if anyone's."""
        return cls("system", partner_id)

    @classmethod
    def user(cls, *, partner_id: int, user_id: int) -> "Actor":
        return cls("user", partner_id, user_id=user_id)

    @classmethod
    def client(cls, *, partner_id: int, client_id: int) -> "Actor":
        return cls("client", partner_id, client_id=client_id)

    @property
    def is_system(self) -> bool:
        return self.type == "system"
