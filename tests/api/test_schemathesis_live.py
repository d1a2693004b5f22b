"""Schemathesis against the live server (SPEC §10): `vagval serve` in a subprocess, over real HTTP, with the same
configuration, checks and business-rule allowances as the in-process run (test_schemathesis.py), a smaller budget.

The in-process run reaches the app through ASGI; this one also goes through what only a real server has: uvicorn's
HTTP parser and the service's own protocol (its 400, 408 and 503 answers), the connection handling, the JSON request
log, and the process's own settings. The document is the app's own, loaded in-process at import with the server's
address as its base URL; the server is started on that address by the module's fixture.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from app.main import create_app
from app.settings import Settings
from tests.api.test_schemathesis import CONFIG, DEPARTMENT, SUBMITTER_OPERATIONS
from tests.live import free_port, make_key, serve, server_env

PORT = free_port()
BASE_URL = f"http://127.0.0.1:{PORT}"
KEYS: dict[str, str] = {}

LIVE_CONFIG = copy.deepcopy(CONFIG)
LIVE_CONFIG["generation"]["max-examples"] = 8  # the in-process run has the larger budget; this one proves the wire


def _live(case: schemathesis.Case) -> bool:
    """A case of this module's schema (parametrize works on a copy of it: the in-process ones have an app)."""
    schema = case.operation.schema
    return getattr(schema, "app", None) is None and str(PORT) in str(schema.config.base_url or "")


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    """As in-process: fresh idempotency keys, and positive fuzzed proposals for the submitter's own department."""
    if not _live(case):
        return
    operation_id = case.operation.schema.get_operation_id(case.operation)
    fresh = uuid.uuid4().hex  # over HTTP the request's headers are already built (kwargs): both are changed
    for headers in (case.headers or {}, kwargs.get("headers") or {}):
        for name in list(headers):
            if name.lower() == "idempotency-key":
                headers[name] = fresh
    meta = case.meta
    if (operation_id in SUBMITTER_OPERATIONS and operation_id != "create_withdrawal"  # its body is a reason
            and meta is not None and meta.generation.mode.is_positive
            and meta.phase.name.value == "fuzzing" and isinstance(case.body, dict)):
        items = case.body.get("proposals") if operation_id == "create_proposal_batch" else [case.body]
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and (operation_id != "update_proposal" or "department" in item):
                item["department"] = DEPARTMENT


LIVE = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi(),
                                      config=SchemathesisConfig.from_dict(LIVE_CONFIG))
LIVE.config.update(base_url=BASE_URL)


@LIVE.auth(refresh_interval=None)
class Keys:
    def get(self, case: schemathesis.Case, ctx: Any) -> str | None:
        if not KEYS:
            return None
        operation_id = case.operation.schema.get_operation_id(case.operation)
        return KEYS["submitter" if operation_id in SUBMITTER_OPERATIONS else "admin"]

    def set(self, case: schemathesis.Case, data: str | None, ctx: Any) -> None:
        if data is not None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("schemathesis-live")
    env = server_env(folder)
    KEYS.update(submitter=make_key(env, "submitter", "Schemathesis submitter", DEPARTMENT),
                admin=make_key(env, "admin", "Schemathesis admin"))
    with serve_on(env, folder) as url:
        yield url
    KEYS.clear()


def serve_on(env: dict[str, str], folder):  # noqa: ANN001, ANN201 - tests.live.serve on the port chosen at import
    import tests.live

    original = tests.live.free_port
    tests.live.free_port = lambda: PORT
    try:
        return serve(env, folder)
    finally:
        tests.live.free_port = original


@LIVE.parametrize()
def test_api_live(case: schemathesis.Case, live_server: str) -> None:
    case.call_and_validate(base_url=live_server, timeout=30)
