"""Schemathesis over every operation of the OpenAPI document, in-process (ASGI, no network), all checks, all phases.

* ``test_api`` - one pytest test per operation (``@schema.parametrize()``); each runs schemathesis' examples, coverage
  and fuzzing phases (positive and negative data) and validates every response with every built-in check.
* ``test_stateful`` - the stateful phase: ``schema.as_state_machine()`` chains operations along the links schemathesis
  infers from the response schemas, plus the links this file adds to the document (``before_load_schema``).

Each test gets a fresh database (the ``database_url`` fixture: PostgreSQL when TEST_DATABASE_URL is set, SQLite
otherwise) and an admin and a submitter key (``make_key``). Every configuration choice is explained where it is made.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlmodel import Session, SQLModel

from app.main import create_app
from app.services import departments
from app.services import policies as policy_service
from app.settings import Settings
from tests.api.conftest import answer_lifespan
from tests.conftest import BACKENDS, reset_departments

# -- who calls what ------------------------------------------------------------------------------------------------

# Operations only a submitter key may call (for its own department). Every other operation is called with an admin key,
# which may call everything else (officer operations included). New operations default to the admin key.
SUBMITTER_OPERATIONS = {"create_proposal", "create_proposal_batch", "update_proposal", "create_withdrawal"}
DEPARTMENT = "kommunstaben"

# -- positive_data_acceptance: the answers to schema-valid input that are right -----------------------------------

# The check's default (schemathesis.config._checks.POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES). It already accepts 403
# (a submitter posting for another department) and 409 (duplicate external_ref, a policy version with other content).
POSITIVE_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

# Per operation, what the API answers to input the schema allows but a rule of the service refuses. Only these
# operations get more than the default, and only these statuses (each is documented for its operation):
BUSINESS_RULE_STATUSES: dict[str, list[str]] = {
    # 422: an unknown place name, end_date before start_date, a trip without travel, a goal claimed twice, `car` on a
    # flight leg, a presence reason the active policy does not accept (the schema cannot know the policy's places or
    # reasons).
    "create_screening": ["422"],
    "create_proposal": ["422"],
    # 422: the merged proposal breaks one of the rules above; 412: a stale If-Match (honoured when given).
    "update_proposal": ["412", "422"],
    # 422: a cursor this service did not give out (the schema can only say "a string"). 406 here and below: an Accept
    # header that names none of the media types the operation sends (the schema lets Accept be any string).
    "list_proposals": ["406", "422"],
    # 422: a policy that does not validate (weights not adding up to 100, missing detour factors, ...); 400: a TOML
    # body that is not TOML (the schema of application/toml is "a string"), as a JSON body that is not JSON is.
    "create_policy": ["400", "422"],
    # 412: If-Match names an ETag the proposal no longer has; 428: no If-Match (optional in the schema, required by the
    # decision, as documented); 422: departing from the recommendation needs a substantive reason.
    "create_decision": ["412", "422", "428"],
    # 412: a stale If-Match.
    "create_withdrawal": ["412"],
    # 422: a submitter key needs a department, other roles must not have one.
    "create_key": ["422"],
    # 422: `to` before `from` (each a valid date on its own); the climate report's to_year before from_year.
    "read_stats_summary": ["422"],
    "read_stats_by_dimension": ["406", "422"],
    "list_latest_decisions": ["422"],
    "read_activity_plan": ["406", "422"],
    "read_climate_report": ["406", "422"],
    # 422: a cursor this feed did not give out.
    "list_events": ["422"],
    # 422: a URL the SSRF guard refuses (not https, a private or loopback address, a host that does not resolve:
    # the schema can only say "a string"), or a department that is unknown or retired.
    "create_webhook": ["422"],
}

# -- the schemathesis configuration -------------------------------------------------------------------------------

CONFIG: dict[str, Any] = {
    # Budget: max-examples bounds the fuzzing phase per operation (examples and coverage produce what the schema
    # defines). deterministic: the same cases on every run (derandomized Hypothesis), so a failure reproduces and the
    # run time is stable; database "none": no .hypothesis/ example database is read or written.
    "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
    # Every built-in check, explicitly (not_a_server_error, status_code/content_type/response_headers/
    # response_schema_conformance, positive_data_acceptance, negative_data_rejection, missing_required_header,
    # unsupported_method, allow_header_conformance, use_after_free, ensure_resource_availability, ignored_auth,
    # object_level_authorization), plus business_rule_problem below.
    "checks": {"enabled": True},
    "operations": [
        # positive_data_acceptance, per operation: the default plus that operation's business-rule statuses.
        *({"include-operation-id": operation_id,
           "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_DEFAULT, *statuses]}}}
          for operation_id, statuses in BUSINESS_RULE_STATUSES.items()),
        # Budget (the coverage phase has no size limit of its own): its negative variants of the policy document
        # (~1,000 requests, a fifth of the file, all refused by the same policy validation) and of the proposal sent
        # to POST /v1/screenings (the same Proposal schema and validation as POST /v1/proposals, whose negative
        # variants do run) are left out. Their positive variants stay, and fuzzing still sends negative data to both.
        {"include-operation-id": ["create_policy", "create_screening"],
         "phases": {"coverage": {"generation": {"mode": "positive"}}}},
    ],
}

# -- the app under test -------------------------------------------------------------------------------------------


class CurrentApp:
    """The ASGI application schemathesis calls: it forwards each request to the app of the running test.

    ``schemathesis.pytest.from_fixture`` (a schema built in a fixture) fails under pytest 9: schemathesis 4.32.5 reads
    and sets ``Function._nodeid``, which pytest 9 removed. So the schema is loaded once at import, with ``from_asgi``,
    from an app that only serves ``/openapi.json`` (no database is touched for that), and each test binds its own
    app, on its own fresh database, here. The lifespan of the test's app is run by its ``TestClient`` (the ``client``
    fixture), so the lifespan schemathesis starts for this wrapper is answered here and not passed on.
    """

    def __init__(self) -> None:
        self.schema_only = create_app(Settings(database_url="sqlite://"))
        self.app: Any = self.schema_only
        self.keys: dict[str, str] | None = None
        self.make_key: Callable[..., dict[str, str]] | None = None

    def bind(self, app: Any, make_key: Callable[..., dict[str, str]]) -> None:
        self.app, self.make_key = app, make_key
        self.new_keys()

    def new_keys(self) -> None:
        assert self.make_key is not None
        self.keys = {"submitter": self.make_key("submitter", DEPARTMENT)["Authorization"],
                     "admin": self.make_key("admin")["Authorization"]}

    def reset(self) -> None:
        """Empty every table, seed the default policy again (as the app's lifespan does) and make new keys."""
        engine = self.app.state.engine
        with Session(engine) as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                session.execute(table.delete())
            reset_departments(session.connection())  # the seeded organisation, which every proposal names
            session.commit()
            policy_service.ensure_default(session)
        departments.forget(engine)
        self.new_keys()

    def unbind(self) -> None:
        self.app, self.make_key, self.keys = self.schema_only, None, None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        await self.app(scope, receive, send)


TARGET = CurrentApp()

# -- hooks --------------------------------------------------------------------------------------------------------

# Links the inference does not find (it links POST /v1/proposals to the operations on /v1/proposals/{proposal_id} by
# itself, without If-Match). With these the state machine also amends, decides on and withdraws real proposals with
# their current ETag as If-Match, reads proposals found by listing and by batch creation, activates real policy
# versions, and rotates and revokes keys it created. A link is added only when both its operations are in the document.
EXTRA_LINKS = [
    # (source operationId, status, link name, target operationId, parameters)
    ("create_proposal", "201", "DecideOnCreated", "create_decision",
     {"path.proposal_id": "$response.body#/id", "header.if-match": "$response.header.ETag"}),
    ("read_proposal", "200", "DecideOnRead", "create_decision",
     {"path.proposal_id": "$response.body#/id", "header.if-match": "$response.header.ETag"}),
    ("create_proposal", "201", "AmendCreated", "update_proposal",
     {"path.proposal_id": "$response.body#/id", "header.if-match": "$response.header.ETag"}),
    ("create_proposal", "201", "WithdrawCreated", "create_withdrawal",
     {"path.proposal_id": "$response.body#/id", "header.if-match": "$response.header.ETag"}),
    ("list_proposals", "200", "ReadListed", "read_proposal", {"path.proposal_id": "$response.body#/items/0/id"}),
    ("create_proposal_batch", "200", "ReadBatchCreated", "read_proposal",
     {"path.proposal_id": "$response.body#/results/0/id"}),
    ("list_policies", "200", "ActivateListed", "activate_policy", {"path.version": "$response.body#/0/version"}),
    ("read_active_policy", "200", "ActivateActive", "activate_policy", {"path.version": "$response.body#/version"}),
    ("create_policy", "201", "ActivateCreated", "activate_policy", {"path.version": "$response.body#/version"}),
    ("create_key", "201", "RotateCreated", "rotate_key", {"path.key_id": "$response.body#/id"}),
    ("create_key", "201", "RevokeCreated", "revoke_key", {"path.key_id": "$response.body#/id"}),
]


@schemathesis.hook
def before_load_schema(context: schemathesis.HookContext, raw_schema: dict[str, Any]) -> None:
    if raw_schema.get("info", {}).get("title") != "Vägval":
        return
    operations = {op.get("operationId"): op for ops in raw_schema.get("paths", {}).values() for op in ops.values()
                  if isinstance(op, dict)}
    for source, status, name, target, parameters in EXTRA_LINKS:
        if source in operations and target in operations and status in operations[source].get("responses", {}):
            links = operations[source]["responses"][status].setdefault("links", {})
            links[name] = {"operationId": target, "parameters": parameters}


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    """Auth, fresh idempotency keys and the submitter's department; edits here are re-validated by schemathesis, so a
    case's positive/negative label always describes what is actually sent."""
    if case.operation.schema.app is not TARGET or TARGET.keys is None:
        return
    operation_id = case.operation.schema.get_operation_id(case.operation)
    submitter = operation_id in SUBMITTER_OPERATIONS
    # Idempotency: a key reused with another body is rightly refused (422), so every request that has one gets a
    # fresh one (requests without one stay without).
    for name in list(case.headers):
        if name.lower() == "idempotency-key":
            case.headers[name] = uuid.uuid4().hex
    # Depth: a generated department is almost never the key's, so nearly every positive proposal would stop at the 403
    # of the department check. In the fuzzing and stateful phases, positive proposals are sent for the key's own
    # department so they reach validation, screening and storage (and the state machine gets proposals to follow
    # links from). The examples and coverage phases keep their departments, so the 403 path is exercised too.
    meta = case.meta
    if (submitter and operation_id != "create_withdrawal"  # its body is a reason, not a proposal
            and meta is not None and meta.generation.mode.is_positive
            and meta.phase.name.value in ("fuzzing", "stateful") and isinstance(case.body, dict)):
        items = case.body.get("proposals") if operation_id == "create_proposal_batch" else [case.body]
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and (operation_id != "update_proposal" or "department" in item):
                item["department"] = DEPARTMENT


# The policy upload also takes the policy as a TOML file (`application/toml`, schema: a string); send it as text, as
# for text/plain, so those cases run instead of being skipped as unserializable.
schemathesis.serializer.alias("application/toml", "text/plain")

# -- a check that keeps the 422 allowance narrow ------------------------------------------------------------------

# Pydantic's error types for input that does not match the declared shape. A 422 for schema-valid input that names one
# of them means the app validates differently from what its OpenAPI document says (schema drift), which the extra
# "422" above must not hide. ("missing" counts only with pydantic's own message: the key rules answer a missing
# department with type "missing" and their own message.)
STRUCTURAL = re.compile(
    r"^(missing|extra_forbidden|.*_type|.*_parsing|.*_too_short|.*_too_long|too_short|too_long|greater_than.*|"
    r"less_than.*|multiple_of|finite_number|enum|literal_error|string_pattern_mismatch|json_invalid|"
    r"(date|datetime|time|url|uuid)_.*)$")


@schemathesis.check
def business_rule_problem(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                          case: schemathesis.Case) -> bool | None:
    """A 422 to positive (schema-valid) data must be problem details naming a business rule, not a shape error."""
    meta = case.meta
    if (meta is None or not meta.generation.mode.is_positive or response.status_code != 422
            or response.request.method != case.method):
        return None
    try:
        problem = response.json()
    except ValueError:
        problem = None
    errors = problem.get("errors") if isinstance(problem, dict) else None
    structural = [e for e in errors or [] if isinstance(e, dict) and STRUCTURAL.match(str(e.get("type") or ""))
                  and (e.get("type") != "missing" or e.get("message") == "Field required")]
    if not isinstance(problem, dict) or structural:
        raise AssertionError(
            "Schema-valid request refused as schema-invalid: the request matches the OpenAPI document, but the 422 "
            "names the shape of the input, not a business rule:\n"
            + "\n".join(f"  {e.get('field')}: {e.get('message')} ({e.get('type')})" for e in structural)
            + "\nMake the document describe what the service validates (or validate what it describes)")
    return None


# -- the tests ----------------------------------------------------------------------------------------------------

# One database backend per run: PostgreSQL when TEST_DATABASE_URL is set (the production database, and the one that
# refuses what SQLite lets through, e.g. NUL characters), SQLite otherwise. Both would double the run time (about
# three minutes instead of one and a half), most of it the same requests.
pytestmark = pytest.mark.parametrize("database_url", [BACKENDS[-1]], indirect=True)

schema = schemathesis.openapi.from_asgi("/openapi.json", TARGET, config=SchemathesisConfig.from_dict(CONFIG))


# Auth: the document declares bearer security on every /v1 operation. A real key of the right role is supplied by an
# auth provider (not by a hook), so schemathesis knows the credentials are explicit: its ignored_auth check then probes
# each operation without a key and with an invalid one, and expects 401. No caching: each test has its own keys.
@schema.auth(refresh_interval=None)
class Keys:
    def get(self, case: schemathesis.Case, ctx: Any) -> str | None:
        if TARGET.keys is None:
            return None
        operation_id = case.operation.schema.get_operation_id(case.operation)
        return TARGET.keys["submitter" if operation_id in SUBMITTER_OPERATIONS else "admin"]

    def set(self, case: schemathesis.Case, data: str | None, ctx: Any) -> None:
        if data is not None:
            case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.fixture
def api(client, make_key):
    """The test's app (fresh database, lifespan run by `client`) behind TARGET, with an admin and a submitter key."""
    TARGET.bind(client.app, make_key)
    yield TARGET
    TARGET.unbind()


# The `api` fixture is function-scoped on purpose: one fresh database per operation, shared by that operation's
# generated cases (Hypothesis would otherwise refuse a function-scoped fixture).
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api(case: schemathesis.Case, api: CurrentApp) -> None:
    case.call_and_validate()


def test_stateful(api: CurrentApp) -> None:
    followed: list[str] = []

    class Workflow(schema.as_state_machine()):
        def setup(self) -> None:
            # Every scenario starts from the same state: an empty database with the default policy and new keys.
            # Hypothesis replays and extends earlier scenarios, and the links it may follow depend on the answers;
            # with state carried over from earlier scenarios those differ and Hypothesis stops with
            # FlakyStrategyDefinition (and a failing scenario could not be replayed to report it). It also undoes
            # what a scenario did to the keys (revoking or rotating one it found by listing keys).
            api.reset()

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            if "{" in case.operation.path and 200 <= response.status_code < 300:
                followed.append(case.operation.label)

    # Scenarios and steps per scenario: enough for every link to be taken several times within the time budget.
    Workflow.run(settings=settings(Workflow.TestCase.settings, max_examples=40, stateful_step_count=8,
                                   derandomize=True, database=None))
    # A state machine whose links never lead anywhere would pass without testing anything stateful.
    assert followed, "no scenario reached a resource created earlier in the scenario"
