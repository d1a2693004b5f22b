"""From submission to a recorded, explained decision with its full history."""

from __future__ import annotations

import threading

from tests.api.conftest import example, proposal

TRAIN = {"travellers": 2, "presence": {"required": True, "reason": "signing"}, "digital_alternative": False,
         "legs": [{"from": "Luleå", "to": "Tromsø", "mode": "train", "round_trip": True}]}


def _create(client, headers, **changes):
    r = client.post("/v1/proposals", json=proposal(**changes), headers=headers)
    assert r.status_code == 201
    return r.json()["id"], r.headers["etag"]


def _decide(client, headers, pid, etag, decision, reason="Beslut enligt rekommendationen."):
    return client.post(f"/v1/proposals/{pid}/decision", json={"decision": decision, "reason": reason},
                       headers={**headers, "If-Match": etag} if etag else headers)


def test_submission_to_decision_with_full_history(client, submitter, officer):
    pid, etag = _create(client, submitter)
    # the officer returns it: the mode-shift condition should be met by going by train
    returned = _decide(client, officer, pid, etag, "returned", "Res med tåg via Narvik i stället för flyg.")
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    assert returned.json()["decision"]["decided_by"].startswith("officer")
    # the submitter amends; it is re-screened and back to screened
    amended = client.patch(f"/v1/proposals/{pid}", json={"travel": TRAIN}, headers=submitter)
    assert amended.status_code == 200
    assert (amended.json()["status"], amended.json()["screening"]["recommendation"]) == ("screened", "approve")
    approved = _decide(client, officer, pid, amended.headers["etag"], "approved")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # no further amendment or withdrawal after a decision
    assert client.patch(f"/v1/proposals/{pid}", json={"title": "x"}, headers=submitter).status_code == 409
    assert client.post(f"/v1/proposals/{pid}/withdraw", headers=submitter).status_code == 409
    audit = client.get(f"/v1/proposals/{pid}/audit", headers=officer).json()
    assert [e["action"] for e in audit] == [
        "proposal.created", "proposal.screened", "proposal.decided", "proposal.amended", "proposal.screened",
        "proposal.decided"]
    decided = audit[2]
    assert decided["details"]["decision"] == "returned" and decided["details"]["recommendation"] == "approve_with_conditions"
    assert decided["actor"].startswith("officer") and decided["at"].endswith("Z") and len(decided["request_id"]) == 32
    assert audit[3]["details"]["changed"] == ["travel"]
    history = client.get(f"/v1/proposals/{pid}/screenings", headers=officer).json()
    assert [h["reason"] for h in history] == ["created", "amended"]


def test_decision_needs_if_match(client, submitter, officer):
    pid, etag = _create(client, submitter)
    r = _decide(client, officer, pid, None, "approved")
    assert r.status_code == 428 and r.headers["content-type"] == "application/problem+json"
    stale = etag.replace('"', '"x', 1)
    r = _decide(client, officer, pid, stale, "approved")
    assert r.status_code == 412
    assert r.headers["etag"] == etag
    assert _decide(client, officer, pid, etag, "approved").status_code == 200


def test_an_amendment_makes_an_old_etag_stale(client, submitter, officer):
    pid, etag = _create(client, submitter)
    client.patch(f"/v1/proposals/{pid}", json={"title": "Ändrad"}, headers=submitter)
    assert _decide(client, officer, pid, etag, "approved").status_code == 412


def test_departing_from_the_recommendation_needs_a_substantive_reason(client, submitter, officer):
    # prefer_digital: approving it departs
    pid, etag = _create(client, submitter, **{k: v for k, v in example("brussels-conference-on-teams").items()
                                              if k not in ("external_ref", "department")})
    for placeholder in ("OK.", "- - - - - - - - - - - - - -", "TBD TBD TBD TBD TBD TBD", "ok ok ok ok ok ok ok ok"):
        r = _decide(client, officer, pid, etag, "approved", placeholder)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason", placeholder
    r = _decide(client, officer, pid, etag, "approved",
                "Talarinbjudan kräver fysisk närvaro; arrangören erbjuder ingen digital scen.")
    assert r.status_code == 200
    # approve_with_conditions: a short reason is enough to reject (no departure), and to approve
    pid, etag = _create(client, submitter, title="Annan resa")
    assert _decide(client, officer, pid, etag, "rejected", "Budget saknas.").status_code == 200


