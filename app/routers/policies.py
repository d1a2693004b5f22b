"""Policy versions: list, read the active one, upload a new one, activate one."""

from __future__ import annotations

import json
import tomllib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from app.deps import (
    Admin,
    EngineDep,
    IdempotencyKey,
    PrincipalDep,
    RequestIdDep,
    SessionDep,
    SettingsDep,
)
from app.errors import MalformedToml, UnsupportedMediaType, responses
from app.models.policy import PolicyDetail, PolicyPublic
from app.routing import JsonBodyRoute, check_json, is_json_media_type
from app.screening.policy import DEFAULT_POLICY_PATH
from app.services import idempotency, policies
from app.services.idempotency import Outcome

router = APIRouter(prefix="/v1/policies", tags=["policies"], route_class=JsonBodyRoute)

Version = Annotated[str, Path(max_length=100, description="a policy version")]


@router.get("", response_model=list[PolicyPublic], responses=responses(401, 503), summary="Every stored policy version")
def list_policies(session: SessionDep, principal: PrincipalDep) -> list[PolicyPublic]:
    """Every stored policy version, oldest first; one is active."""
    return policies.list_policies(session)


@router.get("/active", response_model=PolicyDetail, responses=responses(401, 503), summary="The active policy")
def read_active_policy(session: SessionDep, principal: PrincipalDep) -> PolicyDetail:
    """The policy new screenings are computed under, with its content (upload it changed as a new version)."""
    return policies.get_active(session)


@router.get("/{version}", response_model=PolicyDetail, responses=responses(401, 404, 422, 503),
            summary="One stored policy version")
def read_policy(version: Version, session: SessionDep, principal: PrincipalDep) -> PolicyDetail:
    """A stored policy version: its content hash, whether it is active, who stored it and when, and its content."""
    return policies.get(session, version)


async def _policy_body(request: Request) -> object:
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/toml", "text/toml"):
        try:
            return tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise MalformedToml(f"the request body is not valid TOML: {exc}") from None
    if not is_json_media_type(content_type):
        raise UnsupportedMediaType(f"send the policy as application/json or application/toml, not {content_type}")
    return check_json(raw)


def _revision_examples() -> tuple[dict[str, Any], dict[str, Any]]:
    """A realistic upload: the plan's policy as a new revision whose mode-shift limit for train and bus is 600 km
    (JSON), and the same revision as the TOML file an administrator keeps."""
    toml_text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    version = 'version = "lulea-2019-2023-rev-2021-12-03.2"'
    revised = toml_text.replace(version, 'version = "lulea-2019-2023-rev-2027-01-15"', 1)
    data = tomllib.loads(revised)
    data["travel"]["mode_shift_max_km"] = 600
    revised = revised.replace(f"mode_shift_max_km = {tomllib.loads(toml_text)['travel']['mode_shift_max_km']}",
                              "mode_shift_max_km = 600", 1)
    summary = "Ny revision: tåg eller buss krävs upp till 600 km"
    return ({"revision": {"summary": summary, "value": data}},
            {"revision": {"summary": summary + " (TOML-filen)", "value": revised}})


_JSON_EXAMPLES, _TOML_EXAMPLES = _revision_examples()

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Policy"}, "examples": _JSON_EXAMPLES},
            "application/toml": {"schema": {"type": "string", "description": "the same policy as a TOML file"},
                                 "examples": _TOML_EXAMPLES},
        },
    }
}


@router.post("", response_model=PolicyPublic, status_code=201, openapi_extra=UPLOAD_BODY,
             responses={**responses(400, 401, 403, 409, 413, 415, 422, 503),
                        200: {"description": "This version with this content is stored already",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PolicyPublic"}}}}},
             summary="Validate and store a new policy version (admin)")
def create_policy(
    data: Annotated[object, Depends(_policy_body)],
    session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep, request_id: RequestIdDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Store a new, inactive policy version. An invalid policy is refused with every wrong field named, and
    nothing changes. Policies are immutable: the same version with other content is 409."""

    def work(s: SessionDep) -> Outcome:
        stored, created = policies.upload(s, data, principal.name, request_id)
        return Outcome(201 if created else 200, stored.model_dump(mode="json"),
                       {"Location": f"/v1/policies/{stored.version}"})

    fp = lambda: idempotency.fingerprint("POST", "/v1/policies", json.dumps(data, sort_keys=True, default=str).encode())  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp, work,
                           settings)


@router.post("/{version}/activate", response_model=PolicyPublic, responses=responses(401, 403, 404, 503),
             summary="Make a stored policy the active one (admin)")
def activate_policy(
    version: Version, session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep,
    request_id: RequestIdDep, idempotency_key: IdempotencyKey = None,
) -> Response:
    """New screenings use this policy from now on; stored screenings keep the policy they were computed under."""
    fp = lambda: idempotency.fingerprint("POST", f"/v1/policies/{version}/activate", b"")  # noqa: E731
    return idempotency.run(
        session, engine, principal, idempotency_key, fp,
        lambda s: Outcome(200, policies.activate(s, version, principal.name, request_id).model_dump(mode="json")),
        settings)
