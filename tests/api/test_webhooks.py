"""Webhooks (SPEC §12) through the API and the worker's steps, on both databases: registration with its secret shown
once, the SSRF guard, fan-out from the feed, claims that one worker holds at a time, backoff and giving up."""

from __future__ import annotations

import base64
import datetime as dt
import socket
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlmodel import Session

from app.main import create_app
from app.models import WebhookDelivery
from app.services import webhooks
from app.services.keys import create_client_key
from app.settings import Settings
from tests.api.conftest import proposal

URL = "https://receiver.example.org/vagval"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No worker in these tests: they run its steps themselves. Public-address checks are on."""
    return Settings(database_url=database_url, webhook_worker=False)


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """receiver.example.org resolves to a public address (93.184.215.14, example.org's own), rebound.example.org
    to a private one; other names resolve for real (localhost, IP literals)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "receiver.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        if host == "rebound.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]
        if host.endswith(".invalid"):
            raise socket.gaierror("no such host")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", fake)


def _register(client, admin, **body):
    r = client.post("/v1/webhooks", json={"url": URL, **body}, headers=admin)
    assert r.status_code == 201, r.text
    return r


def test_register_read_list_and_delete(client, admin, officer):
    r = _register(client, admin, events=["proposal.decided"])
    hook = r.json()
    assert r.headers["location"] == f"/v1/webhooks/{hook['id']}"
    assert hook["secret"].startswith("whsec_") and len(base64.b64decode(hook["secret"][6:], validate=True)) == 32
    assert (hook["url"], hook["events"], hook["department"]) == (URL, ["proposal.decided"], None)
    assert hook["deliveries"] == {"pending": 0, "delivered": 0, "failed": 0, "cancelled": 0}
    read = client.get(f"/v1/webhooks/{hook['id']}", headers=admin).json()
    assert "secret" not in read and read["id"] == hook["id"]
    assert [h["id"] for h in client.get("/v1/webhooks", headers=admin).json()] == [hook["id"]]
    every = _register(client, admin).json()
    assert every["events"] == ["proposal.created", "proposal.screened", "proposal.amended", "proposal.rescreened",
                               "proposal.decided", "proposal.withdrawn", "policy.activated"]
    assert client.get("/v1/webhooks", headers=officer).status_code == 403
    assert client.post("/v1/webhooks", json={"url": URL}, headers=officer).status_code == 403
    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=admin).status_code == 204
    assert client.get(f"/v1/webhooks/{hook['id']}", headers=admin).status_code == 404
    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=admin).status_code == 404
    assert [h["id"] for h in client.get("/v1/webhooks", headers=admin).json()] == [every["id"]]
    audit = client.app.state.engine
    with Session(audit) as session:
        actions = list(session.execute(text("SELECT action FROM audit_event WHERE entity_type = 'webhook' "
                                            "ORDER BY id")).scalars())
    assert actions == ["webhook.created", "webhook.created", "webhook.deleted"]


