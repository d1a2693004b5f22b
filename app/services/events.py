"""The change feed (SPEC §12): one event per change of a proposal and per policy activation, inserted in the change's
own transaction, so a rolled-back change leaves none and a committed one is never lost. The same rows are the
webhooks' outbox (app.services.webhooks).

Order without gaps. A reader that follows the cursor must never miss an event and never see one twice, while many
writers commit at once. Ids are assigned before commit, and on PostgreSQL transactions may commit in any order: a
reader could see id 11 committed while id 10 is still in flight, move its cursor past 10 and never see it. So an
event's id is taken under a lock that its transaction holds until it ends: on PostgreSQL a transaction-level
advisory lock (`pg_advisory_xact_lock`) taken just before the insert; on SQLite the database's write lock, which a
transaction holds from its first write to its commit. Of two events, the one with the lower id was committed (or
rolled back) before the other's id was even taken, so when a reader sees an event it sees every earlier one that
exists: the feed is ordered by id, and a cursor is simply the last id read.
The price is that writers of events take turns from their event to their commit. So every write path emits its
events last, after every other write of its transaction (a writer that waited for a row another writer holds while
holding this lock could deadlock with it): the proposal, its screening, facts and rollups first, then the events,
then only rows of its own (its idempotency record) before the commit. Re-screening many proposals emits once per
chunk, at its end.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app.errors import Unprocessable
from app.models import Event, Role
from app.models.base import iso, utcnow
from app.services.keys import Principal


class EventType(StrEnum):
    created = "proposal.created"
    screened = "proposal.screened"
    amended = "proposal.amended"
    rescreened = "proposal.rescreened"
    decided = "proposal.decided"
    withdrawn = "proposal.withdrawn"
    policy_activated = "policy.activated"


TYPES = [t.value for t in EventType]

_INSERT = insert(Event.__table__)
# the advisory lock's key: any 64-bit number the service uses for nothing else ("vagval e" in ASCII)
_LOCK = text("SELECT pg_advisory_xact_lock(8530474893432104293)")


def row(type_: EventType, *, proposal: dict[str, Any] | Any | None = None, at: dt.datetime | None = None,
        **data: Any) -> dict[str, Any]:
    """An event's row. `proposal`: the proposal as it is after the change (a record or its column dict)."""
    get = (proposal.get if isinstance(proposal, dict) else lambda k: getattr(proposal, k)) if proposal else None
    return {"type": type_.value, "created_at": at or utcnow(),
            "proposal_id": get("id") if get else None, "department": get("department") if get else None,
            "external_ref": get("external_ref") if get else None,
            "data": ({"status": get("status"), "recommendation": get("recommendation"), "score": get("score"),
                      "revision": get("revision")} if get else {}) | data}


def emit(conn: Connection | Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the events on the change's own transaction (Core, like the rest of the write path). Call it after the
    transaction's other writes (see the module's docstring)."""
    if not rows:
        return
    if isinstance(conn, Session):
        conn.flush()  # the ORM's pending rows (audit, screening) go first, before the lock is taken
        conn = conn.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK)  # held until this transaction ends: ids become visible in the order they are taken
    conn.execute(_INSERT, list(rows) if len(rows) > 1 else rows[0])


# -- reading -----------------------------------------------------------------------------------


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"e1:{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> int:
    try:
        version, event_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
        if version != "e1" or not event_id.isdigit():
            raise ValueError
        return int(event_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Unprocessable("the cursor is not one this feed gave out; start without one, or use next_cursor",
                            errors=[{"field": field, "message": "not a cursor of this feed", "type": "cursor"}]) \
            from None


def visible(conn: Connection, *, after: int = 0, types: Iterable[str] | None = None,
            department: str | None = None, scoped_to: str | None = None, limit: int = 100) -> list[Any]:
    """Events after the id, oldest first. `scoped_to`: a submitter's department (its proposals' events and the
    policy's); `department`: only that department's."""
    t = Event.__table__.c
    query = select(Event.__table__).where(t.id > after)
    if types:
        query = query.where(t.type.in_(list(types)))
    if scoped_to is not None:
        query = query.where(or_(t.department == scoped_to, t.proposal_id.is_(None)))
    if department is not None:
        query = query.where(t.department == department)
    return list(conn.execute(query.order_by(t.id).limit(limit)))


def last_id(conn: Connection) -> int:
    """The feed's position now: after every event committed (a new webhook starts here)."""
    return conn.execute(select(func.max(Event.__table__.c.id))).scalar() or 0


def public(event: Any) -> dict[str, Any]:
    return {"id": str(event.id), "type": event.type, "created_at": iso(event.created_at),
            "proposal_id": event.proposal_id, "department": event.department, "external_ref": event.external_ref,
            "data": event.data}


def page(session: Session, principal: Principal, after: str | None, limit: int, types: list[str] | None) -> dict:
    """GET /v1/events: a page of the feed and the cursor to continue from (where it was when nothing is new)."""
    position = decode_cursor(after) if after else 0
    scoped = principal.department if principal.role == Role.submitter else None
    rows = visible(session.connection(), after=position, types=types, scoped_to=scoped, limit=limit)
    if rows:
        position = rows[-1].id
    return {"items": [public(r) for r in rows], "next_cursor": encode_cursor(position)}
