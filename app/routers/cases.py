"""Case handling: decide, withdraw, re-screen, and read the audit trail of a proposal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Response
from pydantic_core import to_json

from app.deps import (
    Admin,
    EngineDep,
    IdempotencyKey,
    LanguageDep,
    PrincipalDep,
    RequestIdDep,
    SessionDep,
    SettingsDep,
)
from app.errors import responses
from app.models.proposal import DecisionCreate, ProposalPublic, ProposalRescreened, WithdrawalCreate
from app.models.reference import AuditEntry, RescreenAllResult
from app.routing import JsonBodyRoute
from app.services import cases, idempotency

router = APIRouter(prefix="/v1", tags=["cases"], route_class=JsonBodyRoute)

ProposalId = Annotated[str, Path(description="the proposal's id", max_length=36)]
IfMatch = Annotated[str | None, Header(description="the ETag of the proposal as last read")]

DECISION_EXAMPLES = {
    "godkann": {"summary": "Godkänn enligt rekommendationen",
                "value": {"decision": "approved", "reason": "Godkänns med villkoret att resan görs med tåg via Narvik."}},
    "avvik": {"summary": "Godkänn trots rekommendationen, med saklig motivering",
              "value": {"decision": "approved",
                        "reason": "Avtalet måste undertecknas på plats enligt partnerns stadgar; mötet kan inte hållas digitalt."}},
    "retur": {"summary": "Skicka tillbaka för komplettering",
              "value": {"decision": "returned", "reason": "Motivera målbidraget och ange om digitalt deltagande är möjligt."}},
}

WITHDRAWAL_EXAMPLES = {
    "med-skal": {"summary": "Återkalla med skäl",
                 "value": {"reason": "Forumet ställs in i år; vi söker på nytt till nästa års forum."}},
    "utan-skal": {"summary": "Återkalla utan skäl", "value": {}},
}


@router.post("/proposals/{proposal_id}/decision", response_model=ProposalPublic,
             responses=responses(400, 401, 403, 404, 409, 412, 413, 422, 428, 503),
             summary="Decide on a screened proposal (officer; If-Match required)")
def create_decision(
    proposal_id: ProposalId, decision: Annotated[DecisionCreate, Body(openapi_examples=DECISION_EXAMPLES)],
    session: SessionDep, engine: EngineDep, principal: PrincipalDep, settings: SettingsDep, lang: LanguageDep,
    request_id: RequestIdDep, if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> Response:
    """`approved`, `rejected` or `returned`, with a reason; departing from the recommendation (approving a `reject`
    or `prefer_digital`, rejecting an `approve`) needs a substantive reason. Requires `If-Match` with the proposal's
    ETag: 428 without it, 412 if the proposal changed since. Only a screened proposal can be decided."""
    fp = lambda: idempotency.fingerprint("POST", f"/v1/proposals/{proposal_id}/decision",  # noqa: E731
                                         decision.model_dump_json().encode())
    return idempotency.run(session, engine, principal, idempotency_key, fp,
                           lambda s: cases.decide(s, principal, proposal_id, decision, if_match, lang, request_id),
                           settings)


@router.post("/proposals/{proposal_id}/withdraw", response_model=ProposalPublic,
             responses=responses(401, 403, 404, 409, 412, 422, 503),
             summary="Withdraw a proposal before a decision (submitter)")
def create_withdrawal(
    proposal_id: ProposalId, session: SessionDep, engine: EngineDep, principal: PrincipalDep, settings: SettingsDep,
    lang: LanguageDep, request_id: RequestIdDep,
    withdrawal: Annotated[WithdrawalCreate | None, Body(openapi_examples=WITHDRAWAL_EXAMPLES)] = None,
    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> Response:
    """The submitting department withdraws its proposal while it is screened or returned; recorded in the audit trail,
    with the reason when one is given (the body is optional: none, `{}` and `{"reason": "…"}` all withdraw).
    `If-Match` is honoured when given."""
    reason = withdrawal.reason if withdrawal is not None else None
    # no reason fingerprints as no body did: a retry without one still matches; another reason is another request
    body = b"" if reason is None else withdrawal.model_dump_json().encode()
    fp = lambda: idempotency.fingerprint("POST", f"/v1/proposals/{proposal_id}/withdraw", body)  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp,
                           lambda s: cases.withdraw(s, principal, proposal_id, if_match, lang, request_id,
                                                    reason=reason),
                           settings)


@router.post("/proposals/{proposal_id}/rescreen", response_model=ProposalRescreened,
             responses=responses(401, 403, 404, 409, 412, 422, 503), summary="Screen a proposal again under the active policy (officer)")
def create_rescreen(
    proposal_id: ProposalId, session: SessionDep, engine: EngineDep, principal: PrincipalDep, settings: SettingsDep,
    lang: LanguageDep, request_id: RequestIdDep, idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new screening under the active policy; the earlier one stays in the history (`previous_screening` names it)."""
    fp = lambda: idempotency.fingerprint("POST", f"/v1/proposals/{proposal_id}/rescreen", b"")  # noqa: E731
    return idempotency.run(session, engine, principal, idempotency_key, fp,
                           lambda s: cases.rescreen(s, principal, proposal_id, lang, request_id), settings)


@router.get("/proposals/{proposal_id}/audit", response_model=list[AuditEntry], responses=responses(401, 403, 404, 503),
            summary="Who did what when to a proposal (officer)")
def list_proposal_audit(proposal_id: ProposalId, session: SessionDep, principal: PrincipalDep) -> Response:
    """The append-only audit trail of the proposal, oldest first: actor (key name), time, request id, what changed."""
    return Response(to_json(cases.audit(session, principal, proposal_id)), media_type="application/json")


@router.post("/rescreen", response_model=RescreenAllResult, responses=responses(401, 403, 422, 503),
             summary="Re-screen every undecided proposal under the active policy (admin)")
def create_rescreen_all(
    session: SessionDep, engine: EngineDep, principal: Admin, settings: SettingsDep, request_id: RequestIdDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Every screened or returned proposal gets a new screening; the answer says how many changed recommendation,
    and which."""
    fp = lambda: idempotency.fingerprint("POST", "/v1/rescreen", b"")  # noqa: E731
    lease = idempotency.Lease()  # it commits in chunks: each renews the key's claim
    return idempotency.run(session, engine, principal, idempotency_key, fp,
                           lambda s: idempotency.Outcome(200, cases.rescreen_all(s, principal, request_id,
                                                                                 lease=lease)),
                           settings, lease=lease)
