"""A scripted OpenAI-compatible HTTP server for tests and benchmarks (standard library only).

It answers ``POST /v1/chat/completions`` from a script, so tests can ask for what a real model
cannot be made to do on demand: a given latency, a 429 with ``Retry-After``, a 5xx, a body that
is not JSON, an empty ``choices`` list, any other HTTP 200 body (``kind="body"``: a null
message, a null content, ...), or a connection dropped without any response.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

__all__ = ["Reply", "Script", "ScriptedServer"]


@dataclass
class Reply:
    """What the server does for one request."""

    kind: Literal["json", "text", "malformed", "status", "drop", "empty_choices", "body"] = "text"
    content: str = ""  # assistant message content (json: an already-serialised JSON string);
    # for kind="status", the error message (default "scripted <status>")
    body: Any = None  # for kind="body": the whole HTTP 200 response body, sent as JSON
    status: int = 200  # for kind="status", e.g. 429, 500, 503
    retry_after: float | None = None  # seconds, sent as Retry-After with a status reply
    delay: float = 0.0  # seconds to sleep before answering
    prompt_tokens: int = 10
    completion_tokens: int = 5


Script = Callable[[int, dict[str, Any]], Reply]  # (0-based request number, request body) -> Reply


def _error_body(status: int, message: str) -> dict[str, Any]:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    code = "rate_limit_exceeded" if status == 429 else kind
    return {"error": {"message": message, "type": kind, "code": code}}


_STOP_GRACE = 5.0  # seconds stop() waits for woken handlers to return


def _shut(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    owner: ScriptedServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.owner._track(self.connection, add=False)

    def _send(
        self, status: int, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client went away (e.g. it timed out during a delay)
            self.close_connection = True

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})
        else:
            self._send(404, _error_body(404, f"unknown path {self.path}"))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, _error_body(404, f"unknown path {self.path}"))
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, _error_body(400, "request body is not valid JSON"))
            return
        if not isinstance(body, dict):
            self._send(400, _error_body(400, "request body must be a JSON object"))
            return
        owner = self.server.owner
        number = owner._record(body, self.headers.get("Authorization"))
        try:
            self._reply(owner, number, body)
        finally:
            owner._done()

    def _reply(self, owner: ScriptedServer, number: int, body: dict[str, Any]) -> None:
        try:
            reply = owner.script(number, body)
        except Exception as exc:  # a broken script shows up as a 500, not a hung client
            self._send(500, _error_body(500, f"script raised {type(exc).__name__}: {exc}"))
            return
        if owner._stopping.wait(reply.delay + owner.latency):
            self.close_connection = True
            return
        self._answer(number, body, reply)

    def _answer(self, number: int, body: dict[str, Any], reply: Reply) -> None:
        if reply.kind == "drop":
            self.close_connection = True
            _shut(self.connection)
            return
        if reply.kind == "malformed":
            self._send(200, b'{"choices": [')
            return
        if reply.kind == "body":
            self._send(200, json.dumps(reply.body).encode())
            return
        if reply.kind == "status":
            headers = {}
            if reply.retry_after is not None:
                ra = reply.retry_after
                headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
            self._send(reply.status, _error_body(reply.status,
                                                    reply.content or f"scripted {reply.status}"), headers)
            return
        message = {"role": "assistant", "content": reply.content}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        p, c = reply.prompt_tokens, reply.completion_tokens
        self._send(200, {
            "id": f"chatcmpl-{number}", "object": "chat.completion", "created": 0,
            "model": body.get("model", "scripted"),
            "choices": [] if reply.kind == "empty_choices" else [choice],
            "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
        })  # fmt: skip


class ScriptedServer:
    """OpenAI-compatible server on 127.0.0.1 (OS-chosen port) answering from ``script``.

    ``latency`` is added to every reply's own ``delay``; the default script answers text "ok".
    """

    def __init__(self, script: Script | None = None, latency: float = 0.0) -> None:
        self.script: Script = script or (lambda _n, _body: Reply(content="ok"))
        self.latency = latency
        self.requests: list[dict[str, Any]] = []
        #: the ``Authorization`` header of each request, in order (None when absent)
        self.authorizations: list[str | None] = []
        self.in_flight = 0  # requests received and not yet answered
        self.peak_in_flight = 0
        self.base_url = ""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # notified when a handler lets go
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def _record(self, body: dict[str, Any], authorization: str | None = None) -> int:
        with self._lock:
            self.requests.append(body)
            self.authorizations.append(authorization)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            return len(self.requests) - 1

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1
            self._idle.notify_all()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
                self._idle.notify_all()

    def start(self) -> ScriptedServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        self._stopping.set()  # wake handlers sleeping in a delay
        httpd.shutdown()
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:  # idle keep-alive connections would keep handler threads
            _shut(conn)
        httpd.server_close()
        if thread is not None:
            thread.join()
        with self._lock:  # handlers were woken above; let them finish before returning
            self._idle.wait_for(lambda: self.in_flight == 0 and not self._connections,
                                timeout=_STOP_GRACE)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
