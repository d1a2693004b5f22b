"""A Python client generated from the service's own OpenAPI document by openapi-python-client, with the settings in
openapi-client-config.yaml (the README's command), works unmodified against the running service: it generates with
no warning but the one known below, imports under its ASCII name, and screens, stores, reads and lists proposals,
its models holding every field the service sends; problem details come back typed."""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.live import EXAMPLES, ROOT, make_key, serve, server_env

CONFIG = ROOT / "openapi-client-config.yaml"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "vagval_api_client"
# The one part of the document the generator cannot express: the policy upload's second body, a TOML file
# (application/toml; it supports JSON, forms, multipart and binary bodies only). The generated create_policy takes
# the policy as JSON, which the service accepts as well.
KNOWN_WARNINGS = [["WARNING parsing POST /v1/policies within policies.", "Unsupported content type application/toml"]]


@dataclass
class Service:
    url: str
    submitter: str
    document: dict[str, Any]


@dataclass
class Generated:
    stderr: str
    folder: Path

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("generated-client-service")
    env = server_env(folder)
    submitter = make_key(env, "submitter", "Ärendesystemet (genererad klient)", "kommunstaben")
    with serve(env, folder) as url:
        document = httpx.get(url + "/openapi.json", timeout=30).raise_for_status().json()
        yield Service(url=url, submitter=submitter, document=document)


