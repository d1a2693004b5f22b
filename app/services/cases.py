"""Case handling: decisions (with If-Match), withdrawal, re-screening and the audit trail of a proposal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from app.errors import Conflict, Forbidden, PreconditionFailed, Unprocessable
from app.models import AuditEvent, ProposalRecord, Role, ScreeningRecord, Status
from app.models.base import iso, utcnow
from app.models.proposal import DecisionCreate, DecisionKind
from app.screening import Policy, Proposal
from app.screening.rules import substantive
from app.services import policies
from app.services.idempotency import Outcome
from app.services.keys import Principal
from app.services.proposals import (
    AMENDABLE,
    _audit,
    _outcome,
    _screening_row,
    _visible,
    check_etag,
    etag,
    run_screen,
)

OFFICERS = (Role.officer, Role.admin)
UNDECIDED = (Status.screened, Status.returned)


def _as_officer(session: Session, principal: Principal, proposal_id: str) -> ProposalRecord:
    """The proposal for an officer-only operation: 404 first for what a submitter may not see, then 403."""
    record = _visible(session, principal, proposal_id)
    if principal.role not in OFFICERS:
        raise Forbidden(f"this operation is for officer and admin keys; this key's role is {principal.role.value}")
    return record


def departs(decision: DecisionKind, recommendation: str) -> bool:
    """Approving what the engine would not approve, or rejecting what it would approve without conditions."""
    if decision == DecisionKind.approved:
        return recommendation in ("reject", "prefer_digital")
    if decision == DecisionKind.rejected:
        return recommendation == "approve"
    return False


def _bump(session: Session, record: ProposalRecord, **values: Any) -> None:
    """Change the proposal only if nobody else did since it was read (exactly one concurrent writer wins)."""
    try:
        result = session.execute(
            update(ProposalRecord)
            .where(ProposalRecord.id == record.id, ProposalRecord.revision == record.revision)
            .values(revision=record.revision + 1, updated_at=utcnow(), **values)
        )
    except OperationalError:  # SQLite: another writer committed since this transaction read (a stale snapshot)
        session.rollback()
        current = session.get(ProposalRecord, record.id)
        if current is not None and current.revision != record.revision:
            raise PreconditionFailed("the proposal was changed by another request at the same time; GET it again",
                                     headers={"ETag": etag(current)}) from None
        raise
    if result.rowcount != 1:
        session.rollback()
        raise PreconditionFailed("the proposal was changed by another request at the same time; GET it again")
    session.flush()
    session.refresh(record)


def decide(session: Session, principal: Principal, proposal_id: str, body: DecisionCreate, if_match: str | None,
           lang: str, request_id: str | None) -> Outcome:
    """Record an officer's decision; departing from the recommendation needs a substantive reason."""
    record = _as_officer(session, principal, proposal_id)
    check_etag(record, if_match, required=True)
    if record.status != Status.screened:
        raise Conflict(f"a {record.status} proposal cannot be decided (only a screened one)")
    policy = policies.active(session)
    departing = departs(body.decision, record.recommendation)
    if departing and not substantive(body.reason, policy):
        rule = policy.motivation
        raise Unprocessable(
            f"deciding {body.decision} against the recommendation {record.recommendation!r} needs a substantive reason "
            f"(at least {rule.min_chars} characters and {rule.min_words} words)",
            errors=[{"field": "reason", "message": "a substantive reason is required to depart from the recommendation",
                     "type": "reason"}])
    now = utcnow()
    previous = record.status
    _bump(session, record, status=body.decision.value, decision=body.decision.value, decision_reason=body.reason,
          decided_by=principal.name, decided_at=now)
    session.add(_audit(principal, request_id, "proposal.decided", record.id, decision=body.decision.value,
                       reason=body.reason, recommendation=record.recommendation, departs=departing,
                       status_before=previous, status_after=body.decision.value))
    screening = session.get(ScreeningRecord, record.screening_id)
    return _outcome(record, screening.result, lang)


