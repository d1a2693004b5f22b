"""FastAPI dependencies: settings, database session, the calling principal, roles and language."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from app.errors import Forbidden, Unprocessable
from app.models import Role, Status
from app.screening.policy import FocusArea
from app.screening.proposal import NO_NUL, IsoDate, Kind
from app.screening.result import Recommendation
from app.services import departments, keys
from app.services.filters import Filters
from app.services.keys import Principal
from app.settings import Settings

# Dependencies that do no blocking I/O are `async def`: FastAPI runs them on the event loop instead of handing each
# one to the thread pool (a thread hop per dependency is most of a trivial request's cost).

log = logging.getLogger("vagval")


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; services commit explicitly (never after the response is sent). Creating a Session
    opens no connection; the connection is taken in the route's thread and returned to the pool on close."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        try:
            session.close()
        except Exception:  # noqa: BLE001 - the answer may be on its way already: a broken connection must not cut it
            log.warning("closing the request's database session failed (the connection is discarded)",
                        exc_info=True)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]


bearer = HTTPBearer(auto_error=False, description="An API key from `vagval keys create`: `Bearer vgv_…`")


def get_principal(
    session: SessionDep, request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Principal:
    try:
        principal = keys.authenticate(session, request.headers.get("authorization"))
    finally:
        # The lookup's connection goes back to the pool before this thread is given back. The route runs in another
        # thread of the same bounded pool: a request holding a connection while it waits for that thread deadlocks a
        # burst of more requests than connections (every thread waiting for a connection, every connection held by
        # a request waiting for a thread). tests/api/test_load.py.
        session.rollback()
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        limiter.take(principal.key_id)
    query_error = getattr(request.state, "query_error", None)  # an unknown query parameter (app.routing)
    if query_error is not None:
        raise query_error
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role):
    """A dependency that lets only these roles through (403 for the others)."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this operation is for {allowed} keys; this key's role is {principal.role.value}")
        return principal

    return check


Submitter = Annotated[Principal, Depends(require(Role.submitter))]
Reader = Annotated[Principal, Depends(require(Role.submitter, Role.officer, Role.admin))]
Admin = Annotated[Principal, Depends(require(Role.admin))]


async def get_language(accept_language: Annotated[str | None, Header(description="sv or en (default sv)")] = None) -> str:
    """Swedish or English for the top-level summary, from Accept-Language (q-values honoured); Swedish by default."""
    best, best_q = "sv", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang in ("sv", "en") and q > 0 and q > best_q:  # q=0: not acceptable
            best, best_q = lang, q
    return best


LanguageDep = Annotated[str, Depends(get_language)]


async def request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


RequestIdDep = Annotated[str | None, Depends(request_id)]


IdempotencyKey = Annotated[str | None, Header(description="retry safely: the same key and body give the same answer "
                                                          "(a replay of a new API key does not show the key again)",
                                              max_length=255)]


async def aggregate_filters(
    session: SessionDep,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="of start_date; a proposal without dates counts "
                                                                   "in the year it was created")] = None,
    from_: Annotated[IsoDate | None, Query(alias="from", description="start_date on or after (YYYY-MM-DD)")] = None,
    to: Annotated[IsoDate | None, Query(description="start_date on or before (YYYY-MM-DD)")] = None,
    department: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    kind: Kind | None = None,
    focus_area: FocusArea | None = None,
    status: Status | None = None,
    recommendation: Annotated[Recommendation | None, Query(description="the current screening's")] = None,
) -> Filters:
    """The filters of every stats and report endpoint (SPEC §8): they select what GET /v1/proposals selects."""
    if from_ is not None and to is not None and to < from_:
        raise Unprocessable(f"to ({to}) is before from ({from_})",
                            errors=[{"field": "to", "message": "must be on or after from", "type": "range_order"}])
    await departments.check_filter(session, department)  # unknown or retired: 422 with close matches (SPEC §13)
    return Filters(year=year, start_from=from_, start_to=to, department=department,
                   kind=kind.value if kind else None, focus_area=focus_area.value if focus_area else None,
                   status=status.value if status else None,
                   recommendation=recommendation.value if recommendation else None)


AggregateFilters = Annotated[Filters, Depends(aggregate_filters)]
IfNoneMatch = Annotated[str | None, Header(description="an ETag of an earlier answer: 304 when it is unchanged")]
