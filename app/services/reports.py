"""Reports (SPEC §8): the annual activity plan (aktivitetsplan) of a department or of all, and the climate report per
year for the Covenant of Mayors' follow-up and the state's travel reporting. Totals come from the database (the
aggregates of app.services.stats); the activity plan lists its proposals in chunks."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from app.errors import Unprocessable
from app.models import PolicyRecord, ProposalLeg, ProposalRecord, StatsRollup
from app.models.base import iso
from app.screening.policy import parse_policy
from app.services import labels, policies, rollup, stats
from app.services.filters import Filters, conditions
from app.services.keys import Principal

P = ProposalRecord
CATEGORIES = ("flight_short", "flight_long", "train", "bus", "car", "ferry")
CATEGORY_LABELS = {
    "flight_short": ("Flyg under {km} km", "Flights under {km} km"),
    "flight_long": ("Flyg {km} km och längre", "Flights of {km} km and more"),
    "train": ("Tåg", "Train"), "bus": ("Buss", "Bus"), "car": ("Bil (inklusive taxi)", "Car (taxi included)"),
    "ferry": ("Färja", "Ferry"),
}


# -- the activity plan ---------------------------------------------------------------------------


def plan_filters(filters: Filters) -> Filters:
    """The activity plan is a year's: the current year unless one is asked for."""
    return filters if filters.year is not None else replace(filters, year=dt.date.today().year)


def _decision(r: Any) -> dict[str, Any] | None:
    if r.decided_at is None or r.status not in ("approved", "rejected", "returned"):
        return None
    return {"decision": r.decision, "reason": r.decision_reason, "decided_by": r.decided_by,
            "decided_at": iso(r.decided_at)}


def _plan_item(r: Any) -> dict[str, Any]:
    return {"id": r.id, "external_ref": r.external_ref, "title": r.title, "kind": r.kind, "department": r.department,
            "focus_area": r.focus_area, "start_date": r.start_date.isoformat() if r.start_date else None,
            "end_date": r.end_date.isoformat() if r.end_date else None,
            "partners": list(r.body.get("partners") or []),
            "goals": [int(g) for g in r.goals.split(",") if g], "status": r.status,
            "recommendation": r.recommendation, "score": r.score, "co2e_kg": r.co2e_kg, "decision": _decision(r)}


def plan_items(session: Session, principal: Principal, filters: Filters, chunk: int = 1000) -> Iterator[dict]:
    """The plan's proposals, by focus area in the policy's order, then start date and title, fetched in chunks."""
    order = {a.key: i for i, a in enumerate(policies.active(session).focus_areas)}
    area_rank = case(*[(P.focus_area == k, i) for k, i in order.items()], else_=len(order))
    query = (select(P.id, P.external_ref, P.title, P.kind, P.department, P.focus_area, P.start_date, P.end_date,
                    P.body, P.goals, P.status, P.recommendation, P.score, P.co2e_kg, P.decision, P.decision_reason,
                    P.decided_by, P.decided_at)
             .where(*conditions(principal, filters))
             .order_by(area_rank, P.start_date, P.title, P.id))
    result = session.execute(query.execution_options(yield_per=chunk))
    for r in result:
        yield _plan_item(r)


def plan_totals(session: Session, principal: Principal, filters: Filters) -> dict[str, Any]:
    """The plan's totals per focus area and per goal, and over all (from the aggregates)."""
    focus_areas = [{"key": r["key"], "label_sv": r["label_sv"], "label_en": r["label_en"], **_totals(r)}
                   for r in stats.by_dimension(session, principal, "focus_area", filters)["rows"]]
    goals = [{"goal": r["key"], "label_sv": r["label_sv"], "label_en": r["label_en"], "sdgs": r["sdgs"], **_totals(r)}
             for r in stats.by_dimension(session, principal, "goal", filters)["rows"]]
    return {"focus_areas": focus_areas, "goals": goals, "summary": stats.summary(session, principal, filters)}


