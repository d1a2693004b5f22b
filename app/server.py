"""The HTTP protocol `vagval serve` runs: uvicorn's httptools protocol, with its own answers as problem details and
the connection limits uvicorn lacks (SPEC §10).

- A request the HTTP parser cannot read (a raw non-ASCII byte in the URL, such as `?q=Luleå` sent unencoded, or a
  control character in a header) never reaches the app: uvicorn answers it with a text/plain 400. Here that answer
  is application/problem+json like every other error of the API, and says what to do.
- Read timeouts: a request's headers must arrive within `VAGVAL_HEADER_TIMEOUT_SECONDS` of its first byte (or of
  the connection, for a connection that sends nothing: it is closed) and its body within
  `VAGVAL_BODY_TIMEOUT_SECONDS` of its headers, plus a second for every `VAGVAL_BODY_MIN_BYTES_PER_SECOND` bytes
  that arrive (a large batch on a slow link is not cut; a trickle is); else 408 and the connection is closed (a
  slow-loris client holds a connection for seconds, not for ever). While the server itself holds reading back (an
  earlier request of the connection still answering, or a body the app has not read yet), the clock waits: the 408
  is never written while an earlier answer is due. uvicorn's keep-alive timeout closes idle connections between
  requests.
- A cap on connections: beyond `VAGVAL_MAX_CONNECTIONS`, a new connection is answered 503 with Retry-After and
  closed at once.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from app.errors import PROBLEM, TYPE_BASE
from app.settings import get_settings

BAD_REQUEST = json.dumps({
    "type": f"{TYPE_BASE}malformed-request",
    "title": "Malformed request",
    "status": 400,
    "detail": "the HTTP server could not read this request as HTTP/1.1 (a malformed request line, header or "
              "body framing); a common cause is a character outside ASCII in the URL: percent-encode it "
              "(?q=Lule%C3%A5, not ?q=Luleå)",
}, ensure_ascii=False).encode()



def _problem(status: int, kind: str, title: str, detail: str) -> bytes:
    return json.dumps({"type": f"{TYPE_BASE}{kind}", "title": title, "status": status, "detail": detail},
                      ensure_ascii=False).encode()


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.header_timeout = settings.header_timeout_seconds
        self.body_timeout = settings.body_timeout_seconds
        self.body_rate = settings.body_min_bytes_per_second
        self._deadline = 0.0  # loop time by which the phase must be done
        self.max_connections = settings.max_connections
        self._read_timer: asyncio.TimerHandle | None = None
        self._reading = "nothing"  # "headers" or "body" of a request under way, or nothing
        self._started = False  # a request's first byte has arrived

    # -- the cap on connections ------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._answer(503, "unavailable", "Service unavailable",
                         f"the server holds its most connections ({self.max_connections}); retry shortly",
                         extra=[b"retry-after: 1\r\n"])
            return
        self._arm("headers", self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # -- read timeouts -------------------------------------------------------------------------------------------

    def _arm(self, phase: str, seconds: float) -> None:
        self._disarm()
        self._reading = phase
        self._deadline = self.loop.time() + seconds
        self._read_timer = self.loop.call_later(seconds, self._read_timed_out)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        if self._reading == "body":
            self._deadline += len(body) / self.body_rate  # credit for what arrived

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None
        self._reading = "nothing"

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._started = True
        self._arm("headers", self.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if not self.transport.is_closing():
            self._arm("body", self.body_timeout)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.pipeline or self.transport.is_closing():
            return
        self._started = False  # idle between requests: uvicorn's keep-alive timeout closes it

    def _read_timed_out(self) -> None:
        self._read_timer = None
        phase = self._reading
        if self.transport.is_closing() or phase == "nothing":
            return
        now = self.loop.time()
        if self.pipeline or self.flow.read_paused:  # the server holds reading back: the client's clock starts again
            self._deadline = now + (self.header_timeout if phase == "headers" else self.body_timeout)
        left = self._deadline - now
        if left > 0.001:  # time earned by what arrived, or given back after a pause
            self._read_timer = self.loop.call_later(left, self._read_timed_out)
            return
        self._reading = "nothing"
        if phase == "headers" and not getattr(self, "_started", False):
            self.transport.close()  # a connection that never sent a request: nothing to answer
            return
        seconds = self.header_timeout if phase == "headers" else self.body_timeout
        cycle = self.cycle if phase == "body" else None
        if cycle is not None and cycle.response_started:
            self.transport.close()
        else:
            self._answer(408, "request-timeout", "Request timeout",
                         f"the request's {phase} did not arrive within {seconds:g} s; send the whole request at once")
        if cycle is not None:  # the app waiting for the body hears that the client is gone
            cycle.disconnected = True
            cycle.message_event.set()

    # -- answers written by the protocol itself ----------------------------------------------------------------------

    def _answer(self, status: int, kind: str, title: str, detail: str, extra: list[bytes] | None = None) -> None:
        self._write(status, _problem(status, kind, title, detail), extra)

    def _write(self, status: int, body: bytes, extra: list[bytes] | None = None) -> None:
        self._disarm()
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([
            b"content-type: " + PROBLEM.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            *(extra or []),
            b"connection: close\r\n",
            b"\r\n",
            body,
        ])
        self.transport.write(b"".join(content))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:  # noqa: ARG002 - uvicorn's own text is replaced
        self._write(400, BAD_REQUEST)
