"""Safe retries: `Idempotency-Key` on every POST, scoped per client, kept for a retention period.

Same key and same body -> the stored response again, with `Idempotent-Replayed: true`.
Same key and another body -> 422. The same key while the first request is still running -> 409 with `Retry-After`.
The response is stored in the same transaction as the work it describes: either both or neither.

A request claims its key (committed at once) and holds the claim for a lease (`VAGVAL_IDEMPOTENCY_LEASE_SECONDS`,
30 s). A request that died without an answer — the server killed, the database gone — leaves its claim behind;
once the lease has run out, a retry with the same key and body takes the claim over and does the work. The work
commits only while its request still holds the claim (the claim's token is checked in the work's own transaction),
so a first request that was merely slow and a retry that took over never both commit: one stores, the other gets
409 and then the replay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response
from pydantic_core import to_json
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import Conflict, Unprocessable
from app.models import IdempotencyRecord
from app.models.base import as_utc, utcnow
from app.services.keys import Principal
from app.settings import Settings

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


def raw_fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity by its bytes: for a batch of up to 32 MiB, whose parse and canonical form would hold
    the interpreter for a third of a second while other requests wait (a retry sends the same bytes)."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\nraw\n" + body).hexdigest()


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity: method, path and the body's JSON content (whitespace and key order do not count)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def run(session: Session, engine: Engine, principal: Principal, key: str | None,
        request_fingerprint: Callable[[], str], work: Callable[[Session], Outcome], settings: Settings,
        lease: Lease | None = None) -> Response:
    """Do the work and commit it, once per idempotency key (the fingerprint is computed only when a key is given).

    With a key, the work's own commits are held back (made flushes) so that the work and its stored answer commit
    together, in one transaction, only while the claim is held. Work that commits in chunks on purpose (a batch, a
    re-screening of everything) passes a `lease` instead: it renews the claim with every chunk and stops when the
    claim was taken over."""
    if key is None:
        outcome = work(session)
        if outcome.wrote:
            session.commit()
        return outcome.response()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Unprocessable("Idempotency-Key must be 1-255 printable characters",
                            errors=[{"field": "Idempotency-Key", "message": "1-255 printable characters", "type": "header"}])
    fingerprint_ = request_fingerprint()
    claim = _claim(engine, principal.client_id, key, fingerprint_, settings.idempotency_retention,
                   settings.idempotency_lease)
    if isinstance(claim, Outcome):
        return claim.response(replayed=True)
    claim_id, token = claim
    if lease is not None:
        lease.claim = (claim_id, token, settings.idempotency_lease.total_seconds())
    else:
        session.commit = session.flush  # type: ignore[method-assign]  # one transaction with the stored answer
    try:
        outcome = work(session)
        if lease is None:
            del session.commit  # the session's own commit again, for the answer's
        stored = outcome.body if outcome.replay_body is None else outcome.replay_body
        done = {"state": "done", "claim": None, "status_code": outcome.status,
                "response_body": stored.decode() if isinstance(stored, bytes) else to_json(stored).decode(),
                "response_headers": outcome.headers}
        held = session.exec(update(IdempotencyRecord).where(*_held(claim_id, token))  # type: ignore[call-overload]
                            .values(**done)).rowcount
        if held != 1:
            if session.get(IdempotencyRecord, claim_id) is not None:  # a retry took the claim over after the lease
                raise _in_progress(settings.idempotency_lease.total_seconds())
            session.add(IdempotencyRecord(client_id=principal.client_id, key=key, request_hash=fingerprint_,
                                          **done))  # purged under us (retention): store afresh
        session.commit()
    except BaseException:
        if lease is None:
            session.__dict__.pop("commit", None)
        session.rollback()
        if lease is not None and lease.committed:  # chunks are stored: the claim stays (its body with it), expired
            _expire(engine, claim_id, token)      # so that a retry with the same body takes it over at once
        else:
            _release(engine, claim_id, token)
        raise
    return outcome.response()


LIVE_CLAIM = dt.timedelta(seconds=5)  # younger than this, a claim is most likely a request still running


def _wait(age: dt.timedelta, lease: dt.timedelta) -> float:
    """Retry-After for a claimed key: soon while the first request is likely still running (most finish in
    milliseconds), else what is left of the lease (the request may have died; then a retry takes the claim over)."""
    if age < LIVE_CLAIM:
        return 1
    return min(lease, max(dt.timedelta(0), lease - age)).total_seconds()


def _in_progress(retry_after: float) -> Conflict:
    return Conflict("a request with this Idempotency-Key is still in progress; retry shortly",
                    headers={"Retry-After": str(max(1, math.ceil(retry_after)))})


def _claim(engine: Engine, client_id: str, key: str, request_fingerprint: str, retention: dt.timedelta,
           lease: dt.timedelta) -> tuple[int, str] | Outcome:
    """Claim the key in its own committed transaction (or take over a claim whose lease ran out); or the stored
    outcome to replay; or 409/422."""
    token = secrets.token_hex(16)
    with Session(engine) as s:
        for _ in range(2):
            now = utcnow()
            existing = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.client_id == client_id,
                                                              IdempotencyRecord.key == key)).first()
            if existing is not None and as_utc(existing.created_at) < now - retention:
                s.delete(existing)
                BatchLedger(client_id, key, "").clear(s)  # a batch's markers go with its key
                s.commit()
                existing = None
            if existing is not None:
                if existing.request_hash != request_fingerprint:
                    raise Unprocessable(
                        "this Idempotency-Key was used with another request; use a new key for a new request",
                        errors=[{"field": "Idempotency-Key", "message": "reused with a different request", "type": "header"}])
                if existing.state == "done":
                    return Outcome(existing.status_code or 200, json.loads(existing.response_body or "null"),
                                   dict(existing.response_headers or {}))
                since = as_utc(existing.claimed_at or existing.created_at)
                if since > now - lease:
                    raise _in_progress(_wait(now - since, lease))
                taken = s.exec(update(IdempotencyRecord).where(  # type: ignore[call-overload]
                    IdempotencyRecord.id == existing.id, IdempotencyRecord.state == "in_progress",
                    IdempotencyRecord.claim == existing.claim if existing.claim is not None
                    else IdempotencyRecord.claim.is_(None),
                    IdempotencyRecord.claimed_at == existing.claimed_at if existing.claimed_at is not None
                    else IdempotencyRecord.claimed_at.is_(None)).values(claim=token, claimed_at=now)).rowcount
                s.commit()
                if taken == 1:  # the lease had run out: this request does the work now
                    return existing.id, token
                s.expire_all()
                continue  # another retry took it over first: look again
            record = IdempotencyRecord(client_id=client_id, key=key, request_hash=request_fingerprint,
                                       state="in_progress", claim=token, claimed_at=now)
            s.add(record)
            try:
                s.commit()
                return record.id, token
            except IntegrityError:  # claimed concurrently: look again
                s.rollback()
        raise _in_progress(lease.total_seconds())


def _held(claim_id: int, token: str) -> tuple:
    """The condition that a claim is still this request's: in progress, with its token."""
    return (IdempotencyRecord.id == claim_id, IdempotencyRecord.state == "in_progress",
            IdempotencyRecord.claim == token)


