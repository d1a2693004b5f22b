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


# -- read timeouts and the cap on connections (SPEC §10) ------------------------------------------------------------


async def _echo(scope, receive, send):  # noqa: ANN001, ANN202 - reads the whole body, then answers its length
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class _Server:
    """uvicorn in a thread with the service's protocol and its limits set low (the settings read from the env)."""

    def __init__(self, monkeypatch, app=None, **settings: str):  # noqa: ANN001
        for name, value in settings.items():
            monkeypatch.setenv(f"VAGVAL_{name.upper()}", value)
        get_settings.cache_clear()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app or _echo, host="127.0.0.1", port=self.port, log_level="critical",
                                                    http=ProblemHttpToolsProtocol, lifespan="off",
                                                    timeout_keep_alive=float(settings.get("keep_alive_seconds", 5))))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        get_settings.cache_clear()

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)


def _read_all(s: socket.socket) -> bytes:
    chunks = []
    while chunk := s.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _problem_of(answer: bytes) -> tuple[bytes, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower() and b"connection: close" in head.lower()
    return head, json.loads(body)


def test_slow_headers_and_a_trickled_body_are_cut_with_408_while_others_are_served(monkeypatch):
    with _Server(monkeypatch, header_timeout_seconds="0.5", body_timeout_seconds="0.5") as server:
        slow_headers = server.connect()
        slow_headers.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
        trickle = server.connect()
        trickle.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        meanwhile = _raw(server.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
        assert meanwhile.startswith(b"HTTP/1.1 200 ") and meanwhile.endswith(b"\r\n\r\n3")
        for s, phase in ((slow_headers, "headers"), (trickle, "body")):
            head, problem = _problem_of(_read_all(s))  # the server answers and closes: recv ends
            assert head.startswith(b"HTTP/1.1 408 ")
            assert (problem["status"], problem["type"].rsplit("/", 1)[1]) == (408, "request-timeout")
            assert f"request's {phase} did not arrive within 0.5 s" in problem["detail"]
            s.close()


def test_a_connection_that_sends_nothing_is_closed_and_a_keep_alive_one_after_its_timeout(monkeypatch):
    with _Server(monkeypatch, header_timeout_seconds="0.5", keep_alive_seconds="0.5") as server:
        idle = server.connect()
        assert _read_all(idle) == b""  # closed without an answer: there was no request
        kept = server.connect()
        kept.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_all(kept)  # answered, then closed once idle
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\n0")


def test_connections_beyond_the_cap_get_503_with_retry_after(monkeypatch):
    with _Server(monkeypatch, max_connections="3", header_timeout_seconds="30") as server:
        held = [server.connect() for _ in range(3)]
        for s in held:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # incomplete: each holds its connection
        time.sleep(0.2)
        head, problem = _problem_of(_read_all(server.connect()))
        assert head.startswith(b"HTTP/1.1 503 ") and b"retry-after: 1" in head.lower()
        assert "most connections (3)" in problem["detail"]
        for s in held:
            s.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # once they are gone, a connection is served again
            answer = _raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if answer.startswith(b"HTTP/1.1 200 "):
                break
            time.sleep(0.1)
        assert answer.startswith(b"HTTP/1.1 200 ")


async def _slow(scope, receive, send):  # noqa: ANN001, ANN202 - answers /slow after 2 s, anything else at once
    if scope["type"] != "http":
        return
    import asyncio

    while (await receive()).get("more_body"):
        pass
    if scope["path"] == "/slow":
        await asyncio.sleep(2)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_large_body_sent_steadily_is_not_cut_and_a_pipelined_request_waits_without_a_408(monkeypatch):
    with _Server(monkeypatch, body_timeout_seconds="0.5", body_min_bytes_per_second="100000") as server:
        steady = server.connect()  # 300 kB at 200 kB/s: 1.5 s, longer than the 0.5 s, but earning its time
        steady.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\nConnection: close\r\n\r\n")
        for _ in range(15):
            steady.sendall(b"x" * 20000)
            time.sleep(0.1)
        assert _read_all(steady).endswith(b"\r\n\r\n300000")
    with _Server(monkeypatch, app=_slow, body_timeout_seconds="0.5") as server:
        pipelined = server.connect()  # a 2 MB body waits behind an answer that takes 2 s: no 408 meanwhile
        pipelined.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                          b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n"
                          + b"y" * 2_000_000)
        answer = _read_all(pipelined)
        assert answer.count(b"HTTP/1.1 200 ") == 2 and b"408" not in answer  # both answered, in order
