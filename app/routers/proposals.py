"""Proposals: create (one or a batch), list and export, read, amend, and their screening history."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic_core import to_json
from starlette.background import BackgroundTask

from app.deps import (
    EngineDep,
    IdempotencyKey,
    LanguageDep,
    Reader,
    RequestIdDep,
    SessionDep,
    SettingsDep,
    Submitter,
)
from app.errors import (
    NotAcceptable,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    responses,
)
from app.models.base import as_utc
from app.models.proposal import (
    BatchResult,
    ProposalPage,
    ProposalPublic,
    ProposalUpdate,
    Status,
    StoredScreening,
)
from app.routers.openapi_examples import PATCH_EXAMPLES, first_proposal, proposal_examples
from app.routing import JsonBodyRoute, check_json, is_json_media_type, negotiate
from app.screening import Proposal
from app.screening.fieldnames import suggest, unknown_field_message
from app.screening.policy import FocusArea
from app.screening.proposal import NO_NUL, IsoDate, Kind
from app.screening.result import Recommendation
from app.services import departments, idempotency, proposals
from app.services.export import XLSX, xlsx_stream

router = APIRouter(prefix="/v1/proposals", tags=["proposals"], route_class=JsonBodyRoute)

ProposalId = Annotated[str, Path(description="the proposal's id", max_length=36)]
MAX_LIMIT = 200


@router.post("", status_code=201, response_model=ProposalPublic,
             responses={**responses(400, 401, 403, 409, 413, 422, 503),
                        201: {"description": "Stored and screened", "headers": {
                            "Location": {"schema": {"type": "string"}, "description": "the new proposal"},
                            "ETag": {"schema": {"type": "string"}, "description": "for If-Match"}}}},
             summary="Store and screen a proposal")
def create_proposal(
    proposal: Annotated[Proposal, Body(openapi_examples=proposal_examples())],
    session: SessionDep, engine: EngineDep, principal: Submitter, settings: SettingsDep, lang: LanguageDep,
    request_id: RequestIdDep, idempotency_key: IdempotencyKey = None,
) -> Response:
    """Screen a proposal under the active policy and store both; submitter keys, for their own department."""
    fp = lambda: idempotency.fingerprint("POST", "/v1/proposals", proposal.model_dump_json(by_alias=True).encode())  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp,
                           lambda s: proposals.create(s, principal, proposal, lang, request_id), settings)


async def _raw_body(request: Request) -> bytes:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not is_json_media_type(content_type):
        raise UnsupportedMediaType(f"send application/json, not {content_type}")
    return await request.body()


BATCH_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {
            "schema": {"type": "object", "additionalProperties": False, "required": ["proposals"],
                       "properties": {"proposals": {
                           "type": "array", "minItems": 1,
                           "description": "each item a Proposal (see POST /v1/proposals); an item that is not one, "
                                          "a JSON object or not, is refused on its own (results[i].status 422) "
                                          "and the others are stored",
                           "items": {}}}},
            "examples": {"aktivitetsplan": {"summary": "Två förslag ur en aktivitetsplan",
                                           "value": {"proposals": [first_proposal()]}}},
        }},
    }
}


@router.post("/batch", response_model=BatchResult, openapi_extra=BATCH_SCHEMA,
             responses=responses(400, 401, 403, 409, 413, 415, 422, 503),
             summary="Store and screen many proposals (an annual activity plan)")
def create_proposal_batch(
    raw: Annotated[bytes, Depends(_raw_body)],
    session: SessionDep, engine: EngineDep, principal: Submitter, settings: SettingsDep, lang: LanguageDep,
    request_id: RequestIdDep, idempotency_key: IdempotencyKey = None,
) -> Response:
    """Each item is validated, screened and stored on its own: a bad item does not sink the good ones.
    The answer lists every item's result (201 with its id, or the problem). At most `VAGVAL_BATCH_MAX_ITEMS`
    proposals (default 10,000) and `VAGVAL_BATCH_MAX_BYTES` (default 32 MiB) per call."""
    data = check_json(raw)
    if not isinstance(data, dict):
        raise Unprocessable("the body is {\"proposals\": [ ... ]} with at least one proposal",
                            errors=[{"field": "(body)", "message": "a JSON object is required", "type": "batch"}])
    unknown = sorted(set(data) - {"proposals"})
    if unknown:
        meant = [] if "proposals" in data else ["proposals"]  # {"Proposals": [...]} misspelt it: both are told
        errors = [{"field": "proposals", "message": "Field required", "type": "missing"} for _ in meant]
        for name in unknown:
            suggestion = suggest(name, meant)
            errors.append({"field": name, "message": unknown_field_message(name, suggestion), "type": "extra_forbidden",
                           **({"suggestions": [suggestion]} if suggestion else {})})
        raise Unprocessable(f"unknown field {unknown[0]!r}: the body is {{\"proposals\": [ ... ]}}", errors=errors)
    if not isinstance(data.get("proposals"), list) or not data["proposals"]:
        raise Unprocessable("the body is {\"proposals\": [ ... ]} with at least one proposal",
                            errors=[{"field": "proposals", "message": "a non-empty list is required", "type": "batch"}])
    items: list[Any] = data["proposals"]  # each checked on its own, a non-object too (results[i] 422)
    if len(items) > settings.batch_max_items:
        raise PayloadTooLarge(f"at most {settings.batch_max_items} proposals per batch; this one has {len(items)}")
    fp = functools.cache(lambda: idempotency.raw_fingerprint("POST", "/v1/proposals/batch", raw))
    ledger = idempotency.BatchLedger(principal.client_id, idempotency_key, fp()) if idempotency_key else None
    response = idempotency.run(session, engine, principal, idempotency_key, fp,
                               lambda s: proposals.create_batch(s, principal, items, lang, request_id, ledger),
                               settings, lease=ledger)
    if len(items) > proposals.BATCH_CHUNK:  # once the answer is sent, what the batch held goes back to the system
        response.background = BackgroundTask(proposals.release_memory)
    return response


@router.get("", response_model=ProposalPage,
            responses={**responses(401, 403, 406, 422, 503),
                       200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                         XLSX: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "A page of proposals (JSON), or every match as CSV or XLSX when Accept "
                                            "prefers text/csv or the XLSX type"}},
            summary="List proposals (filters, cursor pagination, CSV)")
def list_proposals(
    session: SessionDep, principal: Reader,
    kind: Kind | None = None,
    department: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    status: Status | None = None,
    recommendation: Recommendation | None = None,
    focus_area: FocusArea | None = None,
    start_from: Annotated[IsoDate | None, Query(description="start_date on or after (YYYY-MM-DD)")] = None,
    start_to: Annotated[IsoDate | None, Query(description="start_date on or before (YYYY-MM-DD)")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="of start_date; a proposal without dates counts "
                                                                   "in the year it was created (as in the stats)")]
    = None,
    q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL,
                                   description="text in the title or external_ref, without regard to case or accents "
                                               "(uleaborg finds Uleåborg)")] = None,
    updated_since: Annotated[dt.datetime | None, Query(
        description="changed at or after this instant (RFC 3339, e.g. 2027-03-10T08:00:00Z; without an offset it is "
                    "UTC): what a system that keeps its own copy needs to fetch again")] = None,
    external_ref: Annotated[str | None, Query(max_length=200, pattern=NO_NUL,
                                              description="exactly this external reference (the submitting system's "
                                                          "own id; unique per client)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, pattern=NO_NUL, description="next_cursor of the previous page")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Newest first. Submitters see their own department only. An Accept header that prefers `text/csv` (q-values
    count; JSON on a tie; 406 when it allows neither) streams every match as CSV (after `cursor`, when given; `limit`
    does not apply), and cells that a spreadsheet would run as a formula are prefixed with an apostrophe. A cursor
    continues only the listing it came from: the same filters must be sent with it."""
    filters = proposals.Filters(kind=kind, department=department, status=status, recommendation=recommendation,
                                focus_area=focus_area, start_from=start_from, start_to=start_to, q=q, year=year,
                                updated_since=as_utc(updated_since) if updated_since else None,
                                external_ref=external_ref)
    if department is not None:  # an unknown or retired department is refused with close matches (SPEC §13)
        departments.check(session, department)
    wanted = negotiate(accept, ("application/json", "text/csv", XLSX))
    if wanted is None:
        raise NotAcceptable(f"this list is sent as application/json or text/csv (or {XLSX}), and Accept allows "
                            f"none: {accept[:200]}")
    if wanted == XLSX:
        items = proposals.export_items(session, principal, filters, after=cursor)  # refused before anything is sent
        sheets = [("Proposals", proposals.CSV_COLUMNS, (proposals.export_row(i) for i in items))]
        return StreamingResponse(xlsx_stream(sheets), media_type=XLSX,
                                 headers={"Content-Disposition": 'attachment; filename="proposals.xlsx"'})
    if wanted == "text/csv":
        rows = proposals.csv_rows(session, principal, filters, after=cursor)
        first = next(rows)  # authorisation and filter errors surface before the stream starts
        return StreamingResponse(_chain(first, rows), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="proposals.csv"'})
    body = proposals.page(session, principal, filters, limit, cursor)
    return Response(to_json(body), media_type="application/json")


def _chain(first: str, rest):  # noqa: ANN001, ANN202
    yield first
    yield from rest


@router.get("/{proposal_id}", response_model=ProposalPublic, responses=responses(401, 403, 404, 503),
            summary="Read a proposal, its current screening and status")
def read_proposal(proposal_id: ProposalId, session: SessionDep, principal: Reader, lang: LanguageDep) -> Response:
    """The proposal as stored, its status and current screening; an ETag for If-Match."""
    return proposals.get(session, principal, proposal_id, lang).response()


@router.patch("/{proposal_id}", response_model=ProposalPublic,
              responses=responses(400, 401, 403, 404, 409, 412, 413, 422, 503),
              summary="Amend a proposal; it is re-screened and the history kept")
def update_proposal(
    proposal_id: ProposalId,
    patch: Annotated[ProposalUpdate, Body(openapi_examples=PATCH_EXAMPLES)],
    session: SessionDep, principal: Submitter, lang: LanguageDep, request_id: RequestIdDep,
    if_match: Annotated[str | None, Header(description="the ETag as last read; honoured when given")] = None,
) -> Response:
    """Top-level fields of the proposal body: each one given replaces the stored one whole (a `travel` given is the
    whole new travel plan, not a change inside it); null removes an optional one. Only while the proposal is screened
    or returned. It is re-screened under the active policy; earlier screenings stay."""
    return proposals.amend(session, principal, proposal_id, patch, lang, request_id, if_match).response()


@router.get("/{proposal_id}/screenings", response_model=list[StoredScreening], responses=responses(401, 403, 404, 503),
            summary="Every screening of a proposal, oldest first")
def list_proposal_screenings(proposal_id: ProposalId, session: SessionDep, principal: Reader) -> Response:
    """Every screening of the proposal, oldest first, each with its policy version and validated input."""
    return Response(to_json(proposals.history(session, principal, proposal_id)), media_type="application/json")
