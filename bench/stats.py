"""Latency of the aggregates (SPEC §8, §10) at 10,000, 100,000 and 1,000,000 stored proposals, and the memory the
exports take.

Usage: python bench/stats.py [--sizes 10000,100000,1000000] [--repeat 15] [--export-rows 100000]
                             [--database-url URL] [--keep]

Seeds a new database (SQLite in a temporary folder, or a new PostgreSQL database on the server of --database-url,
dropped at the end) with realistic proposals: 1,000 of `vagval demo-data`'s proposals are screened by the engine,
then stored again and again with other departments, dates and decisions (their proposal rows, legs and tags, the
rows the aggregates read, and their rollups as the service keeps them; their screening documents, which no aggregate
reads, are not stored), decided between 1 hour and 30 days after they were created, as an officer would. Then `vagval serve` (one uvicorn worker) serves the
database on a free port, and every endpoint is asked --repeat times, one request at a time on a keep-alive
connection, after two warm-up requests; the figure is the median. The database then grows to the next size (the
server keeps running) and the endpoints are asked again. The last table is each endpoint's median at the largest
size over its median at the smallest (SPEC §10: at most 2), and the median at the largest size (at most 100 ms).

Exports: GET /v1/proposals and the activity plan, each as CSV and as XLSX, of --export-rows rows (the first
--export-rows proposals of a year by start date), read to the end and thrown away, each on a new server after one
small request; the figures are the growth of the server process's heap (its resident anonymous memory, sampled
every 5 ms from /proc; SPEC §10: at most 100 MB) and of all its resident memory, which also counts the pages of
the database file that SQLite maps into the process (up to 256 MB, memory the kernel can take back).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api import free_port, wait_ready  # noqa: E402

from app.db import normalise_url  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import ProposalLeg, ProposalRecord, ProposalTag  # noqa: E402
from app.models.base import new_id  # noqa: E402
from app.models.proposal import DecisionKind  # noqa: E402
from app.screening import Proposal, default_policy, screen  # noqa: E402
from app.services import demo, facts, rollup  # noqa: E402
from app.services.cases import departs  # noqa: E402
from app.services.search import search_text  # noqa: E402

VAGVAL = str(Path(sys.executable).parent / "vagval")
YEARS = [2023, 2024, 2025, 2026, 2027]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENDPOINTS = [
    "/v1/stats/summary",
    "/v1/stats/summary?year=2026&department=kommunstaben",
    *[f"/v1/stats/by/{d}" for d in ("year", "month", "department", "kind", "focus_area", "partner", "goal", "sdg",
                                     "recommendation", "status", "mode")],
    "/v1/stats/by/month?year=2026",
    "/v1/stats/decisions",
    "/v1/reports/climate",
]


def templates(n: int = 1000) -> list[dict[str, Any]]:
    """Screened demo proposals: the body, the row's columns, its legs and tags (without ids)."""
    rnd = random.Random(2027)
    policy = default_policy()
    out = []
    for i in range(n):
        body = demo.proposal(rnd, i, "bench", YEARS)
        proposal = Proposal.model_validate(body)
        result = screen(proposal, policy)
        f = facts.facts("x", result, proposal.start_date, dt.datetime.now(dt.UTC))
        out.append({"body": proposal.model_dump(mode="json", by_alias=True, exclude_none=True), "result": result,
                    "facts": f, "kind": proposal.kind.value, "title": proposal.title,
                    "duration": (proposal.end_date - proposal.start_date).days if proposal.end_date else 0,
                    "focus_area": result.focus_area.effective[0] if result.focus_area.effective else None})
    return out


