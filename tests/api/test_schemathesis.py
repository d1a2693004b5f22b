"""Schemathesis over the whole OpenAPI document, in-process (ASGI), every check, every phase (draft)."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig
from sqlmodel import Session

from app.main import create_app
from app.services.keys import create_client_key
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


@schemathesis.hook
def before_call(context, case, kwargs):
    keys = getattr(case.operation.schema.app.state, "schemathesis_keys", None) if case.operation.schema.app else None
    if keys is None:
        return
    role = "submitter" if case.operation.definition.raw.get("operationId") in SUBMITTER_ONLY else "admin"
    case.headers["Authorization"] = keys[role]
    for name in list(case.headers):
        if name.lower() == "idempotency-key":
            case.headers[name] = uuid.uuid4().hex


@pytest.fixture
def api_schema(database_url):
    app = create_app(Settings(database_url=database_url))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    keys = {}
    with Session(app.state.engine, expire_on_commit=False) as session:
        for role, dept in (("submitter", "kommunstaben"), ("admin", None)):
            _, _, token = create_client_key(session, name=f"st-{role}", role=role, department=dept, actor="test")
            keys[role] = f"Bearer {token}"
    app.state.schemathesis_keys = keys
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api(case):
    case.call_and_validate()


def test_stateful(api_schema):
    machine = api_schema.as_state_machine()
    machine.run(settings=settings(machine.TestCase.settings, max_examples=30, stateful_step_count=6, derandomize=True))
