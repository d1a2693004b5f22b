"""Idempotency that survives failure (SPEC §10): a claim left by a request that died holds only for its lease; then a
retry with the same key and body does the work once; a slow first request and a retry never both commit."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlmodel import Session, select

from app.models import IdempotencyRecord, ProposalRecord
from app.screening import Proposal
from app.services import idempotency, proposals
from app.settings import Settings
from tests.api.conftest import proposal

LEASE = 1.5


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, idempotency_lease_seconds=LEASE)


def orphan_claim(client, submitter_client_id: str, key: str, body: dict, age_seconds: float) -> None:
    """What a request killed mid-way leaves: its claim on the key, in progress, and no proposal."""
    fingerprint = idempotency.fingerprint("POST", "/v1/proposals",
                                          Proposal.model_validate(body).model_dump_json(by_alias=True).encode())
    claimed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age_seconds)
    with Session(client.app.state.engine) as s:
        s.add(IdempotencyRecord(client_id=submitter_client_id, key=key, request_hash=fingerprint,
                                state="in_progress", claim="0" * 32, claimed_at=claimed, created_at=claimed))
        s.commit()


def client_id_of(client, key_headers) -> str:
    from app.models import ApiKey

    token = key_headers["Authorization"].removeprefix("Bearer ")
    with Session(client.app.state.engine) as s:
        return next(k.client_id for k in s.exec(select(ApiKey)).all() if token.startswith(k.prefix))


def stored(client) -> list[ProposalRecord]:
    with Session(client.app.state.engine) as s:
        return list(s.exec(select(ProposalRecord)).all())


def test_a_claim_within_its_lease_is_409_soon_while_young_then_with_the_time_left(client, submitter, monkeypatch):
    body = proposal(title="Claimed a moment ago")
    orphan_claim(client, client_id_of(client, submitter), "fresh", body, age_seconds=0)
    r = client.post("/v1/proposals", json=body, headers={**submitter, "Idempotency-Key": "fresh"})
    assert r.status_code == 409 and r.headers["retry-after"] == "1"  # likely still running: ask again soon
    monkeypatch.setattr(idempotency, "LIVE_CLAIM", dt.timedelta(seconds=0.5))
    time.sleep(0.6)
    r = client.post("/v1/proposals", json=body, headers={**submitter, "Idempotency-Key": "fresh"})
    assert r.status_code == 409 and r.headers["retry-after"] == "1"  # 0.9 s of the 1.5 s lease left, rounded up
    assert stored(client) == []


def test_after_the_lease_a_retry_does_the_work_once(client, submitter):
    body = proposal(title="Left behind by a killed server")
    orphan_claim(client, client_id_of(client, submitter), "orphan", body, age_seconds=LEASE + 0.5)
    first = client.post("/v1/proposals", json=body, headers={**submitter, "Idempotency-Key": "orphan"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = client.post("/v1/proposals", json=body, headers={**submitter, "Idempotency-Key": "orphan"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert [p.id for p in stored(client)] == [first.json()["id"]]
    other = client.post("/v1/proposals", json=proposal(title="Another body"),
                        headers={**submitter, "Idempotency-Key": "orphan"})
    assert other.status_code == 422  # the key still belongs to its own body


def test_a_slow_first_request_and_a_retry_that_took_over_never_both_store(client, submitter, monkeypatch):
    body = proposal(title="Slow, then retried")
    headers = {**submitter, "Idempotency-Key": "slow"}
    release, entered = threading.Event(), threading.Event()
    original = proposals.create
    calls = []

    def create(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first request stalls inside its work, past its lease
            entered.set()
            release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(proposals, "create", create)
    answers = {}
    first = threading.Thread(target=lambda: answers.setdefault("first", client.post("/v1/proposals", json=body,
                                                                                     headers=headers)))
    first.start()
    assert entered.wait(30)
    early = client.post("/v1/proposals", json=body, headers=headers)
    assert early.status_code == 409  # within the lease: wait
    time.sleep(LEASE + 0.3)
    retry = client.post("/v1/proposals", json=body, headers=headers)
    assert retry.status_code == 201  # the lease ran out: the retry took over and stored it
    release.set()
    first.join(30)
    assert answers["first"].status_code == 409  # it lost its claim: its work was rolled back
    assert [p.id for p in stored(client)] == [retry.json()["id"]]
    replay = client.post("/v1/proposals", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true" and replay.json()["id"] == retry.json()["id"]


def test_work_that_commits_itself_commits_with_its_answer_under_a_key(client, admin, monkeypatch):
    """Creating a key commits inside the service; with an Idempotency-Key, that commit waits for the stored answer,
    so a failure between the two leaves no key whose secret nobody saw."""
    from app.models import Client
    from app.services import keys

    original = keys.create_client_key

    def create_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("the process died after the work, before its answer was stored")

    monkeypatch.setattr(keys, "create_client_key", create_then_fail)
    body = {"name": "Ärendesystemet", "role": "officer"}
    with pytest.raises(RuntimeError):
        client.post("/v1/keys", json=body, headers={**admin, "Idempotency-Key": "once"})
    with Session(client.app.state.engine) as s:
        assert s.exec(select(Client).where(Client.name == "Ärendesystemet")).first() is None
    monkeypatch.setattr(keys, "create_client_key", original)
    r = client.post("/v1/keys", json=body, headers={**admin, "Idempotency-Key": "once"})
    assert r.status_code == 201 and r.json()["key"].startswith("vgv_")
