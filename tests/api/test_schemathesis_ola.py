"""Schemathesis' built-in ``object_level_authorization`` check on the proposals operations, in-process (ASGI).

Two submitter keys of different departments are the check's *peers* (a Web Fuzzing Commons auth document, written to a
temporary file at import). Every request goes out as the first, ``kommunstaben`` (pinned with ``user``); after each
successful ``GET`` of an object that an earlier step of the same scenario created (``POST /v1/proposals``) or listed
(``GET /v1/proposals``), the check replays that ``GET`` as ``kultur-och-fritidsforvaltningen`` and fails if it gets the same object
(the API must answer 404). It runs in the stateful phase, the one that gives the check the "who created this" history
it needs (the scenario recorder of ``schema.as_state_machine()``).

The keys have known tokens (the auth document is written before any database exists), so the test inserts them into
its own fresh database itself. Nothing here is shared with ``test_schemathesis.py``: own app wrapper, own schema, and
schema-scoped hooks only.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import secrets
import string
import tempfile
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import object_authorization
from schemathesis.specs.openapi.object_authorization import send_probe
from schemathesis.wfc.escalation import escalating_provider
from sqlmodel import Session, SQLModel

from app.main import create_app
from app.models import ApiKey, Client
from app.services import departments
from app.services import policies as policy_service
from app.settings import Settings
from tests.api.conftest import answer_lifespan, proposal
from tests.conftest import BACKENDS, reset_departments

# -- the peers: two submitters of different departments, with tokens known before any database exists -------------

OWNER, PEER = "kommunstaben", "kultur-och-fritidsforvaltningen"
PROPOSAL_OPERATIONS = ["create_proposal", "list_proposals", "read_proposal", "update_proposal",
                       "list_proposal_screenings", "create_withdrawal"]


def _token() -> tuple[str, str]:
    """A key in the service's format (app/services/keys.py): vgv_<12 alphanumerics>_<secret>, and its prefix."""
    lookup = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
    return f"vgv_{lookup}_{secrets.token_urlsafe(32)}", f"vgv_{lookup}"


TOKENS = {department: _token() for department in (OWNER, PEER)}


def _write_auth_document() -> str:
    document = {"auth": [{"name": department, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
                         for department, (token, _) in TOKENS.items()]}
    handle, path = tempfile.mkstemp(prefix="vagval-ola-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(document, file)
    atexit.register(lambda: os.path.exists(path) and os.remove(path))
    return path


AUTH_DOCUMENT = _write_auth_document()


def insert_keys(engine: Any) -> None:
    """The two submitter clients and their keys, stored as the service stores them (only a hash of the token)."""
    with Session(engine) as session:
        for department, (token, prefix) in TOKENS.items():
            client = Client(name=f"ola-{department}", role="submitter", department=department)
            session.add(client)
            session.flush()
            session.add(ApiKey(client_id=client.id, prefix=prefix, key_hash=hashlib.sha256(token.encode()).hexdigest()))
        session.commit()


# -- the app under test -------------------------------------------------------------------------------------------


class CurrentApp:
    """The ASGI app schemathesis calls: forwards to the running test's app (see test_schemathesis.CurrentApp)."""

    def __init__(self) -> None:
        self.schema_only = create_app(Settings(database_url="sqlite://"))
        self.app: Any = self.schema_only

    def reset(self) -> None:
        """Empty every table, seed the default policy again (as the lifespan does) and insert the two keys."""
        engine = self.app.state.engine
        with Session(engine) as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                session.execute(table.delete())
            reset_departments(session.connection())  # the seeded organisation, which every proposal names
            session.commit()
            policy_service.ensure_default(session)
        departments.forget(engine)
        insert_keys(engine)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        await self.app(scope, receive, send)


TARGET = CurrentApp()

CONFIG: dict[str, Any] = {
    # Only the check under test, plus not_a_server_error so a crash on the way is not mistaken for a pass.
    "checks": {"enabled": False, "object_level_authorization": {"enabled": True}, "not_a_server_error": {"enabled": True}},
    # user: every request as OWNER (no escalation to another identity); peers: who must not see whose objects.
    "auth": {"wfc": {"path": AUTH_DOCUMENT, "user": OWNER, "peers": [OWNER, PEER]}},
}

schema = (schemathesis.openapi.from_asgi("/openapi.json", TARGET, config=SchemathesisConfig.from_dict(CONFIG))
          .include(operation_id=PROPOSAL_OPERATIONS))


def prepare(case: schemathesis.Case) -> None:
    """Depth: every POST /v1/proposals is a valid proposal of the owner's department, so the scenario has objects
    (a generated body almost never passes the department check and the place/date rules). Fresh idempotency keys."""
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key":
            case.headers[name] = secrets.token_hex(16)
    if case.operation.schema.get_operation_id(case.operation) == "create_proposal":
        case.body = proposal(department=OWNER)


# -- the test -----------------------------------------------------------------------------------------------------

pytestmark = pytest.mark.parametrize("database_url", [BACKENDS[-1]], indirect=True)


def test_object_level_authorization(client, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every request the check sends (as the peer, and anonymously), to show it ran and what it was answered: a peer
    # refused with 401 (a key that does not work) would let the check pass without testing anything.
    probes: list[tuple[str | None, str, str, int]] = []

    def recording_send_probe(ctx: Any, original: schemathesis.Case, probe: schemathesis.Case) -> Any:
        response = send_probe(ctx, original, probe)
        probes.append((probe.auth_identity, probe.method, probe.formatted_path, response.status_code))
        return response

    monkeypatch.setattr(object_authorization, "send_probe", recording_send_probe)
    TARGET.app = client.app
    insert_keys(client.app.state.engine)
    provider = escalating_provider(schema)
    assert provider is not None and provider.peers == (OWNER, PEER)
    owner_reads: list[str] = []
    try:
        class Workflow(schema.as_state_machine()):
            def setup(self) -> None:
                TARGET.reset()  # same start for every scenario (see test_schemathesis.test_stateful)

            def before_call(self, case: schemathesis.Case) -> None:
                super().before_call(case)
                prepare(case)

            def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
                super().after_call(response, case)
                if case.method == "GET" and "{" in case.operation.path and 200 <= response.status_code < 300:
                    assert case.auth_identity == OWNER
                    owner_reads.append(case.operation.label)

        Workflow.run(settings=settings(Workflow.TestCase.settings, max_examples=25, stateful_step_count=6,
                                       derandomize=True, database=None))
    finally:
        TARGET.app = TARGET.schema_only
    # The check ran: it replayed the owner's reads of its own proposals as the other department (each distinct
    # operation/resource/peer once per run; a probe that got the proposal would have failed the run above).
    print(f"\nowner reads of its proposals: {len(owner_reads)}; object-level probes sent by the check:")
    print("\n".join(f"  {method} {path} as {who or 'anonymous'} -> {status}" for who, method, path, status in probes))
    peer_reads = {(path.count("/"), status) for who, method, path, status in probes if who == PEER}
    assert (3, 404) in peer_reads and (4, 404) in peer_reads, probes  # /v1/proposals/{id} and .../{id}/screenings
