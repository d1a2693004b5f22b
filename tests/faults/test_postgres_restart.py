"""PostgreSQL stopped (`pg_ctl stop -m fast`) and started again under write and read load: while it is gone every
answer that is not a success is 503 with Retry-After as application/problem+json (never a 500, never a hang);
afterwards requests succeed again; every acknowledged write is stored, and every write sent again with its
Idempotency-Key ends as exactly one proposal."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.conftest import (
    CLIENT_TIMEOUT,
    NO_PG_REASON,
    PG_BIN,
    Answer,
    PgCluster,
    Servers,
    bearer,
    fault_env,
    listed_ids,
    new_tag,
    proposal_body,
    resend_all,
    send,
    server_log,
)
from tests.live import make_key

WRITERS = 3
READERS = 2
LOAD_BEFORE = 1.0  # seconds of load before the stop
OUTAGE = 2.0  # seconds from the stop to the start
RECOVERY_DEADLINE = 15.0  # after the cluster is up again, a write and a read succeed within this
RETRY_DEADLINE = 60.0
PROBLEM = "application/problem+json"


@pytest.mark.skipif(PG_BIN is None, reason=NO_PG_REASON)
def test_postgres_restart_under_load_gives_only_503_with_retry_after_then_recovers(
        tmp_path: Path, pg_cluster: PgCluster, servers: Servers, report) -> None:
    url = pg_cluster.create_database("vagval_faults")
    env = fault_env(tmp_path, lease_seconds=2, VAGVAL_DATABASE_URL=url)
    key = make_key(env, "submitter", "Skrivare på kommunstaben", "kommunstaben")
    server = servers.start(env)  # applies the migrations to the empty database
    tag = new_tag("pgdown")

    lock = threading.Lock()
    writes: list[dict[str, Any]] = []  # {"key", "body", "answer"}
    reads: list[tuple[str, Answer]] = []
    acknowledged: dict[str, str] = {}  # Idempotency-Key -> id
    stop_load = threading.Event()
    clock: dict[str, float] = {}
    serial = itertools.count()

    def write(client: httpx.Client, label: str) -> Answer:
        request = {"key": f"{tag}-{label}", "body": proposal_body(tag, label)}
        with lock:
            writes.append(request)
        request["answer"] = answer = send(client, "POST", server.url + "/v1/proposals", json=request["body"],
                                          headers={**bearer(key), "Idempotency-Key": request["key"]})
        if answer.status == 201:
            with lock:
                acknowledged[request["key"]] = answer.id
        return answer

    def read(client: httpx.Client) -> Answer:
        with lock:
            known = list(acknowledged.values())
        n = next(serial)
        if known and n % 2:
            path = f"/v1/proposals/{known[n % len(known)]}"
            answer = send(client, "GET", server.url + path, headers=bearer(key))
        else:
            path = "/v1/proposals"
            answer = send(client, "GET", server.url + path, params={"q": tag, "limit": 20}, headers=bearer(key))
        with lock:
            reads.append((path, answer))
        return answer

    def load(i: int) -> None:
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            n = 0
            while not stop_load.is_set():
                answer = write(client, f"w{i}-n{n}") if i < WRITERS else read(client)
                if answer.status == 503:
                    time.sleep(0.05)  # not Retry-After: the load goes on through the outage, but does not spin
                n += 1

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(WRITERS + READERS)]
    probes: dict[str, Answer] = {}
    for t in threads:
        t.start()
    try:
        time.sleep(LOAD_BEFORE)
        clock["stop"] = time.monotonic()
        pg_cluster.stop("fast")
        clock["stopped"] = time.monotonic()
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:  # sent and answered while the database is surely gone
            probes["write"] = write(client, "probe-outage")
            probes["read"] = read(client)
            probes["readyz"] = send(client, "GET", server.url + "/readyz")
        clock["probed"] = time.monotonic()
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - clock["stop"])))
        clock["start"] = time.monotonic()
        pg_cluster.start()
        clock["started"] = time.monotonic()
        recovered = wait_for_recovery(writes, reads, lock, clock["started"], RECOVERY_DEADLINE)
        time.sleep(0.5)  # a little more load on the recovered database
    finally:
        stop_load.set()
        for t in threads:
            t.join(timeout=CLIENT_TIMEOUT + 5)
    assert not any(t.is_alive() for t in threads), "a load thread hung"

    answers = [w["answer"] for w in writes] + [a for _, a in reads]
    phases: dict[str, Counter] = {"before": Counter(), "during": Counter(), "after": Counter()}
    for a in answers:
        phase = "before" if a.sent < clock["stop"] else "during" if a.sent < clock["started"] else "after"
        phases[phase][str(a.status)] += 1
    hung = [f"{a.describe()} sent {a.sent - clock['stop']:+.2f} s from the stop, answered after "
            f"{a.received - a.sent:.2f} s (restart at {clock['started'] - clock['stop']:+.2f})"
            for a in answers if a.status is None]
    wrong = [a.describe() for a in answers if a.status is not None and not 200 <= a.status < 300
             and not unavailable(a)]
    in_outage = [a for a in answers if a.sent >= clock["stopped"] and a.received <= clock["start"]]

    assert hung == [], f"{len(hung)} requests had no answer: {hung[:5]}\n{server_log(server)}"
    assert wrong == [], f"{len(wrong)} answers neither 2xx nor 503 + Retry-After + problem: {wrong[:5]}\n" \
                        f"{server_log(server)}"
    assert {name: unavailable(a) for name, a in probes.items()} == {"write": True, "read": True, "readyz": True}, \
        {name: a.describe() for name, a in probes.items()}
    assert in_outage and all(a.status == 503 for a in in_outage), [a.describe() for a in in_outage][:5]
    assert recovered, f"no write and read succeeded within {RECOVERY_DEADLINE} s of the restart\n{server_log(server)}"

    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        before_retry = set(listed_ids(client, server.url, key, tag))
        assert set(acknowledged.values()) <= before_retry, "an acknowledged write is not stored"

        final, failures = resend_all(server.url, key, writes, time.monotonic() + RETRY_DEADLINE, 4)
        assert failures == [], f"{len(failures)} keys stuck or refused: {failures[:5]}\n{server_log(server)}"
        stored = listed_ids(client, server.url, key, tag)

    ids = {k: got[-1].id for k, got in final.items()}
    replayed = [k for k, got in final.items() if got[-1].replayed]
    created = [k for k, got in final.items() if not got[-1].replayed]
    refused = [w["key"] for w in writes if w["answer"].status == 503]
    report({"before": dict(phases["before"]), "during_outage": dict(phases["during"]),
            "after_restart": dict(phases["after"]), "writes": len(writes), "acknowledged": len(acknowledged),
            "writes_503": len(refused), "answered_inside_outage": len(in_outage),
            "recovered_after_s": round(recovered - clock["started"], 2) if recovered else None,
            "replayed_on_retry": len(replayed), "created_on_retry": len(created),
            "retried_after_409_or_503": sum(1 for got in final.values() if len(got) > 1), "stored": len(stored)})

    assert len(writes) == len({w["key"] for w in writes})
    assert set(final) == {w["key"] for w in writes}, "a write never got its 201"
    assert {k: ids[k] for k in acknowledged} == acknowledged, "an acknowledged write came back with another id"
    assert set(acknowledged) <= set(replayed), "an acknowledged write was done again instead of replayed"
    assert len(set(ids.values())) == len(writes), "two keys map to one proposal"
    assert len(stored) == len(set(stored)) == len(writes), f"{len(stored)} stored for {len(writes)} writes"
    assert set(stored) == set(ids.values())


def unavailable(answer: Answer) -> bool:
    """503 with a Retry-After of whole seconds and an application/problem+json body saying 503."""
    return (answer.status == 503 and (answer.headers.get("retry-after") or "").isdigit()
            and answer.headers.get("content-type", "").startswith(PROBLEM)
            and isinstance(answer.body, dict) and answer.body.get("status") == 503)


def wait_for_recovery(writes: list[dict[str, Any]], reads: list[tuple[str, Answer]], lock: threading.Lock,
                      started: float, deadline_seconds: float) -> float | None:
    """When the load's first write (201) and first read (200) sent after the restart were answered; None if not
    both within the deadline."""
    deadline = started + deadline_seconds
    while time.monotonic() < deadline:
        with lock:
            ok_writes = [w["answer"].received for w in writes
                         if "answer" in w and w["answer"].status == 201 and w["answer"].sent >= started]
            ok_reads = [a.received for _, a in reads if a.status == 200 and a.sent >= started]
        if ok_writes and ok_reads:
            return max(min(ok_writes), min(ok_reads))
        time.sleep(0.05)
    return None
