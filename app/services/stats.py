"""The aggregates of SPEC §8, computed in the database: one GROUP BY over the proposal table (and its legs and tags
for the dimensions a proposal has several of), with the filters and the department scoping of the list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.models import ProposalLeg, ProposalRecord, ProposalTag, Status
from app.models.base import iso
from app.screening import Policy
from app.screening.result import Recommendation
from app.services import labels, policies
from app.services.filters import Filters, conditions
from app.services.keys import Principal

P = ProposalRecord
STATUSES = [s.value for s in Status]
RECOMMENDATIONS = [r.value for r in Recommendation]
MODES = list(labels.MODE)
FINAL = ("approved", "rejected")  # decided; a returned proposal is still open (SPEC §8: undecided = screened, returned)
UNDECIDED = ("screened", "returned")
DIMENSIONS = ("year", "month", "department", "kind", "focus_area", "partner", "goal", "sdg", "recommendation",
              "status", "mode")
TAG_DIMENSIONS = ("partner", "goal", "sdg")
NUMERIC_KEYS = ("year", "goal", "sdg")

_LIVE = P.status != "withdrawn"  # withdrawn proposals count in by_status only, never in travel or CO2 figures


def _sum(value: Any, when: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((when, value), else_=0)), 0)


def _count(when: ColumnElement) -> ColumnElement:
    return _sum(1, when)


def _measure_columns() -> list[ColumnElement]:
    final = P.status.in_(FINAL)
    digital = P.recommendation == "prefer_digital"
    return [
        func.count().label("proposals"),
        *[_count(P.status == s).label(f"status__{s}") for s in STATUSES],
        *[_count(and_(_LIVE, P.recommendation == r)).label(f"rec__{r}") for r in RECOMMENDATIONS],
        _sum(P.travellers, and_(_LIVE, P.travellers.is_not(None))).label("travellers"),
        _sum(P.co2e_kg, and_(_LIVE, P.co2e_kg.is_not(None))).label("co2e_kg"),
        _sum(P.co2e_kg_without_rf, and_(_LIVE, P.co2e_kg_without_rf.is_not(None))).label("co2e_kg_without_rf"),
        _sum(P.co2e_kg, and_(P.status == "approved", P.co2e_kg.is_not(None))).label("co2e_kg_approved"),
        _sum(P.digital_saving_kg, and_(P.status == "rejected", digital, P.digital_saving_kg.is_not(None)))
        .label("avoided_digital_kg"),
        _sum(P.mode_shift_saving_kg, P.status == "approved").label("avoided_mode_shift_kg"),
        func.coalesce(func.sum(case(
            (and_(P.status.in_(UNDECIDED), digital, P.digital_saving_kg.is_not(None)), P.digital_saving_kg),
            (and_(P.status.in_(UNDECIDED), ~digital), P.mode_shift_saving_kg), else_=0)), 0)
        .label("potential_avoided_kg"),
        _count(and_(P.kind == "trip", final)).label("trips_decided"),
        _count(and_(P.kind == "trip", P.status == "rejected", digital)).label("trips_turned_digital"),
        _count(final).label("decided"),
        _count(and_(final, P.departs.is_(True))).label("departures"),
        func.max(P.updated_at).label("as_of"),
    ]


def _kg(x: float | None) -> float:
    return round(float(x or 0.0), 1)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _measures(row: Any) -> dict[str, Any]:
    m = row._mapping
    decided, trips = int(m["decided"]), int(m["trips_decided"])
    return {
        "proposals": int(m["proposals"]),
        "by_status": {s: int(m[f"status__{s}"]) for s in STATUSES},
        "by_recommendation": {r: int(m[f"rec__{r}"]) for r in RECOMMENDATIONS},
        "travellers": int(m["travellers"]),
        "co2e_kg": _kg(m["co2e_kg"]),
        "co2e_kg_without_rf": _kg(m["co2e_kg_without_rf"]),
        "co2e_kg_approved": _kg(m["co2e_kg_approved"]),
        "avoided_digital_kg": _kg(m["avoided_digital_kg"]),
        "avoided_mode_shift_kg": _kg(m["avoided_mode_shift_kg"]),
        "potential_avoided_kg": _kg(m["potential_avoided_kg"]),
        "trips_decided": trips,
        "trips_turned_digital": int(m["trips_turned_digital"]),
        "share_turned_digital": _ratio(int(m["trips_turned_digital"]), trips),
        "decided": decided,
        "share_approved": _ratio(int(m["status__approved"]), decided),
        "departures": int(m["departures"]),
        "median_days_to_decision": None,
        "passenger_km": {mode: 0.0 for mode in MODES},
    }


def _days(session: Session) -> ColumnElement:
    """decided_at - created_at in days, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(P.decided_at) - func.julianday(P.created_at)
    return func.extract("epoch", P.decided_at - P.created_at) / 86400.0


