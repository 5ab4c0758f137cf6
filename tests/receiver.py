"""Real webhook receivers on localhost: one that checks every signature with the standardwebhooks
library, and slow ones that never answer or trickle their answer."""

import json
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    body: dict
    signatures: int
    verified_by: set[str] = field(default_factory=set)
    at: float = field(default_factory=time.monotonic)


class _Listening:
    """A server on a free loopback port, serving from a thread while in a `with` block."""

    server: socketserver.TCPServer

    def _serve(self, server: socketserver.TCPServer) -> None:
        self.server = server
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Receiver(_Listening):
    """Answers each POST with the next scripted status (200 when the script is used up)."""

    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.secrets: list[str] = []
        self.script: list[tuple[int, dict]] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["content-length"]))
                status, headers = receiver._record(raw, dict(self.headers))
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    # The sender died mid-request: the crash test does that on purpose.
                    pass

            def log_message(self, *args):
                pass

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    def _record(self, raw: bytes, headers: dict) -> tuple[int, dict]:
        verified = set()
        for secret in self.secrets:
            try:
                Webhook(secret).verify(raw, headers)
            except WebhookVerificationError:
                continue
            verified.add(secret)
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.received.append(
                Received(
                    webhook_id=lower["webhook-id"],
                    body=json.loads(raw),
                    signatures=len(lower["webhook-signature"].split(" ")),
                    verified_by=verified,
                )
            )
            return self.script.pop(0) if self.script else (200, {})

    def answer(self, *statuses: int, headers: dict | None = None) -> None:
        """Script the next answers, e.g. answer(500, 200)."""
        self.script.extend((status, headers or {}) for status in statuses)

    def ids(self) -> list[str]:
        with self._lock:
            return [r.webhook_id for r in self.received]


@dataclass
class Held:
    """One request a slow receiver read, and how long the sender stayed connected."""

    webhook_id: str
    arrived: float
    left: float | None = None


class SlowReceiver(_Listening):
    """Reads each request, then answers `trickle` one byte every `every` seconds, or, with no
    `trickle`, never: a black hole that holds the connection open until the sender leaves."""

    def __init__(self, *, trickle: bytes = b"", every: float = 2.5):
        self.held: list[Held] = []
        self._closing = threading.Event()
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                headers = {}
                while (line := self.rfile.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                self.rfile.read(int(headers.get("content-length", 0)))
                held = Held(headers.get("webhook-id", ""), time.monotonic())
                receiver.held.append(held)
                try:
                    receiver._answer(self.connection, trickle, every)
                finally:
                    held.left = time.monotonic()

        self._serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler))

    def _answer(self, connection, trickle: bytes, every: float) -> None:
        """Trickle the answer, or hold the line, until the sender hangs up or the test ends."""
        # Waiting to read is how a hang-up is noticed at once; a trickle's byte is due at each timeout.
        connection.settimeout(every if trickle else 0.1)
        sent = 0
        while not self._closing.is_set():
            try:
                if connection.recv(1) == b"":
                    return
                continue
            except TimeoutError:
                pass
            except OSError:
                return
            if sent < len(trickle):
                try:
                    connection.sendall(trickle[sent : sent + 1])
                except OSError:
                    return
                sent += 1

    def ids(self) -> list[str]:
        return [h.webhook_id for h in self.held]

    def __exit__(self, *exc):
        self._closing.set()
        super().__exit__(*exc)
