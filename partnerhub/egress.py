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
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

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


class _PublicOnly:
    """A urllib3 connection that connects only to public addresses."""

    def _new_conn(self):
        # Before connecting, so an internal port is neither reached nor told open from closed.
        for *_, sockaddr in socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM):
            if not is_public(sockaddr[0]):
                raise NewConnectionError(self, f"{self.host} resolves to {sockaddr[0]}: {REFUSED}")
        sock = super()._new_conn()
        # And after: the name may have resolved differently a moment later.
        peer = sock.getpeername()[0]
        if not is_public(peer):
            sock.close()
            raise NewConnectionError(self, f"{self.host} connected to {peer}: {REFUSED}")
        return sock


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def http_session(*, private_ok: bool) -> requests.Session:
    """The HTTP session the worker sends webhooks with."""
    http = requests.Session()
    if not private_ok:
        for prefix in ("http://", "https://"):
            http.mount(prefix, _PublicOnlyAdapter())
        # A proxy from the environment would make the connection, past these checks.
        http.trust_env = False
    return http
