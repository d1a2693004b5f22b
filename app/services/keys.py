"""API keys: random, recognisable prefix, shown once, stored as a hash, compared in constant time."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from app.errors import Conflict, Unauthorized, Unprocessable
from app.models import ApiKey, AuditEvent, Client, Role
from app.models.base import as_utc, iso, utcnow
from app.services import departments

TOKEN_PREFIX = "vgv_"
_TOKEN = re.compile(r"^vgv_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{20,100})$")
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the client behind the key."""

    client_id: str
    name: str
    role: Role
    department: str | None
    key_id: str

    def can(self, *roles: Role) -> bool:
        return self.role in roles


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A new key and its lookup prefix: vgv_<12 characters>_<secret>."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    lookup = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{TOKEN_PREFIX}{lookup}_{secrets.token_urlsafe(32)}", f"{TOKEN_PREFIX}{lookup}"


def check_role(role: str, department: str | None) -> tuple[Role, str | None]:
    try:
        r = Role(role)
    except ValueError:
        raise Unprocessable(f"role must be one of {', '.join(Role)}",
                            errors=[{"field": "role", "message": f"unknown role {role!r}", "type": "enum"}]) from None
    if r == Role.submitter:
        if not department:
            raise Unprocessable("a submitter key is bound to one department (its slug, e.g. kommunstaben)",
                                errors=[{"field": "department", "message": "required for a submitter", "type": "missing"}])
    elif department:
        raise Unprocessable("only submitter keys are bound to a department",
                            errors=[{"field": "department", "message": f"not allowed for role {r}", "type": "extra"}])
    return r, department if r == Role.submitter else None


def create_client_key(session: Session, *, name: str, role: str, department: str | None, actor: str,
                      request_id: str | None = None) -> tuple[Client, ApiKey, str]:
    """A new client with its first key; the key is returned once and stored only as a hash."""
    r, department = check_role(role, department)
    if department is not None:  # an active one of GET /v1/departments (422 with close matches otherwise)
        departments.check(session, department)
    name = name.strip()
    if not name or len(name) > 100:
        raise Unprocessable("name must be 1-100 characters", errors=[{"field": "name", "message": "1-100 characters"}])
    if session.exec(select(Client).where(Client.name == name)).first() is not None:
        raise Conflict(f"a client named {name!r} exists already")
    client = Client(name=name, role=r.value, department=department)
    token, prefix = new_token()
    key = ApiKey(client_id=client.id, prefix=prefix, key_hash=_hash(token))
    session.add(client)
    session.flush()
    session.add(key)
    session.add(AuditEvent(actor=actor, request_id=request_id, action="key.created", entity_type="api_key",
                           entity_id=key.id, details={"client": name, "role": r.value, "department": department,
                                                      "prefix": prefix}))
    session.commit()
    return client, key, token


def authenticate(session: Session, authorization: str | None) -> Principal:
    """The principal for an `Authorization: Bearer <key>` header; 401 otherwise."""
    if not authorization:
        raise Unauthorized("an API key is required: Authorization: Bearer <key>")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use Authorization: Bearer <key>")
    match = _TOKEN.match(token)
    if match is None:
        raise Unauthorized("the API key is not valid")
    prefix = f"{TOKEN_PREFIX}{match.group(1)}"
    row = session.exec(select(ApiKey, Client).join(Client, Client.id == ApiKey.client_id)
                       .where(ApiKey.prefix == prefix)).first()
    expected = row[0].key_hash if row else _hash("no such key: compare anyway to keep the timing flat")
    if not hmac.compare_digest(expected, _hash(token)) or row is None:
        raise Unauthorized("the API key is not valid")
    key, client = row
    if key.revoked_at is not None:  # told only to a holder of the real key: its hash matched
        raise Unauthorized(f"this API key was revoked at {iso(key.revoked_at.replace(microsecond=0))}; ask an "
                           "administrator for a new one")
    principal = Principal(client.id, client.name, Role(client.role), client.department, key.id)
    now = utcnow()
    if key.last_used_at is None or now - as_utc(key.last_used_at) >= LAST_USED_EVERY:
        # at most once a minute per key, committed at once on the lookup's own connection (a second connection
        # taken while this one is held could wait for ever on a pool that is exhausted the same way)
        session.exec(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        session.commit()
    return principal



def key_info(key: ApiKey, client: Client) -> dict:
    """What may be shown about a key: never the key itself or its hash."""
    return {"id": key.id, "prefix": key.prefix, "client": client.name, "client_id": client.id, "role": client.role,
            "department": client.department, "created_at": iso(key.created_at),
            "last_used_at": iso(key.last_used_at) if key.last_used_at else None,
            "revoked_at": iso(key.revoked_at) if key.revoked_at else None}


def list_keys(session: Session) -> list[dict]:
    rows = session.exec(select(ApiKey, Client).join(Client, Client.id == ApiKey.client_id)
                        .order_by(ApiKey.created_at, ApiKey.id)).all()
    return [key_info(k, c) for k, c in rows]


def _key(session: Session, key_id: str) -> tuple[ApiKey, Client]:
    from app.errors import NotFound

    row = session.exec(select(ApiKey, Client).join(Client, Client.id == ApiKey.client_id).where(ApiKey.id == key_id)).first()
    if row is None:
        raise NotFound(f"no API key {key_id!r}")
    return row


def get_key(session: Session, key_id: str) -> dict:
    key, client = _key(session, key_id)
    return key_info(key, client)


def revoke(session: Session, key_id: str, actor: str, request_id: str | None = None) -> dict:
    """Revoke a key; it is refused from the next request on."""
    key, client = _key(session, key_id)
    if key.revoked_at is None:
        admin = client.role == Role.admin
        if admin:  # the admins' keys locked (PostgreSQL) so that two revocations cannot each leave the other's
            session.exec(_active_admin_keys().with_for_update()).all()
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()  # on SQLite the write lock is held from here: the count below is not raced
        if admin and not session.exec(_active_admin_keys()).first():
            session.rollback()
            raise Conflict("this is the last admin key: revoking it would lock every admin out; create another "
                           "admin key first (vagval keys create --role admin), then revoke this one")
        session.add(AuditEvent(actor=actor, request_id=request_id, action="key.revoked", entity_type="api_key",
                               entity_id=key.id, details={"client": client.name, "prefix": key.prefix}))
        session.commit()
    return key_info(key, client)


def _active_admin_keys():  # noqa: ANN202
    return select(ApiKey.id).join(Client, Client.id == ApiKey.client_id).where(Client.role == Role.admin,
                                                                                 ApiKey.revoked_at.is_(None))


def rotate(session: Session, key_id: str, actor: str, request_id: str | None = None) -> tuple[dict, str]:
    """A new key for the same client; the old one stays valid until it is revoked (two keys during the switch)."""
    old, client = _key(session, key_id)
    if old.revoked_at is not None:
        raise Conflict("a revoked key cannot be rotated; create a new one for the client instead")
    token, prefix = new_token()
    key = ApiKey(client_id=client.id, prefix=prefix, key_hash=_hash(token))
    session.add(key)
    session.add(AuditEvent(actor=actor, request_id=request_id, action="key.rotated", entity_type="api_key",
                           entity_id=key.id, details={"client": client.name, "prefix": prefix, "replaces": old.id}))
    session.commit()
    return key_info(key, client), token