def activity_plan(session: Session, principal: Principal, filters: Filters) -> dict[str, Any]:
    """Every proposal of the year grouped by focus area, with totals per focus area and per goal."""
    filters = plan_filters(filters)
    policy = policies.active(session)
    totals = plan_totals(session, principal, filters)
    by_area = {a["key"]: a for a in totals["focus_areas"]}
    groups: dict[Any, dict[str, Any]] = {}
    for item in plan_items(session, principal, filters):
        key = item["focus_area"]
        if key not in groups:
            sv, en = labels.label("focus_area", key, policy)
            area = by_area.get(key, {})
            groups[key] = {"key": key, "label_sv": sv, "label_en": en,
                           "totals": {k: area.get(k, 0) for k in _TOTAL_KEYS}, "proposals": []}
        groups[key]["proposals"].append(item)
    summary = totals["summary"]
    return {"year": filters.year, "department": filters.department, "filters": filters.public(),
            "focus_areas": list(groups.values()), "goals": totals["goals"], "totals": _totals(summary),
            "policy_versions": summary["policy_versions"], "as_of": summary["as_of"]}


_TOTAL_KEYS = ("proposals", "by_status", "travellers", "co2e_kg", "co2e_kg_without_rf", "co2e_kg_approved",
               "avoided_digital_kg", "avoided_mode_shift_kg", "potential_avoided_kg")


def _totals(measures: dict[str, Any]) -> dict[str, Any]:
    return {k: measures[k] for k in _TOTAL_KEYS}


_TOTALS_HEADERS = {
    "sv": ["Antal förslag", "Granskade", "Beviljade", "Avslagna", "Återremitterade", "Återkallade", "Resenärer",
           "CO2e (kg)", "CO2e utan höghöjdseffekt (kg)", "CO2e beviljade (kg)", "Undviket, digitala möten (kg)",
           "Undviket, byte av färdsätt (kg)", "Möjligt att undvika (kg)"],
    "en": ["Proposals", "Screened", "Approved", "Rejected", "Returned", "Withdrawn", "Travellers", "CO2e (kg)",
           "CO2e without radiative forcing (kg)", "CO2e approved (kg)", "Avoided, digital meetings (kg)",
           "Avoided, mode shift (kg)", "Potentially avoided (kg)"],
}


def totals_sheet(rows: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list[Any]]]:
    """Totals per focus area or per goal as a sheet: the label, then the measures."""
    first = ("Fokusområde / mål" if lang == "sv" else "Focus area / goal")
    label = "label_sv" if lang == "sv" else "label_en"
    body = [[r[label], r["proposals"], *(r["by_status"][s] for s in stats.STATUSES), r["travellers"], r["co2e_kg"],
             r["co2e_kg_without_rf"], r["co2e_kg_approved"], r["avoided_digital_kg"], r["avoided_mode_shift_kg"],
             r["potential_avoided_kg"]] for r in rows]
    return [first, *_TOTALS_HEADERS[lang]], body


PLAN_COLUMNS = ["focus_area", "title", "kind", "department", "start_date", "end_date", "partners", "goals", "status",
                "recommendation", "score", "co2e_kg", "decision", "decision_reason", "decided_by", "decided_at", "id",
                "external_ref"]
PLAN_HEADERS_SV = ["Fokusområde", "Titel", "Typ", "Förvaltning/bolag", "Startdatum", "Slutdatum", "Partner", "Mål",
                   "Status", "Rekommendation", "Poäng", "CO2e (kg)", "Beslut", "Motivering", "Beslutat av",
                   "Beslutat", "Id", "Egen referens"]
PLAN_HEADERS_EN = ["Focus area", "Title", "Kind", "Department", "Start date", "End date", "Partners", "Goals",
                   "Status", "Recommendation", "Score", "CO2e (kg)", "Decision", "Reason", "Decided by", "Decided at",
                   "Id", "Own reference"]