def _grouping(dimension: str | None) -> tuple[ColumnElement | None, Any]:
    """The column a dimension groups by, and the join it needs (a tag dimension: one row per tag)."""
    if dimension is None:
        return None, None
    if dimension in TAG_DIMENSIONS:
        return ProposalTag.key, ProposalTag
    column = {"year": P.period_year, "month": P.period_month, "department": P.department, "kind": P.kind,
              "focus_area": P.focus_area, "recommendation": P.recommendation, "status": P.status}[dimension]
    return column, None


def _base(select_from, principal: Principal, filters: Filters, dimension: str | None, group: ColumnElement | None):
    query = select_from.where(*conditions(principal, filters))
    if dimension in TAG_DIMENSIONS:
        query = query.join(ProposalTag, and_(ProposalTag.proposal_id == P.id, ProposalTag.dim == dimension))
    return query


def _grouped(session: Session, principal: Principal, filters: Filters, dimension: str | None) -> dict[Any, dict]:
    group, _ = _grouping(dimension)
    key = (group if group is not None else literal_column("0")).label("key")
    query = _base(select(key, *_measure_columns()).select_from(P), principal, filters, dimension, group)
    rows: dict[Any, dict[str, Any]] = {}
    for row in session.execute(query.group_by(key) if group is not None else query):
        measures = _measures(row)
        measures["_as_of"] = row._mapping["as_of"]
        rows[row._mapping["key"]] = measures
    if not rows:
        return rows
    # passenger-km by mode: the legs of the current screenings (withdrawn excluded)
    pkm = select(key, ProposalLeg.mode, func.sum(ProposalLeg.passenger_km)).select_from(P).join(
        ProposalLeg, ProposalLeg.proposal_id == P.id)
    pkm = _base(pkm, principal, filters, dimension, group).where(_LIVE)
    pkm = pkm.group_by(key, ProposalLeg.mode) if group is not None else pkm.group_by(ProposalLeg.mode)
    for k, mode, km in session.execute(pkm):
        if k in rows and mode in rows[k]["passenger_km"]:
            rows[k]["passenger_km"][mode] = round(float(km or 0.0), 1)
    # the median of the days from creation to the final decision: the middle row (or the mean of the two middle
    # rows) of each group, by window functions
    days = _days(session).label("days")
    decided = _base(select(key, days).select_from(P), principal, filters, dimension, group).where(
        P.status.in_(FINAL), P.decided_at.is_not(None)).subquery()
    ranked = select(
        decided.c.key, decided.c.days,
        func.row_number().over(partition_by=decided.c.key, order_by=decided.c.days).label("rn"),
        func.count().over(partition_by=decided.c.key).label("n"),
    ).subquery()
    middle = select(ranked.c.key, func.avg(ranked.c.days)).where(
        ranked.c.rn.in_([(ranked.c.n + 1) / 2, (ranked.c.n + 2) / 2])).group_by(ranked.c.key)
    for k, median in session.execute(middle):
        if k in rows and median is not None:
            rows[k]["median_days_to_decision"] = round(float(median), 2)
    return rows


def summary(session: Session, principal: Principal, filters: Filters) -> dict[str, Any]:
    """Every measure of SPEC §8 for the filtered proposals, the policy versions seen and the time of the latest
    change among them (`as_of`)."""
    rows = _grouped(session, principal, filters, None)
    measures = next(iter(rows.values()), None)
    if measures is None:  # no proposal matches: every count 0, every share and the median null
        empty = session.execute(select(*_measure_columns()).select_from(P).where(literal_column("1") == 0)).one()
        measures = _measures(empty)
        measures["_as_of"] = None
    as_of = measures.pop("_as_of")
    versions = session.execute(select(P.policy_version).where(*conditions(principal, filters))
                               .group_by(P.policy_version).order_by(P.policy_version)).scalars().all()
    return {"filters": filters.public(), **measures, "policy_versions": [v for v in versions if v],
            "as_of": iso(as_of) if as_of else None}


def _sort_key(dimension: str, key: Any) -> tuple:
    if key is None:
        return (1, "")
    return (0, int(key)) if dimension in NUMERIC_KEYS else (0, str(key))


def by_dimension(session: Session, principal: Principal, dimension: str, filters: Filters) -> dict[str, Any]:
    """One row per key of the dimension, each with every measure (the mode rows: per leg), sorted by key."""
    policy = policies.active(session)
    if dimension == "mode":
        rows = _by_mode(session, principal, filters)
    else:
        grouped = _grouped(session, principal, filters, dimension)
        rows = []
        for key, measures in grouped.items():
            measures.pop("_as_of")
            rows.append({"key": int(key) if dimension in NUMERIC_KEYS and key is not None else key, **measures})
    rows.sort(key=lambda r: _sort_key(dimension, r["key"]))
    for row in rows:
        row["label_sv"], row["label_en"] = labels.label(dimension, row["key"], policy)
        if dimension == "goal":
            row["sdgs"] = _goal_sdgs(policy, row["key"])
    ordered = [{"key": r["key"], "label_sv": r["label_sv"], "label_en": r["label_en"],
                **{k: v for k, v in r.items() if k not in ("key", "label_sv", "label_en")}} for r in rows]
    as_of = session.execute(select(func.max(P.updated_at)).where(*conditions(principal, filters))).scalar()
    return {"dimension": dimension, "filters": filters.public(), "rows": ordered,
            "as_of": iso(as_of) if as_of else None}


