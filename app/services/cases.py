"""Case handling: decisions (with If-Match), withdrawal, re-screening and the audit trail of a proposal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.errors import Conflict, Forbidden, Unprocessable
from app.models import AuditEvent, ProposalRecord, Role, ScreeningRecord, Status
from app.models.base import as_utc, iso, utcnow
from app.models.proposal import DecisionCreate, DecisionKind
from app.screening import Policy
from app.screening.rules import substantive
from app.services import events, facts, policies
from app.services.idempotency import Lease, Outcome
from app.services.keys import Principal
from app.services.proposals import (
    AMENDABLE,
    Changed,
    _audit,
    _bump,
    _guarded_update,
    _outcome,
    _screening_row,
    _visible,
    check_etag,
    run_screen,
    validated,
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
    """Approving what the engine would not approve (a proposal to reject, to hold digitally, or one that lacks what
    approval needs), or rejecting what it would approve without conditions."""
    if decision == DecisionKind.approved:
        return recommendation in ("reject", "prefer_digital", "needs_information")
    if decision == DecisionKind.rejected:
        return recommendation == "approve"
    return False


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
          decided_by=principal.name, decided_at=now, departs=departing)
    session.add(_audit(principal, request_id, "proposal.decided", record.id, decision=body.decision.value,
                       reason=body.reason, recommendation=record.recommendation, departs=departing,
                       status_before=previous, status_after=body.decision.value))
    events.emit(session, [events.row(events.EventType.decided, proposal=record, decision=body.decision.value,
                                     reason=body.reason, departs=departing, decided_by=principal.name)])
    screening = session.get(ScreeningRecord, record.screening_id)
    return _outcome(record, screening.result, lang)


def withdraw(session: Session, principal: Principal, proposal_id: str, if_match: str | None, lang: str,
             request_id: str | None, *, reason: str | None = None) -> Outcome:
    """The submitter withdraws its proposal before a decision; the reason, if any, is kept in the audit trail."""
    record = _visible(session, principal, proposal_id)
    if principal.role != Role.submitter:
        raise Forbidden("only the submitting department's submitter keys withdraw proposals")
    check_etag(record, if_match, required=False)
    if record.status not in AMENDABLE:
        raise Conflict(f"a {record.status} proposal cannot be withdrawn (only {', '.join(AMENDABLE)})")
    previous = record.status
    _bump(session, record, status=Status.withdrawn.value)
    session.add(_audit(principal, request_id, "proposal.withdrawn", record.id, reason=reason, status_before=previous))
    events.emit(session, [events.row(events.EventType.withdrawn, proposal=record, reason=reason)])
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
                  request_id: str | None, feed: list[dict[str, Any]] | None = None) -> Rescreened:
    """Raises Changed (nothing written) when another request changed the proposal since it was read. Its event is
    emitted, or added to `feed` for the caller to emit after its other writes."""
    proposal = validated(record.body, "the stored proposal is not valid under today's rules; amend it (PATCH the "
                                      "proposal) before it is re-screened: ")
    result = run_screen(proposal, policy)
    before, score_before = record.recommendation, record.score
    screening = _screening_row(record, record.body, result, "rescreen", revision=record.revision + 1)
    new_facts = facts.facts(record.id, result, proposal.start_date, as_utc(record.created_at))
    _guarded_update(session, record, new_facts, recommendation=result.recommendation.value, score=result.score,
                    screening_id=screening.id,
                    focus_area=result.focus_area.effective[0] if result.focus_area.effective else None,
                    **new_facts.columns)
    session.add(screening)
    name = actor if isinstance(actor, str) else actor.name
    session.add(AuditEvent(actor=name, client_id=None if isinstance(actor, str) else actor.client_id,
                           request_id=request_id, action="proposal.rescreened", entity_type="proposal",
                           entity_id=record.id, details={"screening_id": screening.id, "policy_version": policy.version,
                                                         "recommendation_before": before,
                                                         "recommendation_after": result.recommendation.value,
                                                         "score_before": score_before, "score_after": result.score}))
    event = events.row(events.EventType.rescreened, proposal=record, screening_id=screening.id,
                       policy_version=policy.version, recommendation_before=before, score_before=score_before)
    if feed is None:
        events.emit(session, [event])
    else:
        feed.append(event)
    return Rescreened(record.id, record.title, record.department, before, result.recommendation.value, score_before,
                      result.score)


def rescreen(session: Session, principal: Principal, proposal_id: str, lang: str, request_id: str | None) -> Outcome:
    """Screen one proposal again under the active policy; both screenings stay in its history."""
    record = _as_officer(session, principal, proposal_id)
    if record.status not in UNDECIDED:
        raise Conflict(f"a {record.status} proposal is closed and is not re-screened (only {', '.join(UNDECIDED)})")
    previous = session.get(ScreeningRecord, record.screening_id)
    try:
        done = _rescreen_one(session, record, policies.active(session), principal, request_id)
    except Changed:
        session.rollback()
        raise Changed(session.get(ProposalRecord, proposal_id)).precondition_failed() from None
    session.flush()
    out = _outcome(record, session.get(ScreeningRecord, record.screening_id).result, lang)
    out.body["previous_screening"] = {"id": previous.id, "policy_version": previous.policy_version,
                                      "recommendation": done.before, "score": done.score_before}
    return out


def rescreen_all(session: Session, actor: Principal | str, request_id: str | None,
                 progress: Callable[[int, int], None] | None = None, chunk: int = 200,
                 lease: Lease | None = None) -> dict[str, Any]:
    """Re-screen every undecided proposal under the active policy, committing in chunks; report what changed. With a
    lease (a request with an Idempotency-Key) each chunk renews the key's claim, and the work stops if it was lost."""
    policy = policies.active(session)
    ids = session.exec(select(ProposalRecord.id).where(ProposalRecord.status.in_([s.value for s in UNDECIDED]))
                       .order_by(ProposalRecord.created_at)).all()
    changed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    rescreened = 0
    for start in range(0, len(ids), chunk):
        for attempt in range(3):
            try:
                done, done_changed, done_failed = _rescreen_chunk(session, ids[start:start + chunk], policy, actor,
                                                                  request_id)
                if lease is not None:
                    lease.renew(session)
                session.commit()
                if lease is not None:
                    lease.committed = True
                break
            except Changed:  # another writer committed while this chunk was read: its transaction is void, redo it
                session.rollback()
        else:  # other writers kept winning: this chunk is left as it was, reported, and the rest goes on
            done, done_changed = 0, []
            done_failed = [{"id": i, "detail": "changed by other requests while it was re-screened, three times; "
                                               "nothing was written for it: run the re-screening again"}
                           for i in ids[start:start + chunk]]
        rescreened += done
        changed += done_changed
        failed += done_failed
        if progress:
            progress(min(start + chunk, len(ids)), len(ids))
    return {"policy_version": policy.version, "rescreened": rescreened, "changed": len(changed),
            "changes": changed, "failed": failed}


