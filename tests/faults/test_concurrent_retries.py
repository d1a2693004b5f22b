"""The same request sent eight times at once, for twenty keys, each copy retried on 409 (Retry-After) until 201: every
key ends as exactly one proposal, and all eight answers of a key carry its id. On SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set (the run's test database; the proposals carry a tag of their own, so other data does not
disturb the counts)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.faults.conftest import (
    CLIENT_TIMEOUT,
    Answer,
    Servers,
    fault_env,
    listed_ids,
    new_tag,
    post_until_created,
    proposal_body,
    run_threads,
    server_log,
)
from tests.live import make_key

KEYS = 20
COPIES = 8
LEASE_SECONDS = 2  # a copy that runs longer than this on a busy machine is taken over: still exactly one proposal
RETRY_DEADLINE = 90.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_retries_with_the_same_keys_create_exactly_one_proposal_each(
        backend: str, tmp_path: Path, servers: Servers, report, request: pytest.FixtureRequest) -> None:
    env = fault_env(tmp_path, lease_seconds=LEASE_SECONDS)
    if backend == "postgresql":
        env["VAGVAL_DATABASE_URL"] = request.getfixturevalue("postgres_database")
    key = make_key(env, "submitter", f"Ivrig skrivare {new_tag('')}", "kommunstaben")
    server = servers.start(env)
    tag = new_tag("same")
    bodies = {f"{tag}-k{k}": proposal_body(tag, f"k{k}") for k in range(KEYS)}
    keys = list(bodies)
    barriers = {k: threading.Barrier(COPIES) for k in keys}
    deadline = time.monotonic() + RETRY_DEADLINE
    lock = threading.Lock()
    results: dict[tuple[str, int], list[Answer]] = {}

    def copy(i: int) -> None:
        idempotency_key, n = keys[i // COPIES], i % COPIES
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            client.get(server.url + "/healthz")  # connected before the barrier: the copies' POSTs leave together
            barriers[idempotency_key].wait(timeout=60)
            answers = post_until_created(client, server.url, key, idempotency_key, bodies[idempotency_key], deadline)
        with lock:
            results[(idempotency_key, n)] = answers

    errors = run_threads(KEYS * COPIES, copy)
    assert errors == [], f"{len(errors)} copies failed: {[str(e)[:300] for e in errors[:5]]}\n{server_log(server)}"

    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        stored = listed_ids(client, server.url, key, tag)
    by_key = {k: [results[(k, n)][-1] for n in range(COPIES)] for k in keys}
    statuses = Counter(a.status for answers in results.values() for a in answers)
    fresh = {k: sum(1 for a in final if not a.replayed) for k, final in by_key.items()}
    report({"backend": backend, "keys": KEYS, "requests": KEYS * COPIES, "attempts": sum(statuses.values()),
            "statuses": dict(statuses),
            "retry_after_on_409": dict(Counter(a.headers.get("retry-after") for answers in results.values()
                                               for a in answers if a.status == 409)),
            "created": sum(fresh.values()),
            "replayed": sum(1 for final in by_key.values() for a in final if a.replayed), "stored": len(stored)})

    assert all(a.status == 201 for final in by_key.values() for a in final)
    assert {k: len({a.id for a in final}) for k, final in by_key.items()} == dict.fromkeys(keys, 1), \
        "the copies of one key were answered with different ids"
    assert fresh == dict.fromkeys(keys, 1), "a key's work was done other than once"
    assert set(statuses) <= {201, 409}, statuses
    assert len(stored) == len(set(stored)) == KEYS, f"{len(stored)} proposals stored for {KEYS} keys"
    assert set(stored) == {final[0].id for final in by_key.values()}