def plan_row(item: dict[str, Any], lang: str | None = None, policy: Any = None) -> list[Any]:
    """One proposal of the plan as a flat row (codes as stored; with a language, labels people read)."""
    decision = item["decision"] or {}
    values = {**item, "decision": decision.get("decision"), "decision_reason": decision.get("reason"),
              "decided_by": decision.get("decided_by"), "decided_at": decision.get("decided_at"),
              "partners": ";".join(item["partners"]), "goals": ";".join(str(g) for g in item["goals"])}
    if lang is not None:
        i = 0 if lang == "sv" else 1
        values["focus_area"] = labels.label("focus_area", item["focus_area"], policy)[i]
        values["kind"] = labels.KIND[item["kind"]][i]
        values["status"] = labels.STATUS[item["status"]][i]
        values["recommendation"] = labels.RECOMMENDATION[item["recommendation"]][i]
        if decision.get("decision"):
            values["decision"] = labels.STATUS[decision["decision"]][i]
    return [values[c] for c in PLAN_COLUMNS]


# -- the climate report --------------------------------------------------------------------------


_YEAR = func.substr(StatsRollup.period, 1, 4)


def _span(session: Session, principal: Principal, filters: Filters, rollups: bool) -> tuple[Any, Any]:
    """The first and last year with proposals."""
    if rollups:
        first, last = session.execute(select(func.min(_YEAR), func.max(_YEAR)).where(
            *stats.cells(principal, filters, ""), StatsRollup.proposals > 0)).one()
        return (int(first), int(last)) if first else (None, None)
    return session.execute(select(func.min(P.period_year), func.max(P.period_year))
                           .where(*conditions(principal, filters), P.period_year > 0)).one()


def _years(session: Session, principal: Principal, filters: Filters, from_year: int | None, to_year: int | None,
           baseline: int | None, rollups: bool) -> range:
    if filters.year is not None:  # ?year=: that year's report
        start = from_year if from_year is not None else filters.year
        end = to_year if to_year is not None else filters.year
    else:
        first, last = _span(session, principal, filters, rollups)
        known = [y for y in (baseline, first) if y is not None]
        start = from_year if from_year is not None else min(known) if known else dt.date.today().year
        end = to_year if to_year is not None else max(last or start, start)
    if end < start:
        raise Unprocessable(f"to_year ({end}) is before from_year ({start})",
                            errors=[{"field": "to_year", "message": "must be on or after from_year",
                                     "type": "year_range"}])
    if end - start > 100:
        raise Unprocessable("a climate report covers at most 101 years",
                            errors=[{"field": "to_year", "message": "at most 100 years after from_year",
                                     "type": "year_range"}])
    return range(start, end + 1)


def _in_years(years: range) -> list:
    return [StatsRollup.period >= f"{years.start:04d}", StatsRollup.period < f"{years.stop:04d}"]


def _approved_by_year(session: Session, principal: Principal, filters: Filters, years: range,
                      rollups: bool) -> dict[int, dict]:
    """Approved proposals that travel: how many, and their CO2e with and without RF, per year."""
    if rollups:
        R = StatsRollup
        query = (select(_YEAR, func.sum(R.trips_approved), func.sum(R.co2e_g_approved),
                        func.sum(R.co2e_g_without_rf_approved))
                 .where(*stats.cells(principal, filters, ""), *_in_years(years)).group_by(_YEAR))
    else:
        query = (select(P.period_year, func.count(), func.coalesce(func.sum(func.round(P.co2e_kg * 1000)), 0),
                        func.coalesce(func.sum(func.round(P.co2e_kg_without_rf * 1000)), 0))
                 .where(*conditions(principal, filters), P.status == "approved", P.co2e_kg.is_not(None),
                        P.period_year.between(years.start, years.stop - 1))
                 .group_by(P.period_year))
    return {int(y): {"trips": int(n), "co2e_kg": stats.kg(g), "co2e_kg_without_rf": stats.kg(g0)}
            for y, n, g, g0 in session.execute(query) if n}


def _category(key: str, split_km: float) -> str:
    """A rollup key of approved legs (a mode; a flight's distance class) as a category of the report."""
    if key.startswith("flight|"):
        return "flight_short" if int(key.removeprefix("flight|")) < split_km else "flight_long"
    return "car" if key in ("car", "taxi") else key


