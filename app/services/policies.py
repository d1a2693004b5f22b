"""Stored policies: seed the default, upload (validated, immutable), activate one, and give the engine its Policy."""

from __future__ import annotations

import time
import weakref

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select, update

from app.errors import Conflict, NotFound, Unavailable, policy_error
from app.models import AuditEvent, PolicyRecord
from app.models.base import utcnow
from app.models.policy import PolicyDetail, PolicyPublic
from app.screening import Policy, PolicyError, default_policy
from app.screening.policy import parse_policy
from app.services import events

# Policies are immutable: a parsed policy is cached per process by its content hash (never shared state).
_PARSED: dict[str, Policy] = {}
# Which policy is active is read from the database at most once a second per engine; an activation in this process
# is seen at once, one in another worker within ACTIVE_TTL seconds.
ACTIVE_TTL = 1.0
_ACTIVE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _engine_policy(record: PolicyRecord) -> Policy:
    policy = _PARSED.get(record.content_hash)
    if policy is None:
        policy = parse_policy(record.body, f"stored policy {record.version}")
        _PARSED[record.content_hash] = policy
    return policy


def active(session: Session) -> Policy:
    """The active policy; 503 if none is (the service seeds one at start)."""
    bind = session.get_bind()
    now = time.monotonic()
    seen = _ACTIVE.get(bind)
    if seen is not None and now - seen[0] < ACTIVE_TTL and seen[2] in _PARSED:
        return _PARSED[seen[2]]
    row = session.exec(select(PolicyRecord.version, PolicyRecord.content_hash).where(PolicyRecord.active)).first()
    if row is None:
        raise Unavailable("no policy is active")
    version, content_hash = row
    _ACTIVE[bind] = (now, version, content_hash)
    policy = _PARSED.get(content_hash)
    if policy is None:
        policy = _engine_policy(session.get(PolicyRecord, version))
    return policy


def ensure_default(session: Session) -> None:
    """Store and activate the shipped default policy when no policy is stored yet."""
    if session.exec(select(PolicyRecord.version).limit(1)).first() is not None:
        return
    policy = default_policy()
    session.add(PolicyRecord(version=policy.version, content_hash=policy.content_hash, body=policy.model_dump(mode="json"),
                             active=True, created_by="vagval (default policy)", activated_at=utcnow()))
    session.add(AuditEvent(actor="vagval", action="policy.activated", entity_type="policy", entity_id=policy.version,
                           details={"content_hash": policy.content_hash, "reason": "default policy seeded at start"}))
    try:
        session.commit()
    except IntegrityError:  # another worker seeded it first
        session.rollback()


def public(record: PolicyRecord) -> PolicyPublic:
    info = record.body.get("policy", {})
    return PolicyPublic(version=record.version, content_hash=record.content_hash, active=record.active,
                        created_at=record.created_at, created_by=record.created_by, activated_at=record.activated_at,
                        title_sv=info.get("title_sv", ""), title_en=info.get("title_en", ""),
                        municipality=info.get("municipality", ""))


def list_policies(session: Session) -> list[PolicyPublic]:
    rows = session.exec(select(PolicyRecord).order_by(PolicyRecord.created_at, PolicyRecord.version)).all()
    return [public(r) for r in rows]


def detail(record: PolicyRecord) -> PolicyDetail:
    return PolicyDetail(**public(record).model_dump(), content=record.body)


def get(session: Session, version: str) -> PolicyDetail:
    record = session.get(PolicyRecord, version)
    if record is None:
        raise NotFound(f"no policy version {version!r}")
    return detail(record)


def get_active(session: Session) -> PolicyDetail:
    record = session.exec(select(PolicyRecord).where(PolicyRecord.active)).first()
    if record is None:
        raise Unavailable("no policy is active")
    return detail(record)


def upload(session: Session, data: object, actor: str, request_id: str | None) -> tuple[PolicyPublic, bool]:
    """Validate and store a new policy version (inactive). Same version and content: the stored one, not created."""
    if not isinstance(data, dict):
        raise policy_error(PolicyError("body", [{"field": "(body)", "reason": "a policy is a JSON object"}]))
    try:
        policy = parse_policy(data, "uploaded policy")
    except PolicyError as exc:
        raise policy_error(exc) from None
    existing = session.get(PolicyRecord, policy.version)
    if existing is not None:
        if existing.content_hash == policy.content_hash:
            return public(existing), False
        raise Conflict(f"policy version {policy.version!r} exists with other content; policies are immutable: "
                       f"give the new one another version", existing_id=policy.version)
    record = PolicyRecord(version=policy.version, content_hash=policy.content_hash, body=policy.model_dump(mode="json"),
                          active=False, created_by=actor)
    session.add(record)
    session.add(AuditEvent(actor=actor, request_id=request_id, action="policy.uploaded", entity_type="policy",
                           entity_id=policy.version, details={"content_hash": policy.content_hash}))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"policy version {policy.version!r} was stored concurrently", existing_id=policy.version) from None
    _PARSED.setdefault(policy.content_hash, policy)
    return public(record), True


def activate(session: Session, version: str, actor: str, request_id: str | None) -> PolicyPublic:
    """Make one stored policy the active one; old screenings keep the policy they were computed under."""
    record = session.get(PolicyRecord, version)
    if record is None:
        raise NotFound(f"no policy version {version!r}")
    if not record.active:
        session.exec(update(PolicyRecord).where(PolicyRecord.active).values(active=False))
        record.active = True
        record.activated_at = utcnow()
        session.add(record)
        session.add(AuditEvent(actor=actor, request_id=request_id, action="policy.activated", entity_type="policy",
                               entity_id=version, details={"content_hash": record.content_hash}))
        events.emit(session, [events.row(events.EventType.policy_activated, version=version,
                                         content_hash=record.content_hash, activated_by=actor)])
        session.commit()
        session.refresh(record)
        _ACTIVE.pop(session.get_bind(), None)
    return public(record)
