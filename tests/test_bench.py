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
        import ceiling_server  # noqa: F401 - importing it makes the screening and its JSON free
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


def test_bench_stats_seeds_measures_and_exports_end_to_end(tmp_path):
    """Every endpoint answers 200 at each size (the script stops otherwise) and each export is read to the end."""
    run = subprocess.run([sys.executable, str(BENCH / "stats.py"), "--sizes", "300,600", "--repeat", "1",
                          "--export-rows", "100"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    table = [line for line in lines if line.startswith("/v1/")]
    assert len(table) == 16 and all(len(line.split()) == 4 for line in table)  # endpoint, 2 sizes, ratio
    exports = [line for line in lines if " MB sent in " in line]
    assert [line.split(" heap ")[0].strip() for line in exports] == [
        "GET /v1/proposals (CSV)", "GET /v1/proposals (XLSX)", "activity plan (CSV)", "activity plan (XLSX)"]
