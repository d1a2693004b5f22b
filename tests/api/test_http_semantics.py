"""HTTP semantics an integrating engineer relies on: HEAD, media types, strict JSON, one 413, If-Match by strong
comparison, q=0 in Accept-Language, and field names in validation errors as the client wrote them."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import proposal

PROBLEM = "application/problem+json"


def _problem(r, status: int, kind: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["type"].endswith("/" + kind)
    return body


def test_head_is_answered_as_get_without_a_body(client, submitter):
    for path, headers in (("/healthz", {}), ("/v1/me", submitter), ("/v1/goals", submitter)):
        get, head = client.get(path, headers=headers), client.head(path, headers=headers)
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head("/v1/me").status_code == 401
    r = client.head("/v1/screenings", headers=submitter)  # a POST-only path
    assert r.status_code == 405 and r.headers["allow"] == "POST"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
@pytest.mark.parametrize("path", ["/v1/screenings", "/v1/proposals", "/v1/proposals/batch"])
def test_415_for_a_body_that_is_not_json(client, submitter, path, content_type):
    body = {"proposals": [proposal()]} if path.endswith("batch") else proposal()
    r = client.post(path, content=json.dumps(body), headers={**submitter, "Content-Type": content_type})
    assert content_type in _problem(r, 415, "unsupported-media-type")["detail"]


def test_json_media_types_and_a_missing_content_type_are_read_as_json(client, submitter):
    body = json.dumps(proposal()).encode()
    assert client.post("/v1/screenings", content=body, headers={**submitter, "Content-Type": "application/json; charset=utf-8"}).status_code == 200
    created = client.post("/v1/proposals", content=body, headers=submitter)  # no Content-Type at all
    assert created.status_code == 201
    patched = client.patch(f"/v1/proposals/{created.json()['id']}", content=b'{"budget_sek": 1000}',
                           headers={**submitter, "Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200 and patched.json()["budget_sek"] == 1000


@pytest.mark.parametrize(("raw", "why"), [
    (b"", "empty"),
    (b"   ", "empty"),
    (b'{"kind": "trip", "budget_sek": NaN}', "NaN is not a JSON value"),
    (b'{"kind": "trip", "budget_sek": Infinity}', "Infinity is not a JSON value"),
    (b'{"budget_sek": ' + b"9" * 5000 + b"}", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"title": "\xff\xfe\xfa"}', "not valid JSON"),
    (b'{"title": ', "not valid JSON"),
])
@pytest.mark.parametrize("path", ["/v1/screenings", "/v1/proposals", "/v1/proposals/batch", "/v1/policies"])
def test_400_malformed_json_for_every_body_that_is_not_strict_json(client, submitter, admin, path, raw, why):
    headers = admin if path == "/v1/policies" else submitter
    r = client.post(path, content=raw, headers={**headers, "Content-Type": "application/json"})
    assert why in _problem(r, 400, "malformed-json")["detail"]


def test_one_problem_type_for_413_with_or_without_content_length(client, submitter, settings):
    big = json.dumps(proposal(description="x" * settings.max_body_bytes)).encode()
    declared = client.post("/v1/screenings", content=big, headers={**submitter, "Content-Type": "application/json"})
    streamed = client.post("/v1/screenings", content=iter([big[:1000], big[1000:]]),
                           headers={**submitter, "Content-Type": "application/json"})
    assert "content-length" not in streamed.request.headers
    for r in (declared, streamed):
        body = _problem(r, 413, "payload-too-large")
        assert body["title"] == "Payload too large"


def test_if_match_uses_strong_comparison_and_any_listed_tag(client, submitter):
    created = client.post("/v1/proposals", json=proposal(), headers=submitter)
    pid, etag = created.json()["id"], created.headers["etag"]
    r = client.patch(f"/v1/proposals/{pid}", json={"budget_sek": 1}, headers={**submitter, "If-Match": "W/" + etag})
    assert _problem(r, 412, "precondition-failed") and r.headers["etag"] == etag  # a weak tag never matches
    r = client.patch(f"/v1/proposals/{pid}", json={"budget_sek": 2}, headers={**submitter, "If-Match": f'"old", {etag}'})
    assert r.status_code == 200 and r.headers["etag"] != etag


def test_an_empty_if_match_counts_as_absent(client, submitter, officer):
    created = client.post("/v1/proposals", json=proposal(), headers=submitter)
    pid = created.json()["id"]
    r = client.post(f"/v1/proposals/{pid}/decision", json={"decision": "approved", "reason": "Enligt rekommendationen."},
                    headers={**officer, "If-Match": ""})
    _problem(r, 428, "precondition-required")
    r = client.patch(f"/v1/proposals/{pid}", json={"budget_sek": 3}, headers={**submitter, "If-Match": " "})
    assert r.status_code == 200  # If-Match is optional on PATCH


@pytest.mark.parametrize(("header", "lang"), [("en;q=0", "sv"), ("en;q=0, sv;q=0", "sv"), ("sv;q=0, en", "en"),
                                              ("en;q=0.1", "en")])
def test_q_zero_means_not_acceptable(client, submitter, header, lang):
    r = client.post("/v1/screenings", json=proposal(), headers={**submitter, "Accept-Language": header})
    assert r.status_code == 200 and r.headers["content-language"] == lang


def test_validation_errors_name_the_field_the_client_wrote(client, submitter):
    body = proposal()
    body["travel"]["legs"][0]["from"] = {"lat": 95, "lon": 22, "name": "Norr om polen"}
    errors = _problem(client.post("/v1/screenings", json=body, headers=submitter), 422, "validation")["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [("travel.legs[0].from.lat", "less_than_equal")]
    body["travel"]["legs"][0]["from"] = {"lat": 65.6}
    errors = _problem(client.post("/v1/screenings", json=body, headers=submitter), 422, "validation")["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [("travel.legs[0].from.lon", "missing")]
    body["travel"]["legs"][0]["from"] = ""
    errors = _problem(client.post("/v1/screenings", json=body, headers=submitter), 422, "validation")["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [("travel.legs[0].from", "string_too_short")]
    errors = _problem(client.get("/v1/proposals", params={"limit": 500}, headers=submitter), 422, "validation")["errors"]
    assert [e["field"] for e in errors] == ["limit"]
    r = client.post("/v1/screenings", json=proposal(), headers={**submitter, "Idempotency-Key": "k" * 300})
    assert [e["field"] for e in _problem(r, 422, "validation")["errors"]] == ["Idempotency-Key"]


def test_a_batch_names_an_unknown_top_level_field(client, submitter):
    r = client.post("/v1/proposals/batch", json={"proposals": [proposal()], "extra": 1}, headers=submitter)
    errors = _problem(r, 422, "validation")["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [("extra", "extra_forbidden")]


def test_cabin_is_for_flights(client, submitter):
    body = proposal()
    body["travel"]["legs"] = [{"from": "Luleå", "to": "Boden", "mode": "train", "cabin": "business"}]
    errors = _problem(client.post("/v1/screenings", json=body, headers=submitter), 422, "validation")["errors"]
    assert [e["field"] for e in errors] == ["travel.legs[0].cabin"]
    body["travel"]["legs"] = [{"from": "Luleå", "to": "Boden", "mode": "train", "cabin": "economy"}]  # as shown back
    assert client.post("/v1/screenings", json=body, headers=submitter).status_code == 200
