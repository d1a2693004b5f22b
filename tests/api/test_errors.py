"""Every error is RFC 9457 problem details, the framework's own included; headers survive; no stack traces."""

from __future__ import annotations

import pytest

from tests.api.conftest import proposal

PROBLEM = "application/problem+json"


def _is_problem(r, status: int) -> dict:
    assert r.status_code == status
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in r.text
    return body


def test_401_without_or_with_a_bad_key_carries_www_authenticate(client):
    for headers in ({}, {"Authorization": "Bearer vgv_nope"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer vgv_AAAAAAAAAAAA_" + "x" * 43}):
        r = client.get("/v1/goals", headers=headers)
        _is_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_403_for_a_role_that_may_not(client, viewer):
    body = _is_problem(client.post("/v1/proposals", json=proposal(), headers=viewer), 403)
    assert "submitter" in body["detail"]


def test_404_for_unknown_paths_and_ids(client, officer):
    _is_problem(client.get("/v1/nothing-here", headers=officer), 404)
    _is_problem(client.get("/v1/proposals/00000000-0000-0000-0000-000000000000", headers=officer), 404)


def test_405_keeps_allow(client, officer):
    r = client.delete("/v1/proposals", headers=officer)
    _is_problem(r, 405)
    assert r.headers["allow"] == "GET, HEAD, POST"


def test_400_for_malformed_json(client, submitter):
    for path in ("/v1/proposals", "/v1/screenings", "/v1/proposals/batch"):
        r = client.post(path, content=b'{"kind": "trip",', headers={**submitter, "Content-Type": "application/json"})
        body = _is_problem(r, 400)
        assert "not valid JSON" in body["detail"]


def test_413_for_a_body_over_the_limit(client, submitter, settings):
    r = client.post("/v1/screenings", content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                    headers={**submitter, "Content-Type": "application/json"})
    _is_problem(r, 413)
    too_many = proposal(partners=["p"] * 51)  # under the byte limit, over a list limit
    assert client.post("/v1/screenings", json=too_many, headers=submitter).status_code == 422


def test_415_for_another_content_type_on_batch(client, submitter):
    r = client.post("/v1/proposals/batch", content=b"proposals", headers={**submitter, "Content-Type": "text/plain"})
    _is_problem(r, 415)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "voyage"}, "kind"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
        ({"goals": [{"goal": 10, "motivation": "too far"}]}, "goals[0].goal"),
        ({"end_date": "2027-03-01"}, "end_date"),
        ({"travel": {"legs": [{"from": "LLA", "to": "TOS", "mode": "rocket"}]}}, "travel.legs[0].mode"),
        ({"travel": {"travellers": -1, "legs": [{"from": "LLA", "to": "TOS", "mode": "flight"}]}}, "travel.travellers"),
        ({"travel": {"legs": [{"from": "LLA", "to": "TOS", "mode": "flight"}] * 51}}, "travel.legs"),
        ({"value_added": {"development": {"answer": "maybe"}}}, "value_added.development.answer"),
    ],
)
def test_422_names_the_field(client, submitter, change, field):
    body = _is_problem(client.post("/v1/screenings", json=proposal(**change), headers=submitter), 422)
    assert field in [e["field"] for e in body["errors"]]
    assert all({"field", "message"} <= set(e) for e in body["errors"])


def test_request_id_is_echoed(client, officer):
    r = client.get("/v1/goals", headers={**officer, "X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert len(client.get("/v1/goals", headers=officer).headers["x-request-id"]) == 32


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def _sample(text: str, name: str, **labels: str) -> float:
    """A sample's value in a Prometheus text exposition (0 when it is not there yet)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_metrics_count_requests_by_route_template_and_screenings_by_recommendation(client, submitter, officer):
    from tests.api.conftest import proposal

    before = client.get("/metrics").text
    pid = client.post("/v1/proposals", json=proposal(), headers=submitter).json()["id"]
    client.get(f"/v1/proposals/{pid}", headers=officer)
    client.get("/v1/proposals/0190a0b0-0000-7000-8000-000000000000", headers=officer)
    client.get("/no/such/path")
    client.head("/healthz")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")

    def grew(name: str, **labels: str) -> float:
        return _sample(r.text, name, **labels) - _sample(before, name, **labels)

    route = "/v1/proposals/{proposal_id}"
    assert grew("vagval_http_requests_total", method="GET", route=route, status="200") == 1
    assert grew("vagval_http_requests_total", method="GET", route=route, status="404") == 1
    assert grew("vagval_http_requests_total", method="POST", route="/v1/proposals", status="201") == 1
    assert grew("vagval_http_requests_total", method="GET", route="(unmatched)", status="404") == 1
    assert grew("vagval_http_requests_total", method="HEAD", route="/healthz", status="200") == 1
    assert grew("vagval_http_request_duration_seconds_count", method="GET", route=route) == 2
    assert grew("vagval_screenings_total", recommendation="approve_with_conditions") == 1
    assert _sample(r.text, "vagval_build_info", engine_version="1.3.0") == 1


def test_metrics_label_a_method_http_does_not_define_as_other(client):
    before = client.get("/metrics").text
    for method in ("FOO1", "FOO2", "BREW"):
        assert client.request(method, "/v1/proposals").status_code == 405
    after = client.get("/metrics").text
    assert "FOO1" not in after and "BREW" not in after
    assert (_sample(after, "vagval_http_requests_total", method="OTHER", route="/v1/proposals", status="405")
            - _sample(before, "vagval_http_requests_total", method="OTHER", route="/v1/proposals", status="405")) == 3


def test_readiness_is_503_when_the_database_is_gone(client):
    from sqlalchemy import create_engine

    client.app.state.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                                            connect_args={"connect_timeout": 1})
    r = client.get("/readyz")
    _is_problem(r, 503)
    assert r.headers["retry-after"] == "2"
    r = client.get("/v1/goals", headers={"Authorization": "Bearer vgv_AAAAAAAAAAAA_" + "x" * 43})
    _is_problem(r, 503)


def test_openapi_documents_problem_responses(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    op = spec["paths"]["/v1/proposals"]["post"]
    assert op["operationId"] == "create_proposal"
    assert set(op["responses"]["422"]["content"]) == {PROBLEM}
    assert "Problem" in spec["components"]["schemas"]
    examples = op["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) >= 8
    assert client.get("/docs").status_code == 200


def test_a_session_that_cannot_be_closed_does_not_cut_the_answer(client, viewer, monkeypatch):
    """Found by the PostgreSQL restart test: the database went away after a GET's answer had started, closing the
    request's session raised, and the connection was dropped without an answer."""
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    original = Session.close

    def close(self):
        original(self)
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "close", close)
    r = client.get("/v1/goals", headers=viewer)
    assert r.status_code == 200 and len(r.json()) == 9