def _goal_sdgs(policy: Policy, goal: int) -> list[int]:
    found = next((g for g in policy.goals if g.number == goal), None)
    return sorted(set(found.sdgs_official) | set(found.sdgs_proposed)) if found else []


def _by_mode(session: Session, principal: Principal, filters: Filters) -> list[dict[str, Any]]:
    """Per leg of the current screenings (withdrawn excluded): legs, proposals, passenger-km and CO2e by mode."""
    query = (select(ProposalLeg.mode, func.count(), func.count(func.distinct(P.id)), func.sum(ProposalLeg.passenger_km),
                    func.sum(ProposalLeg.co2e_kg), func.sum(ProposalLeg.co2e_kg_without_rf),
                    _sum(ProposalLeg.co2e_kg, P.status == "approved"))
             .select_from(P).join(ProposalLeg, ProposalLeg.proposal_id == P.id)
             .where(*conditions(principal, filters), _LIVE).group_by(ProposalLeg.mode))
    return [{"key": mode, "legs": int(legs), "proposals": int(proposals), "passenger_km": round(float(pkm or 0), 1),
             "co2e_kg": _kg(co2e), "co2e_kg_without_rf": _kg(without_rf), "co2e_kg_approved": _kg(approved)}
            for mode, legs, proposals, pkm, co2e, without_rf, approved in session.execute(query)]


def latest_decisions(session: Session, principal: Principal, filters: Filters, limit: int) -> dict[str, Any]:
    """The latest decisions among the filtered proposals, newest first (what the dashboard lists)."""
    query = (select(P.id, P.title, P.department, P.kind, P.status, P.decision, P.decided_by, P.decided_at,
                    P.recommendation, P.departs, P.co2e_kg)
             .where(*conditions(principal, filters), P.decided_at.is_not(None),
                    P.status.in_(("approved", "rejected", "returned")))
             .order_by(P.decided_at.desc(), P.id.desc()).limit(limit))
    items = [{"id": r.id, "title": r.title, "department": r.department, "kind": r.kind, "decision": r.decision,
              "decided_by": r.decided_by, "decided_at": iso(r.decided_at), "recommendation": r.recommendation,
              "departs": bool(r.departs), "co2e_kg": r.co2e_kg} for r in session.execute(query)]
    return {"filters": filters.public(), "items": items}


_MEASURE_NAMES = {
    "proposals": ("Förslag", "Proposals"), "travellers": ("Resenärer", "Travellers"),
    "co2e_kg": ("Beräknade utsläpp", "Estimated emissions"),
    "co2e_kg_without_rf": ("Beräknade utsläpp utan höghöjdseffekt", "Estimated emissions without radiative forcing"),
    "co2e_kg_approved": ("Utsläpp från beviljade resor", "Emissions of approved travel"),
    "avoided_digital_kg": ("Undvikna utsläpp genom digitala möten", "Emissions avoided by digital meetings"),
    "avoided_mode_shift_kg": ("Undvikna utsläpp genom byte av färdsätt", "Emissions avoided by mode shift"),
    "potential_avoided_kg": ("Möjliga undvikna utsläpp", "Potentially avoided emissions"),
    "trips_decided": ("Beslutade resor", "Trips decided"),
    "trips_turned_digital": ("Resor som blev digitala möten", "Trips turned digital"),
    "decided": ("Beslutade förslag", "Proposals decided"), "departures": ("Avsteg från rekommendationen",
                                                                         "Departures from the recommendation"),
    "legs": ("Delsträckor", "Legs"), "passenger_km": ("Personkilometer", "Passenger-km"),
}
_DIMENSION_NAMES = {
    "year": ("per år", "by year"), "month": ("per månad", "by month"), "department": ("per förvaltning eller bolag",
                                                                                      "by department"),
    "kind": ("per typ", "by kind"), "focus_area": ("per fokusområde", "by focus area"),
    "partner": ("per partner", "by partner"), "goal": ("per övergripande mål", "by overarching goal"),
    "sdg": ("per globalt mål", "by SDG"), "recommendation": ("per rekommendation", "by recommendation"),
    "status": ("per status", "by status"), "mode": ("per färdsätt", "by mode"),
}


def chart_title(dimension: str, measure: str, lang: str) -> str:
    i = 0 if lang == "sv" else 1
    return f"{_MEASURE_NAMES[measure][i]} {_DIMENSION_NAMES[dimension][i]}"


def unit(measure: str) -> str:
    if measure.endswith("_kg"):
        return "kg CO2e"
    return "km" if measure == "passenger_km" else ""


def grouped_by_year(session: Session, principal: Principal, filters: Filters) -> dict[int, dict[str, Any]]:
    """Every measure per year (the climate report's trips turned digital and avoided kg)."""
    return {int(k): v for k, v in _grouped(session, principal, filters, "year").items()}
