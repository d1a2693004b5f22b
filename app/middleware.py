"""Pure ASGI middleware: a request id (and Vary) on every response, and bounded request bodies (413 as problem
details)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM, TYPE_BASE

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestId:
    """Takes X-Request-ID from the client when it is sane, else makes one; echoes it on the response, with Vary
    where the answer depends on Accept-Language or Accept."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        listing = scope["path"] == "/v1/proposals" and scope["method"] in ("GET", "HEAD")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                # what a cache in front must key on: the summary's language, and JSON or CSV for the list
                vary = [b"Accept-Language"] if any(k.lower() == b"content-language" for k, _ in headers) else []
                if listing:
                    vary.append(b"Accept")
                if vary and not any(k.lower() == b"vary" for k, _ in headers):
                    headers.append((b"vary", b", ".join(vary)))
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimit:
    """Refuses bodies over the limit for their path, by Content-Length or while streaming, with 413."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(scope, send, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a chunked body without Content-Length: the error handler renders the 413
                    raise HTTPException(413, f"the request body is larger than {limit} bytes allowed on {scope['path']}")
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    async def _too_large(scope: Scope, send: Send, limit: int) -> None:
        body = json.dumps({
            "type": TYPE_BASE + "payload-too-large", "title": "Payload too large", "status": 413,
            "detail": f"the request body is larger than {limit} bytes allowed on {scope['path']}",
            "instance": scope["path"],
        }).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """HEAD is answered as GET without the body (RFC 9110 §9.3.2), on every GET route: the same status and headers,
    Content-Length included. (The routes are declared for GET only, and the 405 for HEAD contradicted its own
    Allow header.)"""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed body: its parts are dropped, the last one ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, headers_only)
        finally:
            if "route" in inner:  # the route that answered, for the metrics outside
                scope["route"] = inner["route"]


class TrustedHosts:
    """Answers 400 (problem details) to a request whose Host header is not one of `VAGVAL_TRUSTED_HOSTS` (exact
    names, or `*.example.org` for its subdomains; `*`, the default, trusts any). Behind a proxy that passes on the
    client's Host, this keeps a forged Host out of anything the service might build from it. The probes
    (`/healthz`, `/readyz`) answer whatever the Host, for the container's health check and the orchestrator's."""

    PROBES = ("/healthz", "/readyz")

    def __init__(self, app: ASGIApp, hosts: list[str]):
        self.app = app
        self.any = "*" in hosts
        self.exact = {h.lower() for h in hosts if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in hosts if h.startswith("*."))

    def allowed(self, host: str) -> bool:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host  # without the port ([::1] kept whole)
        name = name.lower()
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] != "http" or scope["path"] in self.PROBES:
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if self.allowed(host):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"type": TYPE_BASE + "untrusted-host", "title": "Bad request", "status": 400,
                           "detail": "the Host header names a host this service does not answer for",
                           "instance": scope["path"]}).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