def _categories_by_year(session: Session, principal: Principal, filters: Filters, years: range,
                        split_km: float, rollups: bool) -> dict[int, dict]:
    """Approved legs per year and category: CO2e with and without RF, passenger-km (in tenths)."""
    sums: dict[tuple[int, str], list[int]] = {}
    if rollups:
        R = StatsRollup
        pkm = sum((R.__table__.c[f"pkm10_{m}"] for m in rollup.MODES[1:]), R.__table__.c["pkm10_flight"])
        query = (select(_YEAR, R.key, func.sum(R.co2e_g), func.sum(R.co2e_g_without_rf), func.sum(pkm))
                 .where(*stats.cells(principal, filters, "approved_leg"), *_in_years(years))
                 .group_by(_YEAR, R.key))
        rows = ((int(y), _category(k, split_km), g, g0, p) for y, k, g, g0, p in session.execute(query))
    else:
        L = ProposalLeg
        category = case((and_(L.mode == "flight", L.great_circle_km < split_km), "flight_short"),
                        (L.mode == "flight", "flight_long"), (L.mode.in_(("car", "taxi")), "car"), else_=L.mode)
        query = (select(P.period_year, category.label("category"), func.sum(func.round(L.co2e_kg * 1000)),
                        func.sum(func.round(L.co2e_kg_without_rf * 1000)), func.sum(func.round(L.passenger_km * 10)))
                 .select_from(P).join(L, L.proposal_id == P.id)
                 .where(*conditions(principal, filters), P.status == "approved",
                        P.period_year.between(years.start, years.stop - 1))
                 .group_by(P.period_year, category))
        rows = session.execute(query)
    for year, cat, g, g0, pkm10 in rows:
        total = sums.setdefault((int(year), cat), [0, 0, 0])
        total[0] += int(g or 0)
        total[1] += int(g0 or 0)
        total[2] += int(pkm10 or 0)
    out: dict[int, dict] = {}
    for (year, cat), (g, g0, pkm10) in sums.items():
        out.setdefault(year, {})[cat] = {"co2e_kg": stats.kg(g), "co2e_kg_without_rf": stats.kg(g0),
                                         "passenger_km": stats.km(pkm10), "_pkm10": pkm10}
    return out


def _versions_by_year(session: Session, principal: Principal, filters: Filters, years: range,
                      rollups: bool) -> dict[int, list]:
    """The policy versions of the approved proposals' screenings, per year."""
    if rollups:
        R = StatsRollup
        query = (select(_YEAR, R.key).where(*stats.cells(principal, filters, "policy"), *_in_years(years))
                 .group_by(_YEAR, R.key).having(func.sum(R.st_approved) > 0))
    else:
        query = (select(P.period_year, P.policy_version)
                 .where(*conditions(principal, filters), P.status == "approved",
                        P.period_year.between(years.start, years.stop - 1))
                 .group_by(P.period_year, P.policy_version))
    out: dict[int, list] = {}
    for year, version in session.execute(query):
        if version:
            out.setdefault(int(year), []).append(version)
    return {y: sorted(v) for y, v in out.items()}


def _factor_set(session: Session, version: str) -> dict[str, Any]:
    record = session.get(PolicyRecord, version)
    if record is None:
        return {"policy_version": version, "factors": []}
    policy = parse_policy(record.body, f"stored policy {version}")
    return {"policy_version": version, "factors": [
        {"mode": f.mode, "variant": f.variant, "value": f.per_unit, "value_without_rf": f.per_unit_without_rf,
         "unit": f.unit, "source": f.source, "year": f.year} for f in policy.factors]}


def path_kg(baseline_kg: float | None, baseline_year: int, target_year: int, year: int) -> float | None:
    """The straight line from the baseline year's figure to zero in the target year (None before the baseline)."""
    if baseline_kg is None or year < baseline_year:
        return None
    if year >= target_year:
        return 0.0
    return baseline_kg * (target_year - year) / (target_year - baseline_year)


