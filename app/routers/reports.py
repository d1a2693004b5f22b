"""Reports for the steering group and the state's and the Covenant of Mayors' follow-up (SPEC §8): the annual
activity plan and the climate report, as JSON, CSV or XLSX by Accept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse
from pydantic_core import to_json
from sqlmodel import Session

from app.deps import AggregateFilters, IfNoneMatch, LanguageDep, PrincipalDep, SessionDep
from app.errors import NotAcceptable, responses
from app.models.reports import ActivityPlan, ClimateReport
from app.routing import JsonBodyRoute, conditional, entity_tag, negotiate, not_modified
from app.services import policies, reports
from app.services.export import XLSX, csv_lines, xlsx_stream
from app.services.filters import Filters
from app.services.keys import Principal

router = APIRouter(prefix="/v1/reports", tags=["reports"], route_class=JsonBodyRoute)

JSON, CSV = "application/json", "text/csv"
OFFERED = (JSON, CSV, XLSX)
FILES = {200: {"description": "The report as JSON, or as CSV or XLSX by Accept",
               "content": {CSV: {"schema": {"type": "string"}},
                           XLSX: {"schema": {"type": "string", "format": "binary"}}}}}


def _wanted(accept: str | None) -> str:
    wanted = negotiate(accept, OFFERED)
    if wanted is None:
        raise NotAcceptable(f"this report is sent as {', '.join(OFFERED)}, and Accept allows none: {accept[:200]}")
    return wanted


def _stream(chunks: Iterator[bytes | str], media_type: str, filename: str, tag: str) -> StreamingResponse:
    return StreamingResponse(chunks, media_type=media_type, headers={
        "ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Accept, Accept-Language",
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _export(session: Session, principal: Principal, filters: Filters, wanted: str, lang: str, name: str,
            if_none_match: str | None, csv_part, xlsx_part) -> Response:  # noqa: ANN001
    tag = reports.validator(session, principal, filters, name, wanted, lang)
    if not_modified(tag, if_none_match):
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "private, no-cache"})
    if wanted == CSV:
        return _stream(csv_part(), "text/csv; charset=utf-8", f"{name}.csv", tag)
    return _stream(xlsx_stream(xlsx_part()), XLSX, f"{name}.xlsx", tag)


@router.get("/activity-plan", response_model=ActivityPlan, responses={**responses(401, 406, 422, 503), **FILES},
            summary="The annual activity plan (aktivitetsplan) of a department, or of all")
def read_activity_plan(session: SessionDep, principal: PrincipalDep, filters: AggregateFilters, lang: LanguageDep,
                       accept: Annotated[str | None, Header()] = None, if_none_match: IfNoneMatch = None) -> Response:
    """Every proposal of the year (the current year unless `year` is given) grouped by focus area: title, kind, dates,
    partners, goals, status, recommendation, CO2e and decision, with totals per focus area and per goal. CSV is one
    row per proposal (codes as stored); XLSX has the proposals, the totals per focus area and per goal, with labels
    in the language of Accept-Language."""
    wanted = _wanted(accept)
    filters = reports.plan_filters(filters)
    if wanted == JSON:
        return conditional(to_json(reports.activity_plan(session, principal, filters)), JSON, if_none_match,
                           {"Vary": "Accept, Accept-Language"})
    name = f"aktivitetsplan-{filters.year}" + (f"-{filters.department}" if filters.department else "")

    def csv_part() -> Iterator[str]:
        items = reports.plan_items(session, principal, filters)
        return csv_lines(reports.PLAN_COLUMNS, (reports.plan_row(i) for i in items))

    def xlsx_part():  # noqa: ANN202
        policy = policies.active(session)
        plan = reports.plan_totals(session, principal, filters)
        sv = lang == "sv"
        items = reports.plan_items(session, principal, filters)
        return [
            ("Aktivitetsplan" if sv else "Activity plan", reports.PLAN_HEADERS_SV if sv else reports.PLAN_HEADERS_EN,
             (reports.plan_row(i, lang, policy) for i in items)),
            ("Fokusområden" if sv else "Focus areas", *reports.totals_sheet(plan["focus_areas"], lang)),
            ("Mål" if sv else "Goals", *reports.totals_sheet(plan["goals"], lang)),
        ]

    return _export(session, principal, filters, wanted, lang, name, if_none_match, csv_part, xlsx_part)


@router.get("/climate", response_model=ClimateReport, responses={**responses(401, 406, 422, 503), **FILES},
            summary="Approved travel's CO2e per year against the baseline and the path to the target year")
def read_climate_report(
    session: SessionDep, principal: PrincipalDep, filters: AggregateFilters, lang: LanguageDep,
    from_year: Annotated[int | None, Query(ge=1900, le=2200, description="first year (default: the policy's baseline "
                                                                        "year, or the first year with proposals)")]
    = None,
    to_year: Annotated[int | None, Query(ge=1900, le=2200, description="last year (default: the last with "
                                                                      "proposals)")] = None,
    accept: Annotated[str | None, Header()] = None, if_none_match: IfNoneMatch = None,
) -> Response:
    """Per year, for the Covenant of Mayors' biennial follow-up and the state's travel reporting: approved travel's
    CO2e with and without radiative forcing and passenger-km by category (flights under and over the policy's split,
    train, bus, car incl. taxi, ferry); trips; trips turned digital; avoided kg; the change against the policy's
    baseline year and the straight path from it to zero in the target year, and whether the year lies above it; the
    factor sets and policy versions used."""
    wanted = _wanted(accept)
    report = reports.climate(session, principal, filters, from_year, to_year)
    if wanted == JSON:
        return conditional(to_json(report), JSON, if_none_match, {"Vary": "Accept"})
    body = to_json(report)
    tag = entity_tag(body + repr((wanted, lang)).encode())
    if not_modified(tag, if_none_match):
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "private, no-cache"})
    name = f"klimatrapport-{report['filters']['from_year']}-{report['filters']['to_year']}"
    if wanted == CSV:
        return _stream(csv_lines(reports.CLIMATE_COLUMNS, (reports.climate_row(r) for r in report["years"])),
                       "text/csv; charset=utf-8", f"{name}.csv", tag)
    return _stream(xlsx_stream(reports.climate_sheets(report, lang)), XLSX, f"{name}.xlsx", tag)
