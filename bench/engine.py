"""The engine's cost as a ratio to pydantic's validation of the same proposal body (SPEC §10), in-process on one core.

Usage: python bench/engine.py [--seconds S] [--rounds R] [--example NAME ...]

For each example body (by default examples/sern-bologna.json -- taxi to the airport, LLA-ARN and ARN-BLQ
flights, all return -- and examples/oulu-study-visit-train.json -- Luleå-Haparanda by train, Haparanda-Oulu
by bus, places by name) four operations are timed, each in a loop for S seconds, one after the other, round
after round (interleaved, so that a slow spell of the machine hits them alike):

  validate   Proposal.model_validate_json(body): what the ratios are measured against (SPEC §10)
  warm       screen(proposal, policy) of the validated proposal, with legs the policy has seen before, as in a
             running service
  cold       the same after everything derived from proposals is forgotten before every call (see `forget`):
             a proposal never seen before, with the place data sets loaded and the policy's own tables built
  JSON       result.model_dump_json(), which the preview endpoint (POST /v1/screenings) adds to the screening

An operation's time in a round is the median time of one call in its loop (less the cost of reading the clock),
and its figure the median over the rounds; a ratio is the median over the rounds of that round's warm (or cold)
time over its validation time. SPEC §10's targets: warm at most 3, cold at most 10.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from app.screening import Proposal, co2, default_policy, places, screen
from app.screening.engine import gazetteer, warm_up
from app.screening.policy import Policy

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("sern-bologna", "oulu-study-visit-train")
TARGETS = {"warm": 3.0, "cold": 10.0}


def forget(policy: Policy) -> None:
    """Drop everything the engine derived from proposals: the policy's memo entries keyed by what a proposal holds
    (leg estimates, corridor matches, findings), the gazetteer's resolved names and nearest airports, and the
    process-wide caches of names and places. What belongs to the policy itself stays (its string-keyed indexes,
    content hash and gazetteer), with the loaded airport and city tables."""
    memo = policy.__pydantic_private__["_memo"]
    for key in [k for k in memo if not isinstance(k, str)]:
        del memo[key]
    g = gazetteer(policy)
    g._cache.clear()
    g._nearest.clear()
    co2._PLACES_USED.clear()
    for cached in (places.normalise, places.airports_named, places.nearest_city):
        cached.cache_clear()


def timed(op: Callable[[], object], seconds: float, before: Callable[[], None] | None = None) -> float:
    """The median seconds of one call of `op` in a loop of about `seconds` (`before` runs ahead of each call,
    untimed). The median, not the mean: on a shared machine a call now and then waits for the core, and the
    median does not count those waits."""
    times = []
    deadline = time.perf_counter() + seconds
    while True:
        if before is not None:
            before()
        t0 = time.perf_counter()
        op()
        t1 = time.perf_counter()
        times.append(t1 - t0)
        if t1 >= deadline:
            return max(0.0, statistics.median(times) - CLOCK_OVERHEAD)


CLOCK_OVERHEAD = 0.0
CLOCK_OVERHEAD = timed(lambda: None, 0.05)  # two clock readings around an empty call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=0.3, help="length of one timed loop")
    parser.add_argument("--rounds", "--repeats", type=int, default=15, dest="rounds")
    parser.add_argument("--example", action="append", help=f"an example in examples/ (default: {', '.join(EXAMPLES)})")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    policy = default_policy()
    warm_up(policy)
    bodies = {name: (ROOT / "examples" / f"{name}.json").read_bytes() for name in args.example or EXAMPLES}
    proposals = {name: Proposal.model_validate_json(body) for name, body in bodies.items()}
    results = {name: screen(proposal, policy) for name, proposal in proposals.items()}  # loads the data sets

    modes = ("validate", "warm", "cold", "json")
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for name, body in bodies.items():
            proposal, result = proposals[name], results[name]
            ops: dict[str, tuple[Callable[[], object], Callable[[], None] | None]] = {
                "validate": (lambda body=body: Proposal.model_validate_json(body), None),
                "warm": (lambda proposal=proposal: screen(proposal, policy), None),
                "cold": (lambda proposal=proposal: screen(proposal, policy), lambda: forget(policy)),
                "json": (lambda result=result: result.model_dump_json(), None),
            }
            for mode in modes:
                if mode == "warm":
                    screen(proposal, policy)  # this proposal's legs seen before (another loop may have forgotten them)
                op, before = ops[mode]
                times.setdefault((name, mode), []).append(timed(op, args.seconds, before))

    print(f"{'example':<24} {'validate µs':>11} {'warm µs':>8} {'cold µs':>8} {'JSON µs':>8}   "
          f"{'warm/validate':>13} {'cold/validate':>13} {'JSON/validate':>13}")
    for name in bodies:
        us = {mode: statistics.median(times[(name, mode)]) * 1e6 for mode in modes}
        ratio = {mode: statistics.median(t / v for t, v in zip(times[(name, mode)], times[(name, "validate")], strict=True))
                 for mode in modes}
        print(f"{name:<24} {us['validate']:>11.1f} {us['warm']:>8.1f} {us['cold']:>8.1f} {us['json']:>8.1f}   "
              f"{ratio['warm']:>13.2f} {ratio['cold']:>13.2f} {ratio['json']:>13.2f}")
    print(f"targets (SPEC §10): warm/validate ≤ {TARGETS['warm']:g}, cold/validate ≤ {TARGETS['cold']:g}")
    print(f"{args.rounds} rounds of {args.seconds:g} s per operation and example, interleaved; medians; "
          f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, pinned to one core")


if __name__ == "__main__":
    main()