def test_rejecting_an_approve_recommendation_needs_a_substantive_reason(client, submitter, officer):
    pid, etag = _create(client, submitter, travel=TRAIN)
    assert _decide(client, officer, pid, etag, "rejected", "Nej.").status_code == 422
    assert _decide(client, officer, pid, etag, "rejected",
                   "Samma nätverksmöte bevakas redan av en annan förvaltning i år.").status_code == 200


def test_withdrawn_cannot_be_decided_and_decided_cannot_be_decided_again(client, submitter, officer):
    pid, _ = _create(client, submitter)
    withdrawn = client.post(f"/v1/proposals/{pid}/withdraw", headers=submitter)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert _decide(client, officer, pid, withdrawn.headers["etag"], "approved").status_code == 409
    pid, etag = _create(client, submitter, title="Andra")
    first = _decide(client, officer, pid, etag, "approved")
    assert _decide(client, officer, pid, first.headers["etag"], "rejected", "Ändrat beslut efter ny information.") \
        .status_code == 409


def test_withdraw_honours_if_match(client, submitter):
    pid, etag = _create(client, submitter)
    client.patch(f"/v1/proposals/{pid}", json={"title": "Ändrad"}, headers=submitter)
    r = client.post(f"/v1/proposals/{pid}/withdraw", headers={**submitter, "If-Match": etag})
    assert r.status_code == 412


