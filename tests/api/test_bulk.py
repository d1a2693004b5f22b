"""Bulk without harm (SPEC §10): a batch is stored in chunks, each its own transaction; other requests get the writer
in between; a batch that died half-way is completed by a retry with its Idempotency-Key, storing nothing twice."""

from __future__ import annotations

import threading
import time

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

from app.models import IdempotencyRecord, ProposalRecord
from app.services import proposals
from tests.api.conftest import proposal

CHUNK = proposals.BATCH_CHUNK


def count(client) -> int:
    with Session(client.app.state.engine) as s:
        return s.exec(select(func.count()).select_from(ProposalRecord)).one()


def items(n: int, tag: str) -> list[dict]:
    return [proposal(title=f"{tag} {i}", external_ref=f"{tag}-{i}") for i in range(n)]


def test_a_batch_that_died_half_way_is_completed_by_its_retry_without_duplicates(client, submitter, monkeypatch):
    batch = {"proposals": items(CHUNK * 3 + 7, "Halfway")}
    headers = {**submitter, "Idempotency-Key": "plan-2027"}
    original = proposals._write
    calls = []

    def write(session, prepared):
        calls.append(len(prepared))
        if len(calls) == 3:  # the database goes away during the third chunk
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return original(session, prepared)

    monkeypatch.setattr(proposals, "_write", write)
    first = client.post("/v1/proposals/batch", json=batch, headers=headers)
    assert first.status_code == 503 and first.headers["retry-after"]
    assert count(client) == 2 * CHUNK  # two chunks were committed before it failed
    monkeypatch.setattr(proposals, "_write", original)
    retry = client.post("/v1/proposals/batch", json=batch, headers=headers)
    assert retry.status_code == 200, retry.text
    body = retry.json()
    assert (body["created"], body["failed"]) == (len(batch["proposals"]), 0)
    assert count(client) == len(batch["proposals"])  # nothing stored twice
    with Session(client.app.state.engine) as s:
        stored = {p.external_ref: p.id for p in s.exec(select(ProposalRecord)).all()}
        assert {r["external_ref"]: r["id"] for r in body["results"]} == stored
        keys = [r.key for r in s.exec(select(IdempotencyRecord)).all()]
    assert keys == ["plan-2027"]  # the chunks' markers went with the whole answer
    again = client.post("/v1/proposals/batch", json=batch, headers=headers)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == body


def test_other_requests_are_served_between_the_chunks_of_a_batch(client, submitter):
    batch = {"proposals": items(CHUNK * 8, "Long")}
    answer = {}
    worker = threading.Thread(target=lambda: answer.setdefault(
        "batch", client.post("/v1/proposals/batch", json=batch, headers=submitter)))
    worker.start()
    deadline = time.monotonic() + 60
    while count(client) == 0 and time.monotonic() < deadline:  # the first chunk is committed
        time.sleep(0.01)
    single = client.post("/v1/proposals", json=proposal(title="In between", external_ref="between"),
                         headers=submitter)
    during = worker.is_alive()
    worker.join(120)
    assert single.status_code == 201 and during  # stored while the batch was still going on
    assert answer["batch"].status_code == 200 and answer["batch"].json()["created"] == CHUNK * 8
    assert count(client) == CHUNK * 8 + 1


def test_a_batch_that_succeeds_at_once_leaves_only_its_answer(client, submitter):
    batch = {"proposals": items(CHUNK * 2 + 1, "AtOnce")}
    r = client.post("/v1/proposals/batch", json=batch, headers={**submitter, "Idempotency-Key": "at-once"})
    assert r.status_code == 200 and r.json()["created"] == CHUNK * 2 + 1
    with Session(client.app.state.engine) as s:
        assert [rec.key for rec in s.exec(select(IdempotencyRecord)).all()] == ["at-once"]


def test_after_a_half_way_failure_the_key_still_belongs_to_its_body(client, submitter, monkeypatch):
    import json

    batch = {"proposals": items(CHUNK * 2 + 3, "Owned")}
    headers = {**submitter, "Idempotency-Key": "owned", "Content-Type": "application/json"}
    original = proposals._write
    calls = []

    def write(session, prepared):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("INSERT", {}, Exception("gone"))
        return original(session, prepared)

    monkeypatch.setattr(proposals, "_write", write)
    assert client.post("/v1/proposals/batch", content=json.dumps(batch), headers=headers).status_code == 503
    monkeypatch.setattr(proposals, "_write", original)
    other = client.post("/v1/proposals/batch", content=json.dumps(batch, indent=2), headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"  # other bytes
    same = client.post("/v1/proposals/batch", content=json.dumps(batch), headers=headers)
    assert same.status_code == 200 and same.json()["created"] == CHUNK * 2 + 3  # at once: no lease to wait for
    assert count(client) == CHUNK * 2 + 3
