"""Reference data from the active policy, and who the caller is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.deps import PrincipalDep, SessionDep
from app.errors import responses
from app.models.reference import EmissionFactors, GoalInfo, Me, PartnerInfo, PlaceFound
from app.routing import JsonBodyRoute
from app.services import reference

router = APIRouter(prefix="/v1", tags=["reference"], route_class=JsonBodyRoute)

READ = responses(401, 503)


@router.get("/me", response_model=Me, responses=responses(401), summary="The calling key's client, role and department")
def read_me(principal: PrincipalDep) -> dict[str, Any]:
    """Who this key belongs to (a trivial authenticated call)."""
    return {"client": principal.name, "role": principal.role.value, "department": principal.department}


@router.get("/goals", response_model=list[GoalInfo], responses=READ, summary="The nine overarching goals and their SDGs")
def list_goals(session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The nine overarching goals with Swedish and English titles and linked SDGs (official or proposed)."""
    return reference.goals(session)


@router.get("/partners", response_model=list[PartnerInfo], responses=READ, summary="Partners and networks with focus area and status")
def list_partners(session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every partner and network the plan names, with focus areas, status and aliases."""
    return reference.partners(session)


@router.get("/emission-factors", response_model=EmissionFactors, responses=READ, summary="The emission factor table with sources")
def list_emission_factors(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """The factor set of the active policy (SPEC §6a), each with source and year, and the distance rules."""
    return reference.emission_factors(session)


@router.get("/places", response_model=list[PlaceFound], responses=responses(401, 422, 503), summary="Find places by name or IATA code")
def list_places(
    session: SessionDep, principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="a name (any language) or IATA code")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[dict[str, Any]]:
    """Places the engine can resolve: the policy's gazetteer first, then cities, then airports."""
    return reference.places(session, q, limit)