def climate(session: Session, principal: Principal, filters: Filters, from_year: int | None,
            to_year: int | None, source: stats.Source = "auto") -> dict[str, Any]:
    """Approved travel per year by category, trips turned digital, avoided kg, and the path to the target year.
    From the rollups where the filters allow and the flight split falls on a distance class; else by a scan."""
    policy = policies.active(session)
    reporting = policy.reporting
    baseline_year = reporting.baseline_year if reporting else None
    split = reporting.flight_split_km if reporting else policy.travel.mode_shift_max_km
    rollups = source == "rollup" or (source == "auto" and stats.rollups_answer(filters)
                                     and split % rollup.FLIGHT_CLASS_KM == 0)
    source = "rollup" if rollups else "scan"
    years = _years(session, principal, filters, from_year, to_year, baseline_year, rollups)
    approved = _approved_by_year(session, principal, filters, years, rollups)
    categories = _categories_by_year(session, principal, filters, years, split, rollups)
    versions = _versions_by_year(session, principal, filters, years, rollups)
    measures = stats.grouped_by_year(session, principal, filters, source)
    baseline_kg = None
    if reporting is not None:
        # the baseline is the baseline year's figure whatever years or ?year= the report covers
        base = _approved_by_year(session, principal, replace(filters, year=None),
                                 range(baseline_year, baseline_year + 1), rollups).get(baseline_year)
        baseline_kg = base["co2e_kg"] if base else None
    rows = []
    for year in years:
        a = approved.get(year, {"trips": 0, "co2e_kg": 0.0, "co2e_kg_without_rf": 0.0})
        m = measures.get(year)
        kg = a["co2e_kg"]
        path = path_kg(baseline_kg, baseline_year, reporting.target_year, year) if reporting else None
        cats = categories.get(year, {})
        rows.append({
            "year": year,
            "co2e_kg": kg, "co2e_kg_without_rf": a["co2e_kg_without_rf"],
            "passenger_km": stats.km(sum(c.pop("_pkm10") for c in cats.values())),
            "categories": {c: cats.get(c, {"co2e_kg": 0.0, "co2e_kg_without_rf": 0.0, "passenger_km": 0.0})
                           for c in CATEGORIES},
            "trips": a["trips"],
            "trips_turned_digital": m["trips_turned_digital"] if m else 0,
            "avoided_digital_kg": m["avoided_digital_kg"] if m else 0.0,
            "avoided_mode_shift_kg": m["avoided_mode_shift_kg"] if m else 0.0,
            "avoided_kg": round(m["avoided_digital_kg"] + m["avoided_mode_shift_kg"], 1) if m else 0.0,
            "change_from_baseline_kg": round(kg - baseline_kg, 1) if baseline_kg is not None else None,
            "change_from_baseline": (kg - baseline_kg) / baseline_kg if baseline_kg else None,
            "path_co2e_kg": round(path, 1) if path is not None else None,
            "above_path": (kg > path) if path is not None else None,
            "policy_versions": versions.get(year, []),
        })
    seen = sorted({v for r in rows for v in r["policy_versions"]})
    split_text = f"{split:g}"
    return {
        "filters": {**filters.public(), "from_year": years.start, "to_year": years.stop - 1},
        "baseline_year": baseline_year, "baseline_co2e_kg": baseline_kg,
        "target_year": reporting.target_year if reporting else None, "flight_split_km": split,
        "sources": {"baseline_year": reporting.baseline_year_source, "target_year": reporting.target_year_source,
                    "flight_split_km": reporting.flight_split_source} if reporting else None,
        "categories": [{"key": c, "label_sv": CATEGORY_LABELS[c][0].format(km=split_text),
                        "label_en": CATEGORY_LABELS[c][1].format(km=split_text)} for c in CATEGORIES],
        "years": rows,
        "policy_versions": seen,
        "factor_sets": [_factor_set(session, v) for v in seen],
        "note_sv": None if baseline_kg is not None or reporting is None else
        f"Basåret {baseline_year} har inga beviljade resor i tjänsten: förändring och bana mot {reporting.target_year} "
        "kan inte beräknas.",
        "note_en": None if baseline_kg is not None or reporting is None else
        f"The baseline year {baseline_year} has no approved travel: the change and the path to "
        f"{reporting.target_year} cannot be computed.",
    }