def withdraw(session: Session, principal: Principal, proposal_id: str, if_match: str | None, lang: str,
             request_id: str | None) -> Outcome:
    """The submitter withdraws its proposal before a decision."""
    record = _visible(session, principal, proposal_id)
    if principal.role != Role.submitter:
        raise Forbidden("only the submitting department's submitter keys withdraw proposals")
    check_etag(record, if_match, required=False)
    if record.status not in AMENDABLE:
        raise Conflict(f"a {record.status} proposal cannot be withdrawn (only {', '.join(AMENDABLE)})")
    previous = record.status
    _bump(session, record, status=Status.withdrawn.value)
    session.add(_audit(principal, request_id, "proposal.withdrawn", record.id, status_before=previous))
    screening = session.get(ScreeningRecord, record.screening_id)
    return _outcome(record, screening.result, lang)


@dataclass(frozen=True, slots=True)
class Rescreened:
    id: str
    title: str
    department: str
    before: str
    after: str
    score_before: float
    score_after: float

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _rescreen_one(session: Session, record: ProposalRecord, policy: Policy, actor: Principal | str,
                  request_id: str | None) -> Rescreened:
    proposal = Proposal.model_validate(record.body)
    result = run_screen(proposal, policy)
    before, score_before = record.recommendation, record.score
    record.revision += 1
    screening = _screening_row(record, record.body, result, "rescreen")
    record.recommendation = result.recommendation.value
    record.score = result.score
    record.co2e_kg = result.climate.co2e_kg if result.climate else None
    record.screening_id = screening.id
    record.updated_at = utcnow()
    session.add(record)
    session.add(screening)
    name = actor if isinstance(actor, str) else actor.name
    session.add(AuditEvent(actor=name, client_id=None if isinstance(actor, str) else actor.client_id,
                           request_id=request_id, action="proposal.rescreened", entity_type="proposal",
                           entity_id=record.id, details={"screening_id": screening.id, "policy_version": policy.version,
                                                         "recommendation_before": before,
                                                         "recommendation_after": result.recommendation.value,
                                                         "score_before": score_before, "score_after": result.score}))
    return Rescreened(record.id, record.title, record.department, before, result.recommendation.value, score_before,
                      result.score)


def rescreen(session: Session, principal: Principal, proposal_id: str, lang: str, request_id: str | None) -> Outcome:
    """Screen one proposal again under the active policy; both screenings stay in its history."""
    record = _as_officer(session, principal, proposal_id)
    previous = session.get(ScreeningRecord, record.screening_id)
    done = _rescreen_one(session, record, policies.active(session), principal, request_id)
    session.flush()
    out = _outcome(record, session.get(ScreeningRecord, record.screening_id).result, lang)
    out.body["previous_screening"] = {"id": previous.id, "policy_version": previous.policy_version,
                                      "recommendation": done.before, "score": done.score_before}
    return out


def rescreen_all(session: Session, actor: Principal | str, request_id: str | None,
                 progress: Callable[[int, int], None] | None = None, chunk: int = 200) -> dict[str, Any]:
    """Re-screen every undecided proposal under the active policy, committing in chunks; report what changed."""
    policy = policies.active(session)
    ids = session.exec(select(ProposalRecord.id).where(ProposalRecord.status.in_([s.value for s in UNDECIDED]))
                       .order_by(ProposalRecord.created_at)).all()
    changed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for start in range(0, len(ids), chunk):
        for record in session.exec(select(ProposalRecord).where(ProposalRecord.id.in_(ids[start:start + chunk]))).all():
            try:
                done = _rescreen_one(session, record, policy, actor, request_id)
            except Unprocessable as exc:  # e.g. a place the new policy's gazetteer no longer knows
                failed.append({"id": record.id, "detail": exc.detail})
                continue
            if done.changed:
                changed.append({"id": done.id, "title": done.title, "department": done.department,
                                "from": done.before, "to": done.after, "score_from": done.score_before,
                                "score_to": done.score_after})
        session.commit()
        if progress:
            progress(min(start + chunk, len(ids)), len(ids))
    return {"policy_version": policy.version, "rescreened": len(ids) - len(failed), "changed": len(changed),
            "changes": changed, "failed": failed}


def audit(session: Session, principal: Principal, proposal_id: str) -> list[dict[str, Any]]:
    """Who did what when to this proposal, oldest first."""
    record = _as_officer(session, principal, proposal_id)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "proposal",
                                                   AuditEvent.entity_id == record.id).order_by(AuditEvent.id)).all()
    return [{"id": e.id, "at": iso(e.at), "actor": e.actor, "request_id": e.request_id, "action": e.action,
             "details": e.details} for e in events]
