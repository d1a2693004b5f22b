"""Aggregates for dashboards (SPEC §8): the summary, one row per key of a dimension, and the latest decisions."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response
from pydantic_core import to_json

from app.deps import AggregateFilters, IfNoneMatch, LanguageDep, PrincipalDep, SessionDep
from app.errors import NotAcceptable, responses
from app.models.stats import LatestDecisions, StatsByDimension, StatsSummary
from app.routing import JsonBodyRoute, conditional, negotiate
from app.services import stats
from app.services.export import csv_table

router = APIRouter(prefix="/v1/stats", tags=["stats"], route_class=JsonBodyRoute)

Dimension = StrEnum("Dimension", {d: d for d in stats.DIMENSIONS})
CSV = "text/csv"
SVG = "image/svg+xml"
JSON = "application/json"
CHART_MEASURES = ("proposals", "travellers", "co2e_kg", "co2e_kg_without_rf", "co2e_kg_approved",
                  "avoided_digital_kg", "avoided_mode_shift_kg", "potential_avoided_kg", "trips_decided",
                  "trips_turned_digital", "decided", "departures", "legs", "passenger_km")
ChartMeasure = StrEnum("ChartMeasure", {m: m for m in CHART_MEASURES})


def _json(body: Any, if_none_match: str | None) -> Response:
    return conditional(to_json(body), JSON, if_none_match, {"Vary": "Accept"})


@router.get("/summary", response_model=StatsSummary, responses=responses(401, 422, 503),
            summary="Every measure of SPEC §8 for the filtered proposals")
def read_stats_summary(session: SessionDep, principal: PrincipalDep, filters: AggregateFilters,
                       if_none_match: IfNoneMatch = None) -> Response:
    """Counts, CO2e estimated, approved and avoided, decisions and their pace; the policy versions seen and `as_of`,
    the latest change among the proposals counted. Submitter keys count their own department only."""
    return _json(stats.summary(session, principal, filters), if_none_match)


@router.get("/decisions", response_model=LatestDecisions, responses=responses(401, 422, 503),
            summary="The latest decisions")
def list_latest_decisions(session: SessionDep, principal: PrincipalDep, filters: AggregateFilters,
                          limit: Annotated[int, Query(ge=1, le=100)] = 10,
                          if_none_match: IfNoneMatch = None) -> Response:
    """The latest decisions (approved, rejected, returned) among the filtered proposals, newest first."""
    return _json(stats.latest_decisions(session, principal, filters, limit), if_none_match)


@router.get("/by/{dimension}", response_model=StatsByDimension,
            responses={**responses(401, 406, 422, 503),
                       200: {"description": "One row per key (JSON); the same table as CSV, or a bar chart of one "
                                            "measure as SVG, by Accept",
                             "content": {CSV: {"schema": {"type": "string"}}, SVG: {"schema": {"type": "string"}}}}},
            summary="The measures per year, month, department, kind, focus area, partner, goal, SDG, recommendation, "
                    "status or mode")
def read_stats_by_dimension(
    dimension: Annotated[Dimension, Path(description="what the rows are")],
    session: SessionDep, principal: PrincipalDep, filters: AggregateFilters, lang: LanguageDep,
    measure: Annotated[ChartMeasure | None, Query(description="the measure an SVG chart shows (default co2e_kg)")]
    = None,
    accept: Annotated[str | None, Header()] = None, if_none_match: IfNoneMatch = None,
) -> Response:
    """Rows sorted by key, each `{key, label_sv, label_en, …measures}`: a proposal with two partners counts in both
    partner rows; goal rows count motivated goals only and list their SDGs; mode rows are per leg (passenger-km and
    CO2e). `Accept: text/csv` gives the same table as CSV; `Accept: image/svg+xml` an accessible bar chart of
    `measure` with labels in the language of Accept-Language."""
    wanted = negotiate(accept, (JSON, CSV, SVG))
    if wanted is None:
        raise NotAcceptable(f"this table is sent as {JSON}, {CSV} or {SVG}, and Accept allows none: {accept[:200]}")
    body = stats.by_dimension(session, principal, dimension.value, filters)
    if wanted == CSV:
        return conditional(csv_table(body["rows"]).encode(), "text/csv; charset=utf-8", if_none_match,
                           {"Vary": "Accept", "Content-Disposition": f'attachment; filename="stats-{dimension.value}.csv"'})
    if wanted == SVG:
        svg = stats.chart(body, measure.value if measure else "co2e_kg", lang)
        return conditional(svg.encode(), "image/svg+xml; charset=utf-8", if_none_match,
                           {"Vary": "Accept, Accept-Language", "Content-Language": lang})
    return _json(body, if_none_match)
