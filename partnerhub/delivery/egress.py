"""Where webhooks may go: public addresses only, unless the platform allows its private networks.

A partner registers a URL; the worker POSTs to it and keeps the start of the answer,
which the partner reads back (GET /deliveries). Aimed at 127.0.0.1, 10.0.0.0/8 or a
cloud's metadata address 169.254.169.254, that would let a partner reach into the
platform's own network and read what answers there. So a URL naming such an address
is refused when registered, and the worker checks every address it is about to
connect to, and the one it connected to: a name that resolves (or re-resolves, between
the check and the connection) to a private address is refused too.

`private_ok` allows them all: for development and the tests, whose receivers listen on
loopback, and for a platform whose partners' systems sit in its own network.

Every send has a deadline as well (`deadline`): requests' timeouts bound each read, not
the answer, so a receiver trickling a byte now and then would hold a worker, and the
lease on its delivery, for as long as it liked. One thread per process shuts the
connections of a send down when its time is up.
"""

import heapq
import ipaddress
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import cast
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

REFUSED = "must reach a public address, not a loopback, private, link-local or reserved one"


def is_public(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global


def url_refusal(url: str, *, private_ok: bool) -> str | None:
    """Why a webhook URL may not be registered, judged by its host alone (no DNS lookup: the
    name may not resolve yet); None when it may."""
    if private_ok:
        return None
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return REFUSED
    try:
        return None if is_public(host) else REFUSED
    except ValueError:
        return None  # a name, not an address: checked when the worker connects


class NotPublic(NewConnectionError):
    """A connection refused because it would reach an internal address."""


def refused(exc: BaseException) -> bool:
    """Whether a failed request was stopped here, for reaching an internal address."""
    seen: set[int] = set()
    cause: object = exc
    while isinstance(cause, BaseException) and id(cause) not in seen:
        if isinstance(cause, NotPublic):
            return True
        seen.add(id(cause))
        # requests wraps urllib3's MaxRetryError, which keeps the cause as `reason`.
        cause = getattr(cause, "reason", None) or (cause.args[0] if cause.args else None)
    return False


class Deadline:
    """The wall-clock limit of one send, and the connections it is using."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.until = time.monotonic() + seconds
        self.expired = False
        self.over = False
        self.connections: list[HTTPConnection] = []


class _Watchdog:
    """One thread per process that shuts the connections of sends past their deadline.

    Shut down, not closed: the sending thread may be blocked reading the socket, and
    shutdown wakes it with an end of stream while its file descriptor stays its own.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._pid: int | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._lock:
            # One thread per process: a forked child does not inherit its parent's.
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._due = []
                threading.Thread(target=self._run, name="send-deadlines", daemon=True).start()
            heapq.heappush(self._due, (deadline.until, next(self._order), deadline))
            if self._due[0][2] is deadline:
                self._lock.notify()

    def watch(self, deadline: Deadline, connection: HTTPConnection) -> bool:
        """Cut `connection` with the send; True when the send's time is already up."""
        with self._lock:
            if connection not in deadline.connections:
                deadline.connections.append(connection)
            return deadline.expired

    def disarm(self, deadline: Deadline) -> None:
        with self._lock:
            # Left in the heap: it is dropped when it comes to the top.
            deadline.over = True

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._due and self._due[0][2].over:
                    heapq.heappop(self._due)
                if not self._due:
                    self._lock.wait()
                    continue
                left = self._due[0][0] - time.monotonic()
                if left > 0:
                    self._lock.wait(left)
                    continue
                _, _, deadline = heapq.heappop(self._due)
                deadline.expired = True
                for connection in deadline.connections:
                    _shut(connection.sock)


def _shut(sock: socket.socket | None) -> None:
    # Already closed, or never connected: nothing to cut.
    if sock is not None:
        with suppress(OSError):
            # socket.socket's own: an SSLSocket's shutdown would also unwrap it under the reader.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


_watchdog = _Watchdog()
_current = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Cut every connection the calling thread's requests use once `seconds` have passed."""
    limit = Deadline(seconds)
    _watchdog.arm(limit)
    _current.deadline = limit
    try:
        yield limit
    finally:
        _current.deadline = None
        _watchdog.disarm(limit)


class _Watched:
    """A urllib3 connection that the calling thread's deadline can cut."""

    def connect(self):
        limit = getattr(_current, "deadline", None)
        if limit is not None:
            self._watch(limit)
        super().connect()
        # Name resolution and the connect itself cannot be cut: whatever they took, go no further.
        if limit is not None and self._watch(limit):
            self.close()
            raise ConnectTimeoutError(self, f"no connection within {limit.seconds:g} s")

    def request(self, *args, **kwargs):
        # A kept-alive connection is reused without connect().
        limit = getattr(_current, "deadline", None)
        if limit is not None:
            self._watch(limit)
        return super().request(*args, **kwargs)

    def _watch(self, limit: Deadline) -> bool:
        # Always mixed into one of urllib3's connections (`_pools`).
        return _watchdog.watch(limit, cast(HTTPConnection, self))


class _PublicOnly:
    """A urllib3 connection that connects only to public addresses."""

    def _new_conn(self):
        # Before connecting, so an internal port is neither reached nor told open from closed.
        for *_, sockaddr in socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM):
            if not is_public(sockaddr[0]):
                raise NotPublic(self, f"{self.host} resolves to {sockaddr[0]}: {REFUSED}")
        sock = super()._new_conn()
        # And after: the name may have resolved differently a moment later.
        peer = sock.getpeername()[0]
        if not is_public(peer):
            sock.close()
            raise NotPublic(self, f"{self.host} connected to {peer}: {REFUSED}")
        return sock


def _pools(*mixins: type) -> dict[str, type]:
    http = type("HTTPConnection", (*mixins, HTTPConnection), {})
    https = type("HTTPSConnection", (*mixins, HTTPSConnection), {})
    return {
        "http": type("HTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("HTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }


_ANYWHERE = _pools(_Watched)
_PUBLIC_ONLY = _pools(_Watched, _PublicOnly)


class _Adapter(HTTPAdapter):
    def __init__(self, pools: dict[str, type]):
        self._pools = pools
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


def http_session(*, private_ok: bool) -> requests.Session:
    """The HTTP session the worker sends webhooks with."""
    http = requests.Session()
    for prefix in ("http://", "https://"):
        http.mount(prefix, _Adapter(_ANYWHERE if private_ok else _PUBLIC_ONLY))
    # A proxy from the environment would make the connection, past these checks and the deadline.
    http.trust_env = False
    return http
