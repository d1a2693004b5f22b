"""Webhooks end to end (SPEC §12): the real server (`vagval serve`) delivers to a real local receiver. A decision
arrives signed and verifiable with the `standardwebhooks` library; a receiver that answers 500 twice gets it on the
third try; a server killed (SIGKILL) before delivering delivers after its restart; with two worker processes on
PostgreSQL every event arrives, and none is sent by both."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook as Verifier

from tests.faults.conftest import BASE_PROPOSAL, Servers, bearer, fault_env
from tests.live import make_key

DEADLINE = 60.0


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST (headers and raw body) and answers from a script:
    `statuses` are used in turn, then 200."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.received.append({"headers": dict(self.headers), "body": body, "answered": status,
                                              "at": time.monotonic()})
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout: float = DEADLINE) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self.received):
                    return list(self.received)
            time.sleep(0.05)
        with self.lock:
            pytest.fail(f"the receiver did not get what was expected within {timeout} s; it got "
                        f"{[(r['headers'].get('webhook-id'), r['answered']) for r in self.received]}", pytrace=False)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def webhook_env(folder: Path, **extra: str) -> dict[str, str]:
    return fault_env(folder, VAGVAL_WEBHOOK_ALLOW_PRIVATE="true", VAGVAL_WEBHOOK_POLL_SECONDS="0.2",
                     VAGVAL_WEBHOOK_RETRY_BASE_SECONDS="0.3", **extra)


def register(url: str, admin: str, target: str, events: list[str] | None = None) -> dict[str, Any]:
    r = httpx.post(f"{url}/v1/webhooks", json={"url": target, **({"events": events} if events else {})},
                   headers=bearer(admin), timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def create_and_decide(url: str, submitter: str, officer: str, label: str) -> str:
    body = BASE_PROPOSAL | {"title": f"{BASE_PROPOSAL['title']} ({label})", "department": "kommunstaben"}
    body.pop("external_ref", None)
    r = httpx.post(f"{url}/v1/proposals", json=body, headers=bearer(submitter), timeout=30)
    assert r.status_code == 201, r.text
    d = httpx.post(f"{url}/v1/proposals/{r.json()['id']}/decision",
                   json={"decision": "approved", "reason": "Godkänd enligt rekommendationen."},
                   headers={**bearer(officer), "If-Match": r.headers["etag"]}, timeout=30)
    assert d.status_code == 200, d.text
    return r.json()["id"]


def keys(env: dict[str, str]) -> tuple[str, str, str]:
    return (make_key(env, "admin", "Webhook-admin"), make_key(env, "submitter", "Resebokningen", "kommunstaben"),
            make_key(env, "officer", "Handläggare"))


def deliveries(url: str, admin: str, hook_id: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{url}/v1/webhooks/{hook_id}/deliveries", headers=bearer(admin), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_decision_arrives_signed_and_verifiable(tmp_path: Path, servers: Servers, receiver: Receiver) -> None:
    env = webhook_env(tmp_path)
    admin, submitter, officer = keys(env)
    server = servers.start(env)
    hook = register(server.url, admin, receiver.url, ["proposal.decided"])
    pid = create_and_decide(server.url, submitter, officer, "signerad")
    [got] = receiver.wait_for(lambda r: len(r) >= 1)
    payload = Verifier(hook["secret"]).verify(got["body"], got["headers"])  # raises unless the signature holds
    assert payload["type"] == "proposal.decided"
    event = payload["data"]
    assert (event["proposal_id"], event["department"], event["data"]["decision"]) == (pid, "kommunstaben", "approved")
    assert got["headers"]["webhook-id"] == f"evt_{event['id']}"
    assert got["headers"]["content-type"] == "application/json"
    # the same event in the feed, as the receiver got it
    feed = httpx.get(f"{server.url}/v1/events", params={"type": "proposal.decided"}, headers=bearer(officer)).json()
    assert feed["items"] == [event]
    with pytest.raises(Exception, match="signature"):  # another secret does not verify it
        Verifier("whsec_" + "A" * 43).verify(got["body"], got["headers"])
    time.sleep(1.0)
    assert len(receiver.received) == 1  # created and screened were not asked for
    [log] = deliveries(server.url, admin, hook["id"])
    assert (log["status"], log["attempts"], log["last_status_code"]) == ("delivered", 1, 200)


def test_a_receiver_that_fails_twice_gets_it_on_the_third_try(tmp_path: Path, servers: Servers) -> None:
    receiver = Receiver(statuses=[500, 500])
    try:
        env = webhook_env(tmp_path)
        admin, submitter, officer = keys(env)
        server = servers.start(env)
        hook = register(server.url, admin, receiver.url, ["proposal.decided"])
        create_and_decide(server.url, submitter, officer, "tredje försöket")
        got = receiver.wait_for(lambda r: any(x["answered"] == 200 for x in r))
        assert [x["answered"] for x in got] == [500, 500, 200]
        assert len({x["headers"]["webhook-id"] for x in got}) == 1  # one message, tried three times
        gaps = [b["at"] - a["at"] for a, b in zip(got, got[1:], strict=False)]
        assert gaps[1] > gaps[0] * 1.3  # the wait grows (0.3 s, then 0.6 s, ±10 %, and up to one poll)
        for attempt in got:
            Verifier(hook["secret"]).verify(attempt["body"], attempt["headers"])  # each attempt is signed afresh
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            [log] = deliveries(server.url, admin, hook["id"])
            if log["status"] == "delivered":
                break
            time.sleep(0.1)
        assert (log["status"], log["attempts"], log["last_status_code"]) == ("delivered", 3, 200)
        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'vagval_webhook_attempts_total{outcome="pending"} 2.0' in metrics
        assert 'vagval_webhook_attempts_total{outcome="delivered"} 1.0' in metrics
    finally:
        receiver.close()


def test_a_server_killed_before_delivering_delivers_after_restart(tmp_path: Path, servers: Servers,
                                                                   receiver: Receiver) -> None:
    env = webhook_env(tmp_path)
    admin, submitter, officer = keys(env)
    # the first server polls its outbox only once a minute: it is killed with the decision committed, undelivered
    first = servers.start(env | {"VAGVAL_WEBHOOK_POLL_SECONDS": "60"})
    hook = register(first.url, admin, receiver.url, ["proposal.decided"])
    time.sleep(0.5)  # past the worker's first pass at start-up
    pid = create_and_decide(first.url, submitter, officer, "omstart")
    first.kill()
    assert receiver.received == []
    second = servers.start(env)
    [got] = receiver.wait_for(lambda r: len(r) >= 1)
    payload = Verifier(hook["secret"]).verify(got["body"], got["headers"])
    assert payload["data"]["proposal_id"] == pid
    [log] = deliveries(second.url, admin, hook["id"])
    assert log["status"] in ("delivered", "pending")  # settled just after the answer


@pytest.mark.postgres
def test_two_worker_processes_on_postgresql_send_each_delivery_once(tmp_path: Path, servers: Servers,
                                                                    receiver: Receiver, postgres_database: str) -> None:
    from sqlalchemy import create_engine, text

    from tests.conftest import TABLES, reset_departments

    engine = create_engine(postgres_database)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        reset_departments(conn)
    engine.dispose()
    env = webhook_env(tmp_path) | {"VAGVAL_DATABASE_URL": postgres_database}
    admin, submitter, officer = keys(env)
    url = servers.start(env, "--workers", "2").url
    hook = register(url, admin, receiver.url)
    proposals = 8
    threads = [threading.Thread(target=create_and_decide, args=(url, submitter, officer, f"arbetare {i}"))
               for i in range(proposals)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = proposals * 3  # created, screened, decided
    got = receiver.wait_for(lambda r: len({x["headers"]["webhook-id"] for x in r}) >= expected)
    time.sleep(1.5)  # anything sent twice would arrive by now
    with receiver.lock:
        counts = Counter(x["headers"]["webhook-id"] for x in receiver.received)
    assert len(counts) == expected and set(counts.values()) == {1}, counts
    for x in got:
        Verifier(hook["secret"]).verify(x["body"], x["headers"])
    pids = {json.loads(x["body"])["data"]["proposal_id"] for x in got}
    assert len(pids) == proposals