def _rescreen_chunk(session: Session, ids: list[str], policy: Policy, actor: Principal | str,
                    request_id: str | None) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Raises Changed only for a stale snapshot (the chunk must be redone); a proposal changed meanwhile, or one the
    policy cannot screen, is reported as failed and the others go on."""
    changed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    done_count = 0
    feed: list[dict[str, Any]] = []
    records = session.exec(select(ProposalRecord).where(ProposalRecord.id.in_(ids),
                                                        ProposalRecord.status.in_([s.value for s in UNDECIDED]))).all()
    for record in records:
        try:
            done = _rescreen_one(session, record, policy, actor, request_id, feed)
        except Unprocessable as exc:  # e.g. a place the new policy's gazetteer no longer knows
            failed.append({"id": record.id, "detail": exc.detail})
            continue
        except Changed as exc:
            if exc.stale_snapshot:
                raise
            failed.append({"id": record.id, "detail": "changed by another request meanwhile; re-screen it again"})
            continue
        done_count += 1
        if done.changed:
            changed.append({"id": done.id, "title": done.title, "department": done.department,
                            "from": done.before, "to": done.after, "score_from": done.score_before,
                            "score_to": done.score_after})
    events.emit(session, feed)  # after the screenings and audit rows (emit flushes them first)
    return done_count, changed, failed


def audit(session: Session, principal: Principal, proposal_id: str) -> list[dict[str, Any]]:
    """Who did what when to this proposal, oldest first."""
    record = _as_officer(session, principal, proposal_id)
    rows = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "proposal",
                                                 AuditEvent.entity_id == record.id).order_by(AuditEvent.id)).all()
    return [{"id": e.id, "at": iso(e.at), "actor": e.actor, "request_id": e.request_id, "action": e.action,
             "details": e.details} for e in rows]
