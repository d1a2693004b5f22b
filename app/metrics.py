"""Prometheus metrics (SPEC §7: `GET /metrics`): requests by route template and status, their latency, and the
screenings run by recommendation. One registry per process (the service runs one worker per container)."""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__, logs
from app.screening import ENGINE_VERSION

REQUESTS = Counter("vagval_http_requests", "HTTP requests answered, by method, route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("vagval_http_request_duration_seconds",
                    "Time from a request's arrival to its response's last byte, by method and route template",
                    ["method", "route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SCREENINGS = Counter("vagval_screenings", "Screenings run (previews, creations, amendments, re-screenings), by "
                     "recommendation", ["recommendation"])
WEBHOOK_ATTEMPTS = Counter("vagval_webhook_attempts", "Webhook delivery attempts made by this process, by outcome: "
                           "delivered, pending (to be retried), failed (given up), lost (the claim had expired)",
                           ["outcome"])
BUILD = Gauge("vagval_build_info", "The running service's version and screening engine version (always 1)",
              ["version", "engine_version"])
BUILD.labels(__version__, ENGINE_VERSION).set(1)

__all__ = ["CONTENT_TYPE_LATEST", "SCREENINGS", "WEBHOOK_ATTEMPTS", "Metrics", "exposition"]

UNMATCHED = "(unmatched)"  # no route answered (a path none serves, a body refused before routing): one label
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other is OTHER


def exposition() -> bytes:
    return generate_latest(REGISTRY)


class Metrics:
    """Pure ASGI middleware: counts every HTTP request and times it, labelled by the route's path template
    (`/v1/proposals/{proposal_id}`), never by the raw path."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            seconds = time.perf_counter() - start
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(seconds)
            logs.request_line(request_id=scope.get("state", {}).get("request_id"), key=logs.key_prefix(scope["headers"]),
                              method=method, route=template, status=status, seconds=seconds)
