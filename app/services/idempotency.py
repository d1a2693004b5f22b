"""Safe retries: `Idempotency-Key` on every POST, scoped per client, kept for a retention period.

Same key and same body -> the stored response again, with `Idempotent-Replayed: true`.
Same key and another body -> 422. The same key while the first request is still running -> 409.
The response is stored in the same transaction as the work it describes: either both or neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response
from pydantic_core import to_json
from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import Conflict, Unprocessable
from app.models import IdempotencyRecord
from app.models.base import as_utc, utcnow
from app.services.keys import Principal

MAX_KEY_LENGTH = 255


@dataclass(slots=True)
class Outcome:
    """What a unit of work answers: status, JSON body and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"
    wrote: bool = True  # False: a read-only answer (a preview), nothing to commit without an idempotency key
    replay_body: Any = None  # what a replay returns instead of body (e.g. without a secret shown only once)

    def response(self, replayed: bool = False) -> Response:
        headers = dict(self.headers)
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        content = self.body if isinstance(self.body, bytes) else to_json(self.body)
        return Response(content, status_code=self.status, headers=headers, media_type=self.media_type)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity: method, path and the body's JSON content (whitespace and key order do not count)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def run(session: Session, engine: Engine, principal: Principal, key: str | None,
        request_fingerprint: Callable[[], str], work: Callable[[Session], Outcome], retention: dt.timedelta) -> Response:
    """Do the work and commit it, once per idempotency key (the fingerprint is computed only when a key is given)."""
    if key is None:
        outcome = work(session)
        if outcome.wrote:
            session.commit()
        return outcome.response()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Unprocessable("Idempotency-Key must be 1-255 printable characters",
                            errors=[{"field": "Idempotency-Key", "message": "1-255 printable characters", "type": "header"}])
    fingerprint_ = request_fingerprint()
    claim_id = _claim(engine, principal.client_id, key, fingerprint_, retention)
    if isinstance(claim_id, Outcome):
        return claim_id.response(replayed=True)
    try:
        outcome = work(session)
        record = session.get(IdempotencyRecord, claim_id)
        if record is None:  # purged under us (retention): store afresh
            record = IdempotencyRecord(client_id=principal.client_id, key=key, request_hash=fingerprint_, state="done")
        record.state = "done"
        record.status_code = outcome.status
        stored = outcome.body if outcome.replay_body is None else outcome.replay_body
        record.response_body = stored.decode() if isinstance(stored, bytes) else to_json(stored).decode()
        record.response_headers = outcome.headers
        session.add(record)
        session.commit()
    except BaseException:
        session.rollback()
        _release(engine, claim_id)
        raise
    return outcome.response()


def _claim(engine: Engine, client_id: str, key: str, request_fingerprint: str,
           retention: dt.timedelta) -> int | Outcome:
    """Claim the key in its own committed transaction; or the stored outcome to replay; or 409/422."""
    with Session(engine) as s:
        for _ in range(2):
            existing = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.client_id == client_id,
                                                              IdempotencyRecord.key == key)).first()
            if existing is not None and as_utc(existing.created_at) < utcnow() - retention:
                s.delete(existing)
                s.commit()
                existing = None
            if existing is not None:
                if existing.request_hash != request_fingerprint:
                    raise Unprocessable(
                        "this Idempotency-Key was used with another request; use a new key for a new request",
                        errors=[{"field": "Idempotency-Key", "message": "reused with a different request", "type": "header"}])
                if existing.state != "done":
                    raise Conflict("a request with this Idempotency-Key is still in progress; retry shortly",
                                   headers={"Retry-After": "1"})
                return Outcome(existing.status_code or 200, json.loads(existing.response_body or "null"),
                               dict(existing.response_headers or {}))
            record = IdempotencyRecord(client_id=client_id, key=key, request_hash=request_fingerprint, state="in_progress")
            s.add(record)
            try:
                s.commit()
                return record.id
            except IntegrityError:  # claimed concurrently: look again
                s.rollback()
        raise Conflict("a request with this Idempotency-Key is still in progress; retry shortly",
                       headers={"Retry-After": "1"})


def _release(engine: Engine, claim_id: int) -> None:
    with Session(engine) as s:
        s.exec(delete(IdempotencyRecord).where(IdempotencyRecord.id == claim_id, IdempotencyRecord.state == "in_progress"))
        s.commit()

