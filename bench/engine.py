"""Screenings per second for a typical three-leg trip, in-process on one core.

Usage: python bench/engine.py [--seconds S] [--repeats R] [--cold]
The proposal (examples/sern-bologna.json: taxi to the airport, LLA-ARN and ARN-BLQ flights, return) is
validated once; each iteration calls screen(proposal, policy) -- rules, CO2 per leg with alternatives,
digital comparison and the full result object. By default the per-policy memo is warm, as in a running
server that has seen these legs before (leg estimates, corridor matches, constant findings are computed once
per policy). With --cold everything derived from proposals is forgotten before every screening (leg estimates,
corridor matches, resolved places, findings); only what belongs to the policy itself stays (its indexes,
content hash and gazetteer), with the loaded airport and city tables. Reports the median of the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from app.screening import Proposal, default_policy, screen

ROOT = Path(__file__).resolve().parent.parent


def forget(memo: dict) -> None:
    """Drop every memo entry derived from a proposal; keep the policy's own (string-keyed) ones."""
    for key in [k for k in memo if not isinstance(k, str)]:
        del memo[key]
    memo["gazetteer"]._cache.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one timed run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="forget everything derived from proposals before every screening")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    policy = default_policy()
    proposal = Proposal.model_validate(json.loads((ROOT / "examples" / "sern-bologna.json").read_text()))
    assert len(proposal.travel.legs) == 3
    screen(proposal, policy)  # warm: load airport and city data, build the gazetteer

    memo = policy.__pydantic_private__["_memo"]
    rates = []
    for _ in range(args.repeats):
        n, start = 0, time.perf_counter()
        deadline = start + args.seconds
        while True:
            for _ in range(100):
                if args.cold:
                    forget(memo)
                screen(proposal, policy)
            n += 100
            now = time.perf_counter()
            if now >= deadline:
                break
        rates.append(n / (now - start))
    median = statistics.median(rates)
    print(f"engine ({'cold' if args.cold else 'warm'}): {median:,.0f} screenings/s (median of {args.repeats} x {args.seconds:g} s; "
          f"{1e6 / median:.1f} us each; min {min(rates):,.0f}, max {max(rates):,.0f})")
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, pinned to one core")


if __name__ == "__main__":
    main()
