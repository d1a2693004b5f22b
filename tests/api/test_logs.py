"""Structured logs (SPEC §10): one JSON line per request with request id, key prefix (never the key), route template,
status and latency; nothing of a proposal's text, the raw path or the query."""

from __future__ import annotations

import json
import logging

from app.logs import JsonFormatter, uvicorn_config
from tests.api.conftest import proposal


def test_one_json_line_per_request_without_the_key_the_text_or_the_query(client, submitter, caplog):
    formatter = JsonFormatter()
    title = "Hemlig resa till Tromsø för Anna Andersson"
    with caplog.at_level(logging.DEBUG):
        created = client.post("/v1/proposals", json=proposal(title=title), headers={**submitter,
                                                                                   "X-Request-ID": "req-1"})
        client.get(f"/v1/proposals/{created.json()['id']}?q=Anna", headers=submitter)
        client.get("/v1/proposals", params={"q": "Anna Andersson"}, headers=submitter)
        client.post("/v1/proposals", json=proposal(title="\x07" + title), headers=submitter)  # a 422
    server = [r for r in caplog.records if not r.name.startswith("httpx")]  # the test's own client logs its URLs
    lines = [json.loads(formatter.format(r)) for r in server]
    requests = [line for line in lines if line.get("event") == "request"]
    token = submitter["Authorization"].removeprefix("Bearer ")
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("POST", "/v1/proposals", 201), ("GET", "/v1/proposals/{proposal_id}", 422), ("GET", "/v1/proposals", 200),
        ("POST", "/v1/proposals", 422)]
    assert requests[0]["request_id"] == "req-1" and all(r["request_id"] for r in requests)
    assert {r["key_prefix"] for r in requests} == {token[:16]} and len(token) > 40
    assert all(isinstance(r["duration_ms"], float) and r["duration_ms"] >= 0 for r in requests)
    everything = "\n".join(formatter.format(r) for r in server)
    assert token not in everything and token[16:] not in everything
    assert "Anna" not in everything and "Tromsø" not in everything and "Hemlig" not in everything


def test_the_formatter_and_the_server_configuration():
    record = logging.LogRecord("vagval", logging.WARNING, __file__, 1, "database unavailable on %s", ("GET",), None)
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["message"]) == ("warning", "vagval", "database unavailable on GET")
    assert line["time"].endswith("+00:00")
    config = uvicorn_config("debug")
    assert config["loggers"]["vagval"]["level"] == "DEBUG" and config["loggers"]["uvicorn.access"]["handlers"] == []
