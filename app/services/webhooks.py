"""Webhooks (SPEC §12): an admin registers a receiver; every event it asks for is delivered to it, signed as the
Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`, made with the
`standardwebhooks` library), at least once, with exponential backoff for 24 hours, then marked failed.

The outbox is the change feed itself (app.services.events): its rows are inserted in the change's own transaction,
so a rolled-back change sends nothing and a committed one survives the server's death. The delivery worker, one in
every server process, does two things in a loop:
- fan-out: for each webhook, the feed's events after the webhook's position become delivery rows, and the position
  moves on, in one transaction whose guarded update of the position lets one worker do it (another that read the
  same position updates no row and rolls back);
- delivery: a due delivery is claimed by a conditional update (a random token and a lease longer than a request's
  timeout); only the claimant sends it and records the outcome, so with several workers, on PostgreSQL as on
  SQLite, each delivery is sent by one of them at a time. A worker that dies mid-send leaves a lease that runs out:
  the delivery is sent again (at least once; receivers deduplicate by `webhook-id`).

Targets: only https, and never loopback, private, link-local or otherwise reserved addresses, checked when the
webhook is registered and again before every attempt (a name that later resolves elsewhere is refused then), unless
the operator sets VAGVAL_WEBHOOK_ALLOW_PRIVATE=true (tests and internal networks; plain http is then allowed too).
Redirects are not followed. What is left: a name could resolve differently between the check and the connection.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ipaddress
import json
import logging
import random
import secrets
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import httpx
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session
from standardwebhooks import Webhook as Signer

from app import __version__
from app.errors import NotFound, Unprocessable
from app.metrics import WEBHOOK_ATTEMPTS
from app.models import AuditEvent, Event, Webhook, WebhookDelivery
from app.models.base import as_utc, iso, utcnow
from app.services import departments, events
from app.settings import Settings

log = logging.getLogger("vagval.webhooks")

FAN_OUT_BATCH = 500  # events considered per webhook and pass
CLAIM_BATCH = 20  # deliveries sent at once by one worker
ERROR_CHARS = 300


# -- registration ------------------------------------------------------------------------------


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_target(url: str, allow_private: bool, field: str = "url") -> None:
    """422 for a URL the service will not send to (see the module's docstring)."""

    def refuse(why: str) -> Unprocessable:
        return Unprocessable(f"the webhook URL is refused: {why}",
                             errors=[{"field": field, "message": why, "type": "url"}])

    parts = urlsplit(url)
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise refuse("only https URLs" + (" (or http)" if allow_private else "") + " are accepted")
    if not parts.hostname:
        raise refuse("the URL has no host")
    if parts.username or parts.password:
        raise refuse("credentials in the URL are not accepted; authenticate the delivery by its signature")
    if allow_private:
        return
    for address in resolve(parts.hostname, parts.port):
        if _blocked(address):
            raise refuse(f"{parts.hostname} resolves to {address}, a loopback, private, link-local or reserved "
                         "address (the operator can allow such targets with VAGVAL_WEBHOOK_ALLOW_PRIVATE=true)")


def resolve(host: str, port: int | None) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Unprocessable(f"the webhook URL's host {host!r} cannot be resolved",
                            errors=[{"field": "url", "message": "the host cannot be resolved", "type": "url"}]) \
            from None
    return sorted({str(info[4][0]) for info in infos})


def new_secret() -> str:
    """whsec_ and 32 random bytes in standard base64, as the Standard Webhooks libraries read it (not the URL-safe
    alphabet: its - and _ would be dropped by their decoder)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def public(hook: Webhook, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return {"id": hook.id, "url": hook.url, "events": hook.events or list(events.TYPES),
            "department": hook.department, "created_at": iso(hook.created_at), "created_by": hook.created_by,
            "deliveries": counts or {"pending": 0, "delivered": 0, "failed": 0, "cancelled": 0}}


def create(session: Session, *, url: str, types: list[str] | None, department: str | None, actor: str,
           request_id: str | None, settings: Settings) -> tuple[dict[str, Any], str]:
    """Register a receiver; it gets the events committed from now on. Returns the webhook and its secret."""
    check_target(url, settings.webhook_allow_private)
    if department is not None:
        departments.check(session, department)  # unknown or retired: 422 with close matches (SPEC §13)
    position = events.last_id(session.connection())
    hook = Webhook(url=url, events=sorted(set(types)) if types else [], department=department, secret=new_secret(),
                   created_by=actor, cursor_id=position)
    session.add(hook)
    session.add(AuditEvent(actor=actor, request_id=request_id, action="webhook.created", entity_type="webhook",
                           entity_id=hook.id, details={"url": url, "events": hook.events, "department": department}))
    session.commit()
    session.refresh(hook)
    return public(hook), hook.secret


def _live(session: Session, webhook_id: str) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.deleted_at is not None:
        raise NotFound(f"no webhook {webhook_id!r}")
    return hook


def _counts(session: Session, ids: list[str]) -> dict[str, dict[str, int]]:
    d = WebhookDelivery.__table__.c
    counts: dict[str, dict[str, int]] = {i: {"pending": 0, "delivered": 0, "failed": 0, "cancelled": 0} for i in ids}
    if ids:
        for webhook_id, status, n in session.execute(
                select(d.webhook_id, d.status, func.count()).where(d.webhook_id.in_(ids))
                .group_by(d.webhook_id, d.status)):
            counts[webhook_id][status] = n
    return counts


def list_all(session: Session) -> list[dict[str, Any]]:
    hooks = list(session.execute(select(Webhook).where(Webhook.deleted_at.is_(None))
                                 .order_by(Webhook.created_at)).scalars())
    counts = _counts(session, [h.id for h in hooks])
    return [public(h, counts[h.id]) for h in hooks]


def get(session: Session, webhook_id: str) -> dict[str, Any]:
    hook = _live(session, webhook_id)
    return public(hook, _counts(session, [hook.id])[hook.id])


def delete(session: Session, webhook_id: str, actor: str, request_id: str | None) -> None:
    """The webhook stops at once; its pending deliveries are cancelled (they stay in its log)."""
    hook = _live(session, webhook_id)
    hook.deleted_at = utcnow()
    session.add(hook)
    session.execute(update(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id,
                                                  WebhookDelivery.status == "pending")
                    .values(status="cancelled", claim=None, lease_until=None))
    session.add(AuditEvent(actor=actor, request_id=request_id, action="webhook.deleted", entity_type="webhook",
                           entity_id=hook.id, details={"url": hook.url}))
    session.commit()


def deliveries(session: Session, webhook_id: str, status: str | None, limit: int,
               before: int | None) -> dict[str, Any]:
    """The webhook's deliveries, newest first, with a cursor (the id to continue before)."""
    _live(session, webhook_id)
    d = WebhookDelivery.__table__.c
    query = select(WebhookDelivery.__table__).where(d.webhook_id == webhook_id)
    if status:
        query = query.where(d.status == status)
    if before is not None:
        query = query.where(d.id < before)
    rows = list(session.execute(query.order_by(d.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_delivery(r) for r in rows], "next_cursor": str(rows[-1].id) if more else None}


def _delivery(r: Any) -> dict[str, Any]:
    return {"id": str(r.id), "event_id": str(r.event_id), "event_type": r.event_type, "status": r.status,
            "attempts": r.attempts, "created_at": iso(r.created_at),
            "next_attempt_at": iso(r.next_attempt_at) if r.status == "pending" else None,
            "last_attempt_at": iso(r.last_attempt_at) if r.last_attempt_at else None,
            "last_status_code": r.last_status_code, "last_error": r.last_error,
            "delivered_at": iso(r.delivered_at) if r.delivered_at else None}


# -- the worker --------------------------------------------------------------------------------


def fan_out(engine: Engine) -> int:
    """Turn the feed's new events into deliveries for every live webhook; returns how many were made."""
    made = 0
    with Session(engine) as session:
        hooks = list(session.execute(select(Webhook.id).where(Webhook.deleted_at.is_(None))).scalars())
    for webhook_id in hooks:
        with Session(engine) as session:
            made += _fan_out_one(session, webhook_id)
    return made


def _fan_out_one(session: Session, webhook_id: str) -> int:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.deleted_at is not None:
        return 0
    conn = session.connection()
    rows = events.visible(conn, after=hook.cursor_id, limit=FAN_OUT_BATCH)
    if not rows:
        session.rollback()
        return 0
    wanted = [r for r in rows if (not hook.events or r.type in hook.events)
              and (hook.department is None or r.department == hook.department)]
    w = Webhook.__table__.c
    moved = conn.execute(update(Webhook.__table__)
                         .where(w.id == hook.id, w.cursor_id == hook.cursor_id, w.deleted_at.is_(None))
                         .values(cursor_id=rows[-1].id))
    if moved.rowcount != 1:  # another worker fanned these out first, or the webhook was deleted meanwhile
        session.rollback()
        return 0
    now = utcnow()
    if wanted:
        conn.execute(insert(WebhookDelivery.__table__),
                     [{"webhook_id": hook.id, "event_id": r.id, "event_type": r.type, "status": "pending",
                       "attempts": 0, "created_at": now, "next_attempt_at": now} for r in wanted])
    session.commit()
    return len(wanted)


@dataclass(slots=True)
class Job:
    delivery_id: int
    claim: str
    url: str
    secret: str
    event: dict[str, Any]
    attempts: int
    created_at: dt.datetime


def claim_due(engine: Engine, settings: Settings, limit: int = CLAIM_BATCH) -> list[Job]:
    """Claim deliveries that are due and not held by another worker (a lease that has not run out)."""
    now = utcnow()
    lease = now + dt.timedelta(seconds=settings.webhook_timeout_seconds + 30)
    d = WebhookDelivery.__table__.c
    free = or_(d.lease_until.is_(None), d.lease_until < now)
    jobs: list[Job] = []
    with Session(engine) as session:
        conn = session.connection()
        due = list(conn.execute(select(d.id).where(d.status == "pending", d.next_attempt_at <= now, free)
                                .order_by(d.next_attempt_at, d.id).limit(limit)).scalars())
        claimed: dict[int, str] = {}
        for delivery_id in due:
            token = secrets.token_hex(16)
            taken = conn.execute(update(WebhookDelivery.__table__)
                                 .where(d.id == delivery_id, d.status == "pending", free)
                                 .values(claim=token, lease_until=lease, attempts=d.attempts + 1,
                                         last_attempt_at=now))
            if taken.rowcount == 1:
                claimed[delivery_id] = token
        session.commit()
        if not claimed:
            return []
        w, e = Webhook.__table__.c, Event.__table__.c
        for r in session.execute(select(d.id.label("delivery_id"), d.attempts, d.created_at.label("made_at"), w.url,
                                        w.secret, Event.__table__)
                                 .join(Webhook.__table__, w.id == d.webhook_id).join(Event.__table__, e.id == d.event_id)
                                 .where(d.id.in_(list(claimed)))):
            jobs.append(Job(r.delivery_id, claimed[r.delivery_id], r.url, r.secret, events.public(r), r.attempts,
                            as_utc(r.made_at)))
        session.commit()
    return jobs


def payload(event: dict[str, Any]) -> bytes:
    """The body: the Standard Webhooks shape (type, timestamp, data), data being the event as the feed shows it."""
    return json.dumps({"type": event["type"], "timestamp": event["created_at"], "data": event},
                      ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(job: Job, body: bytes, at: dt.datetime) -> dict[str, str]:
    msg_id = f"evt_{job.event['id']}"
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Signer(job.secret).sign(msg_id, at, body),
            "content-type": "application/json", "user-agent": f"Vagval-Webhooks/{__version__}"}


def backoff(attempts: int, settings: Settings, rng: random.Random = random.SystemRandom()) -> float:
    """Seconds before the next attempt after `attempts` failed ones: base × 2^(attempts-1), capped, ±10 % jitter."""
    delay = min(settings.webhook_retry_base_seconds * 2 ** (attempts - 1), settings.webhook_retry_max_interval_seconds)
    return delay * rng.uniform(0.9, 1.1)


def settle(engine: Engine, settings: Settings, job: Job, status_code: int | None, error: str | None) -> str:
    """Record an attempt's outcome, if this worker still holds the claim; returns the delivery's new status."""
    now = utcnow()
    d = WebhookDelivery.__table__.c
    if status_code is not None and 200 <= status_code < 300:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_error": None}
    else:
        retry_at = now + dt.timedelta(seconds=backoff(job.attempts, settings))
        gave_up = retry_at > job.created_at + dt.timedelta(hours=settings.webhook_retry_hours)
        values = {"status": "failed" if gave_up else "pending", "next_attempt_at": retry_at,
                  "last_error": (error or f"the receiver answered {status_code}")[:ERROR_CHARS]}
    with Session(engine) as session:
        done = session.execute(update(WebhookDelivery.__table__)
                               .where(d.id == job.delivery_id, d.claim == job.claim, d.status == "pending")
                               .values(claim=None, lease_until=None, last_status_code=status_code, **values))
        session.commit()
    return values["status"] if done.rowcount == 1 else "lost"


async def deliver(client: httpx.AsyncClient, engine: Engine, settings: Settings, job: Job) -> str:
    """One attempt: check the target, sign, POST (no redirects), record the outcome."""
    status_code, error = None, None
    try:
        if not settings.webhook_allow_private:
            await anyio.to_thread.run_sync(check_target, job.url, False)
        body = payload(job.event)
        headers = signed_headers(job, body, utcnow())
        async with client.stream("POST", job.url, content=body, headers=headers) as response:
            status_code = response.status_code
    except Unprocessable as exc:
        error = f"not sent: {exc.detail}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - one delivery's failure (a secret that cannot sign) is its own
        log.exception("webhook delivery could not be made")
        error = f"not sent: {type(exc).__name__}"
    outcome = await anyio.to_thread.run_sync(settle, engine, settings, job, status_code, error)
    WEBHOOK_ATTEMPTS.labels(outcome).inc()
    log.info("webhook delivery", extra={"delivery_id": job.delivery_id, "event_id": job.event["id"],
                                        "attempt": job.attempts, "status_code": status_code, "outcome": outcome,
                                        **({"error": error} if error else {})})
    return outcome


async def run_worker(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """The delivery worker of one server process (started by the app's lifespan), until `stop` is set."""
    timeout = httpx.Timeout(settings.webhook_timeout_seconds, connect=min(10.0, settings.webhook_timeout_seconds))
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        while not stop.is_set():
            jobs: list[Job] = []
            try:
                await anyio.to_thread.run_sync(fan_out, engine)
                jobs = await anyio.to_thread.run_sync(claim_due, engine, settings)
                if jobs:
                    await asyncio.gather(*(deliver(client, engine, settings, job) for job in jobs))
            except Exception:  # the database away, a lock: the next pass tries again
                log.exception("webhook worker pass failed")
            if not jobs:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=settings.webhook_poll_seconds)
                except TimeoutError:
                    pass
