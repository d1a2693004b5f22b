"""The aggregates of SPEC §8, computed in the database. Filtered by year and department only (what the dashboard and
the reports ask), they are sums over the rollups of app.services.rollup, whose size does not grow with the number of
proposals; filtered by anything else (kind, status, recommendation, focus area, dates), one GROUP BY over the proposal
table (and its legs and tags). Both give the same figures, with the filters and the department scoping of the list.
The median time to decision is the grouped-data median of a histogram (app.services.rollup.DAY_CLASSES) either way."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.dashboard.charts import bar_chart
from app.errors import Unprocessable
from app.models import ProposalLeg, ProposalRecord, ProposalTag, Role, StatsRollup, Status
from app.models.base import iso
from app.screening import Policy
from app.screening.result import Recommendation
from app.services import departments, labels, policies, rollup
from app.services.filters import Filters, conditions
from app.services.keys import Principal

P = ProposalRecord
R = StatsRollup
STATUSES = [s.value for s in Status]
RECOMMENDATIONS = [r.value for r in Recommendation]
MODES = list(labels.MODE)
FINAL = ("approved", "rejected")  # decided; a returned proposal is still open (SPEC §8: undecided = screened, returned)
UNDECIDED = ("screened", "returned")
DIMENSIONS = ("year", "month", "department", "kind", "focus_area", "partner", "goal", "sdg", "recommendation",
              "status", "mode")
TAG_DIMENSIONS = ("partner", "goal", "sdg")
NUMERIC_KEYS = ("year", "goal", "sdg")
Source = Literal["auto", "rollup", "scan"]

_LIVE = P.status != "withdrawn"  # withdrawn proposals count in by_status only, never in travel or CO2 figures


def rollups_answer(filters: Filters) -> bool:
    """The rollups' cells are a month of a department: they answer a year and a department, nothing finer."""
    return all(getattr(filters, name) is None for name in
               ("kind", "status", "recommendation", "focus_area", "start_from", "start_to", "q"))


def _use_rollups(filters: Filters, source: Source) -> bool:
    return source == "rollup" or (source == "auto" and rollups_answer(filters))


def _sum(value: Any, when: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((when, value), else_=0)), 0)


def _count(when: ColumnElement) -> ColumnElement:
    return _sum(1, when)


def _g(column: Any) -> ColumnElement:
    """kg as whole grams (the screenings' precision), so that sums are exact, as the rollups' are."""
    return func.round(column * 1000)


def _measure_columns() -> list[ColumnElement]:
    """The scan: every measure of one proposal (app.services.rollup.measures), summed in SQL, under the same names as
    the rollup's columns."""
    final = P.status.in_(FINAL)
    digital = P.recommendation == "prefer_digital"
    return [
        func.count().label("proposals"),
        *[_count(P.status == s).label(f"st_{s}") for s in STATUSES],
        *[_count(and_(_LIVE, P.recommendation == r)).label(f"rec_{r}") for r in RECOMMENDATIONS],
        _sum(P.travellers, and_(_LIVE, P.travellers.is_not(None))).label("travellers"),
        _sum(_g(P.co2e_kg), and_(_LIVE, P.co2e_kg.is_not(None))).label("co2e_g"),
        _sum(_g(P.co2e_kg_without_rf), and_(_LIVE, P.co2e_kg_without_rf.is_not(None))).label("co2e_g_without_rf"),
        _sum(_g(P.co2e_kg), and_(P.status == "approved", P.co2e_kg.is_not(None))).label("co2e_g_approved"),
        _sum(_g(P.digital_saving_kg), and_(P.status == "rejected", digital, P.digital_saving_kg.is_not(None)))
        .label("avoided_digital_g"),
        _sum(_g(P.mode_shift_saving_kg), P.status == "approved").label("avoided_mode_shift_g"),
        func.coalesce(func.sum(case(
            (and_(P.status.in_(UNDECIDED), digital, P.digital_saving_kg.is_not(None)), _g(P.digital_saving_kg)),
            (and_(P.status.in_(UNDECIDED), ~digital), _g(P.mode_shift_saving_kg)), else_=0)), 0)
        .label("potential_avoided_g"),
        _count(and_(P.kind == "trip", final)).label("trips_decided"),
        _count(and_(P.kind == "trip", P.status == "rejected", digital)).label("trips_turned_digital"),
        _count(final).label("decided"),
        _count(and_(final, P.departs.is_(True))).label("departures"),
        func.max(P.updated_at).label("as_of"),
    ]


def _rollup_columns() -> list[ColumnElement]:
    return [*(func.coalesce(func.sum(R.__table__.c[name]), 0).label(name) for name in rollup.MEASURES),
            func.max(R.changed_at).label("as_of")]


