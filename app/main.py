"""The application factory: settings, database engine, routers, the one error path and the OpenAPI document."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlmodel import Session

from app import __version__, errors
from app.db import dispose, make_engine
from app.metrics import Metrics
from app.middleware import BodyLimit, HeadAsGet, RequestId, TrustedHosts
from app.openapi_names import name_enum_values
from app.ratelimit import RateLimiter
from app.routers import (
    cases,
    dashboard,
    departments,
    docs,
    events,
    health,
    keys,
    policies,
    proposals,
    reference,
    reports,
    screenings,
    stats,
    webhooks,
)
from app.screening.engine import warm_up
from app.screening.policy import Policy
from app.services import policies as policy_service
from app.services.webhooks import run_worker
from app.settings import Settings, get_settings

DESCRIPTION = """\
Vägval screens a municipality's proposed international trips, projects and activities against its plan
for international work and returns a scored, explained recommendation tied to the nine overarching goals.

* Authenticate with `Authorization: Bearer <key>` (create one with `vagval keys create`).
* Every error is `application/problem+json` (RFC 9457); validation errors list each field.
* Every POST honours `Idempotency-Key`: the same key and body return the stored answer with
  `Idempotent-Replayed: true`.
* `Accept-Language: sv` or `en` picks the language of the top-level `summary`; findings carry both.
"""


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # sync routes and dependencies run in this event loop's thread pool; its size is a setting
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        engine = make_engine(settings, background_checkpoints=True)
        app.state.engine = engine
        with Session(engine) as session:
            policy_service.ensure_default(session)
            warm_up(policy_service.active(session))  # load airport and city data now, not in the first request
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(engine, settings, stop)) if settings.webhook_worker else None
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                try:
                    await asyncio.wait_for(worker, timeout=settings.webhook_timeout_seconds + 5)
                except TimeoutError:  # an attempt in flight: its lease runs out and another worker sends it again
                    pass
            dispose(engine)

    app = FastAPI(title="Vägval", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # app.routers.docs serves both, offline
                  generate_unique_id_function=_operation_id,
                  redirect_slashes=False,  # a redirect would echo the Host header: a trailing slash is a 404
                  strict_content_type=False)  # a body without Content-Type is read as JSON (app.routing checks it)
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    for router in (health.router, screenings.router, proposals.router, cases.router, reference.router,
                   policies.router, keys.router, departments.router, stats.router, reports.router, events.router,
                   webhooks.router, dashboard.router):
        app.include_router(router)
    app.include_router(docs.router)  # /docs and /redoc with their own files
    errors.install(app)
    app.add_middleware(HeadAsGet)
    batch_paths = ("/v1/proposals/batch",)
    app.add_middleware(BodyLimit, limit_for=lambda path: settings.batch_max_bytes if path in batch_paths
                       else settings.max_body_bytes)
    app.add_middleware(TrustedHosts, hosts=settings.trusted_host_list)
    app.add_middleware(RequestId)
    app.add_middleware(Metrics)  # outermost: every answer counts, a 413 before the app included
    app.openapi = lambda: _openapi(app)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                         openapi_version=app.openapi_version)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (errors.Problem, errors.FieldError, Policy):
        extra = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(extra.pop("$defs", {}))
        components[model.__name__] = extra
    problem = {errors.PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            _document_http(method, operation, problem)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    name_enum_values(schema)  # ASCII constant names for a generated client (förvaltning: FORVALTNING)
    app.openapi_schema = schema
    return schema


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


_ETAG_MODELS = ("#/components/schemas/ProposalPublic", "#/components/schemas/ProposalRescreened")


def _document_http(method: str, operation: dict[str, Any], problem: dict[str, Any]) -> None:
    """The statuses and headers every operation of its kind answers with, in its OpenAPI entry."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if "422" in responses:  # every validation error is problem details, also where FastAPI documented its own default
        responses["422"] = {"description": "Unprocessable content", "content": problem}
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body:  # a JSON body: malformed (400), too large (413), another media type (415)
        for status, text in (("400", "Bad request: the body is not strict JSON"), ("413", "Content too large"),
                             ("415", "Unsupported media type: send application/json")):
            responses.setdefault(status, {"description": text, "content": problem})
    elif method in ("post", "put", "patch"):  # no body: one that holds anything is refused, not dropped
        responses.setdefault("400", {"description": "Bad request: the body is not strict JSON", "content": problem})
        responses.setdefault("413", {"description": "Content too large", "content": problem})
        responses.setdefault("422", {"description": "Unprocessable content: this operation takes no body",
                                     "content": problem})
    if method == "post":  # Idempotency-Key: a retry while the first request with the key is still running
        responses.setdefault("409", {"description": "Conflict: a request with the same Idempotency-Key is still in "
                                                    "flight", "content": problem})
    if operation.get("security") and "401" in responses:
        responses["401"].setdefault("headers", {})["WWW-Authenticate"] = _header('Bearer realm="vagval"')
        responses.setdefault("429", {"description": "Too many requests: this key's rate limit (per worker process)",
                                     "content": problem})
    for status in ("409", "429", "503"):
        if status in responses:
            responses[status].setdefault("headers", {})["Retry-After"] = _header(
                "seconds after which a retry can succeed, where one can (a request still in flight, an outage)")
    languages = any(p.get("name", "").lower() == "accept-language" for p in operation.get("parameters", []))
    for status, response in responses.items():
        if not status.startswith("2"):
            continue
        headers = response.setdefault("headers", {})
        if method == "post":
            headers["Idempotent-Replayed"] = _header("true when this is the stored answer to an earlier request "
                                                     "with the same Idempotency-Key")
        refs = [c.get("schema", {}).get("$ref") for c in response.get("content", {}).values()]
        if any(ref in _ETAG_MODELS for ref in refs):
            headers.setdefault("ETag", _header("the proposal's version: send it as If-Match to change it"))
        if languages:
            headers["Content-Language"] = _header("the language of the summary (sv or en), from Accept-Language")
        if not headers:
            del response["headers"]