def rows(tpls: list[dict[str, Any]], count: int, offset: int, client_id: str, rnd: random.Random):
    """`count` proposal rows with their legs and tags."""
    proposals, legs, tags = [], [], []
    for i in range(offset, offset + count):
        t = rnd.choice(tpls)
        department = rnd.choice(demo.DEPARTMENTS)
        start = dt.date(rnd.choice(YEARS), rnd.randint(1, 12), rnd.randint(1, 28))
        created = dt.datetime.combine(start - dt.timedelta(days=rnd.randint(20, 120)), dt.time(9), tzinfo=dt.UTC)
        recommendation = t["result"].recommendation.value
        roll = rnd.random()
        status, decision, decided_at, departing = "screened", None, None, None
        if roll < 0.04:
            status = "withdrawn"
        elif roll < 0.85:
            decision = {"approve": "approved", "approve_with_conditions": "approved", "prefer_digital": "rejected",
                        "reject": "rejected", "needs_information": "returned"}[recommendation]
            if roll > 0.82:
                decision = "approved"
            status = decision
            decided_at = created + dt.timedelta(hours=rnd.randint(1, 30 * 24))
            departing = departs(DecisionKind(decision), recommendation)
        pid = new_id()
        body = {**t["body"], "department": department, "start_date": start.isoformat(),
                "external_ref": f"BENCH-{i:07d}"}
        if "end_date" in body:
            body["end_date"] = (start + dt.timedelta(days=t["duration"])).isoformat()
        f = t["facts"]
        year, month = facts.period(start, created)
        proposals.append({
            "id": pid, "client_id": client_id, "submitted_by": "bench", "external_ref": body["external_ref"],
            "kind": t["kind"], "title": t["title"], "search_text": search_text(t["title"], body["external_ref"]),
            "department": department, "status": status, "focus_area": t["focus_area"], "start_date": start,
            "end_date": dt.date.fromisoformat(body["end_date"]) if "end_date" in body else None, "body": body,
            "recommendation": recommendation, "score": t["result"].score, "screening_id": None, "revision": 1,
            "decision": decision, "decision_reason": "Beslutat enligt rekommendationen." if decision else None,
            "decided_by": "bench officer" if decision else None, "decided_at": decided_at, "departs": departing,
            "created_at": created, "updated_at": decided_at or created,
            **{**f.columns, "period_year": year, "period_month": month},
        })
        legs += [{**leg, "proposal_id": pid} for leg in f.legs]
        tags += [{**tag, "proposal_id": pid} for tag in f.tags]
    return proposals, legs, tags


