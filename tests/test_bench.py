"""The benchmark scripts run end to end (figures are never asserted: the machine may be busy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("extra", [[], ["--ceiling"]], ids=["service", "ceiling"])
def test_bench_api_drives_all_three_endpoints_without_errors(extra, tmp_path):
    run = subprocess.run([sys.executable, str(BENCH / "api.py"), "--seconds", "0.3", "--rounds", "1",
                          "--concurrency", "1", *extra], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines() if line.startswith(("trivial", "POST"))]
    assert [" ".join(r[:2]) if r[0] == "POST" else " ".join(r[:3]) for r in rows] == [
        "trivial GET /v1/me", "POST /v1/screenings", "POST /v1/proposals"]
    assert all(r[-1] == "0" for r in rows), run.stdout  # no request failed
    assert ("CEILING" in run.stdout) == bool(extra)


def test_the_ceiling_server_answers_exactly_as_the_service():
    """The bound measures the same work: the remembered screening and its JSON are the real ones, byte for byte."""
    from app.screening import Proposal
    from app.screening.policy import default_policy
    from app.screening.result import Screening
    from app.services import proposals

    real_screen, real_dump = proposals.run_screen, Screening.model_dump_json
    sys.path.insert(0, str(BENCH))
    try:
        import ceiling_server
    finally:
        sys.path.remove(str(BENCH))
    try:
        policy = default_policy()
        proposal = Proposal.model_validate_json((BENCH.parent / "examples" / "sern-bologna.json").read_bytes())
        expected = real_dump(real_screen(proposal, policy))
        first = proposals.run_screen(proposal, policy)
        again = proposals.run_screen(proposal, policy)
        assert again is first
        assert first.model_dump_json() == expected
        assert again.model_dump_json() == expected
    finally:
        proposals.run_screen, Screening.model_dump_json = real_screen, real_dump
        sys.modules.pop("ceiling_server", None)
