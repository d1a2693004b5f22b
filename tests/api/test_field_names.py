"""Errors name the field the client wrote (issue 16 item 5): an unknown field exactly as sent, at its full path, with
the real field of that object it was likely meant as; a required field it stood in for is reported missing too."""

from __future__ import annotations

import copy

import pytest

from app.screening import default_policy
from tests.api.conftest import proposal

PROBLEM = "application/problem+json"


def _errors(r) -> list[dict]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    return r.json()["errors"]


def _unknown(field: str, suggestion: str | None = None) -> dict:
    name = field.rsplit(".", 1)[-1]
    if suggestion is None:
        return {"field": field, "message": f"unknown field '{name}'", "type": "extra_forbidden"}
    return {"field": field, "message": f"unknown field '{name}'; did you mean '{suggestion}'?",
            "type": "extra_forbidden", "suggestions": [suggestion]}


def _missing(field: str) -> dict:
    return {"field": field, "message": "Field required", "type": "missing"}


def _renamed(data: dict, old: str, new: str) -> dict:
    return {(new if k == old else k): v for k, v in data.items()}


def _with_leg(**leg) -> dict:
    body = proposal()
    body["travel"]["legs"] = [leg]
    return body


@pytest.mark.parametrize("path", ["/v1/proposals", "/v1/screenings"])
def test_a_misspelt_top_level_field_is_named_as_sent_with_the_real_one(client, submitter, path):
    r = client.post(path, json=_renamed(proposal(), "start_date", "start-date"), headers=submitter)
    assert _errors(r) == [_unknown("start-date", "start_date")]
    assert r.json()["detail"] == "start-date: unknown field 'start-date'; did you mean 'start_date'?"


@pytest.mark.parametrize(("sent", "meant"), [
    ("Start Date", "start_date"),  # case, and a space for the underscore
    ("START_DATE", "start_date"),
    ("startdate", "start_date"),  # by spelling
    ("departmnet", "department"),
    ("budget", "budget_sek"),
])
def test_case_separators_and_spelling_are_forgiven_in_the_suggestion(client, submitter, sent, meant):
    body = {k: v for k, v in proposal().items() if k != meant}
    body[sent] = proposal()[meant]
    errors = _errors(client.post("/v1/screenings", json=body, headers=submitter))
    assert _unknown(sent, meant) in errors
    assert [e["field"] for e in errors] == (["department", sent] if meant == "department" else [sent])


@pytest.mark.parametrize("path", ["/v1/proposals", "/v1/screenings"])
def test_a_required_field_in_the_wrong_case_is_missing_and_unknown(client, submitter, path):
    r = client.post(path, json=_renamed(proposal(), "title", "Title"), headers=submitter)
    assert _errors(r) == [_missing("title"), _unknown("Title", "title")]
    r = client.post(path, json=_renamed(proposal(), "department", "Department"), headers=submitter)
    assert _errors(r) == [_missing("department"), _unknown("Department", "department")]


def test_an_unknown_field_of_a_leg_is_named_at_its_full_path(client, submitter):
    r = client.post("/v1/screenings", json=_with_leg(**{"from": "LLA", "to": "TOS", "mode": "flight", "round-trip": True}),
                    headers=submitter)
    assert _errors(r) == [_unknown("travel.legs[0].round-trip", "round_trip")]
    r = client.post("/v1/screenings", json=_with_leg(From="LLA", to="TOS", mode="flight"), headers=submitter)
    assert _errors(r) == [_missing("travel.legs[0].from"), _unknown("travel.legs[0].From", "from")]


def test_an_unknown_field_of_the_travel_plan(client, submitter):
    body = proposal()
    body["travel"] = _renamed(body["travel"], "travellers", "Travellers")
    r = client.post("/v1/proposals", json=body, headers=submitter)
    assert _errors(r) == [_unknown("travel.Travellers", "travellers")]


def test_an_unknown_field_of_a_place_given_as_coordinates(client, submitter):
    r = client.post("/v1/screenings", json=_with_leg(**{"from": "LLA", "to": {"lat": 69.65, "lon": 18.96, "Name": "Tromsø"},
                                                        "mode": "flight"}), headers=submitter)
    assert _errors(r) == [_unknown("travel.legs[0].to.Name", "name")]