def seed(engine, tpls, start: int, stop: int, client_id: str, rnd: random.Random) -> None:
    chunk = 5000
    for offset in range(start, stop, chunk):
        p, legs, tags = rows(tpls, min(chunk, stop - offset), offset, client_id, rnd)
        deltas: dict = {}  # the rollups, as the service keeps them (app.services.rollup)
        tags_of: dict[str, list] = {}
        legs_of: dict[str, list] = {}
        for tag in tags:
            tags_of.setdefault(tag["proposal_id"], []).append((tag["dim"], tag["key"]))
        for leg in legs:
            legs_of.setdefault(leg["proposal_id"], []).append(leg)
        for row in p:
            rollup.add(deltas, rollup.contribution(row, tags_of.get(row["id"], []), legs_of.get(row["id"], [])), +1)
        with engine.begin() as conn:
            conn.execute(insert(ProposalRecord.__table__), p)
            if legs:
                conn.execute(insert(ProposalLeg.__table__), legs)
            if tags:
                conn.execute(insert(ProposalTag.__table__), tags)
            rollup.apply(conn, deltas, max(row["updated_at"] for row in p))
        print(f"\r  seeding {offset + len(p):,}/{stop:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def rss_kb(pid: int) -> tuple[int, int]:
    """(resident anonymous memory, all resident memory) of a process, kB. The anonymous part is the heap; the
    rest is mostly the database file's pages, which SQLite maps into the process (mmap_size) and the kernel can
    take back at any time."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "VmRSS"):
            fields[name] = int(value.split()[0])
    return fields.get("RssAnon", 0), fields.get("VmRSS", 0)


def timed(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
    begin = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - begin
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    return elapsed


def measure(port: int, headers: dict[str, str], repeat: int) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    out = {}
    for path in ENDPOINTS:
        for _ in range(2):
            timed(conn, path, headers)
        out[path] = statistics.median(timed(conn, path, headers) for _ in range(repeat)) * 1000
    conn.close()
    return out


def export_memory(port: int, pid: int, headers: dict[str, str], path: str,
                  accept: str) -> tuple[float, float, int, float]:
    """(MB of growth of the heap, MB of growth of all resident memory, bytes sent, seconds) while the server
    streams one export."""
    base = rss_kb(pid)
    peak = list(base)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            now = rss_kb(pid)
            peak[0], peak[1] = max(peak[0], now[0]), max(peak[1], now[1])
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    begin = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    conn.request("GET", path, headers={**headers, "Accept": accept})
    response = conn.getresponse()
    size = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
    elapsed = time.perf_counter() - begin
    done.set()
    sampler.join()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status}")
    return (peak[0] - base[0]) / 1024, (peak[1] - base[1]) / 1024, size, elapsed


def database(url: str | None, folder: Path) -> tuple[str, callable]:
    if url is None:
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    base = make_url(normalise_url(url))
    name = f"vagval_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))

    return base.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL server to create the bench database on")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file (printed) for a later look")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="vagval-bench-stats-"))
    url, drop = database(args.database_url, folder)
    server = None
    try:
        upgrade(url)
        env = {**os.environ, "VAGVAL_DATABASE_URL": url, "VAGVAL_LOG_LEVEL": "warning",
               "VAGVAL_RATE_LIMIT_PER_MINUTE": "0"}  # the bench measures throughput, not the per-key limit
        made = subprocess.run([VAGVAL, "keys", "create", "--role", "viewer", "--name", "bench viewer", "--json"],
                              env=env, capture_output=True, text=True, check=True)
        headers = {"Authorization": "Bearer " + json.loads(made.stdout)["key"]}
        made = subprocess.run([VAGVAL, "keys", "create", "--role", "officer", "--name", "bench officer", "--json"],
                              env=env, capture_output=True, text=True, check=True)
        officer = {"Authorization": "Bearer " + json.loads(made.stdout)["key"]}
        client_id = json.loads(made.stdout)["client_id"]
        print("screening 1,000 template proposals ...", file=sys.stderr)
        tpls = templates()
        engine = create_engine(url)
        rnd = random.Random(1)
        port = free_port()
        server = subprocess.Popen([VAGVAL, "serve", "--port", str(port), "--no-access-log"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_ready(port)
        results: dict[int, dict[str, float]] = {}
        stored = 0
        for size in sizes:
            begin = time.perf_counter()
            seed(engine, tpls, stored, size, client_id, rnd)
            print(f"  {size:,} proposals stored in {time.perf_counter() - begin:.0f} s", file=sys.stderr)
            stored = size
            results[size] = measure(port, headers, args.repeat)
        engine.dispose()
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"\nmedian latency (ms) of {args.repeat} requests, one at a time, {backend}, one uvicorn worker\n")
        width = max(len(p) for p in ENDPOINTS)
        print(f"{'endpoint':<{width}}  " + "  ".join(f"{s:>10,}" for s in sizes)
              + f"  {'ratio':>7}")
        for path in ENDPOINTS:
            values = [results[s][path] for s in sizes]
            print(f"{path:<{width}}  " + "  ".join(f"{v:>10.1f}" for v in values)
                  + f"  {values[-1] / values[0]:>7.2f}")
        worst = max(results[sizes[-1]][p] / results[sizes[0]][p] for p in ENDPOINTS)
        slowest = max(results[sizes[-1]].values())
        print(f"\nratio {sizes[-1]:,} / {sizes[0]:,}: worst {worst:.2f} (target <= 2); slowest at {sizes[-1]:,}: "
              f"{slowest:.1f} ms (target <= 100)")
        # exports of --export-rows rows: the first of a year's proposals
        year = 2026
        print(f"\nexports of {args.export_rows:,} rows: growth of the server's heap (resident anonymous memory) and of "
              "all its resident memory (the heap and the database pages SQLite maps in)\n")
        last = _last_day(url, year, args.export_rows)
        upto, to = (f"&start_to={last}", f"&to={last}") if last else ("", "")
        exports = [("GET /v1/proposals (CSV)", f"/v1/proposals?year={year}{upto}", "text/csv", officer),
                   ("GET /v1/proposals (XLSX)", f"/v1/proposals?year={year}{upto}", XLSX, officer),
                   ("activity plan (CSV)", f"/v1/reports/activity-plan?year={year}{to}", "text/csv", headers),
                   ("activity plan (XLSX)", f"/v1/reports/activity-plan?year={year}{to}", XLSX, headers)]
        server.terminate()
        server.wait(timeout=30)
        for name, path, accept, h in exports:
            # each export on a new server, after one small request: the growth is that export's alone
            server = subprocess.Popen([VAGVAL, "serve", "--port", str(port), "--no-access-log"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wait_ready(port)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            timed(conn, "/v1/stats/summary", headers)
            conn.close()
            heap, resident, size, seconds = export_memory(port, server.pid, h, path, accept)
            print(f"{name:<26} heap {heap:>6.1f} MB  resident {resident:>6.1f} MB  {size / 1e6:>6.1f} MB sent in "
                  f"{seconds:>5.1f} s", flush=True)
            server.terminate()
            server.wait(timeout=30)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.keep and not args.database_url:
            print(f"\nthe database: {url}", file=sys.stderr)
        else:
            drop()


def _last_day(url: str, year: int, rows_wanted: int) -> str | None:
    """The start date up to which the year's proposals number about `rows_wanted`."""
    engine = create_engine(url)
    with engine.connect() as conn:
        day = conn.execute(text("SELECT start_date FROM proposal WHERE period_year = :y ORDER BY start_date "
                                "LIMIT 1 OFFSET :n"), {"y": year, "n": rows_wanted - 1}).scalar()
    engine.dispose()
    return str(day)[:10] if day is not None else None


if __name__ == "__main__":
    main()
