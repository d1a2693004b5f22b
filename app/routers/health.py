"""Liveness, readiness and metrics: no key needed (SPEC §7)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import text

from app.deps import EngineDep
from app.errors import Unavailable, responses
from app.metrics import CONTENT_TYPE_LATEST, exposition
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


@router.get("/metrics", summary="Prometheus metrics: requests, latency, screenings",
            response_class=Response,
            responses={200: {"description": "The Prometheus text exposition format",
                             "content": {"text/plain": {"schema": {"type": "string"}}}}})
def read_metrics() -> Response:
    """Requests by method, route template and status (`vagval_http_requests_total`), their latency
    (`vagval_http_request_duration_seconds`), screenings by recommendation (`vagval_screenings_total`), the build
    (`vagval_build_info`), and the process's own (CPU, memory, open files)."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
