"""Departments (SPEC §13): the förvaltningar and bolag that submit, as reference data. Any key reads them; an admin
adds, renames, retires and takes them back into use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic_core import to_json

from app.deps import (
    Admin,
    EngineDep,
    IdempotencyKey,
    PrincipalDep,
    RequestIdDep,
    SessionDep,
    SettingsDep,
)
from app.errors import responses
from app.models.department import SLUG_PATTERN, DepartmentCreate, DepartmentPublic, DepartmentUpdate
from app.routing import JsonBodyRoute
from app.services import departments, idempotency
from app.services.idempotency import Outcome

router = APIRouter(prefix="/v1/departments", tags=["departments"], route_class=JsonBodyRoute)

SlugPath = Annotated[str, Path(description="the department's slug", max_length=64, pattern=SLUG_PATTERN)]


def _json(body: object) -> Response:
    return Response(to_json(body), media_type="application/json")


@router.get("", response_model=list[DepartmentPublic], responses=responses(401, 422, 503),
            summary="Every department: förvaltningar and bolag, active and retired")
def list_departments(
    session: SessionDep, principal: PrincipalDep,
    active: Annotated[bool | None, Query(description="true: the active ones only; false: the retired ones only")]
    = None,
) -> Response:
    """Slug, Swedish name, kind (`förvaltning` or `bolag`) and whether it is active, by slug. Proposals, submitter
    keys and the filters of the lists, stats and reports name an active department by its slug; a retired one keeps
    its history and takes no new proposals."""
    return _json(departments.list_departments(session, active))


@router.get("/{slug}", response_model=DepartmentPublic, responses=responses(401, 404, 422, 503),
            summary="One department")
def read_department(slug: SlugPath, session: SessionDep, principal: PrincipalDep) -> Response:
    """A department's Swedish name, kind and state."""
    return _json(departments.get(session, slug))


CREATE_EXAMPLES = {"bolag": {"summary": "Ett kommunalt bolag", "value": {
    "slug": "lulea-industripark", "name_sv": "Luleå Industripark AB", "kind": "bolag"}}}
UPDATE_EXAMPLES = {
    "byt-namn": {"summary": "Byt namn", "value": {"name_sv": "Kommunstyrelsens förvaltning"}},
    "avveckla": {"summary": "Avveckla: inga nya förslag", "value": {"active": False}},
    "ateruppta": {"summary": "Ta i bruk igen", "value": {"active": True}},
}


@router.post("", status_code=201, response_model=DepartmentPublic,
             responses={**responses(400, 401, 403, 409, 413, 422, 503),
                        201: {"description": "Created", "headers": {
                            "Location": {"schema": {"type": "string"}, "description": "the new department"}}}},
             summary="Add a department (admin)")
def create_department(
    body: Annotated[DepartmentCreate, Body(openapi_examples=CREATE_EXAMPLES)],
    session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep, request_id: RequestIdDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new förvaltning or bolag; 409 when the slug is taken (by an active or a retired department). Recorded in
    the audit trail."""

    def work(s: SessionDep) -> Outcome:
        created = departments.create(s, principal, body, request_id)
        return Outcome(201, created, {"Location": f"/v1/departments/{created['slug']}"})

    fp = lambda: idempotency.fingerprint("POST", "/v1/departments", body.model_dump_json().encode())  # noqa: E731
    response = idempotency.run(session, engine, principal, idempotency_key, fp, work, settings)
    departments.forget(engine)  # with an Idempotency-Key the work's commit came only now
    return response


@router.patch("/{slug}", response_model=DepartmentPublic,
              responses=responses(400, 401, 403, 404, 413, 422, 503),
              summary="Rename, retire or take back into use a department (admin)")
def update_department(
    slug: SlugPath,
    patch: Annotated[DepartmentUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
    session: SessionDep, principal: Admin, request_id: RequestIdDep,
) -> Response:
    """`name_sv` renames it, `kind` corrects its kind, `active: false` retires it (its proposals, keys and history
    stay; it takes no new proposals, and filters no longer name it), `active: true` takes it back into use. Recorded
    in the audit trail with what changed; a field given with its current value changes nothing."""
    return _json(departments.update(session, principal, slug, patch, request_id))
