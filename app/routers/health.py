"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from app.deps import EngineDep
from app.errors import Unavailable, responses
from app.routing import JsonBodyRoute

router = APIRouter(tags=["health"], route_class=JsonBodyRoute)


@router.get("/healthz", summary="Liveness: the process answers (no dependencies checked)")
def read_health() -> dict[str, str]:
    """Liveness: the process answers (no dependencies checked)."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database is reachable", responses=responses(503))
def read_readiness(engine: EngineDep) -> dict[str, str]:
    """Readiness: the database is reachable; 503 with Retry-After otherwise."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database means not ready
        raise Unavailable("the database is not reachable") from None
    return {"status": "ready", "database": engine.dialect.name}
