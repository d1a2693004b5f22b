"""`vagval serve` killed with SIGKILL under write load, on an SQLite file: every write it acknowledged is kept with the
id it was acknowledged with, and every request cut mid-flight, sent again with its Idempotency-Key, is stored
exactly once (the claim the killed request left on its key is taken over when its lease runs out)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.faults.conftest import (
    CLIENT_TIMEOUT,
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

WRITERS = 4
LOAD_SECONDS = 1.5
LEASE_SECONDS = 2
RETRY_DEADLINE = 60.0


def test_kill_9_under_write_load_loses_no_acknowledged_write_and_leaves_no_stuck_key(
        tmp_path: Path, servers: Servers, report) -> None:
    env = fault_env(tmp_path, lease_seconds=LEASE_SECONDS)
    key = make_key(env, "submitter", "Skrivare på kommunstaben", "kommunstaben")
    tag = new_tag("kill")
    first = servers.start(env)

    requests: list[dict[str, Any]] = []  # {"key", "body", "before": Answer} in the order they were sent
    lock = threading.Lock()
    killed = threading.Event()

    def writer(w: int) -> None:
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            n = 0
            while not killed.is_set():
                request = {"key": f"{tag}-w{w}-n{n}", "body": proposal_body(tag, f"w{w}-n{n}")}
                with lock:
                    requests.append(request)
                request["before"] = send(client, "POST", first.url + "/v1/proposals", json=request["body"],
                                         headers={**bearer(key), "Idempotency-Key": request["key"]})
                if request["before"].status is None:
                    return  # the server is gone
                n += 1

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(WRITERS)]
    for t in threads:
        t.start()
    try:
        time.sleep(LOAD_SECONDS)
        first.kill()  # SIGKILL, mid-flight
    finally:
        killed.set()
        for t in threads:
            t.join(timeout=CLIENT_TIMEOUT + 5)
    assert not any(t.is_alive() for t in threads), "a writer hung after the kill"

    acknowledged = {r["key"]: r["before"].id for r in requests if r["before"].status == 201}
    cut = [r["key"] for r in requests if r["before"].status is None]
    others = [(r["key"], r["before"].describe()) for r in requests if r["before"].status not in (201, None)]
    assert others == [], f"answers other than 201 before the kill: {others[:10]}"
    assert acknowledged, f"no write was acknowledged in {LOAD_SECONDS} s of load:\n{server_log(first)}"
    assert len(acknowledged) + len(cut) == len(requests)
    assert len(set(acknowledged.values())) == len(acknowledged), "two acknowledged writes with one id"

    orphans, done = keys_as_left(tmp_path, tag)
    assert set(orphans) <= set(cut), f"claims left in progress by requests that were answered: {orphans}"
    assert set(acknowledged) <= set(done), "an acknowledged write has no stored answer to replay"

    second = servers.start(env)  # the same database file, a new port
    final, failures = resend_all(second.url, key, requests, time.monotonic() + RETRY_DEADLINE, WRITERS)
    assert failures == [], f"{len(failures)} keys stuck or refused after the restart: {failures[:5]}\n" \
                           f"{server_log(second)}"

    ids = {k: answers[-1].id for k, answers in final.items()}
    replayed = [k for k, answers in final.items() if answers[-1].replayed]
    created = [k for k, answers in final.items() if not answers[-1].replayed]
    waited = sum(1 for answers in final.values() if len(answers) > 1)  # a 409 (a claim left by the kill) first
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        stored = listed_ids(client, second.url, key, tag)
        refs = {r["key"]: r["body"]["external_ref"] for r in requests}
        for k, proposal_id in acknowledged.items():  # still there, under the id it was acknowledged with
            r = client.get(f"{second.url}/v1/proposals/{proposal_id}", headers=bearer(key))
            assert r.status_code == 200, (k, proposal_id, r.status_code, r.text[:300])
            assert r.json()["external_ref"] == refs[k], (k, proposal_id, r.json()["external_ref"])

    report({"requests": len(requests), "acknowledged_before_kill": len(acknowledged), "cut": len(cut),
            "claims_left_in_progress_by_the_kill": len(orphans), "done_but_cut": len(set(done) - set(acknowledged)),
            "replayed_on_retry": len(replayed), "created_on_retry": len(created),
            "retried_after_409_or_503": waited, "stored": len(stored)})

    assert set(final) == {r["key"] for r in requests}, "a key never got its 201"
    assert {k: ids[k] for k in acknowledged} == acknowledged, "an acknowledged write came back with another id"
    assert set(acknowledged) <= set(replayed), "an acknowledged write was done again instead of replayed"
    assert set(done) <= set(replayed), "a write stored before the kill was done again instead of replayed"
    assert set(orphans) <= set(created), "a claim left by the kill was replayed, yet its work never committed"
    assert len(replayed) + len(created) == len(requests)
    assert len(set(ids.values())) == len(requests), "two keys map to one proposal"
    assert len(stored) == len(set(stored)) == len(requests), f"{len(stored)} stored for {len(requests)} requests"
    assert set(stored) == set(ids.values()), "a stored proposal no key answered with, or a key's id not stored"


def keys_as_left(folder: Path, tag: str) -> tuple[list[str], list[str]]:
    """The keys whose claim the killed server left in progress, and those it had done, read from a copy of the
    database and its log (the server that restarts must recover the file itself, as the kill left it)."""
    copy = folder / "inspect"
    copy.mkdir()
    for suffix in ("", "-wal", "-shm"):
        if (folder / f"x.db{suffix}").exists():
            shutil.copy(folder / f"x.db{suffix}", copy / f"x.db{suffix}")
    conn = sqlite3.connect(copy / "x.db")
    try:
        rows = conn.execute("SELECT key, state FROM idempotency_record WHERE key LIKE ?", (f"{tag}-%",)).fetchall()
    finally:
        conn.close()
    return sorted(k for k, state in rows if state == "in_progress"), sorted(k for k, state in rows if state == "done")