CLIMATE_COLUMNS = ["year", "co2e_kg", "co2e_kg_without_rf", "passenger_km",
                   *[f"{c}.{m}" for c in CATEGORIES for m in ("co2e_kg", "co2e_kg_without_rf", "passenger_km")],
                   "trips", "trips_turned_digital", "avoided_digital_kg", "avoided_mode_shift_kg", "avoided_kg",
                   "change_from_baseline_kg", "change_from_baseline", "path_co2e_kg", "above_path", "policy_versions"]


def climate_row(row: dict[str, Any]) -> list[Any]:
    flat = {**row, **{f"{c}.{m}": v for c, ms in row["categories"].items() for m, v in ms.items()},
            "policy_versions": ";".join(row["policy_versions"])}
    return [flat[c] for c in CLIMATE_COLUMNS]


def validator(session: Session, principal: Principal, filters: Filters, *parts: object) -> str:
    """An ETag for a streamed export, from what it is computed from: how many proposals match and their latest
    change (updated_at moves with every change of a proposal), the active policy and the variant asked for."""
    count, latest = session.execute(select(func.count(), func.max(P.updated_at))
                                    .where(*conditions(principal, filters))).one()
    policy = policies.active(session)
    raw = repr((count, iso(latest) if latest else None, policy.content_hash, principal.department, filters, parts))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:24] + '"'


_CLIMATE_HEADERS = {
    "sv": ["År", "CO2e (kg)", "CO2e utan höghöjdseffekt (kg)", "Personkilometer"],
    "en": ["Year", "CO2e (kg)", "CO2e without radiative forcing (kg)", "Passenger-km"],
}
_CLIMATE_TAIL = {
    "sv": ["Resor", "Resor som blev digitala möten", "Undviket, digitala möten (kg)", "Undviket, byte av färdsätt (kg)",
           "Undviket totalt (kg)", "Förändring mot basåret (kg)", "Förändring mot basåret (andel)",
           "Bana mot målåret (kg)", "Över banan", "Policyversioner"],
    "en": ["Trips", "Trips turned digital", "Avoided, digital meetings (kg)", "Avoided, mode shift (kg)",
           "Avoided in all (kg)", "Change against the baseline year (kg)", "Change against the baseline year (share)",
           "Path to the target year (kg)", "Above the path", "Policy versions"],
}


def climate_sheets(report: dict[str, Any], lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The climate report as a workbook: one row per year, and the factor sets used with their sources."""
    sv = lang == "sv"
    label = "label_sv" if sv else "label_en"
    measures = ["CO2e (kg)", "CO2e utan höghöjdseffekt (kg)" if sv else "CO2e without RF (kg)",
                "personkilometer" if sv else "passenger-km"]
    header = [*_CLIMATE_HEADERS[lang],
              *[f"{c[label]}: {m}" for c in report["categories"] for m in measures], *_CLIMATE_TAIL[lang]]
    factors = [[fs["policy_version"], f["mode"], f["variant"], f["value"], f["value_without_rf"], f["unit"],
                f["source"], f["year"]] for fs in report["factor_sets"] for f in fs["factors"]]
    factor_header = (["Policyversion", "Färdsätt", "Variant", "Faktor (kg CO2e per enhet)", "Utan höghöjdseffekt",
                      "Enhet", "Källa", "År"] if sv else
                     ["Policy version", "Mode", "Variant", "Factor (kg CO2e per unit)", "Without RF", "Unit",
                      "Source", "Year"])
    return [("Klimat per år" if sv else "Climate by year", header, [climate_row(r) for r in report["years"]]),
            ("Emissionsfaktorer" if sv else "Emission factors", factor_header, factors)]
