"""Policies: stored, immutable, one active; uploads validated with the exact field; activation changes new screenings only."""

from __future__ import annotations

import copy

from app.screening import default_policy
from tests.api.conftest import proposal

DEFAULT = "lulea-2019-2023-rev-2021-12-03.2"


def _policy(version: str = "lulea-test-2027", **travel) -> dict:
    data = copy.deepcopy(default_policy().model_dump(mode="json"))
    data["policy"]["version"] = version
    data["travel"].update(travel)
    return data


def test_default_policy_is_seeded_and_active(client, viewer):
    listed = client.get("/v1/policies", headers=viewer).json()
    assert [(p["version"], p["active"]) for p in listed] == [(DEFAULT, True)]
    active = client.get("/v1/policies/active", headers=viewer).json()
    assert active["content_hash"] == default_policy().content_hash
    assert active["municipality"] == "Luleå kommun"


def test_invalid_policy_is_refused_with_the_field_and_nothing_changes(client, admin):
    data = _policy()
    data["scoring"]["weights"]["goals"] = 30
    data["partners"][0]["status"] = "sleeping"
    r = client.post("/v1/policies", json=data, headers=admin)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"scoring.weights", "partners[0].status"} <= fields
    assert [p["version"] for p in client.get("/v1/policies", headers=admin).json()] == [DEFAULT]


def test_upload_then_activate_changes_new_screenings_only(client, admin, submitter):
    before = client.post("/v1/proposals", json=proposal(), headers=submitter).json()
    assert [c["code"] for c in before["screening"]["conditions"]] == ["CLIMATE_MODE_SHIFT"]

    r = client.post("/v1/policies", json=_policy(mode_shift_max_km=400), headers=admin)
    assert r.status_code == 201
    assert r.json()["active"] is False
    assert client.post("/v1/policies", json=_policy(mode_shift_max_km=400), headers=admin).status_code == 200
    assert client.post("/v1/policies", json=_policy(mode_shift_max_km=300), headers=admin).status_code == 409

    r = client.post("/v1/policies/lulea-test-2027/activate", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is True
    assert client.get("/v1/policies/active", headers=admin).json()["version"] == "lulea-test-2027"

    after = client.post("/v1/screenings", json=proposal(), headers=submitter).json()
    assert after["policy_version"] == "lulea-test-2027"
    assert after["conditions"] == []  # 480 km is over the new 400 km limit
    stored = client.get(f"/v1/proposals/{before['id']}", headers=submitter).json()
    assert stored["screening"] == before["screening"]


def test_policy_as_toml(client, admin):
    from app.screening.policy import DEFAULT_POLICY_PATH

    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace(DEFAULT, "lulea-toml-copy", 1)
    r = client.post("/v1/policies", content=text.encode(), headers={**admin, "Content-Type": "application/toml"})
    assert r.status_code == 201
    assert r.json()["content_hash"] != default_policy().content_hash


def test_a_policy_file_that_is_not_toml_is_a_400_like_malformed_json(client, admin):
    r = client.post("/v1/policies", content=b"version = ", headers={**admin, "Content-Type": "application/toml"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/malformed-toml")
    assert r.json()["detail"].startswith("the request body is not valid TOML: ")


def test_only_admins_change_policies(client, officer, submitter):
    for headers in (officer, submitter):
        assert client.post("/v1/policies", json=_policy(), headers=headers).status_code == 403
        assert client.post(f"/v1/policies/{DEFAULT}/activate", headers=headers).status_code == 403


def test_activating_an_unknown_version_is_404(client, admin):
    assert client.post("/v1/policies/nope/activate", headers=admin).status_code == 404


def test_every_request_body_has_an_example_and_the_policy_examples_are_accepted(client, admin):
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                assert content.get("examples"), f"{method.upper()} {path} {media} has no example"
    content = spec["paths"]["/v1/policies"]["post"]["requestBody"]["content"]
    as_json = content["application/json"]["examples"]["revision"]["value"]
    as_toml = content["application/toml"]["examples"]["revision"]["value"]
    r = client.post("/v1/policies", json=as_json, headers=admin)
    assert r.status_code == 201 and r.json()["version"] == "lulea-2019-2023-rev-2027-01-15"
    # the TOML file is the same policy: the same version with the same content is stored already
    r = client.post("/v1/policies", content=as_toml.encode(), headers={**admin, "Content-Type": "application/toml"})
    assert r.status_code == 200 and r.json()["version"] == "lulea-2019-2023-rev-2027-01-15"


def test_the_active_policy_can_be_read_changed_and_uploaded_as_a_new_version(client, admin, viewer):
    active = client.get("/v1/policies/active", headers=viewer).json()
    content = active["content"]
    assert content["policy"]["version"] == active["version"] == "lulea-2019-2023-rev-2021-12-03.2"
    assert client.get(f"/v1/policies/{active['version']}", headers=viewer).json()["content"] == content
    assert "content" not in client.get("/v1/policies", headers=viewer).json()[0]  # the list stays light
    content["policy"]["version"] = "lulea-2019-2023-rev-2027-02-01"
    content["travel"]["mode_shift_max_km"] = 450
    r = client.post("/v1/policies", json=content, headers=admin)
    assert r.status_code == 201 and r.json()["version"] == "lulea-2019-2023-rev-2027-02-01"
    stored = client.get("/v1/policies/lulea-2019-2023-rev-2027-02-01", headers=viewer).json()
    assert stored["content"]["travel"]["mode_shift_max_km"] == 450 and stored["active"] is False
