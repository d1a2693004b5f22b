"""Proposals: screen and store, list with filters and cursors, amend and re-screen, history. Commits are the caller's
(app.services.idempotency.run), so the work and its idempotency record land in one transaction."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json
from sqlalchemy import insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from app.db import RawJson
from app.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
    proposal_error,
    validation_errors,
)
from app.metrics import SCREENINGS
from app.models import AuditEvent, ProposalRecord, Role, ScreeningRecord, Status
from app.models.base import as_utc, iso, new_id, utcnow
from app.models.proposal import ProposalListItem, ProposalUpdate
from app.screening import Policy, Proposal, ProposalError, Screening, screen
from app.services import departments, events, policies, rollup
from app.services import facts as proposal_facts
from app.services.export import csv_lines
from app.services.filters import Filters, conditions
from app.services.idempotency import BatchLedger, Outcome
from app.services.keys import Principal
from app.services.search import search_text

AMENDABLE = (Status.screened, Status.returned)
DECIDED = (Status.approved, Status.rejected, Status.returned)


def run_screen(proposal: Proposal, policy: Policy, prefix: str = "") -> Screening:
    try:
        result = screen(proposal, policy)
    except ProposalError as exc:
        raise proposal_error(exc, prefix) from None
    SCREENINGS.labels(result.recommendation.value).inc()
    return result


_PROPOSAL_KEYS = frozenset(f.alias or name for name, f in Proposal.model_fields.items())


def validated(body: dict[str, Any], context: str = "") -> Proposal:
    """A stored or merged body as a Proposal; 422 naming each field when it is not (any more) a valid one."""
    try:
        return Proposal.model_validate(body)
    except ValidationError as exc:
        errors = validation_errors(exc.errors(), data=body, model=Proposal)
        raise Unprocessable(context + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                            errors=errors) from None


def summary(result: dict[str, Any] | Screening, lang: str) -> str:
    if isinstance(result, Screening):
        return result.summary_sv if lang == "sv" else result.summary_en
    return result["summary_sv"] if lang == "sv" else result["summary_en"]


def preview(session: Session, proposal: Proposal, lang: str) -> Outcome:
    """Screen without storing anything (a what-if)."""
    departments.check(session, proposal.department)
    result = run_screen(proposal, policies.active(session))
    dumped = result.model_dump_json().encode()  # straight to JSON; the summary in the asked language goes first
    body = b'{"summary":' + to_json(summary(result, lang)) + b"," + dumped[1:]
    return Outcome(200, body, {"Content-Language": lang}, wrote=False)


# -- reading -----------------------------------------------------------------------------------


def etag(record: ProposalRecord) -> str:
    """Opaque; changes with every change of the proposal."""
    return '"' + hashlib.sha256(f"{record.id}:{record.revision}".encode()).hexdigest()[:20] + '"'


def _visible(session: Session, principal: Principal, proposal_id: str) -> ProposalRecord:
    """The proposal if this principal may see it; 404 otherwise (another department's existence is not revealed)."""
    if principal.role == Role.viewer:
        raise Forbidden("a viewer key reads reference data and aggregates, not proposals")
    record = session.get(ProposalRecord, proposal_id)
    if record is None or (principal.role == Role.submitter and record.department != principal.department):
        raise NotFound(f"no proposal {proposal_id!r}")
    return record


def check_etag(record: ProposalRecord, if_match: str | None, required: bool) -> None:
    """RFC 9110 §13.1.1: any listed tag may match, by strong comparison (a weak tag W/"…" never matches); an empty
    header counts as absent."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired("send If-Match with the proposal's ETag (GET it first) so no update is lost")
        return
    tags = [t.strip() for t in if_match.split(",")]
    if "*" not in tags and etag(record) not in tags:
        raise PreconditionFailed("the proposal has changed since this ETag was read; GET it again and make the "
                                 "change anew on what it is now", headers={"ETag": etag(record)})


def public(record: ProposalRecord, screening: dict[str, Any] | Screening, lang: str) -> dict[str, Any]:
    body = dict(record.body)
    body.update(id=record.id, status=record.status, revision=record.revision,
                created_at=iso(record.created_at), updated_at=iso(record.updated_at),
                submitted_by=record.submitted_by, summary=summary(screening, lang), screening=screening)
    if record.decided_at is not None and record.status in DECIDED:  # an amended, re-screened case is open again
        body["decision"] = {"decision": record.decision, "reason": record.decision_reason,
                            "decided_by": record.decided_by, "decided_at": iso(record.decided_at)}
    return body


def _headers(record: ProposalRecord, lang: str, status: int) -> dict[str, str]:
    headers = {"ETag": etag(record), "Content-Language": lang}
    if status == 201:
        headers["Location"] = f"/v1/proposals/{record.id}"
    return headers


def _outcome(record: ProposalRecord, screening: dict[str, Any], lang: str, status: int = 200) -> Outcome:
    return Outcome(status, public(record, screening, lang), _headers(record, lang, status))


def _fresh_outcome(prepared: Prepared, lang: str, status: int) -> Outcome:
    """The answer for a proposal just screened and not yet decided, with the screening's JSON as stored (spliced in,
    not serialised a second time); the same document as `public` gives."""
    record = prepared.record
    head = public(record, prepared.result, lang)
    del head["screening"]  # last in the document while there is no decision
    body = to_json(head)[:-1] + b',"screening":' + prepared.screening["result"].encode() + b"}"
    return Outcome(status, body, _headers(record, lang, status))


def get(session: Session, principal: Principal, proposal_id: str, lang: str) -> Outcome:
    record = _visible(session, principal, proposal_id)
    screening = session.get(ScreeningRecord, record.screening_id)
    return _outcome(record, screening.result, lang)


def history(session: Session, principal: Principal, proposal_id: str) -> list[dict[str, Any]]:
    """Every screening of a proposal, oldest first."""
    record = _visible(session, principal, proposal_id)
    rows = session.exec(select(ScreeningRecord).where(ScreeningRecord.proposal_id == record.id)
                        .order_by(ScreeningRecord.created_at, ScreeningRecord.revision)).all()
    return [{"id": r.id, "proposal_id": r.proposal_id, "revision": r.revision, "reason": r.reason,
             "created_at": iso(r.created_at), "policy_version": r.policy_version, "policy_hash": r.policy_hash,
             "engine_version": r.engine_version, "recommendation": r.recommendation, "score": r.score,
             "input": r.input, "result": r.result} for r in rows]


# -- creating ----------------------------------------------------------------------------------


def _check_submitter(principal: Principal, department: str, field: str = "department") -> None:
    if principal.role != Role.submitter:
        raise Forbidden("only submitter keys create and amend proposals")
    if department != principal.department:
        raise Forbidden(f"this key submits for department {principal.department!r}, not {department!r}",
                        errors=[{"field": field, "message": f"must be {principal.department!r} for this key",
                                 "type": "department"}])


def _duplicate(session: Session, principal: Principal, external_ref: str | None,
               exclude: str | None = None) -> ProposalRecord | None:
    if external_ref is None:
        return None
    query = select(ProposalRecord).where(ProposalRecord.client_id == principal.client_id,
                                         ProposalRecord.external_ref == external_ref)
    if exclude:
        query = query.where(ProposalRecord.id != exclude)
    return session.exec(query).first()


def _conflict(first: ProposalRecord) -> Conflict:
    return Conflict(f"external_ref {first.external_ref!r} is already used by proposal {first.id} from this client",
                    existing_id=first.id, headers={"Location": f"/v1/proposals/{first.id}"})


def _dump(proposal: Proposal) -> dict[str, Any]:
    return proposal.model_dump(mode="json", by_alias=True, exclude_none=True)


def _columns(proposal: Proposal, result: Screening, facts: proposal_facts.Facts) -> dict[str, Any]:
    return {
        **facts.columns,
        "kind": proposal.kind.value, "title": proposal.title, "department": proposal.department,
        "search_text": search_text(proposal.title, proposal.external_ref),
        "external_ref": proposal.external_ref, "start_date": proposal.start_date, "end_date": proposal.end_date,
        "focus_area": result.focus_area.effective[0] if result.focus_area.effective else None,
        "recommendation": result.recommendation.value, "score": result.score,
        "co2e_kg": result.climate.co2e_kg if result.climate else None,
    }


def _screening_row(record: ProposalRecord, proposal_body: dict, result: Screening, reason: str,
                   revision: int | None = None) -> ScreeningRecord:
    return ScreeningRecord(proposal_id=record.id, revision=record.revision if revision is None else revision,
                           reason=reason,
                           policy_version=result.policy_version, policy_hash=result.policy_hash,
                           engine_version=result.engine_version, recommendation=result.recommendation.value,
                           score=result.score, input=proposal_body, result=result.model_dump(mode="json"))


def _audit(principal: Principal, request_id: str | None, action: str, entity_id: str, **details: Any) -> AuditEvent:
    return AuditEvent(actor=principal.name, client_id=principal.client_id, request_id=request_id, action=action,
                      entity_type="proposal", entity_id=entity_id, details=details)


def _audit_row(principal: Principal, request_id: str | None, action: str, entity_id: str, at: dt.datetime,
               **details: Any) -> dict[str, Any]:
    return {"at": at, "actor": principal.name, "client_id": principal.client_id, "request_id": request_id,
            "action": action, "entity_type": "proposal", "entity_id": entity_id, "details": details}


class Changed(Exception):
    """The proposal was changed by another request since this one read it (its revision moved on). With
    `stale_snapshot` (SQLite: another writer committed after this transaction's first read) the whole transaction
    can no longer write and must be rolled back."""

    def __init__(self, current: ProposalRecord | None = None, stale_snapshot: bool = False):
        self.current = current
        self.stale_snapshot = stale_snapshot

    def precondition_failed(self) -> PreconditionFailed:
        headers = {"ETag": etag(self.current)} if self.current is not None else None
        return PreconditionFailed("the proposal was changed by another request at the same time; GET it again",
                                  headers=headers)


def _guarded_update(session: Session, record: ProposalRecord, new_facts: proposal_facts.Facts | None = None,
                    **values: Any) -> None:
    """Write the proposal's next revision only if it is still at the revision this request read: of two concurrent
    changes (a decision and an amendment, two amendments) exactly one wins, the other gets Changed. Nothing is
    written when it is raised; the caller rolls back (or, in a batch, goes on with the next proposal)."""
    before = rollup.snapshot(record)
    conn = session.connection()
    tags, legs = rollup.stored(conn, [record.id])[record.id]
    try:
        result = session.execute(
            update(ProposalRecord)
            .where(ProposalRecord.id == record.id, ProposalRecord.revision == record.revision)
            .values(revision=record.revision + 1, updated_at=utcnow(), **values)
        )
    except OperationalError as exc:  # SQLite: another writer committed since this transaction read
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        raise Changed(stale_snapshot=True) from None
    if result.rowcount != 1:
        raise Changed()
    session.flush()
    session.refresh(record)
    if new_facts is not None:  # a new screening: its legs and tags replace the old ones
        proposal_facts.replace_rows(conn, record.id, new_facts)
    deltas: dict = {}
    rollup.add(deltas, rollup.contribution(before, tags, legs), -1)
    if new_facts is not None:
        tags, legs = [(t["dim"], t["key"]) for t in new_facts.tags], new_facts.legs
    rollup.add(deltas, rollup.contribution(rollup.snapshot(record), tags, legs), +1)
    rollup.apply(conn, deltas, as_utc(record.updated_at))


def _bump(session: Session, record: ProposalRecord, new_facts: proposal_facts.Facts | None = None,
          **values: Any) -> None:
    """`_guarded_update` for a single change: 412 Precondition Failed (after a rollback) when another request won."""
    try:
        _guarded_update(session, record, new_facts, **values)
    except Changed:
        session.rollback()
        raise Changed(session.get(ProposalRecord, record.id)).precondition_failed() from None


@dataclass(slots=True)
class Prepared:
    """One checked and screened proposal, as the rows to insert (Core inserts: the hot path skips the ORM)."""

    proposal: dict[str, Any]
    screening: dict[str, Any]
    audits: list[dict[str, Any]]
    result: Screening
    facts: proposal_facts.Facts
    feed: list[dict[str, Any]]

    @property
    def record(self) -> ProposalRecord:
        """A detached record for building the response (no database access)."""
        return ProposalRecord.model_construct(**self.proposal)


def _prepare(session: Session, principal: Principal, proposal: Proposal, policy: Policy, request_id: str | None,
             prefix: str = "", known_refs: dict[str, ProposalRecord] | None = None) -> Prepared:
    """Check and screen one proposal; raises before anything is written, so a failed item leaves no trace."""
    departments.check(session, proposal.department, f"{prefix}department")  # unknown or retired: 422, not 403
    _check_submitter(principal, proposal.department, f"{prefix}department")
    if known_refs is None:
        first = _duplicate(session, principal, proposal.external_ref)
    else:
        first = known_refs.get(proposal.external_ref) if proposal.external_ref else None
    if first is not None:
        raise _conflict(first)
    result = run_screen(proposal, policy, prefix)
    body = _dump(proposal)
    now = utcnow()
    proposal_id, screening_id = new_id(), new_id()
    facts = proposal_facts.facts(proposal_id, result, proposal.start_date, now)
    row = {"id": proposal_id, "client_id": principal.client_id, "submitted_by": principal.name, "body": body,
           "status": Status.screened.value, "screening_id": screening_id, "revision": 1, "created_at": now,
           "updated_at": now, **_columns(proposal, result, facts)}
    screening = {"id": screening_id, "proposal_id": proposal_id, "revision": 1, "reason": "created",
                 "policy_version": result.policy_version, "policy_hash": result.policy_hash,
                 "engine_version": result.engine_version, "recommendation": result.recommendation.value,
                 "score": result.score, "input": body, "result": RawJson(result.model_dump_json()), "created_at": now}
    audits = [
        _audit_row(principal, request_id, "proposal.created", proposal_id, now, external_ref=proposal.external_ref,
                   department=proposal.department),
        _audit_row(principal, request_id, "proposal.screened", proposal_id, now, screening_id=screening_id,
                   recommendation=result.recommendation.value, score=result.score, policy_version=result.policy_version),
    ]
    screened = events.row(events.EventType.screened, proposal=row, at=now, screening_id=screening_id,
                          policy_version=result.policy_version)
    return Prepared(row, screening, audits, result, facts, [events.row(events.EventType.created, proposal=row, at=now),
                                                            screened])


_INSERT_PROPOSAL = insert(ProposalRecord.__table__)  # built once: the statement's cache key is computed once
_INSERT_SCREENING = insert(ScreeningRecord.__table__)
_INSERT_AUDIT = insert(AuditEvent.__table__)


def _write(session: Session, prepared: list[Prepared]) -> None:
    if not prepared:
        return
    conn = session.connection()  # Core inserts on the session's transaction
    if len(prepared) == 1:  # one row: a plain execute, not executemany
        conn.execute(_INSERT_PROPOSAL, prepared[0].proposal)
        conn.execute(_INSERT_SCREENING, prepared[0].screening)
    else:
        conn.execute(_INSERT_PROPOSAL, [p.proposal for p in prepared])
        conn.execute(_INSERT_SCREENING, [p.screening for p in prepared])
    conn.execute(_INSERT_AUDIT, [a for p in prepared for a in p.audits])
    proposal_facts.insert_rows(conn, [p.facts for p in prepared])
    deltas: dict = {}
    for p in prepared:
        rollup.add(deltas, rollup.contribution(p.proposal, [(t["dim"], t["key"]) for t in p.facts.tags],
                                               p.facts.legs), +1)
    rollup.apply(conn, deltas, prepared[-1].proposal["created_at"])
    events.emit(conn, [e for p in prepared for e in p.feed])  # last: see app.services.events


def create(session: Session, principal: Principal, proposal: Proposal, lang: str, request_id: str | None) -> Outcome:
    """Screen and store one proposal: 201 with the proposal, its screening and a Location."""
    prepared = _prepare(session, principal, proposal, policies.active(session), request_id)
    try:
        _write(session, [prepared])
    except IntegrityError:  # the same external_ref stored concurrently
        session.rollback()
        first = _duplicate(session, principal, proposal.external_ref)
        if first is not None:
            raise _conflict(first) from None
        raise
    return _fresh_outcome(prepared, lang, 201)


BATCH_CHUNK = 100  # proposals screened and stored per transaction of a batch (bench/bulk.py: 200 kept others waiting)


def create_batch(session: Session, principal: Principal, items: list[Any], lang: str, request_id: str | None,
                 ledger: BatchLedger | None = None) -> Outcome:
    """Many proposals in one call; each item is validated, screened and stored on its own merits, in chunks of
    BATCH_CHUNK, each committed before the next (the writer's lock is free between them, and what a chunk made is
    let go). With a ledger (an Idempotency-Key), a retry of a batch that died half-way replays what was stored."""
    if principal.role != Role.submitter:
        raise Forbidden("only submitter keys create proposals")
    policy = policies.active(session)
    results: list[dict[str, Any]] = []
    refs_in_batch: dict[str, int] = {}
    known = _existing_refs(session, principal, items)
    replayed = ledger.stored(session) if ledger is not None else {}
    for start in range(0, len(items), BATCH_CHUNK):
        prepared: list[Prepared] = []
        made: dict[int, dict[str, Any]] = {}
        for index in range(start, min(start + BATCH_CHUNK, len(items))):
            if index in replayed:  # stored by an earlier attempt of this batch
                result = replayed[index]
            else:
                result, one = _batch_item(session, principal, items[index], index, policy, request_id, known,
                                          refs_in_batch)
                if one is not None:
                    prepared.append(one)
                    made[index] = result
            if result["status"] == 201 and result.get("external_ref") is not None:
                refs_in_batch[result["external_ref"]] = index
            results.append(result)
        try:
            _write(session, prepared)
        except IntegrityError:  # another request stored one of this chunk's external_refs meanwhile
            session.rollback()
            for index in made:  # this chunk's items are refused, each saying so; the chunks before stay stored
                results[index] = _failed(index, 409, "conflict", "Conflict", None, items[index],
                                         "another request stored an external_ref of this item's chunk at the same "
                                         "time; nothing of this item was stored: send it again")
            made = {}
        if ledger is not None:
            ledger.record(session, start, made)
        if start + BATCH_CHUNK < len(items):
            session.commit()
            if ledger is not None:
                ledger.committed = True
    if ledger is not None:
        ledger.clear(session)  # the whole answer is stored with the last chunk: the markers have served
    created = sum(1 for r in results if r["status"] == 201)
    return Outcome(200, {"created": created, "failed": len(items) - created, "results": results},
                   {"Content-Language": lang})


def release_memory() -> None:
    """Give the memory a large batch used back to the system: what Python has freed stays in the C allocator's heap
    until it is trimmed (glibc's malloc_trim; elsewhere nothing is done)."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


def _batch_item(session: Session, principal: Principal, item: Any, index: int, policy: Policy,
                request_id: str | None, known: dict[str, ProposalRecord],
                refs_in_batch: dict[str, int]) -> tuple[dict[str, Any], Prepared | None]:
    """One item of a batch: its result, and what to store when it passed."""
    prefix = f"proposals[{index}]."
    try:
        proposal = Proposal.model_validate(item)
    except ValidationError as exc:
        errors = validation_errors(exc.errors(), data=item, model=Proposal)
        for e in errors:
            e["field"] = prefix + e["field"] if e["field"] != "(body)" else prefix.rstrip(".")
        return _failed(index, 422, "validation", "Unprocessable content", errors, item), None
    if proposal.external_ref is not None and proposal.external_ref in refs_in_batch:
        first = refs_in_batch[proposal.external_ref]
        return _failed(index, 409, "conflict", "Conflict", None, item,
                       f"external_ref {proposal.external_ref!r} repeats item {first} of this batch"), None
    try:
        prepared = _prepare(session, principal, proposal, policy, request_id, prefix, known)
    except (Unprocessable, Conflict, Forbidden) as exc:
        return _failed(index, exc.status, exc.kind, exc.title, exc.errors, item, exc.detail,
                       exc.extra.get("existing_id")), None
    row = prepared.proposal
    return {"index": index, "status": 201, "id": row["id"], "external_ref": proposal.external_ref,
            "recommendation": row["recommendation"], "score": row["score"]}, prepared


def _existing_refs(session: Session, principal: Principal, items: list[Any]) -> dict[str, ProposalRecord]:
    """This client's stored proposals whose external_ref appears in the batch, fetched in a few queries."""
    refs = sorted({i["external_ref"] for i in items if isinstance(i, dict) and isinstance(i.get("external_ref"), str)})
    found: dict[str, ProposalRecord] = {}
    for start in range(0, len(refs), 500):
        rows = session.exec(select(ProposalRecord).where(ProposalRecord.client_id == principal.client_id,
                                                         ProposalRecord.external_ref.in_(refs[start:start + 500]))).all()
        found.update({r.external_ref: r for r in rows})
    return found


def _failed(index: int, status: int, kind: str, title: str, errors: list | None, item: Any, detail: str | None = None,
            existing_id: str | None = None) -> dict[str, Any]:
    problem: dict[str, Any] = {"type": f"https://vagval.lulea.se/problems/{kind}", "title": title, "status": status,
                               "detail": detail or "; ".join(f"{e['field']}: {e['message']}" for e in errors or [])}
    if errors:
        problem["errors"] = errors
    if existing_id:
        problem["existing_id"] = existing_id
    ref = item.get("external_ref") if isinstance(item, dict) and isinstance(item.get("external_ref"), str) else None
    return {"index": index, "status": status, "external_ref": ref, "problem": problem}


# -- amending ----------------------------------------------------------------------------------


def amend(session: Session, principal: Principal, proposal_id: str, patch: ProposalUpdate, lang: str,
          request_id: str | None, if_match: str | None = None) -> Outcome:
    """Merge the patch, re-validate, re-screen under the active policy; the old screening stays in the history.
    If-Match is honoured when given."""
    record = _visible(session, principal, proposal_id)
    _check_submitter(principal, record.department)
    check_etag(record, if_match, required=False)
    if record.status not in AMENDABLE:
        raise Conflict(f"a {record.status} proposal cannot be amended (only {', '.join(AMENDABLE)})")
    given = patch.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if not given:
        raise Unprocessable("nothing to amend: send at least one field of the proposal",
                            errors=[{"field": "(body)", "message": "at least one field is required", "type": "patch"}])
    # A key that today's proposal no longer has (stored under earlier rules) is dropped, not held against the patch.
    merged = {k: v for k, v in record.body.items() if k in _PROPOSAL_KEYS}
    for key, value in given.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    proposal = validated(merged)
    if proposal.department != record.department:  # moved: to an active department only (staying put is no news)
        departments.check(session, proposal.department)
    _check_submitter(principal, proposal.department)
    first = _duplicate(session, principal, proposal.external_ref, exclude=record.id)
    if first is not None:
        raise _conflict(first)
    result = run_screen(proposal, policies.active(session))
    body = _dump(proposal)
    changed = sorted(k for k in set(body) | set(record.body) if body.get(k) != record.body.get(k))
    screening = _screening_row(record, body, result, "amended", revision=record.revision + 1)
    facts = proposal_facts.facts(record.id, result, proposal.start_date, as_utc(record.created_at))
    _bump(session, record, facts, body=body, status=Status.screened.value, screening_id=screening.id, departs=None,
          **_columns(proposal, result, facts))  # 412 if a decision or another amendment came first
    session.add(screening)
    session.add(_audit(principal, request_id, "proposal.amended", record.id, changed=changed, revision=record.revision))
    session.add(_audit(principal, request_id, "proposal.screened", record.id, screening_id=screening.id,
                       recommendation=result.recommendation.value, score=result.score,
                       policy_version=result.policy_version))
    events.emit(session, [events.row(events.EventType.amended, proposal=record, changed=changed),
                          events.row(events.EventType.screened, proposal=record, screening_id=screening.id,
                                     policy_version=result.policy_version)])
    session.commit()
    return _outcome(record, screening.result, lang)


# -- listing -----------------------------------------------------------------------------------


# what a list item shows: the columns only (a stored body is never read for the list, its CSV or XLSX)
_LIST_COLUMNS = [ProposalRecord.__table__.c[name] for name in (
    "id", "external_ref", "kind", "title", "department", "status", "focus_area", "start_date", "end_date",
    "recommendation", "score", "co2e_kg", "co2e_kg_without_rf", "goals", "decision", "decided_by", "decided_at",
    "submitted_by", "created_at", "updated_at")]


def _query(principal: Principal, f: Filters):
    if principal.role == Role.viewer:
        raise Forbidden("a viewer key reads reference data and aggregates, not proposals")
    return sa_select(*_LIST_COLUMNS).where(*conditions(principal, f)).order_by(ProposalRecord.created_at.desc(),
                                                                             ProposalRecord.id.desc())


def _cursor(record: Any, filters: Filters) -> str:
    raw = json.dumps([iso(record.created_at), record.id, filters.fingerprint]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(query, cursor: str, filters: Filters):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, last_id, *rest = json.loads(raw)
        created = dt.datetime.fromisoformat(created_at)
        fingerprint = rest[0] if rest else filters.fingerprint  # given out before cursors carried their filters
        assert isinstance(last_id, str) and isinstance(fingerprint, str) and len(rest) <= 1
    except Exception:  # noqa: BLE001 - any undecodable cursor is the client's error
        raise Unprocessable("cursor is not one this service gave out",
                            errors=[{"field": "cursor", "message": "invalid cursor", "type": "cursor"}]) from None
    if fingerprint != filters.fingerprint:
        raise Unprocessable("cursor was given out for other filters: send the same filters as the page it came from",
                            errors=[{"field": "cursor", "message": "given out for other filters",
                                     "type": "cursor"}])
    # the first condition alone bounds the index range on created_at (an OR of the two would make the database sort
    # every match again for each page: 0.5 s a page of a 100,000-row export among 1,000,000 proposals)
    return query.where(ProposalRecord.created_at <= created,
                       or_(ProposalRecord.created_at < created, ProposalRecord.id < last_id))


def _day(day: dt.date | str | None) -> str | None:
    return None if day is None else day.isoformat() if isinstance(day, dt.date) else str(day)


def _item(r: Any) -> dict[str, Any]:
    """A list item (ProposalListItem's fields, in its order) from the list's columns."""
    decided = r.decided_at is not None and r.status in DECIDED  # an amended, re-screened case is open again
    return {
        "id": r.id, "external_ref": r.external_ref, "kind": r.kind, "title": r.title, "department": r.department,
        "status": r.status, "focus_area": r.focus_area, "start_date": _day(r.start_date), "end_date": _day(r.end_date),
        "recommendation": r.recommendation, "score": r.score, "co2e_kg": r.co2e_kg,
        "co2e_kg_without_rf": r.co2e_kg_without_rf, "goals": [int(g) for g in r.goals.split(",") if g],
        "decision": r.decision if decided else None, "decided_by": r.decided_by if decided else None,
        "decided_at": iso(r.decided_at) if decided else None, "submitted_by": r.submitted_by,
        "created_at": iso(r.created_at), "updated_at": iso(r.updated_at),
    }


def page(session: Session, principal: Principal, filters: Filters, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page, newest first; `next_cursor` continues after the last item."""
    query = _query(principal, filters)
    if cursor:
        query = _after(query, cursor, filters)
    rows = session.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_item(r) for r in rows], "limit": limit,
            "next_cursor": _cursor(rows[-1], filters) if more and rows else None}


CSV_COLUMNS = list(ProposalListItem.model_fields)
def export_items(session: Session, principal: Principal, filters: Filters, chunk: int = 500,
                 after: str | None = None) -> Iterator[dict[str, Any]]:
    """Every matching proposal as a list item (after the cursor `after`, when given), fetched in chunks. A bad cursor
    or a viewer key is refused when the iterator is made, before anything is sent."""
    query = _query(principal, filters)
    if after:
        query = _after(query, after, filters)

    def items() -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            rows = session.execute((_after(query, cursor, filters) if cursor else query).limit(chunk)).all()
            if not rows:
                return
            yield from (_item(r) for r in rows)
            cursor = _cursor(rows[-1], filters)

    return items()


def export_row(item: dict[str, Any]) -> list[Any]:
    return [";".join(str(g) for g in v) if isinstance(v, list) else v for v in (item[c] for c in CSV_COLUMNS)]


def csv_rows(session: Session, principal: Principal, filters: Filters, chunk: int = 500,
             after: str | None = None) -> Iterator[str]:
    """Every matching proposal as CSV, sent in chunks; the goals of a row are joined by ';'."""
    items = export_items(session, principal, filters, chunk, after)
    return csv_lines(CSV_COLUMNS, (export_row(item) for item in items), chunk)
