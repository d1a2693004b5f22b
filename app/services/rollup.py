"""The rollups behind the aggregates (SPEC §8, §10 "flat growth: rollups, not scans").

A proposal contributes to a handful of rows of `stats_rollup`, all in its period (the month of start_date, else of
created_at) and department: the cell itself (dim ''), one row per key it has in each dimension (kind, status,
recommendation, focus_area, partner, goal, sdg: the same measures again), one per mode of its legs (per-leg
figures), one for its policy version, and, once decided, a class of the decision-time histogram (`days`, and
`days:<dimension>` per year); approved proposals also add their legs by mode and, for flights, by great-circle
distance class (`approved_leg`, the climate report's categories). Every change of a proposal takes its old contribution away and adds the new one in the
change's own transaction (`apply`), so the rollups always equal what a scan of the proposals gives
(`tests/api/test_rollup.py` checks both ways against each other). A query whose filters the cells cannot answer
(kind, status, recommendation, focus area, dates) scans the proposals instead (app.services.stats)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from app.models import ProposalLeg, ProposalRecord, ProposalTag
from app.models.base import as_utc
from app.models.rollup import StatsRollup

STATUSES = ("screened", "approved", "rejected", "returned", "withdrawn")
RECOMMENDATIONS = ("approve", "approve_with_conditions", "prefer_digital", "needs_information", "reject")
MODES = ("flight", "train", "bus", "car", "taxi", "ferry")
MEASURES = ("proposals", *(f"st_{s}" for s in STATUSES), *(f"rec_{r}" for r in RECOMMENDATIONS), "travellers",
            "co2e_g", "co2e_g_without_rf", "co2e_g_approved", "avoided_digital_g", "avoided_mode_shift_g",
            "potential_avoided_g", "co2e_g_without_rf_approved", "trips_approved", "trips_decided", "trips_turned_digital", "decided", "departures", "legs",
            *(f"pkm10_{m}" for m in MODES))
# The classes of the decision-time histogram, in days (the last class is open): fine where decisions are quick, as
# most are, coarse where they are rare. The median is interpolated within its class (grouped-data median).
DAY_CLASSES = (1 / 24, 2 / 24, 4 / 24, 8 / 24, 0.5, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 180, 365)
KEY_DIMENSIONS = ("kind", "status", "recommendation", "focus_area")  # one key per proposal, from its row
TAG_DIMENSIONS = ("partner", "goal", "sdg")  # any number of keys per proposal, from its tags
FINAL = ("approved", "rejected")
NONE_KEY = ""  # a proposal without a focus area

Cell = tuple[str, str, str, str]  # period, department, dim, key


FLIGHT_CLASS_KM = 10  # approved flights are kept by great-circle distance in classes this wide


def flight_class(great_circle_km: float) -> int:
    """The lower bound of a flight's distance class: a split at a multiple of the class width is exact."""
    return int(great_circle_km // FLIGHT_CLASS_KM) * FLIGHT_CLASS_KM


def day_class(days: float) -> int:
    return bisect.bisect_right(DAY_CLASSES, days)


def median_days(counts: Mapping[int, int]) -> float | None:
    """The median of a decision-time histogram, interpolated within its class; None when it is empty."""
    total = sum(counts.values())
    if not total:
        return None
    half, seen = total / 2, 0
    for index in sorted(counts):
        n = counts[index]
        if n and seen + n >= half:
            low = DAY_CLASSES[index - 1] if index > 0 else 0.0
            if index >= len(DAY_CLASSES):  # the open class: its lower bound
                return low
            return low + (half - seen) / n * (DAY_CLASSES[index] - low)
        seen += n
    return None


def _value(row: Mapping[str, Any], name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name)


def grams(kg: float | None) -> int:
    """kg as whole grams: the screenings give kg to 0.001."""
    return round((kg or 0.0) * 1000)


def tenths(km: float) -> int:
    """passenger-km in tenths: the screenings give distances to 0.1 km."""
    return round(km * 10)


def measures(row: Any, legs: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The cell measures of one proposal (SPEC §8's definitions, per proposal), in whole units."""
    status, recommendation = _value(row, "status"), _value(row, "recommendation")
    live = status != "withdrawn"
    final = status in FINAL
    digital = recommendation == "prefer_digital"
    co2e = grams(_value(row, "co2e_kg"))
    saving = _value(row, "digital_saving_kg")
    shift = grams(_value(row, "mode_shift_saving_kg"))
    trip = _value(row, "kind") == "trip"
    m: dict[str, int] = {"proposals": 1, f"st_{status}": 1}
    if live:
        m[f"rec_{recommendation}"] = 1
        m["travellers"] = _value(row, "travellers") or 0
        m["co2e_g"] = co2e
        m["co2e_g_without_rf"] = grams(_value(row, "co2e_kg_without_rf"))
        for leg in legs:
            m[f"pkm10_{leg['mode']}"] = m.get(f"pkm10_{leg['mode']}", 0) + tenths(leg["passenger_km"])
            m["legs"] = m.get("legs", 0) + 1
    if status == "approved":
        m["co2e_g_approved"] = co2e
        m["avoided_mode_shift_g"] = shift
        if _value(row, "co2e_kg") is not None:
            m["co2e_g_without_rf_approved"] = grams(_value(row, "co2e_kg_without_rf"))
            m["trips_approved"] = 1
    if status == "rejected" and digital and saving is not None:
        m["avoided_digital_g"] = grams(saving)
    if status in ("screened", "returned"):
        m["potential_avoided_g"] = grams(saving) if digital else shift
    if final:
        m["decided"] = 1
        m["departures"] = 1 if _value(row, "departs") else 0
        if trip:
            m["trips_decided"] = 1
            m["trips_turned_digital"] = 1 if status == "rejected" and digital else 0
    return m


def contribution(row: Any, tags: Iterable[tuple[str, str]], legs: list[Mapping[str, Any]]) -> dict[Cell, dict]:
    """Every rollup row one proposal adds to, with what it adds."""
    period, department = _value(row, "period_month"), _value(row, "department")
    base = measures(row, legs)
    keys = [(d, _value(row, d) or NONE_KEY) for d in KEY_DIMENSIONS] + [(d, k) for d, k in tags]
    out: dict[Cell, dict] = {(period, department, "", ""): base}
    for dim, key in keys:
        out[(period, department, dim, key)] = base
    status = _value(row, "status")
    if status != "withdrawn":
        by_mode: dict[str, dict[str, int]] = {}
        for leg in legs:
            m = by_mode.setdefault(leg["mode"], {"proposals": 1})
            m["legs"] = m.get("legs", 0) + 1
            m[f"pkm10_{leg['mode']}"] = m.get(f"pkm10_{leg['mode']}", 0) + tenths(leg["passenger_km"])
            m["co2e_g"] = m.get("co2e_g", 0) + grams(leg["co2e_kg"])
            m["co2e_g_without_rf"] = m.get("co2e_g_without_rf", 0) + grams(leg["co2e_kg_without_rf"])
            if status == "approved":
                m["co2e_g_approved"] = m.get("co2e_g_approved", 0) + grams(leg["co2e_kg"])
        for mode, m in by_mode.items():
            out[(period, department, "mode", mode)] = m
    if status == "approved":  # the climate report's categories: flights by great-circle class, the split later
        for leg in legs:
            key = leg["mode"] if leg["mode"] != "flight" else f"flight|{flight_class(leg['great_circle_km']):05d}"
            m = out.setdefault((period, department, "approved_leg", key), {})
            m["legs"] = m.get("legs", 0) + 1
            m[f"pkm10_{leg['mode']}"] = m.get(f"pkm10_{leg['mode']}", 0) + tenths(leg["passenger_km"])
            m["co2e_g"] = m.get("co2e_g", 0) + grams(leg["co2e_kg"])
            m["co2e_g_without_rf"] = m.get("co2e_g_without_rf", 0) + grams(leg["co2e_kg_without_rf"])
    if _value(row, "policy_version"):
        out[(period, department, "policy", _value(row, "policy_version"))] = {
            "proposals": 1, "st_approved": 1 if status == "approved" else 0}
    decided_at = _value(row, "decided_at")
    if status in FINAL and decided_at is not None:
        days = (as_utc(decided_at) - as_utc(_value(row, "created_at"))).total_seconds() / 86400
        cls = f"{day_class(days):02d}"
        out[(period, department, "days", cls)] = {"proposals": 1}
        for dim, key in keys:
            out[(period[:4], department, f"days:{dim}", f"{key}|{cls}")] = {"proposals": 1}
    return out


def add(deltas: dict[Cell, dict[str, int]], contrib: dict[Cell, dict], sign: int) -> None:
    for cell, m in contrib.items():
        target = deltas.setdefault(cell, {})
        for name, value in m.items():
            target[name] = target.get(name, 0) + sign * value


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE adding to every sum, built once per dialect (building it costs ~3 ms)."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        table = StatsRollup.__table__
        insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(table)
        statement = _UPSERTS[dialect] = insert.on_conflict_do_update(
            index_elements=["dim", "period", "department", "key"],
            set_={**{name: table.c[name] + insert.excluded[name] for name in MEASURES},
                  "changed_at": insert.excluded.changed_at})
    return statement


def apply(conn: Connection, deltas: dict[Cell, dict[str, int]], when: dt.datetime) -> None:
    """Add the deltas to their rows (created when new), in key order so that concurrent writers on PostgreSQL take
    the rows' locks in the same order; the cell row's changed_at moves on even when its sums do not."""
    rows = []
    for (period, department, dim, key), m in sorted(deltas.items()):
        if dim and not any(m.values()):
            continue
        rows.append({"period": period, "department": department, "dim": dim, "key": key, "changed_at": when,
                     **{name: m.get(name, 0) for name in MEASURES}})
    if not rows:
        return
    statement = _upsert(conn.dialect.name)
    for start in range(0, len(rows), 500):
        conn.execute(statement, rows[start:start + 500])


def stored(conn: Connection, proposal_ids: list[str]) -> dict[str, tuple[list[tuple[str, str]], list[dict]]]:
    """The tags and legs stored for these proposals (their current contribution's)."""
    out: dict[str, tuple[list, list]] = {pid: ([], []) for pid in proposal_ids}
    for start in range(0, len(proposal_ids), 500):
        ids = proposal_ids[start:start + 500]
        for pid, dim, key in conn.execute(select(ProposalTag.proposal_id, ProposalTag.dim, ProposalTag.key)
                                          .where(ProposalTag.proposal_id.in_(ids))):
            out[pid][0].append((dim, key))
        for leg in conn.execute(select(ProposalLeg).where(ProposalLeg.proposal_id.in_(ids))).mappings():
            out[leg["proposal_id"]][1].append(dict(leg))
    return out


def rebuild(conn: Connection, chunk: int = 2000) -> None:
    """Every rollup from the proposals themselves (the migration that adds them; a repair)."""
    conn.execute(delete(StatsRollup))
    ids = conn.execute(select(ProposalRecord.id).order_by(ProposalRecord.id)).scalars().all()
    columns = [ProposalRecord.__table__.c[c] for c in SNAPSHOT]
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        facts = stored(conn, part)
        deltas: dict[Cell, dict[str, int]] = {}
        for row in conn.execute(select(*columns).where(ProposalRecord.id.in_(part))).mappings():
            tags, legs = facts[row["id"]]
            add(deltas, contribution(row, tags, legs), +1)
        apply(conn, deltas, dt.datetime.now(dt.UTC))
    # a cell was last changed when the last of its proposals was
    latest = (select(func.max(ProposalRecord.updated_at))
              .where(ProposalRecord.period_month == StatsRollup.period,
                     ProposalRecord.department == StatsRollup.department).scalar_subquery())
    conn.execute(update(StatsRollup).where(StatsRollup.dim == "").values(changed_at=latest))


SNAPSHOT = ("id", "period_month", "department", "kind", "status", "recommendation", "focus_area", "travellers",
            "co2e_kg", "co2e_kg_without_rf", "digital_saving_kg", "mode_shift_saving_kg", "departs", "decided_at",
            "created_at", "policy_version")


def snapshot(record: Any) -> dict[str, Any]:
    """What a proposal's contribution depends on, as it stands now."""
    return {name: getattr(record, name) for name in SNAPSHOT}