def kg(grams: Any) -> float:
    """Whole grams as kg rounded to 0.1, half away from zero (exact: the same figure from any order of summing)."""
    return float((Decimal(int(grams or 0)) / 1000).quantize(Decimal("0.1"), ROUND_HALF_UP))


def km(tenths: Any) -> float:
    return float(Decimal(int(tenths or 0)) / 10)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _measures(m: Any) -> dict[str, Any]:
    """Summed columns (of the scan or of the rollups) as SPEC §8's measures."""
    decided, trips = int(m["decided"]), int(m["trips_decided"])
    return {
        "proposals": int(m["proposals"]),
        "by_status": {s: int(m[f"st_{s}"]) for s in STATUSES},
        "by_recommendation": {r: int(m[f"rec_{r}"]) for r in RECOMMENDATIONS},
        "travellers": int(m["travellers"]),
        "co2e_kg": kg(m["co2e_g"]),
        "co2e_kg_without_rf": kg(m["co2e_g_without_rf"]),
        "co2e_kg_approved": kg(m["co2e_g_approved"]),
        "avoided_digital_kg": kg(m["avoided_digital_g"]),
        "avoided_mode_shift_kg": kg(m["avoided_mode_shift_g"]),
        "potential_avoided_kg": kg(m["potential_avoided_g"]),
        "trips_decided": trips,
        "trips_turned_digital": int(m["trips_turned_digital"]),
        "share_turned_digital": _ratio(int(m["trips_turned_digital"]), trips),
        "decided": decided,
        "share_approved": _ratio(int(m["st_approved"]), decided),
        "departures": int(m["departures"]),
        "median_days_to_decision": None,
        "passenger_km": {mode: km(m.get(f"pkm10_{mode}")) for mode in MODES},
        "_as_of": m["as_of"],
    }


def _median(counts: dict[int, int]) -> float | None:
    median = rollup.median_days(counts)
    return round(median, 1) if median is not None else None