def _expire(engine: Engine, claim_id: int, token: str) -> None:
    """A request that failed after committing part of its work keeps its claim, with its lease run out."""
    _settle(engine, update(IdempotencyRecord).where(*_held(claim_id, token))
            .values(claimed_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)))


def _release(engine: Engine, claim_id: int, token: str) -> None:
    """A request that failed gives its claim back, so that a retry need not wait for the lease (when the database
    is gone, it cannot: then the lease frees it)."""
    _settle(engine, delete(IdempotencyRecord).where(*_held(claim_id, token)))


def _settle(engine: Engine, statement: Any) -> None:
    """A failed request's last word on its claim, in its own transaction; if the database is gone, the lease does it
    (the original error is the one to report)."""
    try:
        with Session(engine) as s:
            s.exec(statement)
            s.commit()
    except Exception:  # noqa: BLE001
        pass


class Lease:
    """A long piece of work's hold on its key's claim (SPEC §10): renewed with every chunk it commits, so that the
    lease never runs out while the work goes on, and checked, so that work whose claim a retry took over stops."""

    claim: tuple[int, str, float] | None = None  # (record id, token, lease seconds), set by run()
    committed = False  # some chunk of the work is stored

    def renew(self, session: Session) -> None:
        """In the chunk's own transaction: the claim renewed, or 409 when it is no longer this request's."""
        if self.claim is None:
            return
        claim_id, token, lease = self.claim
        held = session.exec(update(IdempotencyRecord).where(*_held(claim_id, token))  # type: ignore[call-overload]
                            .values(claimed_at=utcnow())).rowcount
        if held != 1:
            raise _in_progress(lease)


class BatchLedger(Lease):
    """What a batch sent with an Idempotency-Key has stored so far, chunk by chunk (SPEC §10 "Bulk").

    A large batch commits in chunks, so that other requests are not kept waiting for the SQLite writer's lock and its
    memory stays bounded. Each chunk's results are written in the chunk's own transaction, as a marker beside the
    key's claim; a retry of a batch that died half-way (after the claim's lease) replays the chunks already stored
    instead of storing them again, and the markers go when the whole answer is stored. A batch that failed after
    storing chunks keeps its claim (with its lease run out), so only the same body can complete it."""

    def __init__(self, client_id: str, key: str, request_hash: str):
        self.client_id = client_id
        self.request_hash = request_hash
        # \x1f cannot be in a client's key (keys are printable): markers never meet a real key. Matched with LIKE
        # (character by character), not by range: collations that ignore control characters would sort it away.
        self.prefix = "\x1fbatch\x1f" + hashlib.sha256(key.encode()).hexdigest()[:40] + "\x1f"

    def _mine(self):  # noqa: ANN202
        return (IdempotencyRecord.client_id == self.client_id,
                IdempotencyRecord.key.startswith(self.prefix, autoescape=True))

    def stored(self, session: Session) -> dict[int, dict[str, Any]]:
        """index -> the item's result, for the chunks an earlier attempt stored."""
        found: dict[int, dict[str, Any]] = {}
        for record in session.exec(select(IdempotencyRecord).where(*self._mine())).all():
            if record.request_hash == self.request_hash:
                found.update({int(i): r for i, r in json.loads(record.response_body or "{}").items()})
        return found

    def record(self, session: Session, first_index: int, results: dict[int, dict[str, Any]]) -> None:
        """Note a chunk's results in its transaction, and renew the claim: a batch that lost its claim (it outran the
        lease and a retry took over) stops here, its chunk rolled back, rather than storing beside the retry."""
        self.renew(session)
        if not results:
            return
        session.add(IdempotencyRecord(client_id=self.client_id, key=f"{self.prefix}{first_index:08d}",
                                      request_hash=self.request_hash, state="done", status_code=201,
                                      response_body=to_json({str(i): r for i, r in results.items()}).decode()))

    def clear(self, session: Session) -> None:
        session.exec(delete(IdempotencyRecord).where(*self._mine()))  # type: ignore[call-overload]
