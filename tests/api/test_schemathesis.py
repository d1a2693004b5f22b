"""Schemathesis over the whole OpenAPI document, in-process (ASGI), every check, every phase (draft 2)."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.main import create_app
from app.settings import Settings

SUBMITTER_ONLY = {"create_proposal", "create_proposal_batch", "update_proposal"}
POSITIVE_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
BUSINESS_RULE_422 = ["create_screening", "create_proposal", "create_proposal_batch", "update_proposal",
                     "create_policy", "list_proposals", "list_places", "activate_policy"]

CONFIG = {
    "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
    "checks": {"enabled": True},
    "operations": [
        {"include-operation-id": BUSINESS_RULE_422,
         "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_DEFAULT, "422"]}}},
    ],
}


class TestApp:
    """The ASGI app schemathesis calls: forwards every request to the app of the running test."""

    __test__ = False

    def __init__(self) -> None:
        self.schema_only = create_app(Settings(database_url="sqlite://"))
        self.app = self.schema_only
        self.keys: dict[str, str] | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":  # the test's TestClient runs the real lifespan
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)


TARGET = TestApp()


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.schema.app is not TARGET or TARGET.keys is None:
        return
    role = "submitter" if case.operation.definition.raw.get("operationId") in SUBMITTER_ONLY else "admin"
    case.headers["Authorization"] = TARGET.keys[role]
    for name in list(case.headers):
        if name.lower() == "idempotency-key":
            case.headers[name] = uuid.uuid4().hex


schemathesis.serializer.alias("application/toml", "text/plain")

schema = schemathesis.openapi.from_asgi("/openapi.json", TARGET, config=SchemathesisConfig.from_dict(CONFIG))


@pytest.fixture
def api(client, make_key):
    TARGET.app = client.app
    TARGET.keys = {"submitter": make_key("submitter", "kommunstaben")["Authorization"],
                   "admin": make_key("admin")["Authorization"]}
    yield TARGET
    TARGET.app, TARGET.keys = TARGET.schema_only, None


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api(case, api):
    case.call_and_validate()


def test_stateful(api):
    machine = schema.as_state_machine()
    machine.run(settings=settings(machine.TestCase.settings, max_examples=30, stateful_step_count=6, derandomize=True))
