"""The rollups equal a scan of the proposals, after every kind of change, for every dimension and the filters the
rollups answer (year, department, a submitter's own department); rebuilding them from scratch gives the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from app.models import ProposalRecord, Role, StatsRollup
from app.services import demo, reports, rollup, stats
from app.services.filters import Filters
from app.services.keys import Principal
from tests.api.conftest import example

VIEWER = Principal("v", "viewer", Role.viewer, None, "k")
LBR = Principal("s", "submitter", Role.submitter, "lulea-business-region", "k")


def _figures(session: Session, principal: Principal, filters: Filters, source: str) -> dict:
    out = {"summary": {k: v for k, v in stats.summary(session, principal, filters, source).items() if k != "as_of"}}
    for dimension in stats.DIMENSIONS:
        out[dimension] = stats.by_dimension(session, principal, dimension, filters, source)["rows"]
    return out


def _amend_and_rescreen(client, make_key) -> None:
    """Amend every returned proposal (new legs, tags and period) and re-screen the screened ones."""
    officer = make_key("officer")
    with Session(client.app.state.engine) as session:
        returned = session.exec(select(ProposalRecord).where(ProposalRecord.status == "returned")).all()
        screened = session.exec(select(ProposalRecord.id).where(ProposalRecord.status == "screened").limit(5)).all()
    keys: dict[str, dict] = {}
    for i, record in enumerate(returned[:8]):
        if record.department not in keys:
            keys[record.department] = make_key("submitter", record.department)
        key = keys[record.department]
        change = example("oulu-study-visit-train")
        patch = {"travel": change["travel"], "partners": change["partners"], "goals": change["goals"],
                 "start_date": f"202{4 + i % 3}-0{1 + i % 9}-15", "end_date": f"202{4 + i % 3}-0{1 + i % 9}-15"}
        r = client.patch(f"/v1/proposals/{record.id}", json=patch, headers=key)
        assert r.status_code == 200, r.text
    for pid in screened:
        assert client.post(f"/v1/proposals/{pid}/rescreen", headers=officer).status_code == 200


@pytest.fixture
def filled(client, make_key):
    with Session(client.app.state.engine, expire_on_commit=False) as session:
        report = demo.fill(session, 160, seed=7, today=dt.date(2026, 6, 30))
    assert report["decided"] > 20 and report["withdrawn"] > 0
    _amend_and_rescreen(client, make_key)
    return client


@pytest.mark.parametrize("principal", [VIEWER, LBR], ids=["viewer", "submitter"])
@pytest.mark.parametrize("filters", [Filters(), Filters(year=2025), Filters(department="kommunstaben"),
                                     Filters(year=2026, department="lulea-business-region"), Filters(year=1999)],
                         ids=["all", "2025", "kommunstaben", "2026-lbr", "empty"])
def test_the_rollups_give_what_a_scan_gives(filled, principal, filters):
    with Session(filled.app.state.engine) as session:
        assert _figures(session, principal, filters, "rollup") == _figures(session, principal, filters, "scan")


@pytest.mark.parametrize("principal", [VIEWER, LBR], ids=["viewer", "submitter"])
@pytest.mark.parametrize("filters", [Filters(), Filters(year=2026), Filters(department="kommunstaben")],
                         ids=["all", "2026", "kommunstaben"])
def test_the_climate_report_from_the_rollups_is_the_scans(filled, principal, filters):
    with Session(filled.app.state.engine) as session:
        by_rollups = reports.climate(session, principal, filters, None, None, "rollup")
        assert by_rollups == reports.climate(session, principal, filters, None, None, "scan")
        if principal is VIEWER and filters == Filters():
            assert any(y["trips"] for y in by_rollups["years"])  # there is something to compare
            assert any(y["categories"]["flight_short"]["co2e_kg"] for y in by_rollups["years"])


def test_rebuilding_the_rollups_gives_the_rows_kept_incrementally(filled):
    engine = filled.app.state.engine

    def rows() -> dict:
        with engine.connect() as conn:
            out = {}
            for r in conn.execute(select(StatsRollup)).mappings():
                values = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items() if k != "changed_at"}
                if any(values[m] for m in rollup.MEASURES):  # a row emptied by changes is the same as none
                    out[(r["period"], r["department"], r["dim"], r["key"])] = values
            return out

    kept = rows()
    assert len(kept) > 100
    with engine.begin() as conn:
        rollup.rebuild(conn)
    assert rows() == kept


def test_the_median_is_interpolated_within_its_class():
    # classes (days): ..., [1, 2), [2, 3), ...: three decisions in [1, 2), one in [2, 3): the median (the 2nd of 4)
    # lies in [1, 2): 1 + (2 - 0) / 3 x 1
    one, two = rollup.day_class(1.5), rollup.day_class(2.5)
    assert rollup.DAY_CLASSES[one - 1] == 1 and rollup.DAY_CLASSES[one] == 2
    assert rollup.median_days({one: 3, two: 1}) == pytest.approx(1 + 2 / 3)
    assert rollup.median_days({}) is None
    assert rollup.median_days({rollup.day_class(0.0): 4}) == pytest.approx(1 / 48)  # half of the first hour
    assert rollup.median_days({rollup.day_class(400): 1}) == 365  # the open class: its lower bound