def test_concurrent_decisions_exactly_one_wins(client, submitter, officer):
    pid, etag = _create(client, submitter)
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def decide(decision: str) -> None:
        barrier.wait()
        statuses.append(_decide(client, officer, pid, etag, decision, "Samtidigt beslut från flera handläggare.")
                        .status_code)

    threads = [threading.Thread(target=decide, args=("approved" if i % 2 else "rejected",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 412, 412, 412, 412, 412]
    audit = client.get(f"/v1/proposals/{pid}/audit", headers=officer).json()
    assert [e["action"] for e in audit].count("proposal.decided") == 1


def test_rescreen_one_records_both_results(client, submitter, officer, admin):
    pid, _ = _create(client, submitter)
    policy = client.get("/v1/emission-factors", headers=admin).json()
    assert policy["policy_version"] == "lulea-2019-2023-rev-2021-12-03.2"
    r = client.post(f"/v1/proposals/{pid}/rescreen", headers=officer)
    assert r.status_code == 200
    assert r.json()["previous_screening"]["recommendation"] == "approve_with_conditions"
    history = client.get(f"/v1/proposals/{pid}/screenings", headers=officer).json()
    assert [h["reason"] for h in history] == ["created", "rescreen"]


def test_rescreen_all_after_activation_reports_what_changed(client, submitter, officer, admin):
    import copy

    from app.screening import default_policy

    flight, _ = _create(client, submitter)                       # 480 km flight: mode-shift condition
    train, _ = _create(client, submitter, travel=TRAIN, title="Tåg")  # approve either way
    decided, etag = _create(client, submitter, title="Beslutad")
    _decide(client, officer, decided, etag, "approved")
    data = copy.deepcopy(default_policy().model_dump(mode="json"))
    data["policy"]["version"] = "lulea-400-km"
    data["travel"]["mode_shift_max_km"] = 400
    assert client.post("/v1/policies", json=data, headers=admin).status_code == 201
    assert client.post("/v1/policies/lulea-400-km/activate", headers=admin).status_code == 200
    report = client.post("/v1/rescreen", headers=admin).json()
    assert report["policy_version"] == "lulea-400-km"
    assert report["rescreened"] == 2  # the decided one is left alone
    assert report["changed"] == 1
    assert [(c["id"], c["from"], c["to"]) for c in report["changes"]] == [(flight, "approve_with_conditions", "approve")]
    assert client.get(f"/v1/proposals/{train}/screenings", headers=officer).json()[-1]["policy_version"] == "lulea-400-km"
    assert len(client.get(f"/v1/proposals/{decided}/screenings", headers=officer).json()) == 1


def _store_body(client, pid, change):
    """Rewrite a proposal's stored body with `change(body) -> body`, as earlier input rules might have stored it."""
    from sqlmodel import Session

    from app.models import ProposalRecord

    with Session(client.app.state.engine) as s:
        record = s.get(ProposalRecord, pid)
        record.body = change(dict(record.body))
        s.add(record)
        s.commit()


def _store_an_old_body(client, pid):
    """A body stored under earlier input rules: 'UK' was accepted as a country before ISO 3166 codes were checked."""
    _store_body(client, pid, lambda body: {**body, "travel": {**body["travel"], "legs": [
        {**body["travel"]["legs"][0], "to": {"lat": 51.47, "lon": -0.45, "country": "UK"}}]}})


def test_a_stored_body_that_no_longer_validates_is_reported_not_a_server_error(client, submitter, officer, admin):
    old, _ = _create(client, submitter, title="Gammal")
    fine, _ = _create(client, submitter, travel=TRAIN, title="Tåg")
    _store_an_old_body(client, old)
    one = client.post(f"/v1/proposals/{old}/rescreen", headers=officer)
    assert one.status_code == 422
    assert one.headers["content-type"] == "application/problem+json"
    assert one.json()["errors"][0]["field"] == "travel.legs[0].to.country"
    assert "amend it (PATCH the proposal) before it is re-screened" in one.json()["detail"]
    report = client.post("/v1/rescreen", headers=admin)
    assert report.status_code == 200
    assert report.json()["rescreened"] == 1
    assert [f["id"] for f in report.json()["failed"]] == [old]
    assert "travel.legs[0].to.country" in report.json()["failed"][0]["detail"]
    assert len(client.get(f"/v1/proposals/{fine}/screenings", headers=officer).json()) == 2
    assert len(client.get(f"/v1/proposals/{old}/screenings", headers=officer).json()) == 1
    # The way out the message names: the submitter amends the leg, and the proposal is screened again.
    assert client.patch(f"/v1/proposals/{old}", json={"travel": TRAIN}, headers=submitter).status_code == 200
    assert client.post(f"/v1/proposals/{old}/rescreen", headers=officer).status_code == 200
    assert len(client.get(f"/v1/proposals/{old}/screenings", headers=officer).json()) == 3


def test_rescreen_all_reports_a_chunk_that_other_writers_kept_changing_and_goes_on(client, submitter, officer,
                                                                                  admin, monkeypatch):
    from app.services import cases
    from app.services.proposals import Changed

    first, _ = _create(client, submitter, title="Först")
    second, _ = _create(client, submitter, travel=TRAIN, title="Sedan")
    real = cases._rescreen_chunk

    def contended(session, ids, *args):
        if first in ids:  # SQLite: another writer committed after this chunk's first read, every time
            raise Changed(stale_snapshot=True)
        return real(session, ids, *args)

    monkeypatch.setattr(cases, "_rescreen_chunk", contended)
    monkeypatch.setattr(cases.rescreen_all, "__defaults__", (None, 1, None))  # one proposal per chunk
    report = client.post("/v1/rescreen", headers=admin)
    assert report.status_code == 200
    assert report.json()["rescreened"] == 1
    assert [f["id"] for f in report.json()["failed"]] == [first]
    assert "nothing was written for it" in report.json()["failed"][0]["detail"]
    assert len(client.get(f"/v1/proposals/{first}/screenings", headers=officer).json()) == 1
    assert len(client.get(f"/v1/proposals/{second}/screenings", headers=officer).json()) == 2


def test_amending_drops_a_stored_key_that_todays_proposal_no_longer_has(client, submitter, officer):
    pid, _ = _create(client, submitter, title="Gammal")
    _store_body(client, pid, lambda body: {**body, "retired_field": "kept by an earlier version"})
    assert client.post(f"/v1/proposals/{pid}/rescreen", headers=officer).status_code == 422
    amended = client.patch(f"/v1/proposals/{pid}", json={"title": "Ny titel"}, headers=submitter)
    assert amended.status_code == 200
    stored = client.get(f"/v1/proposals/{pid}", headers=officer).json()
    assert stored["title"] == "Ny titel"
    assert "retired_field" not in stored
    audit = client.get(f"/v1/proposals/{pid}/audit", headers=officer).json()
    assert next(e for e in audit if e["action"] == "proposal.amended")["details"]["changed"] == ["retired_field", "title"]
    assert client.post(f"/v1/proposals/{pid}/rescreen", headers=officer).status_code == 200


def test_revoked_key_is_refused_at_once_and_rotation_gives_two_valid_keys(client, admin, make_key):
    headers = make_key("officer", name="Handläggare")
    keys = client.get("/v1/keys", headers=admin).json()
    key_id = next(k["id"] for k in keys if k["client"] == "Handläggare")
    assert client.get("/v1/me", headers=headers).status_code == 200
    rotated = client.post(f"/v1/keys/{key_id}/rotate", headers=admin)
    assert rotated.status_code == 201
    new = {"Authorization": f"Bearer {rotated.json()['key']}"}
    assert client.get("/v1/me", headers=headers).status_code == 200  # both work during the switch
    assert client.get("/v1/me", headers=new).json()["client"] == "Handläggare"
    assert client.post(f"/v1/keys/{key_id}/revoke", headers=admin).json()["revoked_at"] is not None
    assert client.get("/v1/me", headers=headers).status_code == 401
    assert client.get("/v1/me", headers=new).status_code == 200
    listed = {k["id"]: k for k in client.get("/v1/keys", headers=admin).json()}
    assert listed[key_id]["revoked_at"] is not None and listed[key_id]["last_used_at"] is not None
    assert listed[rotated.json()["id"]]["client_id"] == listed[key_id]["client_id"]


def test_patch_honours_if_match(client, submitter):
    pid, etag = _create(client, submitter)
    ok = client.patch(f"/v1/proposals/{pid}", json={"title": "Första"}, headers={**submitter, "If-Match": etag})
    assert ok.status_code == 200
    stale = client.patch(f"/v1/proposals/{pid}", json={"title": "Andra"}, headers={**submitter, "If-Match": etag})
    assert stale.status_code == 412


def _race(*calls) -> list[int]:  # noqa: ANN002
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        statuses[i] = calls[i]().status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_concurrent_amendments_with_the_same_etag_exactly_one_wins(client, submitter):
    pid, etag = _create(client, submitter)
    titles = [f"Ändrad titel nummer {i}" for i in range(6)]
    statuses = _race(*[lambda t=t: client.patch(f"/v1/proposals/{pid}", json={"title": t},
                                                headers={**submitter, "If-Match": etag}) for t in titles])
    assert sorted(statuses) == [200, 412, 412, 412, 412, 412]
    stored = client.get(f"/v1/proposals/{pid}", headers=submitter).json()
    assert stored["revision"] == 2 and stored["title"] == titles[statuses.index(200)]


def test_a_decision_and_an_amendment_at_the_same_time_never_both_win(client, submitter, officer):
    for _ in range(5):
        pid, etag = _create(client, submitter)
        decided, amended = _race(
            lambda: _decide(client, officer, pid, etag, "approved", "Godkänd enligt rekommendationen."),
            lambda: client.patch(f"/v1/proposals/{pid}", json={"title": "Ändrad efter läsningen"},
                                 headers={**submitter, "If-Match": etag}))
        assert sorted([decided, amended]) in ([200, 409], [200, 412]), (decided, amended)
        stored = client.get(f"/v1/proposals/{pid}", headers=officer).json()
        assert stored["revision"] == 2
        assert (stored["status"], stored["title"]) == (("approved", proposal()["title"]) if decided == 200
                                                       else ("screened", "Ändrad efter läsningen"))


def test_a_closed_case_is_not_rescreened_and_an_empty_patch_changes_nothing(client, submitter, officer):
    pid, etag = _create(client, submitter)
    r = client.patch(f"/v1/proposals/{pid}", json={}, headers=submitter)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "(body)"
    assert client.get(f"/v1/proposals/{pid}", headers=submitter).json()["revision"] == 1
    assert _decide(client, officer, pid, etag, "approved").status_code == 200
    r = client.post(f"/v1/proposals/{pid}/rescreen", headers=officer)
    assert r.status_code == 409 and "approved" in r.json()["detail"]
    pid, etag = _create(client, submitter, title="Återtas")
    client.post(f"/v1/proposals/{pid}/withdraw", headers=submitter)
    assert client.post(f"/v1/proposals/{pid}/rescreen", headers=officer).status_code == 409


def test_a_returned_decision_is_not_shown_once_the_proposal_is_amended(client, submitter, officer):
    pid, etag = _create(client, submitter)
    returned = _decide(client, officer, pid, etag, "returned", "Res med tåg via Narvik i stället för flyg.")
    assert returned.json()["decision"]["decision"] == "returned"
    amended = client.patch(f"/v1/proposals/{pid}", json={"travel": TRAIN}, headers=submitter)
    assert amended.json()["status"] == "screened" and "decision" not in amended.json()
    withdrawn = client.post(f"/v1/proposals/{pid}/withdraw", headers=submitter)
    assert withdrawn.json()["status"] == "withdrawn" and "decision" not in withdrawn.json()
    decided = [e for e in client.get(f"/v1/proposals/{pid}/audit", headers=officer).json()
               if e["action"] == "proposal.decided"]
    assert [e["details"]["decision"] for e in decided] == ["returned"]  # the history keeps it


def test_approving_a_proposal_that_needs_information_needs_a_substantive_reason(client, officer, make_key):
    draft = example("incomplete-draft")
    draft.pop("external_ref", None)
    key = make_key("submitter", draft["department"])
    r = client.post("/v1/proposals", json=draft, headers=key)
    assert r.status_code == 201 and r.json()["screening"]["recommendation"] == "needs_information"
    pid, etag = r.json()["id"], r.headers["etag"]
    r = _decide(client, officer, pid, etag, "approved", "ok")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = _decide(client, officer, pid, etag, "approved", "Målen kompletterades muntligt på beredningsmötet i dag.")
    assert r.status_code == 200


def test_an_operation_without_a_body_refuses_one_rather_than_dropping_it(client, submitter, officer):
    pid, _ = _create(client, submitter)
    r = client.post(f"/v1/proposals/{pid}/rescreen", json={"reason": "Ny policy."}, headers=officer)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "(body)"
    assert client.get(f"/v1/proposals/{pid}", headers=submitter).json()["revision"] == 1
    assert client.post(f"/v1/proposals/{pid}/rescreen", json={}, headers=officer).status_code == 200


def test_every_answer_about_a_proposal_carries_what_the_document_promises(client, submitter, officer):
    """ETag for If-Match, Content-Language for the summary and Vary for caches, on each operation that returns
    a proposal, as the OpenAPI document says."""
    spec = client.get("/openapi.json").json()["paths"]
    pid, etag = _create(client, submitter)
    calls = [
        ("GET", f"/v1/proposals/{pid}", "/v1/proposals/{proposal_id}", submitter, None),
        ("PATCH", f"/v1/proposals/{pid}", "/v1/proposals/{proposal_id}", submitter, {"title": "Ny titel"}),
        ("POST", f"/v1/proposals/{pid}/rescreen", "/v1/proposals/{proposal_id}/rescreen", officer, None),
    ]
    for method, url, path, headers, body in calls:
        r = client.request(method, url, json=body, headers={**headers, "Accept-Language": "en"})
        assert r.status_code == 200, (method, url, r.text)
        documented = spec[path][method.lower()]["responses"]["200"]["headers"]
        for name in ("ETag", "Content-Language"):
            assert name in documented and r.headers.get(name), (method, path, name)
        assert r.headers["content-language"] == "en"
        assert "Accept-Language" in r.headers["vary"]
    listing = client.get("/v1/proposals", headers=submitter)
    assert "Accept" in listing.headers["vary"]
    created = spec["/v1/proposals"]["post"]["responses"]
    assert {"ETag", "Location", "Idempotent-Replayed", "Content-Language"} <= set(created["201"]["headers"])
    assert "415" in created and "WWW-Authenticate" in created["401"]["headers"]
