"""Proposals end to end: create, idempotent retries, duplicates, read, amend, history, list, CSV, batch."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import Session, select

from app.models import AuditEvent, IdempotencyRecord, ProposalRecord, ScreeningRecord
from tests.api.conftest import example, proposal

PROBLEM = "application/problem+json"


def test_create_stores_and_screens_with_location_and_etag(client, submitter):
    r = client.post("/v1/proposals", json=example("arctic-mayors-forum-tromso"), headers=submitter)
    assert r.status_code == 201
    body = r.json()
    assert r.headers["location"] == f"/v1/proposals/{body['id']}"
    assert r.headers["etag"].startswith('"')
    assert body["status"] == "screened"
    assert body["revision"] == 1
    assert body["external_ref"] == "RESA-2027-0042"
    assert body["submitted_by"].startswith("submitter-kommunstaben")
    assert body["screening"]["recommendation"] == "approve_with_conditions"
    assert body["screening"]["policy_version"] == "lulea-2019-2023-rev-2021-12-03.2"
    assert [c["code"] for c in body["screening"]["conditions"]] == ["CLIMATE_MODE_SHIFT"]
    assert body["travel"]["legs"][0]["from"] == "LLA"
    got = client.get(f"/v1/proposals/{body['id']}", headers=submitter)
    assert got.status_code == 200 and got.json() == body and got.headers["etag"] == r.headers["etag"]


def test_preview_stores_nothing(client, submitter, officer):
    for headers in (submitter, officer):
        r = client.post("/v1/screenings", json=example("brussels-conference-on-teams"), headers=headers)
        assert r.status_code == 200
        assert r.json()["recommendation"] == "prefer_digital"
    with Session(client.app.state.engine) as s:
        assert s.exec(select(ProposalRecord)).all() == []


def test_accept_language_picks_the_summary(client, submitter):
    body = example("sern-bologna")
    sv = client.post("/v1/screenings", json=body, headers=submitter).json()
    en = client.post("/v1/screenings", json=body, headers={**submitter, "Accept-Language": "en-GB,en;q=0.9,sv;q=0.5"})
    assert sv["summary"] == sv["summary_sv"] and sv["summary"].startswith("Rekommendation: godkänn")
    assert en.json()["summary"] == en.json()["summary_en"] and en.json()["summary"].startswith("Recommendation: approve")
    assert en.headers["content-language"] == "en"
    for f in sv["findings"]:
        assert f["message_sv"] and f["message_en"]


def test_same_idempotency_key_and_body_replays(client, submitter):
    headers = {**submitter, "Idempotency-Key": "resa-0042-try"}
    first = client.post("/v1/proposals", json=proposal(), headers=headers)
    again = client.post("/v1/proposals", json=proposal(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    with Session(client.app.state.engine) as s:
        assert len(s.exec(select(ProposalRecord)).all()) == 1


def test_same_idempotency_key_with_another_body_is_422(client, submitter):
    headers = {**submitter, "Idempotency-Key": "k-1"}
    assert client.post("/v1/proposals", json=proposal(), headers=headers).status_code == 201
    r = client.post("/v1/proposals", json=proposal(title="Another title"), headers=headers)
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"


def test_idempotency_key_in_flight_is_409(client, submitter):
    """A first request with the key still running (its claim is stored, not done): the duplicate gets 409."""
    headers = {**submitter, "Idempotency-Key": "in-flight"}
    assert client.post("/v1/proposals", json=proposal(), headers=headers).status_code == 201
    with Session(client.app.state.engine) as s:
        record = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == "in-flight")).one()
        record.state = "in_progress"
        s.add(record)
        s.commit()
    r = client.post("/v1/proposals", json=proposal(), headers=headers)
    assert r.status_code == 409
    assert r.headers["retry-after"] == "1"  # a claim this young is likely a request still running


def test_idempotency_keys_are_scoped_per_client(client, make_key):
    a, b = make_key("submitter", "kommunstaben"), make_key("submitter", "kommunstaben")
    assert client.post("/v1/proposals", json=proposal(), headers={**a, "Idempotency-Key": "same"}).status_code == 201
    r = client.post("/v1/proposals", json=proposal(title="B's own"), headers={**b, "Idempotency-Key": "same"})
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers


def test_failed_request_does_not_burn_the_key(client, submitter):
    headers = {**submitter, "Idempotency-Key": "retry-after-fix"}
    bad = proposal(travel={**proposal()["travel"], "legs": [{"from": "LLA", "to": "Tromsoo", "mode": "flight"}]})
    assert client.post("/v1/proposals", json=bad, headers=headers).status_code == 422
    assert client.post("/v1/proposals", json=bad, headers=headers).status_code == 422
    with Session(client.app.state.engine) as s:
        assert s.exec(select(IdempotencyRecord)).all() == []


def test_duplicate_external_ref_from_the_same_client_is_409_pointing_at_the_first(client, submitter, make_key):
    first = client.post("/v1/proposals", json=proposal(external_ref="RESA-1"), headers=submitter).json()
    r = client.post("/v1/proposals", json=proposal(external_ref="RESA-1", title="Again"), headers=submitter)
    assert r.status_code == 409
    assert r.json()["existing_id"] == first["id"]
    assert r.headers["location"] == f"/v1/proposals/{first['id']}"
    other = make_key("submitter", "kommunstaben")
    assert client.post("/v1/proposals", json=proposal(external_ref="RESA-1"), headers=other).status_code == 201


def test_unknown_place_is_422_naming_it_with_suggestions(client, submitter):
    bad = proposal(travel={**proposal()["travel"], "legs": [{"from": "LLA", "to": "Bruxels", "mode": "flight"}]})
    r = client.post("/v1/proposals", json=bad, headers=submitter)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "travel.legs[0].to"
    assert err["type"] == "unknown_place"
    assert "Brussels" in err["suggestions"]
    assert "'Bruxels'" in r.json()["detail"]


def test_flight_between_two_places_served_by_one_airport_is_422_naming_the_leg(client, submitter):
    legs = [{"from": "Luleå", "to": "Kalix", "mode": "flight"}]  # Kalix has no airport: both ends fly from LLA
    bad = proposal(travel={**proposal()["travel"], "legs": legs})
    r = client.post("/v1/screenings", json=bad, headers=submitter)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "travel.legs[0]"
    assert "LLA" in r.json()["errors"][0]["message"]


def test_country_of_a_coordinate_must_be_an_iso_code(client, submitter):
    legs = [{"from": {"lat": 65.8, "lon": 21.7, "name": "Gården", "country": "XX"}, "to": "Luleå", "mode": "car"}]
    r = client.post("/v1/screenings", json=proposal(travel={**proposal()["travel"], "legs": legs}), headers=submitter)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["travel.legs[0].from.country"]


def test_a_null_motivation_means_none_given(client, submitter):
    body = proposal()
    body["value_added"]["development"] = {"answer": "partly", "motivation": None}
    body["gender_equality"] = None
    r = client.post("/v1/screenings", json=body, headers=submitter)
    assert r.status_code == 200
    codes = {f["code"] for f in r.json()["findings"]}
    body["value_added"]["development"] = {"answer": "partly"}
    del body["gender_equality"]
    left_out = client.post("/v1/screenings", json=body, headers=submitter).json()
    assert codes == {f["code"] for f in left_out["findings"]}
    assert "VALUE_ADDED_NO_MOTIVATION" in codes
    assert r.json()["score"] == left_out["score"]


def test_presence_reason_must_be_one_the_policy_accepts(client, submitter):
    travel = proposal()["travel"] | {"presence": {"required": True, "reason": "sightseeing"}}
    r = client.post("/v1/screenings", json=proposal(travel=travel), headers=submitter)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "travel.presence.reason"


def test_submitter_creates_only_for_its_department(client, make_key):
    headers = make_key("submitter", "kultur-och-fritidsforvaltningen")
    r = client.post("/v1/proposals", json=proposal(), headers=headers)
    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "department"


def test_only_submitters_create(client, officer, admin, viewer):
    for headers in (officer, admin, viewer):
        assert client.post("/v1/proposals", json=proposal(), headers=headers).status_code == 403


def test_patch_rescreens_and_keeps_history(client, submitter):
    created = client.post("/v1/proposals", json=proposal(), headers=submitter).json()
    travel = proposal()["travel"] | {"legs": [{"from": "Luleå", "to": "Tromsø", "mode": "train", "round_trip": True}]}
    r = client.patch(f"/v1/proposals/{created['id']}", json={"travel": travel}, headers=submitter)
    assert r.status_code == 200
    amended = r.json()
    assert amended["revision"] == 2
    assert amended["screening"]["recommendation"] == "approve"
    assert amended["travel"]["legs"][0]["mode"] == "train"
    assert amended["title"] == created["title"]
    history = client.get(f"/v1/proposals/{created['id']}/screenings", headers=submitter).json()
    assert [(h["revision"], h["reason"], h["recommendation"]) for h in history] == [
        (1, "created", "approve_with_conditions"), (2, "amended", "approve")]
    assert history[0]["input"]["travel"]["legs"][0]["mode"] == "flight"
    with Session(client.app.state.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity_id == created["id"])
                                            .order_by(AuditEvent.id)).all()]
    assert actions == ["proposal.created", "proposal.screened", "proposal.amended", "proposal.screened"]


def test_patch_changes_the_etag(client, submitter):
    created = client.post("/v1/proposals", json=proposal(), headers=submitter)
    patched = client.patch(f"/v1/proposals/{created.json()['id']}", json={"title": "Nytt namn"}, headers=submitter)
    assert patched.headers["etag"] != created.headers["etag"]
    assert patched.json()["title"] == "Nytt namn"


def test_patch_rejects_server_owned_and_unknown_fields(client, submitter):
    pid = client.post("/v1/proposals", json=proposal(), headers=submitter).json()["id"]
    for field, value in (("status", "approved"), ("score", 100), ("id", "x"), ("recommendation", "approve"),
                         ("created_at", "2020-01-01T00:00:00Z"), ("colour", "red")):
        r = client.patch(f"/v1/proposals/{pid}", json={field: value}, headers=submitter)
        assert r.status_code == 422, field
        assert r.json()["errors"][0]["field"] == field


def test_patch_to_invalid_combination_is_422_and_changes_nothing(client, submitter):
    created = client.post("/v1/proposals", json=proposal(), headers=submitter).json()
    r = client.patch(f"/v1/proposals/{created['id']}", json={"end_date": "2020-01-01"}, headers=submitter)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "end_date"
    assert client.get(f"/v1/proposals/{created['id']}", headers=submitter).json() == created


def test_server_owned_fields_are_rejected_on_create(client, submitter):
    for field in ("id", "status", "score", "recommendation", "created_at", "updated_at", "submitted_by"):
        r = client.post("/v1/proposals", json=proposal(**{field: "x"}), headers=submitter)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == field


def test_other_departments_proposals_are_404_for_submitters(client, submitter, make_key, officer):
    pid = client.post("/v1/proposals", json=proposal(), headers=submitter).json()["id"]
    other = make_key("submitter", "kultur-och-fritidsforvaltningen")
    for path in (f"/v1/proposals/{pid}", f"/v1/proposals/{pid}/screenings"):
        assert client.get(path, headers=other).status_code == 404
        assert client.get(path, headers=officer).status_code == 200
    assert client.patch(f"/v1/proposals/{pid}", json={"title": "x"}, headers=other).status_code == 404
    assert client.get("/v1/proposals", headers=other).json()["items"] == []


def test_viewer_cannot_read_proposals(client, submitter, viewer):
    pid = client.post("/v1/proposals", json=proposal(), headers=submitter).json()["id"]
    assert client.get(f"/v1/proposals/{pid}", headers=viewer).status_code == 403
    assert client.get("/v1/proposals", headers=viewer).status_code == 403


def _create_many(client, headers, n):
    ids = []
    for i in range(n):
        kind = "trip" if i % 2 == 0 else "activity"
        body = proposal(title=f"Förslag {i:02d}", external_ref=f"REF-{i:02d}", kind=kind, start_date=f"2027-03-{i + 1:02d}",
                        end_date=f"2027-03-{i + 1:02d}")
        ids.append(client.post("/v1/proposals", json=body, headers=headers).json()["id"])
    return ids


def test_cursor_pagination_visits_every_proposal_once_newest_first(client, submitter, officer):
    ids = _create_many(client, submitter, 7)
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/proposals", params=params, headers=officer).json()
        assert len(page["items"]) <= 3
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_filters(client, submitter, officer):
    _create_many(client, submitter, 6)
    get = lambda **p: [i["title"] for i in client.get("/v1/proposals", params=p, headers=officer).json()["items"]]  # noqa: E731
    assert get(kind="activity") == ["Förslag 05", "Förslag 03", "Förslag 01"]
    assert get(start_from="2027-03-02", start_to="2027-03-03") == ["Förslag 02", "Förslag 01"]
    assert get(q="förslag 04") == ["Förslag 04"]
    assert get(q="ref-03") == ["Förslag 03"]
    assert get(q="FORSLAG 05") == ["Förslag 05"]  # without regard to case or accents
    assert get(department="kultur-och-fritidsforvaltningen") == []
    assert len(get(recommendation="approve_with_conditions", focus_area="regional_arctic", status="screened")) == 6


def test_the_text_filter_ignores_case_and_accents_as_place_names_do(client, submitter, officer):
    for title, ref in (("Resa till Uleåborg", "DNR-2027/14"), ("Möte i Tromsø", None), ("Studiebesök i Bologna", None)):
        assert client.post("/v1/proposals", json=proposal(title=title, external_ref=ref),
                           headers=submitter).status_code == 201
    get = lambda q: [i["title"] for i in client.get("/v1/proposals", params={"q": q}, headers=officer).json()["items"]]  # noqa: E731
    assert get("uleaborg") == ["Resa till Uleåborg"]
    assert get("TROMSO") == ["Möte i Tromsø"]
    assert get("tromsö") == ["Möte i Tromsø"]
    assert get("studiebesok i") == ["Studiebesök i Bologna"]
    assert get("dnr 2027/14") == ["Resa till Uleåborg"]
    assert get("2027-14") == ["Resa till Uleåborg"]
    assert get("uleaborg dnr") == []  # never across the title and the reference
    # an amended title is found by its new words
    pid = client.get("/v1/proposals", params={"q": "bologna"}, headers=officer).json()["items"][0]["id"]
    assert client.patch(f"/v1/proposals/{pid}", json={"title": "Studiebesök i Århus"},
                        headers=submitter).status_code == 200
    assert get("arhus") == ["Studiebesök i Århus"]
    assert get("bologna") == []


def test_the_text_filter_keeps_letters_of_every_script(client, submitter, officer):
    for title in ("Визит в Мурманск 2027", "Resa till Oslo 2027"):
        assert client.post("/v1/proposals", json=proposal(title=title), headers=submitter).status_code == 201
    get = lambda q: [i["title"] for i in client.get("/v1/proposals", params={"q": q}, headers=officer).json()["items"]]  # noqa: E731
    assert get("Мурманск 2027") == ["Визит в Мурманск 2027"]
    assert get("МУРМАНСК") == ["Визит в Мурманск 2027"]
    assert get("2027") == ["Resa till Oslo 2027", "Визит в Мурманск 2027"]


def test_a_title_that_folds_longer_is_stored_and_found(client, submitter, officer):
    title, ref = "Straße " + "ß" * 193, "ﬃ" * 200  # both at their 200-character limit; folded: 393 and 600
    assert client.post("/v1/proposals", json=proposal(title=title, external_ref=ref), headers=submitter).status_code == 201
    found = client.get("/v1/proposals", params={"q": "strasse ssss"}, headers=officer).json()["items"]
    assert [i["title"] for i in found] == [title]
    assert len(client.get("/v1/proposals", params={"q": "ffiffi"}, headers=officer).json()["items"]) == 1


def test_limit_is_bounded_and_cursor_checked(client, officer):
    r = client.get("/v1/proposals", params={"limit": 201}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"
    r = client.get("/v1/proposals", params={"cursor": "not-a-cursor"}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
    r = client.get("/v1/proposals", params={"cursor": "not-a-cursor"}, headers={**officer, "Accept": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"


def test_csv_continues_after_a_cursor(client, submitter, officer):
    for title in ("Första", "Andra", "Tredje"):
        assert client.post("/v1/proposals", json=proposal(title=title), headers=submitter).status_code == 201
    first = client.get("/v1/proposals", params={"limit": 1}, headers=officer).json()
    assert [i["title"] for i in first["items"]] == ["Tredje"]
    r = client.get("/v1/proposals", params={"cursor": first["next_cursor"]}, headers={**officer, "Accept": "text/csv"})
    assert [row["title"] for row in csv.DictReader(io.StringIO(r.text))] == ["Andra", "Första"]


def test_a_cursor_continues_only_the_listing_it_came_from(client, submitter, officer):
    _create_many(client, submitter, 4)
    first = client.get("/v1/proposals", params={"kind": "trip", "limit": 1}, headers=officer).json()
    r = client.get("/v1/proposals", params={"kind": "activity", "cursor": first["next_cursor"]}, headers=officer)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "cursor", "message": "given out for other filters", "type": "cursor"}]
    same = client.get("/v1/proposals", params={"kind": "trip", "cursor": first["next_cursor"]}, headers=officer)
    assert [i["title"] for i in same.json()["items"]] == ["Förslag 00"]
    # a cursor given out before cursors carried their filters ([created_at, id]) still continues
    import base64
    import json

    created_at, last_id, _ = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
    old = base64.urlsafe_b64encode(json.dumps([created_at, last_id]).encode()).decode().rstrip("=")
    legacy = client.get("/v1/proposals", params={"kind": "trip", "cursor": old}, headers=officer)
    assert [i["title"] for i in legacy.json()["items"]] == ["Förslag 00"]


@pytest.mark.parametrize(("accept", "csv_wanted"), [
    ("text/csv", True),
    ("text/csv, application/json;q=0.5", True),  # the higher q wins
    ("application/json;q=0.2, text/*", True),
    ("text/csv;q=0.5, application/json", False),
    ("application/json, text/csv", False),  # a tie: JSON, the first offered
    ("*/*", False),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
    ("text/csv;q=abc", True),  # an unreadable weight is ignored
    ("text/csv;q=nan, application/json;q=0.5", True),
    (None, False),
])
def test_the_list_is_sent_in_the_media_type_accept_prefers(client, submitter, officer, accept, csv_wanted):
    client.post("/v1/proposals", json=proposal(), headers=submitter)
    headers = officer if accept is None else {**officer, "Accept": accept}
    r = client.get("/v1/proposals", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == ("text/csv" if csv_wanted else "application/json")


@pytest.mark.parametrize("accept", ["application/xml", "text/csv;q=0, application/json;q=0", "image/*"])
def test_a_list_in_a_media_type_not_offered_is_406(client, officer, accept):
    r = client.get("/v1/proposals", headers={**officer, "Accept": accept})
    assert r.status_code == 406
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/not-acceptable")
    assert "application/json or text/csv" in r.json()["detail"]


def test_an_unknown_query_parameter_is_refused_after_the_key_is_checked(client):
    r = client.get("/v1/proposals", params={"from": "2027-05-01"})
    assert r.status_code == 401  # no key: that comes first
    assert client.get("/healthz", params={"probe": "1"}).status_code == 200  # outside /v1 nothing is refused


@pytest.mark.parametrize(("path", "params", "named"), [
    ("/v1/proposals", {"from": "2027-05-01"}, ["from"]),  # start_from is the filter's name
    ("/v1/proposals", {"kind": "trip", "date_from": "2027-05-01", "colour": "red"}, ["date_from", "colour"]),
    ("/v1/goals", {"lang": "sv"}, ["lang"]),
])
def test_an_unknown_query_parameter_is_refused_naming_it(client, officer, path, params, named):
    r = client.get(path, params=params, headers=officer)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == named
    assert {e["type"] for e in r.json()["errors"]} == {"extra_forbidden"}


def test_csv_export_escapes_formulas(client, submitter, officer):
    client.post("/v1/proposals", json=proposal(title="=HYPERLINK(\"http://evil\")", external_ref="+46-CALL"),
                headers=submitter)
    client.post("/v1/proposals", json=proposal(title="Vanlig resa"), headers=submitter)
    r = client.get("/v1/proposals", headers={**officer, "Accept": "text/csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["title"] for row in rows] == ["Vanlig resa", "'=HYPERLINK(\"http://evil\")"]
    assert rows[1]["external_ref"] == "'+46-CALL"
    assert rows[0]["recommendation"] == "approve_with_conditions"


def test_batch_stores_the_good_items_and_reports_the_bad(client, submitter):
    good = [proposal(title=f"Batch {i}", external_ref=f"B-{i}") for i in range(3)]
    items = [good[0], {"kind": "trip"}, good[1], good[0], proposal(department="kultur-och-fritidsforvaltningen"), good[2]]
    r = client.post("/v1/proposals/batch", json={"proposals": items}, headers=submitter)
    assert r.status_code == 200
    body = r.json()
    assert (body["created"], body["failed"]) == (3, 3)
    assert [x["status"] for x in body["results"]] == [201, 422, 201, 409, 403, 201]
    assert body["results"][1]["problem"]["errors"][0]["field"] == "proposals[1].title"
    assert body["results"][0]["recommendation"] == "approve_with_conditions"
    with Session(client.app.state.engine) as s:
        assert len(s.exec(select(ProposalRecord)).all()) == 3
        assert len(s.exec(select(ScreeningRecord)).all()) == 3


@pytest.mark.parametrize("bad", ["not an object", 42, None, [1, 2]])
def test_batch_item_that_is_not_an_object_is_refused_on_its_own(client, submitter, bad):
    r = client.post("/v1/proposals/batch", json={"proposals": [proposal(title="Bra"), bad]}, headers=submitter)
    assert r.status_code == 200
    body = r.json()
    assert (body["created"], body["failed"]) == (1, 1)
    assert [x["status"] for x in body["results"]] == [201, 422]
    assert body["results"][1]["problem"]["errors"][0]["field"] == "proposals[1]"


def test_batch_is_bounded(client, submitter, settings):
    client.app.state.settings = settings.model_copy(update={"batch_max_items": 2})
    r = client.post("/v1/proposals/batch", json={"proposals": [proposal()] * 3}, headers=submitter)
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM
    r = client.post("/v1/proposals/batch", json={"proposals": []}, headers=submitter)
    assert r.status_code == 422
