"""Departments as reference data (SPEC §13): the seed served, an admin's changes audited, and every place that names
a department — a proposal, a batch item, an amendment, a preview, a submitter key, a filter — refusing an unknown or
retired one with close matches."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app.db import normalise_url
from app.main import create_app
from app.migrate import upgrade
from app.models import AuditEvent
from app.services import departments
from app.services.keys import create_client_key
from app.settings import Settings
from tests.api.conftest import proposal
from tests.conftest import BACKENDS, PG_URL, new_postgres_database

DATA = Path(__file__).resolve().parents[2] / "app" / "data" / "departments.toml"
SEEDED = tomllib.loads(DATA.read_text(encoding="utf-8"))["department"]


def _audit(client: TestClient, slug: str) -> list[AuditEvent]:
    with Session(client.app.state.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.entity_type == "department",
                                                          AuditEvent.entity_id == slug).order_by(AuditEvent.id)))


def _error(response) -> dict:  # noqa: ANN001
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert len(body["errors"]) == 1
    return body["errors"][0]


# -- the list -----------------------------------------------------------------------------------------------------


def test_the_seeded_organisation_is_served_to_any_key(client, viewer, submitter):
    listed = client.get("/v1/departments", headers=viewer)
    assert listed.status_code == 200
    body = listed.json()
    assert [(d["slug"], d["name_sv"], d["kind"], d["active"]) for d in body] == sorted(
        (d["slug"], d["name_sv"], d["kind"], True) for d in SEEDED)
    assert {"kommunstaben", "lulea-business-region"} <= {d["slug"] for d in body}  # the two the plan names
    assert {d["kind"] for d in body} == {"förvaltning", "bolag"}
    assert all(d["retired_at"] is None for d in body)
    assert client.get("/v1/departments", params={"active": "false"}, headers=submitter).json() == []
    one = client.get("/v1/departments/lulea-business-region", headers=submitter).json()
    assert (one["name_sv"], one["kind"], one["active"]) == ("Luleå Business Region AB", "bolag", True)
    missing = client.get("/v1/departments/kommunstyrelsen", headers=viewer)
    assert missing.status_code == 404 and missing.json()["detail"] == "no department 'kommunstyrelsen'"
    assert client.get("/v1/departments").status_code == 401


def test_the_seed_file_is_the_one_the_migration_froze():
    """The migration seeds a frozen copy: today it must equal the package's data file (and its sources' header)."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "alembic" / "versions" / "d5e6f7a8b9c0_departments_as_reference_data.py"
    spec = importlib.util.spec_from_file_location("departments_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SEED == [(d["slug"], d["name_sv"], d["kind"]) for d in SEEDED]
    assert departments.SEED == [{"slug": d["slug"], "name_sv": d["name_sv"], "kind": d["kind"]} for d in SEEDED]
    assert "Read 2026-12-04" in DATA.read_text(encoding="utf-8") and "https://" in DATA.read_text(encoding="utf-8")


# -- an admin's changes -------------------------------------------------------------------------------------------


def test_an_admin_adds_renames_retires_and_takes_back_a_department_each_audited(client, admin, viewer):
    new = {"slug": "lulea-industripark", "name_sv": "Luleå Industripark", "kind": "förvaltning"}
    created = client.post("/v1/departments", json=new, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/departments/lulea-industripark"
    assert {k: created.json()[k] for k in ("slug", "name_sv", "kind", "active", "retired_at")} == {
        **new, "active": True, "retired_at": None}
    assert client.get(created.headers["location"], headers=viewer).json() == created.json()

    again = client.post("/v1/departments", json={**new, "name_sv": "Något annat"}, headers=admin)
    assert again.status_code == 409
    assert again.json()["detail"] == "department 'lulea-industripark' exists already (Luleå Industripark)"
    seeded = client.post("/v1/departments", json={"slug": "kommunstaben", "name_sv": "Kommunstaben",
                                                   "kind": "förvaltning"}, headers=admin)
    assert seeded.status_code == 409

    renamed = client.patch("/v1/departments/lulea-industripark",
                           json={"name_sv": "Luleå Industripark AB", "kind": "bolag"}, headers=admin)
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name_sv"], renamed.json()["kind"], renamed.json()["active"]) == (
        "Luleå Industripark AB", "bolag", True)

    retired = client.patch("/v1/departments/lulea-industripark", json={"active": False}, headers=admin).json()
    assert retired["active"] is False and retired["retired_at"] is not None
    listed = {d["slug"]: d for d in client.get("/v1/departments", headers=viewer).json()}
    assert listed["lulea-industripark"]["active"] is False  # listed with its flag, not hidden
    assert [d["slug"] for d in client.get("/v1/departments", params={"active": False}, headers=viewer).json()] == [
        "lulea-industripark"]
    taken_back = client.patch("/v1/departments/lulea-industripark", json={"active": True}, headers=admin).json()
    assert taken_back["active"] is True and taken_back["retired_at"] is None

    unchanged = client.patch("/v1/departments/lulea-industripark", json={"active": True}, headers=admin)
    assert unchanged.status_code == 200  # nothing changed: nothing recorded

    events = _audit(client, "lulea-industripark")
    assert [e.action for e in events] == ["department.created", "department.updated", "department.retired",
                                          "department.reactivated"]
    assert {e.actor for e in events} == {"admin-all-0"}
    assert events[0].details == {"name_sv": "Luleå Industripark", "kind": "förvaltning", "active": True}
    assert events[1].details == {"changed": {"name_sv": ["Luleå Industripark", "Luleå Industripark AB"],
                                             "kind": ["förvaltning", "bolag"]}}
    assert events[2].details == {"changed": {"active": [True, False]}}
    assert events[3].details == {"changed": {"active": [False, True]}}
    assert all(e.request_id for e in events)


def test_what_an_admin_may_not_do(client, admin):
    empty = client.patch("/v1/departments/kommunstaben", json={}, headers=admin)
    assert _error(empty)["field"] == "(body)"
    assert client.patch("/v1/departments/kommunstyrelsen", json={"active": False}, headers=admin).status_code == 404
    bad = client.post("/v1/departments", json={"slug": "Luleå Hamn", "name_sv": "Luleå Hamn", "kind": "bolag"},
                      headers=admin)
    assert _error(bad)["field"] == "slug"
    kind = client.post("/v1/departments", json={"slug": "lulea-flygplats", "name_sv": "Flygplatsen",
                                                "kind": "myndighet"}, headers=admin)
    assert _error(kind)["field"] == "kind"
    null = client.patch("/v1/departments/kommunstaben", json={"active": None}, headers=admin)
    assert _error(null)["field"] == "active"
    assert _audit(client, "kommunstaben") == []


@pytest.mark.parametrize("role", ["submitter", "officer", "viewer"])
def test_only_an_admin_changes_departments(client, make_key, role):
    headers = make_key(role)
    new = {"slug": "lulea-industripark", "name_sv": "Luleå Industripark AB", "kind": "bolag"}
    assert client.post("/v1/departments", json=new, headers=headers).status_code == 403
    assert client.patch("/v1/departments/kommunstaben", json={"active": False}, headers=headers).status_code == 403
    assert client.get("/v1/departments/kommunstaben", headers=headers).json()["active"] is True
    assert client.get("/v1/departments/lulea-industripark", headers=headers).status_code == 404


# -- refusals with suggestions ------------------------------------------------------------------------------------

UNKNOWN = [
    ("Kommunstaben", ["kommunstaben"], "unknown department 'Kommunstaben'; did you mean kommunstaben (Kommunstaben)?"),
    ("kommunstyrelsen", ["kommunstyrelsens-forvaltning", "kommunstaben"],
     "unknown department 'kommunstyrelsen'; did you mean kommunstyrelsens-forvaltning (Kommunstyrelsens förvaltning), "
     "kommunstaben (Kommunstaben)?"),
    ("Kulturförvaltningen", ["kultur-och-fritidsforvaltningen"],
     "unknown department 'Kulturförvaltningen'; did you mean kultur-och-fritidsforvaltningen (Kultur- och "
     "fritidsförvaltningen)?"),
    ("Luleå Business Region", ["lulea-business-region"],
     "unknown department 'Luleå Business Region'; did you mean lulea-business-region (Luleå Business Region AB)?"),
    ("miljoforvaltningen", [], "unknown department 'miljoforvaltningen'; GET /v1/departments lists them"),
]


@pytest.mark.parametrize(("given", "suggested", "message"), UNKNOWN)
def test_a_proposal_naming_an_unknown_department_is_refused_with_close_matches(client, submitter, given, suggested,
                                                                                message):
    error = _error(client.post("/v1/proposals", json=proposal(department=given), headers=submitter))
    assert error == {"field": "department", "message": message, "type": "unknown_department",
                     "suggestions": suggested}
    preview = _error(client.post("/v1/screenings", json=proposal(department=given), headers=submitter))
    assert preview == error


def test_every_other_place_naming_a_department_refuses_an_unknown_one(client, submitter, officer, viewer, admin):
    stored = client.post("/v1/proposals", json=proposal(), headers=submitter)
    assert stored.status_code == 201
    suggested = ["kommunstyrelsens-forvaltning", "kommunstaben"]

    batch = client.post("/v1/proposals/batch", json={"proposals": [proposal(title="Först"),
                                                                   proposal(department="kommunstyrelsen")]},
                        headers=submitter).json()
    assert [r["status"] for r in batch["results"]] == [201, 422]
    item = batch["results"][1]["problem"]
    assert item["errors"][0]["field"] == "proposals[1].department"
    assert item["errors"][0]["suggestions"] == suggested
    assert item["detail"].startswith("proposals[1].department: unknown department 'kommunstyrelsen'; did you mean")

    moved = client.patch(f"/v1/proposals/{stored.json()['id']}", json={"department": "kommunstyrelsen"},
                         headers=submitter)
    error = _error(moved)
    assert (error["field"], error["type"], error["suggestions"]) == ("department", "unknown_department", suggested)
    assert client.patch(f"/v1/proposals/{stored.json()['id']}", json={"title": "Nytt namn"},
                        headers=submitter).status_code == 200  # the department left as it is: no check

    key = client.post("/v1/keys", json={"name": "Näringslivssystemet", "role": "submitter",
                                        "department": "Luleå Business Region"}, headers=admin)
    assert _error(key) == {"field": "department", "type": "unknown_department",
                           "suggestions": ["lulea-business-region"],
                           "message": "unknown department 'Luleå Business Region'; did you mean lulea-business-region "
                                      "(Luleå Business Region AB)?"}
    assert client.post("/v1/keys", json={"name": "Näringslivssystemet", "role": "submitter",
                                         "department": "lulea-business-region"}, headers=admin).status_code == 201

    params = {"department": "kommunstyrelsen"}
    for path, headers in (("/v1/proposals", officer), ("/v1/stats/summary", viewer),
                          ("/v1/stats/by/department", viewer), ("/v1/stats/decisions", viewer),
                          ("/v1/reports/activity-plan", viewer), ("/v1/reports/climate", viewer)):
        error = _error(client.get(path, params=params, headers=headers))
        assert (error["field"], error["suggestions"]) == ("department", suggested), path
    csv = client.get("/v1/proposals", params=params, headers={**officer, "Accept": "text/csv"})
    assert _error(csv)["suggestions"] == suggested
    assert client.get("/v1/proposals", params={"department": "kommunstaben"}, headers=officer).json()["items"]
    assert client.get("/v1/stats/summary", params={"department": "kommunstaben"}, headers=viewer).json()[
        "proposals"] == 2


def test_a_retired_department_keeps_its_history_and_takes_nothing_new(client, make_key, admin, officer, viewer):
    hamn = make_key("submitter", "lulea-hamn")
    stored = client.post("/v1/proposals", json=proposal(department="lulea-hamn"), headers=hamn)
    assert stored.status_code == 201
    assert client.patch("/v1/departments/lulea-hamn", json={"active": False}, headers=admin).status_code == 200
    message = ("department 'lulea-hamn' (Luleå Hamn AB) is retired: it takes no new proposals, keys or filters; "
               "GET /v1/departments lists them")
    refused = {"field": "department", "message": message, "type": "retired_department", "suggestions": []}

    assert _error(client.post("/v1/proposals", json=proposal(department="lulea-hamn"), headers=hamn)) == refused
    assert _error(client.post("/v1/screenings", json=proposal(department="lulea-hamn"), headers=hamn)) == refused
    batch = client.post("/v1/proposals/batch", json={"proposals": [proposal(department="lulea-hamn")]},
                        headers=hamn).json()
    assert batch["results"][0]["problem"]["errors"] == [{**refused, "field": "proposals[0].department"}]
    key = client.post("/v1/keys", json={"name": "Hamnens system", "role": "submitter", "department": "lulea-hamn"},
                      headers=admin)
    assert _error(key) == refused
    assert _error(client.get("/v1/proposals", params={"department": "lulea-hamn"}, headers=officer)) == refused
    assert _error(client.get("/v1/stats/summary", params={"department": "lulea-hamn"}, headers=viewer)) == refused

    # what it stored stays: read, listed, amended, counted; its key still works
    pid = stored.json()["id"]
    assert client.get(f"/v1/proposals/{pid}", headers=officer).json()["department"] == "lulea-hamn"
    assert [i["id"] for i in client.get("/v1/proposals", headers=officer).json()["items"]] == [pid]
    assert [i["id"] for i in client.get("/v1/proposals", headers=hamn).json()["items"]] == [pid]
    amended = client.patch(f"/v1/proposals/{pid}", json={"title": "Hamnens resa, ändrad"}, headers=hamn)
    assert amended.status_code == 200 and amended.json()["department"] == "lulea-hamn"
    rows = client.get("/v1/stats/by/department", headers=viewer).json()["rows"]
    assert [(r["key"], r["proposals"]) for r in rows] == [("lulea-hamn", 1)]

    # taken back into use, it takes proposals again (this process saw the change at once)
    assert client.patch("/v1/departments/lulea-hamn", json={"active": True}, headers=admin).status_code == 200
    assert client.post("/v1/proposals", json=proposal(department="lulea-hamn"), headers=hamn).status_code == 201


def test_another_workers_change_is_seen_within_the_snapshot_interval(client, submitter):
    """A department retired by another process (here: written straight to the database) is refused once this
    process's snapshot is older than SNAPSHOT_TTL, and not before."""
    engine = client.app.state.engine
    assert client.post("/v1/screenings", json=proposal(), headers=submitter).status_code == 200
    with Session(engine) as session:
        session.execute(text("UPDATE department SET active = false WHERE slug = 'kommunstaben'"))
        session.commit()
    assert client.post("/v1/screenings", json=proposal(), headers=submitter).status_code == 200  # the snapshot's
    seen = departments._SNAPSHOTS[engine]
    departments._SNAPSHOTS[engine] = dataclasses.replace(seen, read_at=seen.read_at - departments.SNAPSHOT_TTL)
    assert _error(client.post("/v1/screenings", json=proposal(), headers=submitter))["type"] == "retired_department"


def test_vagval_keys_create_refuses_an_unknown_department_with_close_matches(database_url, monkeypatch, capsys):
    from app.cli import main
    from app.settings import get_settings

    monkeypatch.setenv("VAGVAL_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        assert main(["keys", "create", "--role", "submitter", "--department", "Kommunstaben", "--name", "Ärende"]) == 2
        assert capsys.readouterr().err.strip().endswith(
            "department: unknown department 'Kommunstaben'; did you mean kommunstaben (Kommunstaben)?")
        assert main(["keys", "create", "--role", "submitter", "--department", "kommunstaben", "--name", "Ärende",
                     "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["department"] == "kommunstaben"
    finally:
        get_settings.cache_clear()


# -- the migration ------------------------------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with new_postgres_database("vagval_departments") as url:
        yield url


def test_the_migration_keeps_the_departments_already_stored_as_retired_ones(empty_database):
    from alembic import command
    from app.migrate import alembic_config

    url = empty_database
    upgrade(url, "9b3e5c1d2a7f")  # the schema before departments
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO client (id, name, role, department, created_at) VALUES "
            "('c1', 'Miljösystemet', 'submitter', 'miljoforvaltningen', '2026-01-01 00:00:00'), "
            "('c2', 'Kansliet', 'submitter', 'kommunstaben', '2026-01-01 00:00:00'), "
            "('c3', 'Handläggaren', 'officer', NULL, '2026-01-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO proposal (id, client_id, submitted_by, external_ref, kind, title, search_text, department, "
            "status, body, recommendation, score, revision, created_at, updated_at) VALUES "
            "('p1', 'c2', 'Kansliet', 'DNR-2026/7', 'trip', 'Resa med tekniska förvaltningen', 'resa', "
            "'tekniska-forvaltningen', 'screened', '{}', 'approve', 80.0, 1, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"))
    engine.dispose()
    upgrade(url)

    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        rows = {r.slug: r for r in conn.execute(text("SELECT slug, name_sv, kind, active, retired_at FROM department"))}
    engine.dispose()
    assert set(rows) == {d["slug"] for d in SEEDED} | {"miljoforvaltningen", "tekniska-forvaltningen"}
    assert all(rows[d["slug"]].active and rows[d["slug"]].retired_at is None for d in SEEDED)
    for slug in ("miljoforvaltningen", "tekniska-forvaltningen"):
        assert (rows[slug].name_sv, rows[slug].kind, bool(rows[slug].active)) == (slug, "förvaltning", False)
        assert rows[slug].retired_at is not None

    with TestClient(create_app(Settings(database_url=url))) as app_client:
        with Session(app_client.app.state.engine) as session:
            _, _, token = create_client_key(session, name="Granskaren", role="officer", department=None, actor="test")
        officer = {"Authorization": f"Bearer {token}"}
        assert [i["id"] for i in app_client.get("/v1/proposals", headers=officer).json()["items"]] == ["p1"]
        listed = {d["slug"]: d["active"] for d in app_client.get("/v1/departments", headers=officer).json()}
        assert listed["miljoforvaltningen"] is False and listed["kommunstaben"] is True

    command.downgrade(alembic_config(url), "9b3e5c1d2a7f")
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM proposal")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM client")).scalar() == 4  # and the officer made above
    engine.dispose()
    upgrade(url)  # and up again


def test_department_rows_of_the_stats_carry_the_swedish_name(client, make_key, viewer):
    r = client.post("/v1/proposals", json=proposal(department="kultur-och-fritidsforvaltningen"),
                    headers=make_key("submitter", "kultur-och-fritidsforvaltningen"))
    assert r.status_code == 201
    [row] = client.get("/v1/stats/by/department", headers=viewer).json()["rows"]
    assert (row["key"], row["label_sv"], row["label_en"]) == (
        "kultur-och-fritidsforvaltningen", "Kultur- och fritidsförvaltningen", "Kultur- och fritidsförvaltningen")
