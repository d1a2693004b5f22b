"""Preview screenings: screen a proposal without storing it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response

from app.deps import EngineDep, IdempotencyKey, LanguageDep, PrincipalDep, SessionDep, SettingsDep
from app.errors import responses
from app.models.proposal import ScreeningPublic
from app.routers.openapi_examples import proposal_examples
from app.routing import JsonBodyRoute
from app.screening import Proposal
from app.services import idempotency, proposals

router = APIRouter(prefix="/v1", tags=["screenings"], route_class=JsonBodyRoute)



@router.post("/screenings", response_model=ScreeningPublic,
             responses=responses(400, 401, 409, 413, 422, 503),
             summary="Screen a proposal without storing it (preview, what-if)")
def create_screening(
    proposal: Annotated[Proposal, Body(openapi_examples=proposal_examples())],
    session: SessionDep, engine: EngineDep, principal: PrincipalDep, settings: SettingsDep, lang: LanguageDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Screen a proposal under the active policy; nothing is stored. Any key may call it."""
    fp = lambda: idempotency.fingerprint("POST", "/v1/screenings", proposal.model_dump_json(by_alias=True).encode())  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp,
                           lambda s: proposals.preview(s, proposal, lang),
                           settings)
