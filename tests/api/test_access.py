"""Function- and object-level authorisation: every operation × every role, with the exact status (OWASP API1, API5)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from app.screening import default_policy
from app.services.export import XLSX
from tests.api.conftest import proposal

HOOK = "https://93.184.215.14/vagval"  # a public address, written as one: no name to resolve
ROLES = ["anonymous", "submitter", "other_submitter", "officer", "viewer", "admin"]


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    proposal_id: str
    etag: str
    key_id: str
    webhook_id: str


@pytest.fixture
def world(client, make_key) -> World:
    headers = {
        "anonymous": {},
        "submitter": make_key("submitter", "kommunstaben"),
        "other_submitter": make_key("submitter", "kultur-och-fritidsforvaltningen"),
        "officer": make_key("officer"),
        "viewer": make_key("viewer"),
        "admin": make_key("admin"),
    }
    created = client.post("/v1/proposals", json=proposal(), headers=headers["submitter"])
    assert created.status_code == 201
    key_id = client.get("/v1/keys", headers=headers["admin"]).json()[0]["id"]
    hook = client.post("/v1/webhooks", json={"url": HOOK}, headers=headers["admin"])
    assert hook.status_code == 201, hook.text
    return World(headers, created.json()["id"], created.headers["etag"], key_id, hook.json()["id"])


def _policy_body() -> dict:
    data = copy.deepcopy(default_policy().model_dump(mode="json"))
    data["policy"]["version"] = "matrix-test"
    return data


Call = Callable[..., object]
OPERATIONS: dict[str, Call] = {
    "POST /v1/screenings": lambda c, w, h: c.post("/v1/screenings", json=proposal(), headers=h),
    "POST /v1/proposals": lambda c, w, h: c.post("/v1/proposals", json=proposal(title="Ny"), headers=h),
    "POST /v1/proposals/batch": lambda c, w, h: c.post("/v1/proposals/batch", json={"proposals": [proposal()]}, headers=h),
    "GET /v1/proposals": lambda c, w, h: c.get("/v1/proposals", headers=h),
    "GET /v1/proposals (CSV)": lambda c, w, h: c.get("/v1/proposals", headers={**h, "Accept": "text/csv"}),
    "GET /v1/proposals/{id}": lambda c, w, h: c.get(f"/v1/proposals/{w.proposal_id}", headers=h),
    "PATCH /v1/proposals/{id}": lambda c, w, h: c.patch(f"/v1/proposals/{w.proposal_id}", json={"title": "Nytt"}, headers=h),
    "GET /v1/proposals/{id}/screenings": lambda c, w, h: c.get(f"/v1/proposals/{w.proposal_id}/screenings", headers=h),
    "POST /v1/proposals/{id}/withdraw": lambda c, w, h: c.post(f"/v1/proposals/{w.proposal_id}/withdraw", headers=h),
    "POST /v1/proposals/{id}/rescreen": lambda c, w, h: c.post(f"/v1/proposals/{w.proposal_id}/rescreen", headers=h),
    "POST /v1/proposals/{id}/decision": lambda c, w, h: c.post(
        f"/v1/proposals/{w.proposal_id}/decision", headers={**h, "If-Match": w.etag},
        json={"decision": "returned", "reason": "Komplettera med tågalternativet."}),
    "GET /v1/proposals/{id}/audit": lambda c, w, h: c.get(f"/v1/proposals/{w.proposal_id}/audit", headers=h),
    "POST /v1/rescreen": lambda c, w, h: c.post("/v1/rescreen", headers=h),
    "GET /v1/keys": lambda c, w, h: c.get("/v1/keys", headers=h),
    "POST /v1/keys": lambda c, w, h: c.post("/v1/keys", json={"name": "Ny klient", "role": "viewer"}, headers=h),
    "GET /v1/keys/{id}": lambda c, w, h: c.get(f"/v1/keys/{w.key_id}", headers=h),
    "POST /v1/keys/{id}/revoke": lambda c, w, h: c.post(f"/v1/keys/{w.key_id}/revoke", headers=h),
    "POST /v1/keys/{id}/rotate": lambda c, w, h: c.post(f"/v1/keys/{w.key_id}/rotate", headers=h),
    "GET /v1/departments": lambda c, w, h: c.get("/v1/departments", headers=h),
    "GET /v1/departments/{slug}": lambda c, w, h: c.get("/v1/departments/kommunstaben", headers=h),
    "POST /v1/departments": lambda c, w, h: c.post(
        "/v1/departments", json={"slug": "lulea-industripark", "name_sv": "Luleå Industripark AB", "kind": "bolag"},
        headers=h),
    "PATCH /v1/departments/{slug}": lambda c, w, h: c.patch(
        "/v1/departments/lulea-hamn", json={"name_sv": "Luleå Hamn Aktiebolag"}, headers=h),
    "GET /v1/events": lambda c, w, h: c.get("/v1/events", headers=h),
    "GET /v1/webhooks": lambda c, w, h: c.get("/v1/webhooks", headers=h),
    "POST /v1/webhooks": lambda c, w, h: c.post("/v1/webhooks", json={"url": HOOK + "/2"}, headers=h),
    "GET /v1/webhooks/{id}": lambda c, w, h: c.get(f"/v1/webhooks/{w.webhook_id}", headers=h),
    "DELETE /v1/webhooks/{id}": lambda c, w, h: c.delete(f"/v1/webhooks/{w.webhook_id}", headers=h),
    "GET /v1/webhooks/{id}/deliveries": lambda c, w, h: c.get(f"/v1/webhooks/{w.webhook_id}/deliveries", headers=h),
    "GET /v1/goals": lambda c, w, h: c.get("/v1/goals", headers=h),
    "GET /v1/partners": lambda c, w, h: c.get("/v1/partners", headers=h),
    "GET /v1/emission-factors": lambda c, w, h: c.get("/v1/emission-factors", headers=h),
    "GET /v1/places": lambda c, w, h: c.get("/v1/places", params={"q": "Luleå"}, headers=h),
    "GET /v1/me": lambda c, w, h: c.get("/v1/me", headers=h),
    "GET /v1/policies": lambda c, w, h: c.get("/v1/policies", headers=h),
    "GET /v1/policies/active": lambda c, w, h: c.get("/v1/policies/active", headers=h),
    "POST /v1/policies": lambda c, w, h: c.post("/v1/policies", json=_policy_body(), headers=h),
    "GET /v1/policies/{version}": lambda c, w, h: c.get("/v1/policies/lulea-2019-2023-rev-2021-12-03.2", headers=h),
    "POST /v1/policies/{version}/activate": lambda c, w, h: c.post(
        "/v1/policies/lulea-2019-2023-rev-2021-12-03.2/activate", headers=h),
    "GET /v1/proposals (XLSX)": lambda c, w, h: c.get("/v1/proposals", headers={**h, "Accept": XLSX}),
    "GET /v1/stats/summary": lambda c, w, h: c.get("/v1/stats/summary", headers=h),
    "GET /v1/stats/by/{dimension}": lambda c, w, h: c.get("/v1/stats/by/department", headers=h),
    "GET /v1/stats/decisions": lambda c, w, h: c.get("/v1/stats/decisions", headers=h),
    "GET /v1/reports/activity-plan": lambda c, w, h: c.get("/v1/reports/activity-plan", headers=h),
    "GET /v1/reports/climate": lambda c, w, h: c.get("/v1/reports/climate", headers=h),
    "GET /dashboard": lambda c, w, h: c.get("/dashboard", headers=h),
    "GET /healthz": lambda c, w, h: c.get("/healthz", headers=h),
    "GET /readyz": lambda c, w, h: c.get("/readyz", headers=h),
    "GET /metrics": lambda c, w, h: c.get("/metrics", headers=h),
}

#                                          anonymous submitter other_sub officer viewer admin
EXPECTED: dict[str, tuple[int, ...]] = {
    "POST /v1/screenings":                  (401, 200, 200, 200, 200, 200),
    "POST /v1/proposals":                   (401, 201, 403, 403, 403, 403),
    "POST /v1/proposals/batch":             (401, 200, 200, 403, 403, 403),
    "GET /v1/proposals":                    (401, 200, 200, 200, 403, 200),
    "GET /v1/proposals (CSV)":              (401, 200, 200, 200, 403, 200),
    "GET /v1/proposals/{id}":               (401, 200, 404, 200, 403, 200),
    "PATCH /v1/proposals/{id}":             (401, 200, 404, 403, 403, 403),
    "GET /v1/proposals/{id}/screenings":    (401, 200, 404, 200, 403, 200),
    "POST /v1/proposals/{id}/withdraw":     (401, 200, 404, 403, 403, 403),
    "POST /v1/proposals/{id}/rescreen":     (401, 403, 404, 200, 403, 200),
    "POST /v1/proposals/{id}/decision":     (401, 403, 404, 200, 403, 200),
    "GET /v1/proposals/{id}/audit":         (401, 403, 404, 200, 403, 200),
    "POST /v1/rescreen":                    (401, 403, 403, 403, 403, 200),
    "GET /v1/keys":                         (401, 403, 403, 403, 403, 200),
    "POST /v1/keys":                        (401, 403, 403, 403, 403, 201),
    "GET /v1/keys/{id}":                    (401, 403, 403, 403, 403, 200),
    "POST /v1/keys/{id}/revoke":            (401, 403, 403, 403, 403, 200),
    "POST /v1/keys/{id}/rotate":            (401, 403, 403, 403, 403, 201),
    "GET /v1/departments":                  (401, 200, 200, 200, 200, 200),
    "GET /v1/departments/{slug}":           (401, 200, 200, 200, 200, 200),
    "POST /v1/departments":                 (401, 403, 403, 403, 403, 201),
    "PATCH /v1/departments/{slug}":         (401, 403, 403, 403, 403, 200),
    "GET /v1/events":                       (401, 200, 200, 200, 403, 200),
    "GET /v1/webhooks":                     (401, 403, 403, 403, 403, 200),
    "POST /v1/webhooks":                    (401, 403, 403, 403, 403, 201),
    "GET /v1/webhooks/{id}":                (401, 403, 403, 403, 403, 200),
    "DELETE /v1/webhooks/{id}":             (401, 403, 403, 403, 403, 204),
    "GET /v1/webhooks/{id}/deliveries":     (401, 403, 403, 403, 403, 200),
    "GET /v1/goals":                        (401, 200, 200, 200, 200, 200),
    "GET /v1/partners":                     (401, 200, 200, 200, 200, 200),
    "GET /v1/emission-factors":             (401, 200, 200, 200, 200, 200),
    "GET /v1/places":                       (401, 200, 200, 200, 200, 200),
    "GET /v1/me":                           (401, 200, 200, 200, 200, 200),
    "GET /v1/policies":                     (401, 200, 200, 200, 200, 200),
    "GET /v1/policies/active":              (401, 200, 200, 200, 200, 200),
    "POST /v1/policies":                    (401, 403, 403, 403, 403, 201),
    "GET /v1/policies/{version}":           (401, 200, 200, 200, 200, 200),
    "POST /v1/policies/{version}/activate": (401, 403, 403, 403, 403, 200),
    "GET /v1/proposals (XLSX)":             (401, 200, 200, 200, 403, 200),
    "GET /v1/stats/summary":                (401, 200, 200, 200, 200, 200),
    "GET /v1/stats/by/{dimension}":         (401, 200, 200, 200, 200, 200),
    "GET /v1/stats/decisions":              (401, 200, 200, 200, 200, 200),
    "GET /v1/reports/activity-plan":        (401, 200, 200, 200, 200, 200),
    "GET /v1/reports/climate":              (401, 200, 200, 200, 200, 200),
    "GET /dashboard":                       (200, 200, 200, 200, 200, 200),
    "GET /healthz":                         (200, 200, 200, 200, 200, 200),
    "GET /readyz":                          (200, 200, 200, 200, 200, 200),
    "GET /metrics":                         (200, 200, 200, 200, 200, 200),
}


def test_the_matrix_covers_every_operation_of_the_api(client):
    spec = client.get("/openapi.json").json()
    documented = {f"{m.upper()} {p}".replace("{proposal_id}", "{id}").replace("{key_id}", "{id}")
                  .replace("{webhook_id}", "{id}")
                  for p, ops in spec["paths"].items() for m in ops}
    covered = {name.removesuffix(" (CSV)").removesuffix(" (XLSX)") for name in EXPECTED}
    assert documented == covered


@pytest.mark.parametrize("operation", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_role_operation_matrix(client, world, operation, role):
    expected = EXPECTED[operation][ROLES.index(role)]
    response = OPERATIONS[operation](client, world, world.headers[role])
    assert response.status_code == expected, response.text[:300]
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"


def test_another_departments_proposal_is_invisible_everywhere(client, world):
    """The other department's submitter learns nothing: 404s, an empty list and an empty CSV."""
    other = world.headers["other_submitter"]
    assert client.get("/v1/proposals", headers=other).json()["items"] == []
    csv_text = client.get("/v1/proposals", headers={**other, "Accept": "text/csv"}).text
    assert csv_text.strip().count("\n") == 0  # the header row only
    assert client.get("/v1/proposals", params={"department": "kommunstaben"}, headers=other).json()["items"] == []
    missing = client.get("/v1/proposals/00000000-0000-0000-0000-000000000000", headers=other)
    hidden = client.get(f"/v1/proposals/{world.proposal_id}", headers=other)
    assert missing.status_code == hidden.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"].replace("00000000-0000-0000-0000-000000000000",
                                                                        world.proposal_id)


def test_responses_never_carry_key_hashes(client, world):
    listed = client.get("/v1/keys", headers=world.headers["admin"])
    assert "key_hash" not in listed.text and all("key" not in k for k in listed.json())
    created = client.post("/v1/keys", json={"name": "Visas en gång", "role": "officer"},
                          headers={**world.headers["admin"], "Idempotency-Key": "once"})
    assert created.json()["key"].startswith("vgv_")
    replay = client.post("/v1/keys", json={"name": "Visas en gång", "role": "officer"},
                         headers={**world.headers["admin"], "Idempotency-Key": "once"})
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["key"] is None and replay.json()["id"] == created.json()["id"]
