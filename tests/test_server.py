"""What `vagval serve` runs: a request the HTTP parser refuses still gets problem details."""

from __future__ import annotations

import json
import socket
import threading
import time

import uvicorn

from app import cli
from app.server import ProblemHttpToolsProtocol
from app.settings import get_settings


async def _app(scope, receive, send):  # noqa: ANN001, ANN202 - never reached by an unparsable request
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_request_the_parser_refuses_is_problem_details():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app, host="127.0.0.1", port=port, http=ProblemHttpToolsProtocol,
                                           log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        answer = _raw(port, "GET /v1/places?q=Luleå HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ")
        assert b"content-type: application/problem+json" in head.lower()
        problem = json.loads(body)
        assert (problem["status"], problem["type"].rsplit("/", 1)[1]) == (400, "malformed-request")
        assert "percent-encode" in problem["detail"]
        assert _raw(port, b"GET /v1/places?q=Lule%C3%A5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") \
            .startswith(b"HTTP/1.1 204 ")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_serve_runs_that_protocol(monkeypatch, tmp_path):
    monkeypatch.setenv("VAGVAL_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    get_settings.cache_clear()
    try:
        assert cli.main(["serve", "--port", "8999"]) == 0
    finally:
        get_settings.cache_clear()
    assert (tmp_path / "serve.db").exists()  # migrated the database it was told to use
    assert seen["http"] is ProblemHttpToolsProtocol and seen["port"] == 8999
