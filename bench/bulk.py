"""A large batch without harm (SPEC §10 "Bulk"): its memory, the other requests' latency while it runs, and its rate
against the in-process engine's on the same proposals, side by side in one run.

Usage: python bench/bulk.py [--items N] [--rounds R] [--database-url URL]

Starts `vagval serve` (one uvicorn worker, SQLite in a temporary folder unless --database-url) on a free port and
makes a submitter key. The proposals are the examples (every one, made kommunstaben's, with its own title and
reference), repeated to N items (default 10,000). Then, R times (default 2):

1. the in-process engine, in this process: `Proposal.model_validate` and `screen` of every item (what the batch must
   do for each item at the least), timed;
2. the same items as one `POST /v1/proposals/batch` (with an Idempotency-Key, as the client sends it), timed,
   while a second thread samples the server's resident memory (VmRSS, every 20 ms);
3. another such batch (new titles and references), while a third thread sends, one after another, `GET /healthz`
   and a single `POST /v1/proposals`, recording each latency (kept apart from 2, whose rate they would share).

Printed: the engine's and the batch's items per second and their ratio (the target is >= 0.5); the server's
resident memory before, at its peak and 3 s after the batch (growth target <= 200 MB, and returned afterwards); the
other requests' p50/p95/max latency (target: answered within 250 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAGVAL = str(Path(sys.executable).parent / "vagval")

from app.screening import Proposal, default_policy, screen  # noqa: E402
from bench.api import free_port, wait_ready  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_items(n: int, tag: str) -> list[dict]:
    examples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
    items = []
    for i in range(n):
        body = dict(examples[i % len(examples)])
        body |= {"department": "kommunstaben", "title": f"{body['title']} ({tag} {i})", "external_ref": f"{tag}-{i}"}
        items.append(body)
    return items


def engine_rate(items: list[dict]) -> float:
    policy = default_policy()
    start = time.perf_counter()
    for item in items:
        screen(Proposal.model_validate(item), policy)
    return len(items) / (time.perf_counter() - start)


def run_batch(url: str, auth: dict[str, str], items: list[dict], pid: int,
              single: dict | None) -> tuple[float, float, list[float]]:
    """One batch: its time, the server's peak resident memory while it ran, and (with `single`) the latencies of the
    requests sent meanwhile."""
    body = json.dumps({"proposals": items}).encode()
    peak = [rss_mb(pid)]
    latencies: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.02)

    def others() -> None:
        with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
            n = 0
            while not done.is_set():
                t = time.perf_counter()
                if n % 2:
                    client.get("/healthz").raise_for_status()
                else:
                    client.post("/v1/proposals", json=single | {"title": f"other {uuid.uuid4()}"}).raise_for_status()
                latencies.append(time.perf_counter() - t)
                n += 1

    threads = [threading.Thread(target=sample)] + ([threading.Thread(target=others)] if single else [])
    for t in threads:
        t.start()
    time.sleep(0.2)
    start = time.perf_counter()
    answer = httpx.post(f"{url}/v1/proposals/batch", content=body, timeout=600,
                        headers={**auth, "Content-Type": "application/json", "Idempotency-Key": f"bulk-{uuid.uuid4()}"})
    elapsed = time.perf_counter() - start
    done.set()
    for t in threads:
        t.join()
    answer.raise_for_status()
    assert answer.json()["created"] == len(items), answer.json()["failed"]
    return elapsed, peak[0], latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", help="a scratch database to serve from (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "VAGVAL_DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bulk.db",
               "VAGVAL_LOG_LEVEL": "warning", "VAGVAL_RATE_LIMIT_PER_MINUTE": "0"}
        env.pop("DATABASE_URL", None)
        made = subprocess.run([VAGVAL, "keys", "create", "--role", "submitter", "--department", "kommunstaben",
                               "--name", f"bulk-{uuid.uuid4().hex[:8]}", "--json"], env=env, capture_output=True,
                              text=True, check=True)
        key = json.loads(made.stdout)["key"]
        port = free_port()
        server = subprocess.Popen([VAGVAL, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {key}"}
        try:
            wait_ready(port)
            single = json.loads((ROOT / "examples" / "kemi-school-exchange.json").read_text()) | {
                "department": "kommunstaben"}
            single.pop("external_ref", None)
            with httpx.Client(base_url=url, headers=auth, timeout=60) as warm:  # the first screening loads the data
                warm.post("/v1/screenings", json=single).raise_for_status()
            print(f"{'round':>5} {'engine/s':>9} {'batch/s':>8} {'ratio':>6} {'rss before':>10} {'peak':>7} "
                  f"{'growth':>7} {'after 3 s':>9} {'others':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
            ratios = []
            for round_ in range(1, args.rounds + 1):
                items = make_items(args.items, f"R{round_}-{uuid.uuid4().hex[:6]}")
                engine = engine_rate(items)
                before = rss_mb(server.pid)
                elapsed, peak, _ = run_batch(url, auth, items, server.pid, None)
                time.sleep(3)
                after = rss_mb(server.pid)
                _, _, latencies = run_batch(url, auth, make_items(args.items, f"L{round_}-{uuid.uuid4().hex[:6]}"),
                                            server.pid, single)
                rate = args.items / elapsed
                ratios.append(rate / engine)
                ms = sorted(x * 1000 for x in latencies)
                print(f"{round_:>5} {engine:>9.0f} {rate:>8.0f} {rate / engine:>6.2f} {before:>8.0f} MB {peak:>4.0f} MB "
                      f"{peak - before:>4.0f} MB {after:>6.0f} MB {len(ms):>6} {statistics.median(ms):>7.1f} "
                      f"{ms[int(0.95 * (len(ms) - 1))]:>7.1f} {ms[-1]:>7.1f}")
            database = "PostgreSQL" if args.database_url and args.database_url.startswith("postgresql") else "SQLite WAL"
            print(f"median ratio {statistics.median(ratios):.2f}; {args.items} items per batch; one uvicorn worker, "
                  f"{database}; python {sys.version.split()[0]}; {os.cpu_count()} cpus")
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