def test_an_unknown_field_with_no_close_match_has_no_suggestion(client, submitter):
    r = client.post("/v1/proposals", json=proposal(colour="red"), headers=submitter)
    assert _errors(r) == [_unknown("colour")]
    assert r.json()["detail"] == "colour: unknown field 'colour'"


def test_a_field_the_object_already_has_is_not_suggested(client, submitter):
    r = client.post("/v1/screenings", json=proposal(Title="Samma titel igen"), headers=submitter)
    assert _errors(r) == [_unknown("Title")]


def test_a_batch_item_names_its_unknown_field_under_its_index(client, submitter):
    bad = _renamed(proposal(title="Andra resan"), "start_date", "start-date")
    r = client.post("/v1/proposals/batch", json={"proposals": [proposal(title="Första resan"), bad]}, headers=submitter)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201, 422], results
    assert results[1]["problem"]["errors"] == [_unknown("proposals[1].start-date", "start_date")]
    assert results[1]["problem"]["detail"] == "proposals[1].start-date: unknown field 'start-date'; did you mean 'start_date'?"


def test_a_batch_with_its_list_misspelt_is_told_both(client, submitter):
    r = client.post("/v1/proposals/batch", json={"Proposals": [proposal()]}, headers=submitter)
    assert _errors(r) == [_missing("proposals"), _unknown("Proposals", "proposals")]


def test_patch_names_an_unknown_field(client, submitter):
    created = client.post("/v1/proposals", json=proposal(), headers=submitter)
    assert created.status_code == 201
    pid, etag = created.json()["id"], created.headers["etag"]
    headers = {**submitter, "If-Match": etag}
    assert _errors(client.patch(f"/v1/proposals/{pid}", json={"Title": "Ny titel"}, headers=headers)) == [
        _unknown("Title", "title")]
    travel = copy.deepcopy(proposal()["travel"])
    travel["legs"][0]["round-trip"] = travel["legs"][0].pop("round_trip")
    assert _errors(client.patch(f"/v1/proposals/{pid}", json={"travel": travel}, headers=headers)) == [
        _unknown("travel.legs[0].round-trip", "round_trip")]
    assert client.get(f"/v1/proposals/{pid}", headers=submitter).json()["revision"] == 1


def test_a_decision_names_its_misspelt_reason(client, submitter, officer):
    created = client.post("/v1/proposals", json=proposal(), headers=submitter)
    pid, etag = created.json()["id"], created.headers["etag"]
    r = client.post(f"/v1/proposals/{pid}/decision", json={"decision": "approved", "Reason": "Enligt rekommendationen."},
                    headers={**officer, "If-Match": etag})
    assert _errors(r) == [_missing("reason"), _unknown("Reason", "reason")]
    assert client.get(f"/v1/proposals/{pid}", headers=officer).json()["status"] == "screened"


def test_a_key_request_names_its_misspelt_role(client, admin):
    r = client.post("/v1/keys", json={"name": "Ärendesystemet", "Role": "viewer"}, headers=admin)
    assert _errors(r) == [_missing("role"), _unknown("Role", "role")]


def test_a_policy_upload_names_its_misspelt_field(client, admin):
    data = copy.deepcopy(default_policy().model_dump(mode="json"))
    data["policy"]["version"] = "lulea-test-2027"
    data["travel"]["mode-shift-max-km"] = data["travel"].pop("mode_shift_max_km")
    errors = _errors(client.post("/v1/policies", json=data, headers=admin))
    assert errors == [
        {"field": "travel.mode_shift_max_km", "message": "Field required", "type": "policy"},
        {"field": "travel.mode-shift-max-km", "message": "unknown field 'mode-shift-max-km'; did you mean "
                                                         "'mode_shift_max_km'?", "type": "policy",
         "suggestions": ["mode_shift_max_km"]},
    ]


def test_an_unknown_query_parameter_gets_the_real_one(client, officer):
    r = client.get("/v1/proposals", params={"departmnet": "kommunstaben", "colour": "red"}, headers=officer)
    assert _errors(r) == [
        {"field": "departmnet", "message": "unknown query parameter 'departmnet'; did you mean 'department'?",
         "type": "extra_forbidden", "suggestions": ["department"]},
        {"field": "colour", "message": "unknown query parameter 'colour'", "type": "extra_forbidden"},
    ]
