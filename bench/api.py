"""Requests per second and p50/p99 latency of the screening endpoints against a trivial authenticated one.

Usage: python bench/api.py [--seconds S] [--rounds R] [--concurrency 1,16] [--ceiling] [--database-url URL]

Starts `vagval serve` (one uvicorn worker, SQLite in a temporary folder, access log off) on a free port of
127.0.0.1, creates a submitter key, and then, for each concurrency level, drives three endpoints in turn
with keep-alive connections from that many client threads, for S seconds each, and repeats that R times
(interleaved rounds, so that a slow spell of the machine hits every endpoint alike):

  GET  /v1/me            the trivial authenticated endpoint (key lookup only): the framework's own limit
  POST /v1/screenings    screen the three-leg SERN trip (examples/sern-bologna.json), nothing stored
  POST /v1/proposals     store and screen the same trip (a new proposal every request)

Throughput is the median over the rounds; p50/p99 are over every request of every round. The ratio is
the median over the rounds of each endpoint's throughput over the trivial one's in the same round: same
server, same run. "cpu µs" is the server process's CPU time (user + system, from /proc) per request, median
over the rounds, and "cpu ratio" the trivial endpoint's CPU per request over this one's: the same comparison,
less sensitive to what else the machine is doing. Every request is bounded in time; the server is stopped at
the end.

--ceiling serves through bench/ceiling_server.py, where the engine and the serialisation of its answer cost
nothing after the first request: the ratios it gives are the best this framework and storage allow.
--database-url serves from another database (PostgreSQL, say) instead of a new SQLite file.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAGVAL = str(Path(sys.executable).parent / "vagval")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def drive(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str], clients: int,
          seconds: float) -> tuple[int, list[float], int]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies[i].append(time.perf_counter() - t0)
            if response.status >= 400:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    flat = [x for lat in latencies for x in lat]
    return int(len(flat) / elapsed), flat, sum(errors)


def server_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the server process so far (Linux /proc), or None where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--database-url", help="serve from this database (default: a new SQLite file); its proposals "
                                                "and keys are kept, so use a scratch database")
    parser.add_argument("--ceiling", action="store_true",
                        help="serve with the engine and the serialisation of its answer made free (bench/ceiling_server.py): "
                             "the best ratios this framework and storage allow")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "VAGVAL_DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db", "VAGVAL_LOG_LEVEL": "warning",
               "VAGVAL_RATE_LIMIT_PER_MINUTE": "0"}  # the bench measures throughput, not the per-key limit
        env.pop("DATABASE_URL", None)
        made = subprocess.run([VAGVAL, "keys", "create", "--role", "submitter", "--department", "utbildnings-och-arbetsmarknadsforvaltningen",
                               "--name", f"bench-{os.getpid()}-{int(time.time())}", "--json"], env=env, capture_output=True, text=True, check=True)
        key = json.loads(made.stdout)["key"]
        port = free_port()
        command = ([sys.executable, str(ROOT / "bench" / "ceiling_server.py")] if args.ceiling else [VAGVAL, "serve"])
        server = subprocess.Popen([*command, "--port", str(port), "--no-access-log"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port)
            body = (ROOT / "examples" / "sern-bologna.json").read_bytes()
            trip = json.loads(body)
            trip.pop("external_ref")
            proposal = json.dumps(trip).encode()
            auth = {"Authorization": f"Bearer {key}"}
            post = {**auth, "Content-Type": "application/json"}
            cases = [("trivial GET /v1/me", "GET", "/v1/me", None, auth),
                     ("POST /v1/screenings", "POST", "/v1/screenings", body, post),
                     ("POST /v1/proposals", "POST", "/v1/proposals", proposal, post)]
            drive(port, "POST", "/v1/screenings", body, post, 1, 1.0)  # warm up
            print(f"{'endpoint':<22} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'cpu µs':>7} {'cpu ratio':>9}  errors")
            for clients in (int(c) for c in args.concurrency.split(",")):
                rates: dict[str, list[int]] = {name: [] for name, *_ in cases}
                latencies: dict[str, list[float]] = {name: [] for name, *_ in cases}
                failures = dict.fromkeys(rates, 0)
                cpu: dict[str, list[float]] = {name: [] for name, *_ in cases}  # server CPU per request
                for _ in range(args.rounds):
                    for name, method, path, payload, headers in cases:
                        before = server_cpu_seconds(server.pid)
                        rps, lat, errors = drive(port, method, path, payload, headers, clients, args.seconds)
                        after = server_cpu_seconds(server.pid)
                        if before is not None and after is not None and lat:
                            cpu[name].append((after - before) / len(lat) * 1e6)
                        rates[name].append(rps)
                        latencies[name].extend(lat)
                        failures[name] += errors
                trivial_name = cases[0][0]
                trivial = rates[trivial_name]
                for name, *_ in cases:
                    ratio = statistics.median(r / t for r, t in zip(rates[name], trivial, strict=True))
                    if cpu[name] and cpu[trivial_name]:
                        cpu_us = f"{statistics.median(cpu[name]):>7.0f}"
                        cpu_ratio = f"{statistics.median(t / c for c, t in zip(cpu[name], cpu[trivial_name], strict=True)):>9.2f}"
                    else:
                        cpu_us, cpu_ratio = f"{'n/a':>7}", f"{'n/a':>9}"
                    print(f"{name:<22} {clients:>7} {statistics.median(rates[name]):>8.0f} "
                          f"{pct(latencies[name], 50):>8.2f} {pct(latencies[name], 99):>8.2f} {ratio:>6.2f} "
                          f"{cpu_us} {cpu_ratio}  {failures[name]}")
            if args.ceiling:
                print("CEILING: the engine and the serialisation of its answer were made free (bench/ceiling_server.py)")
            database = "PostgreSQL" if args.database_url and args.database_url.startswith("postgresql") else "SQLite WAL"
            print(f"server: one uvicorn worker, {database}; python {sys.version.split()[0]}; {os.cpu_count()} cpus; "
                  f"{args.rounds} rounds of {args.seconds:g} s per endpoint and concurrency")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
