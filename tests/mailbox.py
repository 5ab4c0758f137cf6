"""A real SMTP server on localhost (aiosmtpd) that keeps what it is sent, for the platform's emails."""

from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

from bench.common import free_port


@dataclass
class Mail:
    recipients: list[str]
    message: Message


class Mailbox:
    """Accepts every message; with `accept` set, that many more, then refuses with a temporary failure."""

    def __init__(self):
        self.mails: list[Mail] = []
        self.accept: int | None = None
        # Refuse every message as a mail server does an address that does not exist.
        self.refuse_permanently = False
        # A port free now: aiosmtpd checks it is serving by connecting to the port it was given.
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_permanently:
            return "550 No such user here"
        if self.accept is not None:
            if self.accept == 0:
                return "451 Requested action aborted: local error in processing"
            self.accept -= 1
        self.mails.append(Mail(list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def __enter__(self) -> "Mailbox":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