@pytest.fixture(scope="module")
def generated(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """The client generated from the running service's /openapi.json, importable from its folder."""
    folder = tmp_path_factory.mktemp("generated-client")
    document = folder / "openapi.json"
    document.write_text(json.dumps(service.document, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff hooks
    done = subprocess.run([str(GENERATOR), "generate", "--path", str(document), "--output-path",
                           str(folder / PACKAGE), "--meta", "none", "--config", str(CONFIG)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        yield Generated(stderr=done.stderr, folder=folder)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def warnings(stderr: str) -> list[list[str]]:
    """The generator's reports, each as its header and detail lines (the schema it quotes left out)."""
    lines, reports, quoting = [], [], False
    for line in stderr.splitlines():
        if quoting:
            quoting = line != "}"
        elif line == "{":
            quoting = True
        elif line.startswith(("Warning(s) encountered", "Error(s) encountered")):
            continue
        elif line.startswith("If you believe this was a mistake"):
            break
        elif line.strip():
            lines.append(line.strip())
    for line in lines:  # a report starts with its header; a header names a level or is one of the integrations'
        if re.match(r"^(WARNING|ERROR) ", line) or not reports or len(reports[-1]) == 2:
            reports.append([line])
        else:
            reports[-1].append(line)
    return reports


def proposal(name: str = "arctic-mayors-forum-tromso", **changes: Any) -> dict[str, Any]:
    body = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return {**copy.deepcopy(body), **changes}


def client(generated: Generated, service: Service, key: str | None = None) -> Any:
    return generated.module("client").AuthenticatedClient(base_url=service.url, token=key or service.submitter,
                                                          timeout=httpx.Timeout(60))


def test_it_generates_without_warnings_but_the_known_one(generated: Generated):
    assert warnings(generated.stderr) == KNOWN_WARNINGS, generated.stderr
    assert PACKAGE.isascii() and (generated.folder / PACKAGE / "__init__.py").is_file()
    package = importlib.import_module(PACKAGE)
    assert package.AuthenticatedClient is generated.module("client").AuthenticatedClient
    # a value that is not ASCII gets an ASCII constant (x-enum-varnames in the document)
    kinds = generated.module("models.department_kind").DepartmentKind
    assert kinds.FORVALTNING.value == "förvaltning" and kinds.BOLAG.value == "bolag"
    assert all(name.isascii() for name in kinds.__members__)


def test_a_screening_through_the_generated_client_is_the_services(generated: Generated, service: Service):
    models = generated.module("models")
    create_screening = generated.module("api.screenings.create_screening")
    body = proposal()
    with client(generated, service) as api:
        answer = create_screening.sync_detailed(client=api, body=models.Proposal.from_dict(body),
                                                accept_language="en")
    assert answer.status_code == 200
    screening = answer.parsed
    assert isinstance(screening, models.ScreeningPublic)
    direct = httpx.post(service.url + "/v1/screenings", json=body, timeout=60,
                        headers={"Authorization": f"Bearer {service.submitter}", "Accept-Language": "en"}).json()
    assert screening.to_dict() == direct  # every field read into the models and written back unchanged
    assert screening.summary == screening.summary_en
    assert screening.recommendation == models.Recommendation(direct["recommendation"])
    leg = screening.climate.legs[0]
    assert (leg.from_.iata, leg.to.iata, leg.mode, leg.trips) == ("LLA", "TOS", "flight", 2)
    assert screening.climate.co2e_kg == direct["climate"]["co2e_kg"] > 0


def test_it_stores_reads_and_lists_a_proposal(generated: Generated, service: Service):
    models = generated.module("models")
    create_proposal = generated.module("api.proposals.create_proposal")
    read_proposal = generated.module("api.proposals.read_proposal")
    list_proposals = generated.module("api.proposals.list_proposals")
    body = proposal(external_ref="RESA-2027-GEN-1")
    with client(generated, service) as api:
        created = create_proposal.sync_detailed(client=api, body=models.Proposal.from_dict(body),
                                                idempotency_key="generated-client-1")
        assert created.status_code == 201, created.content
        stored = created.parsed
        assert isinstance(stored, models.ProposalPublic)
        assert created.headers["location"] == f"/v1/proposals/{stored.id}"
        assert (stored.status, stored.revision, stored.external_ref) == (models.Status.SCREENED, 1, "RESA-2027-GEN-1")
        assert stored.title == body["title"] and stored.department == "kommunstaben"

        again = create_proposal.sync_detailed(client=api, body=models.Proposal.from_dict(body),
                                              idempotency_key="generated-client-1")
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.parsed.id == stored.id

        read = read_proposal.sync_detailed(client=api, proposal_id=stored.id)
        assert read.status_code == 200 and read.headers["etag"] == created.headers["etag"]
        assert isinstance(read.parsed, models.ProposalPublic)
        assert read.parsed.id == stored.id
        assert read.parsed.screening.to_dict() == stored.screening.to_dict()
        assert read.parsed.travel.legs[0].to == "TOS"

        page = list_proposals.sync(client=api, kind=models.Kind.TRIP, limit=10)
    assert isinstance(page, models.ProposalPage)
    [item] = [i for i in page.items if i.id == stored.id]
    assert (item.title, item.status, item.recommendation, item.score) == (
        stored.title, models.Status.SCREENED, stored.screening.recommendation.value, stored.screening.score)
    assert item.co2e_kg == stored.screening.climate.co2e_kg


def test_problems_come_back_as_problem_details(generated: Generated, service: Service):
    models = generated.module("models")
    create_screening = generated.module("api.screenings.create_screening")
    read_proposal = generated.module("api.proposals.read_proposal")
    body = proposal()
    body["travel"]["legs"][0]["to"] = "Tromsoo"
    with client(generated, service) as api:
        refused = create_screening.sync_detailed(client=api, body=models.Proposal.from_dict(body))
    assert refused.status_code == 422
    problem = refused.parsed
    assert isinstance(problem, models.Problem)
    assert problem.status == 422 and problem.type_.endswith("/validation")
    [error] = problem.errors
    assert error.field == "travel.legs[0].to" and "Tromsø" in " ".join(error.suggestions)
    with client(generated, service, key="vgv_not-a-key") as api:
        unknown = read_proposal.sync_detailed(client=api, proposal_id="0190f3c1-0000-7000-8000-000000000000")
    assert unknown.status_code == 401
    assert isinstance(unknown.parsed, models.Problem) and unknown.parsed.status == 401
