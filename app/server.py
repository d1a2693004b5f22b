"""The HTTP protocol `vagval serve` runs: uvicorn's httptools protocol, with its own 400 as problem details.

A request the HTTP parser cannot read (a raw non-ASCII byte in the URL, such as `?q=Luleå` sent unencoded, or a
control character in a header) never reaches the app: uvicorn answers it with a text/plain 400. Here that answer
is application/problem+json like every other error of the API, and says what to do.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from app.errors import PROBLEM, TYPE_BASE

BAD_REQUEST = json.dumps({
    "type": f"{TYPE_BASE}malformed-request",
    "title": "Malformed request",
    "status": 400,
    "detail": "the HTTP server could not read this request as HTTP/1.1 (a malformed request line, header or "
              "body framing); a common cause is a character outside ASCII in the URL: percent-encode it "
              "(?q=Lule%C3%A5, not ?q=Luleå)",
}, ensure_ascii=False).encode()


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:  # noqa: ARG002 - uvicorn's own text is replaced
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([
            b"content-type: " + PROBLEM.encode() + b"\r\n",
            b"content-length: " + str(len(BAD_REQUEST)).encode("ascii") + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
            BAD_REQUEST,
        ])
        self.transport.write(b"".join(content))
        self.transport.close()