def test_the_secret_is_not_replayed(client, admin):
    headers = {**admin, "Idempotency-Key": "hook-1"}
    first = client.post("/v1/webhooks", json={"url": URL}, headers=headers)
    again = client.post("/v1/webhooks", json={"url": URL}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["secret"] is None


@pytest.mark.parametrize(("url", "why"), [
    ("http://receiver.example.org/hook", "only https URLs are accepted"),
    ("ftp://receiver.example.org/hook", "only https URLs are accepted"),
    ("https://127.0.0.1/hook", "127.0.0.1 resolves to 127.0.0.1"),
    ("https://localhost:8443/hook", "localhost resolves to"),
    ("https://10.0.0.7/hook", "10.0.0.7 resolves to 10.0.0.7"),
    ("https://192.168.1.20/hook", "192.168.1.20 resolves to 192.168.1.20"),
    ("https://169.254.169.254/latest/meta-data", "169.254.169.254 resolves to 169.254.169.254"),
    ("https://[::1]/hook", "::1 resolves to ::1"),
    ("https://[fd00::1]/hook", "fd00::1 resolves to fd00::1"),
    ("https://[::ffff:10.0.0.1]/hook", "resolves to ::ffff:10.0.0.1"),
    ("https://rebound.example.org/hook", "rebound.example.org resolves to 10.1.2.3"),
    ("https://nowhere.invalid/hook", "cannot be resolved"),
    ("https://user:pw@receiver.example.org/hook", "credentials in the URL"),
])
def test_targets_that_are_refused(client, admin, url, why):
    r = client.post("/v1/webhooks", json={"url": url}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "url"
    assert why in r.json()["detail"]
    assert client.get("/v1/webhooks", headers=admin).json() == []


def test_the_operator_can_allow_private_targets(database_url):
    settings = Settings(database_url=database_url, webhook_worker=False, webhook_allow_private=True)
    with TestClient(create_app(settings)) as client:
        with Session(client.app.state.engine) as session:
            _, _, token = create_client_key(session, name="admin-private", role="admin", department=None,
                                            actor="test")
        r = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text


def test_bad_bodies(client, admin):
    r = client.post("/v1/webhooks", json={"url": URL, "events": ["proposal.approved"]}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("events")
    r = client.post("/v1/webhooks", json={"url": URL, "secret": "mine"}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "secret"
    r = client.post("/v1/webhooks", json={"url": URL, "department": "kommunstyrelsen"}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "department"
    assert "kommunstaben" in r.json()["detail"]


def _events_made(client, submitter, officer):
    """One proposal created (created, screened) and decided (decided): three events."""
    r = client.post("/v1/proposals", json=proposal(), headers=submitter)
    assert r.status_code == 201
    d = client.post(f"/v1/proposals/{r.json()['id']}/decision", json={"decision": "approved", "reason": "Godkänd."},
                    headers={**officer, "If-Match": r.headers["etag"]})
    assert d.status_code == 200
    return r.json()["id"]


def test_fan_out_makes_one_delivery_per_wanted_event_from_registration_on(client, admin, submitter, officer, make_key):
    _events_made(client, submitter, officer)  # before any webhook: never delivered
    decided = _register(client, admin, events=["proposal.decided"]).json()
    every = _register(client, admin).json()
    kultur = _register(client, admin, department="kultur-och-fritidsforvaltningen").json()
    _events_made(client, submitter, officer)
    engine = client.app.state.engine
    assert webhooks.fan_out(engine) == 1 + 3
    assert webhooks.fan_out(engine) == 0  # the positions moved on
    log = client.get(f"/v1/webhooks/{decided['id']}/deliveries", headers=admin).json()
    assert [(d["event_type"], d["status"], d["attempts"]) for d in log["items"]] == [("proposal.decided", "pending", 0)]
    assert client.get(f"/v1/webhooks/{every['id']}", headers=admin).json()["deliveries"]["pending"] == 3
    assert client.get(f"/v1/webhooks/{kultur['id']}", headers=admin).json()["deliveries"]["pending"] == 0


def test_two_workers_never_hold_one_delivery(client, admin, submitter, officer, settings):
    _register(client, admin)
    for _ in range(4):
        _events_made(client, submitter, officer)
    engine = client.app.state.engine
    assert webhooks.fan_out(engine) == 12
    claimed: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def claim(i):
        barrier.wait()
        for _ in range(6):
            claimed[i] += [job.delivery_id for job in webhooks.claim_due(engine, settings, limit=3)]

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed[0] + claimed[1]) == sorted(set(claimed[0] + claimed[1]))  # none twice
    assert len(claimed[0] + claimed[1]) == 12
    assert webhooks.claim_due(engine, settings) == []  # all held (leases running)


def test_failures_back_off_then_give_up(client, admin, submitter, officer, settings):
    hook = _register(client, admin, events=["proposal.decided"]).json()
    _events_made(client, submitter, officer)
    engine = client.app.state.engine
    webhooks.fan_out(engine)
    [job] = webhooks.claim_due(engine, settings)
    assert job.attempts == 1 and job.event["type"] == "proposal.decided"
    before = dt.datetime.now(dt.UTC)
    assert webhooks.settle(engine, settings, job, 500, None) == "pending"
    [row] = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=admin).json()["items"]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 500)
    assert row["last_error"] == "the receiver answered 500"
    wait = dt.datetime.fromisoformat(row["next_attempt_at"]) - before
    assert dt.timedelta(seconds=4.5 * 0.9 - 0.5) <= wait <= dt.timedelta(seconds=5 * 1.1 + 0.5)  # base 5 s
    assert webhooks.claim_due(engine, settings) == []  # not yet due
    assert webhooks.settle(engine, settings, job, 200, None) == "lost"  # a claim that was settled is no longer held
    # the backoff doubles: 5, 10, 20, … seconds, at most an hour, with ±10 % jitter
    assert [round(webhooks.backoff(n, settings, _Fixed()), 6) for n in (1, 2, 3, 4, 12, 20)] == [
        5.0, 10.0, 20.0, 40.0, 3600.0, 3600.0]
    # 24 hours after the delivery was made, a failed attempt is the last
    with Session(engine) as session:
        session.execute(update(WebhookDelivery).values(next_attempt_at=dt.datetime.now(dt.UTC),
                                                       created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=24)))
        session.commit()
    [job] = webhooks.claim_due(engine, settings)
    assert job.attempts == 2
    assert webhooks.settle(engine, settings, job, None, "ConnectError: refused") == "failed"
    [row] = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=admin).json()["items"]
    assert (row["status"], row["attempts"], row["last_error"], row["next_attempt_at"]) == (
        "failed", 2, "ConnectError: refused", None)
    assert client.get(f"/v1/webhooks/{hook['id']}", headers=admin).json()["deliveries"]["failed"] == 1


class _Fixed:
    def uniform(self, a, b):
        return 1.0


def test_deleting_cancels_what_is_pending(client, admin, submitter, officer):
    hook = _register(client, admin).json()
    _events_made(client, submitter, officer)
    webhooks.fan_out(client.app.state.engine)
    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=admin).status_code == 204
    with Session(client.app.state.engine) as session:
        statuses = set(session.execute(text("SELECT status FROM webhook_delivery")).scalars())
    assert statuses == {"cancelled"}


def test_deliveries_log_pages_and_filters(client, admin, submitter, officer):
    hook = _register(client, admin).json()
    for _ in range(2):
        _events_made(client, submitter, officer)
    webhooks.fan_out(client.app.state.engine)
    first = client.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"limit": 4}, headers=admin).json()
    rest = client.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"cursor": first["next_cursor"]},
                      headers=admin).json()
    ids = [int(d["id"]) for d in first["items"] + rest["items"]]
    assert len(ids) == 6 and ids == sorted(ids, reverse=True) and rest["next_cursor"] is None
    none = client.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"status": "failed"}, headers=admin).json()
    assert none == {"items": [], "next_cursor": None}
    assert client.get("/v1/webhooks/nope/deliveries", headers=admin).status_code == 404


def test_every_secret_signs_and_verifies():
    """The secret's alphabet is the one the Standard Webhooks libraries decode (a URL-safe one failed one time in
    two: its - and _ were dropped)."""
    from standardwebhooks import Webhook

    at = dt.datetime.now(dt.UTC)
    for _ in range(200):
        secret = webhooks.new_secret()
        signature = Webhook(secret).sign("evt_1", at, b"{}")
        headers = {"webhook-id": "evt_1", "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}
        assert Webhook(secret).verify(b"{}", headers) == {}
