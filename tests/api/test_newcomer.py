"""What a newcomer met (issue 16 item 7): a reason for a withdrawal, safe amendments with If-Match, and a revoked key
that says it was revoked."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import proposal

PROBLEM = "application/problem+json"


def _create(client, headers, **changes) -> tuple[str, str]:
    r = client.post("/v1/proposals", json=proposal(**changes), headers=headers)
    assert r.status_code == 201
    return r.json()["id"], r.headers["etag"]


def _withdrawn_audit(client, officer, pid) -> dict:
    entries = [e for e in client.get(f"/v1/proposals/{pid}/audit", headers=officer).json()
               if e["action"] == "proposal.withdrawn"]
    assert len(entries) == 1
    return entries[0]


# -- a withdrawal's reason -------------------------------------------------------------------------------------------


def test_a_withdrawal_keeps_its_reason_in_the_audit_trail(client, submitter, officer):
    pid, _ = _create(client, submitter)
    r = client.post(f"/v1/proposals/{pid}/withdraw", json={"reason": "  Forumet ställs in i år.\n"}, headers=submitter)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    entry = _withdrawn_audit(client, officer, pid)
    assert entry["details"] == {"reason": "Forumet ställs in i år.", "status_before": "screened"}
    assert entry["actor"] == "submitter-kommunstaben-0"


@pytest.mark.parametrize("send", [
    {},  # no body at all
    {"content": b""},
    {"content": b" \n", "headers": {"Content-Type": "application/json"}},
    {"content": b"", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},  # curl -X POST -d ''
    {"json": {}},
    {"json": {"reason": None}},
], ids=["none", "empty", "blank", "empty-form", "empty-object", "null-reason"])
def test_a_withdrawal_without_a_reason_works_as_before(client, submitter, officer, send):
    pid, _ = _create(client, submitter)
    send = dict(send)
    r = client.post(f"/v1/proposals/{pid}/withdraw", headers={**submitter, **send.pop("headers", {})}, **send)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert _withdrawn_audit(client, officer, pid)["details"] == {"reason": None, "status_before": "screened"}


@pytest.mark.parametrize(("body", "field"), [
    ({"reason": ""}, "reason"),
    ({"reason": "   "}, "reason"),
    ({"reason": "\u200b\u200b"}, "reason"),  # only zero-width spaces: nothing a reader sees
    ({"reason": "Inställt\x07"}, "reason"),  # a control character rings a terminal
    ({"reason": "Inställt \u202eniart"}, "reason"),  # a bidirectional override reorders what a reader sees
    ({"reason": "x" * 5001}, "reason"),
    ({"reason": 42}, "reason"),
    ({"reason": "Inställt.", "comment": "mer"}, "comment"),
], ids=["empty", "blank", "invisible", "control", "bidi", "too-long", "number", "unknown-field"])
def test_a_withdrawal_reason_follows_the_rules_of_a_decisions_reason(client, submitter, body, field):
    pid, _ = _create(client, submitter)
    r = client.post(f"/v1/proposals/{pid}/withdraw", json=body, headers=submitter)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert client.get(f"/v1/proposals/{pid}", headers=submitter).json()["status"] == "screened"


def test_a_withdrawal_reason_of_5000_characters_is_kept_whole(client, submitter, officer):
    pid, _ = _create(client, submitter)
    reason = ("Resan ställs in. " * 300)[:4999] + "!"
    assert len(reason) == 5000
    r = client.post(f"/v1/proposals/{pid}/withdraw", json={"reason": reason}, headers=submitter)
    assert r.status_code == 200
    assert _withdrawn_audit(client, officer, pid)["details"]["reason"] == reason


def test_a_withdrawal_with_malformed_json_or_another_media_type_is_refused(client, submitter):
    pid, _ = _create(client, submitter)
    r = client.post(f"/v1/proposals/{pid}/withdraw", content=b'{"reason": ',
                    headers={**submitter, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["type"].endswith("malformed-json")
    r = client.post(f"/v1/proposals/{pid}/withdraw", content="reason=Inställt".encode(),
                    headers={**submitter, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert client.get(f"/v1/proposals/{pid}", headers=submitter).json()["status"] == "screened"


def test_a_retry_of_a_withdrawal_replays_and_another_reason_under_the_same_key_is_refused(client, submitter, officer):
    pid, _ = _create(client, submitter)
    headers = {**submitter, "Idempotency-Key": "withdraw-1"}
    first = client.post(f"/v1/proposals/{pid}/withdraw", json={"reason": "Forumet ställs in."}, headers=headers)
    again = client.post(f"/v1/proposals/{pid}/withdraw", json={"reason": " Forumet ställs in. "}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    for other in ({"json": {"reason": "Budgeten räcker inte."}}, {}, {"json": {}}):
        r = client.post(f"/v1/proposals/{pid}/withdraw", headers=headers, **other)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, other
        assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _withdrawn_audit(client, officer, pid)["details"]["reason"] == "Forumet ställs in."


def test_a_retry_of_a_withdrawal_without_a_reason_replays_with_or_without_an_empty_body(client, submitter):
    pid, _ = _create(client, submitter)
    headers = {**submitter, "Idempotency-Key": "withdraw-2"}
    first = client.post(f"/v1/proposals/{pid}/withdraw", headers=headers)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    for same in ({}, {"json": {}}, {"json": {"reason": None}}):
        r = client.post(f"/v1/proposals/{pid}/withdraw", headers=headers, **same)
        assert r.status_code == 200 and r.headers["idempotent-replayed"] == "true", same
    r = client.post(f"/v1/proposals/{pid}/withdraw", json={"reason": "Glömde skälet."}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"


def test_the_openapi_document_shows_the_optional_reason(client):
    operation = client.get("/openapi.json").json()["paths"]["/v1/proposals/{proposal_id}/withdraw"]["post"]
    body = operation["requestBody"]
    assert body.get("required", False) is False
    assert set(body["content"]["application/json"]["examples"]) == {"med-skal", "utan-skal"}


# -- amendments with If-Match ----------------------------------------------------------------------------------------


def test_an_amendment_with_a_stale_etag_is_412_with_the_current_one_and_changes_nothing(client, submitter):
    pid, etag = _create(client, submitter)
    first = client.patch(f"/v1/proposals/{pid}", json={"title": "Första ändringen"},
                         headers={**submitter, "If-Match": etag})
    assert first.status_code == 200 and first.json()["title"] == "Första ändringen"
    current = first.headers["etag"]
    assert current != etag
    stale = client.patch(f"/v1/proposals/{pid}", json={"title": "Andra ändringen"},
                         headers={**submitter, "If-Match": etag})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert stale.headers["etag"] == current
    assert stale.json()["detail"] == ("the proposal has changed since this ETag was read; GET it again and make the "
                                      "change anew on what it is now")
    read = client.get(f"/v1/proposals/{pid}", headers=submitter)
    assert (read.json()["title"], read.json()["revision"], read.headers["etag"]) == ("Första ändringen", 2, current)
    # as the README says: GET again, keep the ETag, re-apply with If-Match
    redone = client.patch(f"/v1/proposals/{pid}", json={"title": "Andra ändringen"},
                          headers={**submitter, "If-Match": read.headers["etag"]})
    assert redone.status_code == 200 and redone.json()["revision"] == 3


def test_an_amendment_without_if_match_or_with_a_star_is_applied(client, submitter):
    pid, _ = _create(client, submitter)
    r = client.patch(f"/v1/proposals/{pid}", json={"title": "Utan villkor"}, headers=submitter)
    assert r.status_code == 200 and r.json()["revision"] == 2
    r = client.patch(f"/v1/proposals/{pid}", json={"title": "Med stjärna"}, headers={**submitter, "If-Match": "*"})
    assert r.status_code == 200 and r.json()["revision"] == 3 and r.json()["title"] == "Med stjärna"


# -- a revoked key ---------------------------------------------------------------------------------------------------


def test_a_revoked_key_says_when_it_was_revoked_and_an_unknown_key_says_nothing(client, admin, make_key):
    headers = make_key("officer", name="Återkallad handläggare")
    token = headers["Authorization"].removeprefix("Bearer ")
    key_id = next(k["id"] for k in client.get("/v1/keys", headers=admin).json()
                  if k["client"] == "Återkallad handläggare")
    revoked_at = client.post(f"/v1/keys/{key_id}/revoke", headers=admin).json()["revoked_at"]
    r = client.get("/v1/me", headers=headers)
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    assert r.headers["www-authenticate"] == 'Bearer realm="vagval"'
    when = re.sub(r"\.\d+Z$", "Z", revoked_at)  # to the second
    assert r.json()["detail"] == f"this API key was revoked at {when}; ask an administrator for a new one"
    # the same prefix with another secret, an unknown key, a malformed one: the generic answer, nothing revealed
    prefix, _, secret = token.rpartition("_")
    forged = f"{prefix}_{'A' * len(secret)}"
    unknown = "vgv_ABCDEFGHIJKL_" + "B" * 43
    for other in (forged, unknown, "vgv_short", "not-a-key"):
        r = client.get("/v1/me", headers={"Authorization": f"Bearer {other}"})
        assert r.status_code == 401 and r.json()["detail"] == "the API key is not valid", other