def _days(session: Session) -> ColumnElement:
    """decided_at - created_at in days, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(P.decided_at) - func.julianday(P.created_at)
    return func.extract("epoch", P.decided_at - P.created_at) / 86400.0


def _group_column(dimension: str | None) -> ColumnElement | None:
    """The column a dimension groups the proposals by (a tag dimension: the tag's key, one row per tag)."""
    if dimension is None:
        return None
    if dimension in TAG_DIMENSIONS:
        return ProposalTag.key
    return {"year": P.period_year, "month": P.period_month, "department": P.department, "kind": P.kind,
            "focus_area": P.focus_area, "recommendation": P.recommendation, "status": P.status}[dimension]


def _base(select_from, principal: Principal, filters: Filters, dimension: str | None):
    """The filtered proposals (joined to their tags of the dimension, for a tag dimension)."""
    query = select_from.where(*conditions(principal, filters))
    if dimension in TAG_DIMENSIONS:
        query = query.join(ProposalTag, and_(ProposalTag.proposal_id == P.id, ProposalTag.dim == dimension))
    return query


def _grouped_scan(session: Session, principal: Principal, filters: Filters,
                  dimension: str | None) -> dict[Any, dict]:
    group = _group_column(dimension)
    key = (group if group is not None else literal_column("0")).label("key")
    query = _base(select(key, *_measure_columns()).select_from(P), principal, filters, dimension)
    rows: dict[Any, dict[str, Any]] = {}
    sums = query.group_by(key) if group is not None else query
    for row in session.execute(sums).mappings():
        if row["proposals"]:
            rows[row["key"]] = dict(row)
    if not rows:
        return {}
    # passenger-km by mode: the legs of the current screenings (withdrawn excluded)
    pkm = select(key, ProposalLeg.mode, func.sum(func.round(ProposalLeg.passenger_km * 10))).select_from(P).join(
        ProposalLeg, ProposalLeg.proposal_id == P.id)
    pkm = _base(pkm, principal, filters, dimension).where(_LIVE)
    pkm = pkm.group_by(key, ProposalLeg.mode) if group is not None else pkm.group_by(ProposalLeg.mode)
    for k, mode, tenths in session.execute(pkm):
        if k in rows:
            rows[k][f"pkm10_{mode}"] = tenths
    out = {k: _measures(m) for k, m in rows.items()}
    # the decision-time histogram of each group, in the rollups' classes
    days = _days(session)
    cls = case(*[(days < edge, i) for i, edge in enumerate(rollup.DAY_CLASSES)], else_=len(rollup.DAY_CLASSES))
    histogram = _base(select(key, cls.label("cls"), func.count()).select_from(P), principal, filters,
                      dimension).where(P.status.in_(FINAL), P.decided_at.is_not(None))
    histogram = histogram.group_by(key, cls) if group is not None else histogram.group_by(cls)
    counts: dict[Any, dict[int, int]] = defaultdict(dict)
    for k, c, n in session.execute(histogram):
        counts[k][int(c)] = int(n)
    for k, m in out.items():
        m["median_days_to_decision"] = _median(counts.get(k, {}))
    return out


def cells(principal: Principal, filters: Filters, dim: str) -> list:
    """The rollup rows of one kind for a year and a department (and a submitter's own department only)."""
    where = [R.dim == dim]
    if filters.year is not None:
        where += [R.period >= f"{filters.year:04d}", R.period < f"{filters.year + 1:04d}"]
    if filters.department is not None:
        where.append(R.department == filters.department)
    if principal.role == Role.submitter:
        where.append(R.department == principal.department)
    return where


_ROLLUP_GROUP = {"year": func.substr(R.period, 1, 4), "month": R.period, "department": R.department}


def _grouped_rollup(session: Session, principal: Principal, filters: Filters,
                    dimension: str | None) -> dict[Any, dict]:
    if dimension is None:
        key, dim = literal_column("0"), ""
    elif dimension in _ROLLUP_GROUP:
        key, dim = _ROLLUP_GROUP[dimension], ""
    else:
        key, dim = R.key, dimension
    key = key.label("grp")
    query = select(key, *_rollup_columns()).where(*cells(principal, filters, dim))
    if dimension is not None:
        query = query.group_by(key)
    out = {row["grp"]: _measures(row) for row in session.execute(query).mappings() if row["proposals"]}
    if not out:
        return {}
    counts: dict[Any, dict[int, int]] = defaultdict(dict)
    if dimension is None or dimension in _ROLLUP_GROUP:
        histogram = select(key, R.key, func.sum(R.proposals)).where(*cells(principal, filters, "days"))
        histogram = histogram.group_by(key, R.key) if dimension is not None else histogram.group_by(R.key)
        for k, cls, n in session.execute(histogram):
            counts[k][int(cls)] = counts[k].get(int(cls), 0) + int(n)
    else:
        histogram = select(R.key, func.sum(R.proposals)).where(
            *cells(principal, filters, f"days:{dimension}")).group_by(R.key)
        for both, n in session.execute(histogram):
            k, _, cls = both.rpartition("|")
            counts[k][int(cls)] = counts[k].get(int(cls), 0) + int(n)
    for k, m in out.items():
        m["median_days_to_decision"] = _median(counts.get(k, {}))
    if dimension == "focus_area":  # the rollups' key of "no focus area"
        out = {(None if k == rollup.NONE_KEY else k): m for k, m in out.items()}
    return out


def _grouped(session: Session, principal: Principal, filters: Filters, dimension: str | None,
             source: Source = "auto") -> dict[Any, dict]:
    """Every measure per key of the dimension (or, without one, over the whole selection)."""
    if _use_rollups(filters, source):
        return _grouped_rollup(session, principal, filters, dimension)
    return _grouped_scan(session, principal, filters, dimension)


_ZERO = {name: 0 for name in rollup.MEASURES} | {"as_of": None}


def _as_of(session: Session, principal: Principal, filters: Filters, source: Source) -> Any:
    if _use_rollups(filters, source):
        return session.execute(select(func.max(R.changed_at)).where(*cells(principal, filters, ""))).scalar()
    return session.execute(select(func.max(P.updated_at)).where(*conditions(principal, filters))).scalar()


def summary(session: Session, principal: Principal, filters: Filters, source: Source = "auto") -> dict[str, Any]:
    """Every measure of SPEC §8 for the filtered proposals, the policy versions seen and the time of the latest
    change among them (`as_of`)."""
    measures = next(iter(_grouped(session, principal, filters, None, source).values()), None)
    if measures is None:  # no proposal matches: every count 0, every share and the median null
        measures = _measures(_ZERO)
    as_of = measures.pop("_as_of")
    if _use_rollups(filters, source):
        versions = session.execute(select(R.key).where(*cells(principal, filters, "policy")).group_by(R.key)
                                   .having(func.sum(R.proposals) > 0).order_by(R.key)).scalars().all()
    else:
        versions = session.execute(select(P.policy_version).where(*conditions(principal, filters))
                                   .group_by(P.policy_version).order_by(P.policy_version)).scalars().all()
    return {"filters": filters.public(), **measures, "policy_versions": [v for v in versions if v],
            "as_of": iso(as_of) if as_of else None}


def _sort_key(dimension: str, key: Any) -> tuple:
    if key is None:
        return (1, "")
    return (0, int(key)) if dimension in NUMERIC_KEYS else (0, str(key))


def by_dimension(session: Session, principal: Principal, dimension: str, filters: Filters,
                 source: Source = "auto") -> dict[str, Any]:
    """One row per key of the dimension, each with every measure (the mode rows: per leg), sorted by key."""
    policy = policies.active(session)
    if dimension == "mode":
        rows = _by_mode(session, principal, filters, source)
    else:
        grouped = _grouped(session, principal, filters, dimension, source)
        rows = []
        for key, measures in grouped.items():
            measures.pop("_as_of")
            rows.append({"key": int(key) if dimension in NUMERIC_KEYS and key is not None else key, **measures})
    rows.sort(key=lambda r: _sort_key(dimension, r["key"]))
    names = departments.snapshot(session).names if dimension == "department" else None
    for row in rows:
        row["label_sv"], row["label_en"] = labels.label(dimension, row["key"], policy, names)
        if dimension == "goal":
            row["sdgs"] = _goal_sdgs(policy, row["key"])
    ordered = [{"key": r["key"], "label_sv": r["label_sv"], "label_en": r["label_en"],
                **{k: v for k, v in r.items() if k not in ("key", "label_sv", "label_en")}} for r in rows]
    as_of = _as_of(session, principal, filters, source)
    return {"dimension": dimension, "filters": filters.public(), "rows": ordered,
            "as_of": iso(as_of) if as_of else None}


def _goal_sdgs(policy: Policy, goal: int) -> list[int]:
    found = next((g for g in policy.goals if g.number == goal), None)
    return sorted(set(found.sdgs_official) | set(found.sdgs_proposed)) if found else []


def _by_mode(session: Session, principal: Principal, filters: Filters, source: Source) -> list[dict[str, Any]]:
    """Per leg of the current screenings (withdrawn excluded): legs, proposals, passenger-km and CO2e by mode."""
    if _use_rollups(filters, source):
        sums = select(R.key, *_rollup_columns()).where(*cells(principal, filters, "mode")).group_by(R.key)
        return [{"key": m["key"], "legs": int(m["legs"]), "proposals": int(m["proposals"]),
                 "passenger_km": km(m[f"pkm10_{m['key']}"]), "co2e_kg": kg(m["co2e_g"]),
                 "co2e_kg_without_rf": kg(m["co2e_g_without_rf"]), "co2e_kg_approved": kg(m["co2e_g_approved"])}
                for m in session.execute(sums).mappings() if m["proposals"]]
    L = ProposalLeg
    query = (select(L.mode, func.count(), func.count(func.distinct(P.id)), func.sum(func.round(L.passenger_km * 10)),
                    func.sum(_g(L.co2e_kg)), func.sum(_g(L.co2e_kg_without_rf)), _sum(_g(L.co2e_kg), P.status == "approved"))
             .select_from(P).join(L, L.proposal_id == P.id)
             .where(*conditions(principal, filters), _LIVE).group_by(L.mode))
    return [{"key": mode, "legs": int(legs), "proposals": int(proposals), "passenger_km": km(pkm),
             "co2e_kg": kg(co2e), "co2e_kg_without_rf": kg(without_rf), "co2e_kg_approved": kg(approved)}
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


def chart(table: dict[str, Any], measure: str, lang: str) -> str:
    """A by_dimension answer as an accessible SVG bar chart of one measure."""
    rows, dimension = table["rows"], table["dimension"]
    if rows and measure not in rows[0]:
        raise Unprocessable(f"the {dimension} rows have no measure {measure!r}",
                            errors=[{"field": "measure", "message": "not a measure of these rows",
                                     "type": "unavailable_measure"}])
    # a proposal counts once per partner, goal or SDG: those rows have no meaningful total
    return bar_chart(rows, measure, lang, chart_title(dimension, measure, lang), unit(measure),
                     total=dimension not in TAG_DIMENSIONS)


def chart_title(dimension: str, measure: str, lang: str) -> str:
    i = 0 if lang == "sv" else 1
    return f"{_MEASURE_NAMES[measure][i]} {_DIMENSION_NAMES[dimension][i]}"


def unit(measure: str) -> str:
    if measure.endswith("_kg"):
        return "kg CO2e"
    return "km" if measure == "passenger_km" else ""


def grouped_by_year(session: Session, principal: Principal, filters: Filters,
                    source: Source = "auto") -> dict[int, dict[str, Any]]:
    """Every measure per year (the climate report's trips turned digital and avoided kg)."""
    return {int(k): v for k, v in _grouped(session, principal, filters, "year", source).items()}
