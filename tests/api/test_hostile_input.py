"""Hostile input (SPEC §10), each found by probing the service as an attacker would: no redirect echoing Host, the
last admin key kept, strict numbers in policies, UTF-8 bodies only, no control characters or bidirectional overrides
in text, and formulas neutralised in exports behind what a spreadsheet skips."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from tests.api.conftest import proposal
from tests.api.test_policies import _policy

PROBLEM = "application/problem+json"


def test_a_trailing_slash_is_a_404_that_never_echoes_the_host(client, submitter):
    r = client.get("/v1/proposals/", headers={**submitter, "Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers
    assert r.json()["detail"] == "no resource at /v1/proposals/ (paths have no trailing slash: /v1/proposals)"
    assert "evil.example" not in r.text


def test_the_last_admin_key_cannot_be_revoked(client, admin, make_key):
    keys = client.get("/v1/keys", headers=admin).json()
    (mine,) = [k["id"] for k in keys if k["role"] == "admin"]
    r = client.post(f"/v1/keys/{mine}/revoke", headers=admin)
    assert r.status_code == 409 and "last admin key" in r.json()["detail"]
    assert client.get("/v1/keys", headers=admin).status_code == 200  # still works
    second = make_key("admin")
    assert client.post(f"/v1/keys/{mine}/revoke", headers=second).status_code == 200  # another admin remains
    assert client.get("/v1/keys", headers=admin).status_code == 401
    others = [k["id"] for k in client.get("/v1/keys", headers=second).json() if k["role"] == "admin"
              and k["revoked_at"] is None]
    assert client.post(f"/v1/keys/{others[0]}/revoke", headers=second).status_code == 409


@pytest.mark.parametrize("value", [False, True, "0", "500"])
def test_a_policy_number_must_be_a_number(client, admin, value):
    r = client.post("/v1/policies", json=_policy(mode_shift_max_km=value), headers=admin)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["travel.mode_shift_max_km"]
    assert client.post("/v1/policies", json=_policy(mode_shift_max_km=400), headers=admin).status_code == 201


@pytest.mark.parametrize(("body", "detail"), [
    (json.dumps(proposal()).encode("utf-16"), "byte-order mark"),
    (json.dumps(proposal()).encode("utf-16-le"), "not valid JSON"),  # NUL bytes are UTF-8: not JSON, though
    (b"\xef\xbb\xbf" + json.dumps(proposal()).encode(), "byte-order mark"),
    (json.dumps(proposal()).encode("utf-32"), "byte-order mark"),
])
def test_a_body_must_be_utf8_without_a_byte_order_mark(client, submitter, body, detail):
    r = client.post("/v1/proposals", content=body, headers={**submitter, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    assert detail in r.json()["detail"]


VISIBLE_MESSAGE = ("must hold a visible character, and no control characters (other than tab and newline) or "
                   "bidirectional overrides")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "Ring the \x07 bell", VISIBLE_MESSAGE),
    ("title", "\x1b[31mRed alert\x1b[0m", VISIBLE_MESSAGE),
    ("title", "Invoice \u202egnp.exe", VISIBLE_MESSAGE),  # right-to-left override
    ("title", "\u2067hidden\u2069", VISIBLE_MESSAGE),  # isolates
    ("title", "\u200b\u200b\u200b", VISIBLE_MESSAGE),  # only zero-width spaces
    ("title", "\u200e", VISIBLE_MESSAGE),  # only a left-to-right mark
    ("title", "\u3164\u3164", VISIBLE_MESSAGE),  # only Hangul fillers, which render as blanks
    ("description", "line one\x00line two", "no control characters (other than tab and newline) or bidirectional "
                                            "overrides"),
    ("description", "C1 \x9b control", "no control characters (other than tab and newline) or bidirectional "
                                       "overrides"),
])
def test_text_refuses_control_characters_and_bidi_overrides_naming_the_field(client, submitter, field, value,
                                                                            message):
    r = client.post("/v1/proposals", json=proposal(**{field: value}), headers=submitter)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": field, "message": message, "type": "string_pattern_mismatch"}]


def test_tabs_newlines_and_other_scripts_are_kept(client, submitter):
    text = "Rad ett\n\tRad två\r\nعربي · 中文 · Sámegiella"
    r = client.post("/v1/proposals", json=proposal(description=text), headers=submitter)
    assert r.status_code == 201 and r.json()["description"] == text


FORMULAS = ["\u200b=1+1", "\uff1d1+1", "  =HYPERLINK(1)", "\u3000+1", "\ufeff@SUM(A1)", "－2+3"]


def test_exports_neutralise_formulas_behind_spaces_zero_width_and_full_width_characters(client, submitter):
    for n, title in enumerate(FORMULAS):
        assert client.post("/v1/proposals", json=proposal(title=f"{title}", external_ref=f"F-{n}"),
                           headers=submitter).status_code == 201
    stored = [t.strip() for t in FORMULAS]  # titles are stored without their leading and trailing spaces
    csv_text = client.get("/v1/proposals", headers={**submitter, "Accept": "text/csv"}).text
    for title in stored:
        assert f"'{title}" in csv_text
    xlsx = client.get("/v1/proposals", headers={
        **submitter, "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    titles = [r[rows[0].index("title")] for r in rows[1:]]
    assert sorted(titles) == sorted(f"'{t}" for t in stored)


def test_a_trusted_hosts_setting_refuses_other_hosts(database_url):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(database_url=database_url, trusted_hosts="vagval.lulea.se, *.intern.lulea.se")
    with TestClient(create_app(settings), base_url="http://vagval.lulea.se") as client:
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/openapi.json", headers={"Host": "api.intern.lulea.se:8443"}).status_code == 200
        refused = client.get("/openapi.json", headers={"Host": "evil.example"})
        assert refused.status_code == 400 and refused.headers["content-type"] == PROBLEM
        assert refused.json()["type"].endswith("/untrusted-host") and "evil" not in refused.text
        # the probes answer whatever the Host (a container's health check asks for 127.0.0.1)
        assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200
