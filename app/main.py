"""The application factory: settings, database engine, routers, the one error path and the OpenAPI document."""

from __future__ import annotations

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
from app.middleware import BodyLimit, HeadAsGet, RequestId
from app.routers import cases, health, keys, policies, proposals, reference, screenings
from app.screening.engine import warm_up
from app.screening.policy import Policy
from app.services import policies as policy_service
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
        yield
        dispose(engine)

    app = FastAPI(title="Vägval", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  generate_unique_id_function=_operation_id,
                  strict_content_type=False)  # a body without Content-Type is read as JSON (app.routing checks it)
    app.state.settings = settings
    for router in (health.router, screenings.router, proposals.router, cases.router, reference.router,
                   policies.router, keys.router):
        app.include_router(router)
    errors.install(app)
    app.add_middleware(HeadAsGet)
    batch_paths = ("/v1/proposals/batch",)
    app.add_middleware(BodyLimit, limit_for=lambda path: settings.batch_max_bytes if path in batch_paths
                       else settings.max_body_bytes)
    app.add_middleware(RequestId)
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
        for operation in operations.values():
            # every validation error is problem details, also where FastAPI documented its own default
            if "422" in operation.get("responses", {}):
                operation["responses"]["422"] = {"description": "Unprocessable content", "content": problem}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema
