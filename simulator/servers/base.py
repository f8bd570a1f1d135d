"""A small threaded HTTP server that vendor simulators build on, with a request log and faults.

Every request is recorded (method, path, query, form, JSON body; never the
credentials) so tests can count what a connector asked for. Faults are switched
on per server and used up as requests arrive:

transport faults (applied before the vendor logic runs)
    ``429``        429 with ``Retry-After`` (vendors may override: Canvas says 403)
    ``5xx``        503 Service Unavailable
    ``slow``       answer after ``delay`` seconds (longer than the client's timeout)
    ``reset``      close the connection with a TCP reset, no response
    ``truncated``  send the headers and half of the body, then close
content faults (the vendor logic asks ``server.content_fault(kind)``)
    ``duplicate_page``  a page of results served twice
    ``drift_added`` / ``drift_renamed`` / ``drift_missing``   schema drift
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TRANSPORT_FAULTS = ("429", "5xx", "slow", "reset", "truncated")
CONTENT_FAULTS = ("duplicate_page", "drift_added", "drift_renamed", "drift_missing")
ALL_FAULTS = TRANSPORT_FAULTS + CONTENT_FAULTS
_HIDDEN_HEADERS = {"authorization", "x-api-token", "cookie"}
# how long a kept-alive connection may sit idle before the server closes it
IDLE_SECONDS = 120


@dataclass
class Fault:
    kind: str
    times: int | None = 1  # None: every matching request
    path: str | None = None  # only requests whose path contains this
    retry_after: int = 1
    delay: float = 3.0


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes = b""
    form: list[tuple[str, str]] = field(default_factory=list)
    json: Any = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query + self.form:
            if key == name:
                return value
        return default

    def args(self, name: str) -> list[str]:
        return [v for k, v in self.query + self.form if k == name]

    def recorded(self) -> Request:
        """A copy safe to keep: no credentials in headers or form fields."""
        return Request(
            self.method,
            self.path,
            list(self.query),
            {k: v for k, v in self.headers.items() if k.lower() not in _HIDDEN_HEADERS},
            b"",
            [(k, "***" if k == "token" else v) for k, v in self.form],
            self.json,
        )


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(
            status,
            json.dumps(data, default=str).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain") -> Response:
        return cls(status, text.encode(), {"Content-Type": f"{content_type}; charset=utf-8"})


class SimServer:
    """Subclasses implement :meth:`handle`; tests use :meth:`inject` and :attr:`requests`."""

    name = "simulator"

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.request_counter = 0

    # -- faults -------------------------------------------------------------------------

    def inject(self, kind: str, times: int | None = 1, **options: Any) -> None:
        if kind not in ALL_FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(ALL_FAULTS)}")
        with self._lock:
            self.faults.append(Fault(kind, times, **options))

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    def _take(self, kinds: tuple[str, ...], path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind in kinds and (fault.path is None or fault.path in path):
                    if fault.times is not None:
                        if fault.times <= 0:
                            continue
                        fault.times -= 1
                    return fault
        return None

    def content_fault(self, kind: str, path: str = "") -> bool:
        return self._take((kind,), path) is not None

    def has_fault(self, kind: str) -> bool:
        """Peek without using it up (for faults that shape a whole response)."""
        with self._lock:
            return any(f.kind == kind and (f.times is None or f.times > 0) for f in self.faults)

    # -- vendor logic -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def throttle_response(self, fault: Fault) -> Response:
        return Response.json(
            {"error": "too many requests"}, 429, {"Retry-After": str(fault.retry_after)}
        )

    def request_id(self) -> str:
        with self._lock:
            self.request_counter += 1
            return f"{self.name}-{self.request_counter:06d}"

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        server = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 with keep-alive, as the vendors' APIs: a client's session sends its
            # requests over one connection instead of a new connection (and a new server
            # thread) for each. An idle connection is closed after IDLE_SECONDS.
            # (headers and body go out as two writes: without TCP_NODELAY the body would
            # wait for the client's delayed acknowledgement of the headers, 40 ms a request)
            protocol_version = "HTTP/1.1"
            timeout = IDLE_SECONDS
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                server._serve(self, "GET")

            def do_POST(self) -> None:
                server._serve(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, daemon=True, name=f"sim-{self.name}"
        )
        self._thread.start()
        self.url = f"http://{host}:{self._httpd.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SimServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- plumbing -----------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type", "")
        request = Request(
            method,
            parts.path,
            parse_qsl(parts.query, keep_blank_values=True),
            dict(handler.headers.items()),
            body,
        )
        if "application/x-www-form-urlencoded" in content_type:
            request.form = parse_qsl(body.decode(), keep_blank_values=True)
        elif "json" in content_type and body:
            try:
                request.json = json.loads(body)
            except ValueError:
                request.json = None
        if parts.path == "/health":  # for container health checks: no auth, no faults, no log
            self._send(handler, Response.json({"ok": True, "server": self.name}))
            return
        with self._lock:
            self.requests.append(request.recorded())
        fault = self._take(TRANSPORT_FAULTS, parts.path)
        if fault and fault.kind == "reset":
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.connection.close()
            handler.close_connection = True
            return
        if fault and fault.kind == "429":
            self._send(handler, self.throttle_response(fault))
            return
        if fault and fault.kind == "5xx":
            self._send(handler, Response.json({"error": "service unavailable"}, 503))
            return
        if fault and fault.kind == "slow":
            time.sleep(fault.delay)
        try:
            response = self.handle(request)
        except Exception as exc:  # a simulator bug must show up as a 500, not hang
            response = Response.json({"error": f"simulator error: {exc!r}"}, 500)
        self._send(handler, response, truncate=bool(fault and fault.kind == "truncated"))

    def _send(
        self, handler: BaseHTTPRequestHandler, response: Response, truncate: bool = False
    ) -> None:
        try:
            handler.send_response(response.status)
            for key, value in response.headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(response.body)))
            handler.send_header("X-Request-Id", self.request_id())
            handler.end_headers()
            if truncate:
                handler.wfile.write(response.body[: len(response.body) // 2])
                handler.wfile.flush()
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_RDWR)
            else:
                handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to send
