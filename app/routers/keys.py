"""API keys (admin): create, list, revoke, rotate. A key is shown once, when it is made."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

from app.deps import Admin, EngineDep, IdempotencyKey, RequestIdDep, SessionDep, SettingsDep
from app.errors import responses
from app.models import Role
from app.routing import JsonBodyRoute
from app.screening.proposal import VISIBLE
from app.services import idempotency, keys
from app.services.idempotency import Outcome

router = APIRouter(prefix="/v1/keys", tags=["keys"], route_class=JsonBodyRoute)

KeyId = Annotated[str, Path(description="the key's id", max_length=36)]
SHOWN_ONCE = "shown only once, when the key was made; rotate to get a new one"


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=VISIBLE,
                               description="the client: a named system or person")]
    role: Role = Field(description="submitter, officer, viewer or admin")
    department: Annotated[str | None, Field(max_length=64, pattern=VISIBLE,
                                            description="required for submitters, else absent: the slug of an active "
                                                        "department (GET /v1/departments)")] = None


class KeyPublic(BaseModel):
    id: str = Field(description="the key's id (a UUID)")
    prefix: str = Field(description="the key's first characters (vgv_…), to recognise it; the key itself is never "
                                    "shown again")
    client: str = Field(description="the client's name: the system or person the key belongs to")
    client_id: str = Field(description="the client's id; a rotated key keeps it")
    role: Role = Field(description="submitter, officer, viewer or admin")
    department: str | None = Field(description="the department a submitter key submits for; null for other roles")
    created_at: dt.datetime = Field(description="when the key was made, UTC, RFC 3339 (2027-03-10T08:00:00Z)")
    last_used_at: dt.datetime | None = Field(description="when it was last used (updated at most once a minute), UTC, "
                                                         "RFC 3339 (2027-03-10T08:00:00Z); null if never")
    revoked_at: dt.datetime | None = Field(description="when it was revoked, UTC, RFC 3339 (2027-03-10T08:00:00Z); "
                                                       "null while it works")


class KeyCreated(KeyPublic):
    key: str | None = Field(description="the key itself, shown once")


def _created(info: dict[str, Any], token: str) -> Outcome:
    return Outcome(201, info | {"key": token}, {"Location": f"/v1/keys/{info['id']}"},
                   replay_body=info | {"key": None, "note": SHOWN_ONCE})


@router.get("", response_model=list[KeyPublic], responses=responses(401, 403, 503), summary="List API keys (admin)")
def list_keys(session: SessionDep, principal: Admin) -> Response:
    """Every key: prefix, client, role, department, created and last-used time; never the key or its hash."""
    return Response(to_json(keys.list_keys(session)), media_type="application/json")


@router.post("", status_code=201, response_model=KeyCreated, responses=responses(400, 401, 403, 409, 413, 422, 503),
             summary="Create a client and its API key (admin)")
def create_key(
    body: Annotated[KeyCreate, Body(openapi_examples={"arendesystem": {"summary": "Ett ärendesystem för kommunstaben",
                                                                       "value": {"name": "Ärendesystemet", "role": "submitter",
                                                                                 "department": "kommunstaben"}}})],
    session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep, request_id: RequestIdDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new client with its first key; the key is in this answer only."""

    def work(s: SessionDep) -> Outcome:
        client, key, token = keys.create_client_key(s, name=body.name, role=body.role.value, department=body.department,
                                                    actor=principal.name, request_id=request_id)
        return _created(keys.key_info(key, client), token)

    fp = lambda: idempotency.fingerprint("POST", "/v1/keys", body.model_dump_json().encode())  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp, work, settings)


@router.get("/{key_id}", response_model=KeyPublic, responses=responses(401, 403, 404, 422, 503),
            summary="One API key (admin)")
def read_key(key_id: KeyId, session: SessionDep, principal: Admin) -> Response:
    """A key's prefix, client, role, department and times; never the key or its hash."""
    return Response(to_json(keys.get_key(session, key_id)), media_type="application/json")


@router.post("/{key_id}/revoke", response_model=KeyPublic, responses=responses(401, 403, 404, 503),
             summary="Revoke an API key (admin); effective at once")
def revoke_key(
    key_id: KeyId, session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep,
    request_id: RequestIdDep, idempotency_key: IdempotencyKey = None,
) -> Response:
    """The key is refused from the next request on."""
    fp = lambda: idempotency.fingerprint("POST", f"/v1/keys/{key_id}/revoke", b"")  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp,
                           lambda s: Outcome(200, keys.revoke(s, key_id, principal.name, request_id)),
                           settings)


@router.post("/{key_id}/rotate", status_code=201, response_model=KeyCreated,
             responses=responses(401, 403, 404, 409, 503), summary="A new key for the same client (admin)")
def rotate_key(
    key_id: KeyId, session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep,
    request_id: RequestIdDep, idempotency_key: IdempotencyKey = None,
) -> Response:
    """The client gets a second, new key; both work until the old one is revoked, so systems can switch without
    downtime. Idempotency keys and external_ref stay with the client."""
    fp = lambda: idempotency.fingerprint("POST", f"/v1/keys/{key_id}/rotate", b"")  # noqa: E731

    def work(s: SessionDep) -> Outcome:
        info, token = keys.rotate(s, key_id, principal.name, request_id)
        return _created(info, token)

    return idempotency.run(session, engine, principal, idempotency_key, fp, work, settings)
