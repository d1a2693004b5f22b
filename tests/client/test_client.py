"""`app.client.Client` against the real service over a socket (not a mock): every operation of SPEC §11."""

from __future__ import annotations

import copy
import io
import json
import uuid

import openpyxl
import pytest

from app.client import Client, ProblemError, Unreachable
from tests.live import EXAMPLES, free_port


def example(name: str, **changes) -> dict:
    body = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    body.pop("external_ref", None)
    return body | {"department": "kommunstaben"} | changes


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:8]}"


@pytest.fixture
def submitter(live):
    with Client(live.url, live.submitter) as client:
        yield client


@pytest.fixture
def officer(live):
    with Client(live.url, live.officer) as client:
        yield client


def test_create_get_and_the_same_key_replays_instead_of_storing_twice(submitter):
    body = example("arctic-mayors-forum-tromso", title=unique("Arctic Mayors' Forum"))
    stored = submitter.create(body, idempotency_key="client-test-replay-" + body["title"])
    assert stored["status"] == "screened" and stored["screening"]["recommendation"] == "approve_with_conditions"
    assert stored.location.endswith(f"/v1/proposals/{stored['id']}") and stored.etag and not stored.replayed
    again = submitter.create(body, idempotency_key="client-test-replay-" + body["title"])
    assert again.replayed and again["id"] == stored["id"]
    read = submitter.get(stored["id"])
    assert read["title"] == body["title"] and read.etag == stored.etag
    assert [p["id"] for p in submitter.proposals(q=body["title"])] == [stored["id"]]


def test_screen_stores_nothing(submitter):
    title = unique("Preview only")
    result = submitter.screen(example("oulu-study-visit-train", title=title))
    assert result["recommendation"] == "approve" and "summary" in result
    assert list(submitter.proposals(q=title)) == []


def test_proposals_iterates_every_page_newest_first(submitter):
    tag = unique("Paged")
    ids = [submitter.create(example("kemi-school-exchange", title=f"{tag} {n}"))["id"]
           for n in range(5)]
    listed = [p["id"] for p in submitter.proposals(q=tag, page_size=2)]  # three pages: 2 + 2 + 1
    assert listed == ids[::-1]
    first = submitter.page(q=tag, limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]


def test_batch_reports_each_item(submitter):
    tag = unique("Batch")
    good = example("kemi-school-exchange", title=f"{tag} good")
    bad = copy.deepcopy(good) | {"title": f"{tag} bad"}
    bad["travel"]["legs"][0]["to"] = "Tromsoo"
    answer = submitter.batch([good, bad])
    assert (answer["created"], answer["failed"]) == (1, 1)
    assert answer["results"][1]["status"] == 422
    assert answer["results"][1]["problem"]["errors"][0]["field"] == "proposals[1].travel.legs[0].to"


def test_a_problem_carries_status_type_detail_and_errors(submitter):
    body = example("arctic-mayors-forum-tromso", title=unique("Bad leg"))
    body["travel"]["legs"][0]["to"] = "Tromsoo"
    with pytest.raises(ProblemError) as caught:
        submitter.create(body)
    problem = caught.value
    assert problem.status == 422 and problem.type.endswith("/validation")
    assert "Tromsoo" in problem.detail
    assert problem.errors[0]["field"] == "travel.legs[0].to" and "Tromsø" in problem.errors[0]["suggestions"]


def test_amend_with_if_match_and_a_stale_etag_is_412(submitter):
    stored = submitter.create(example("arctic-mayors-forum-tromso", title=unique("Amend me")))
    amended = submitter.amend(stored["id"], {"title": stored["title"] + " (amended)"}, if_match=stored.etag)
    assert amended["revision"] == stored["revision"] + 1 and amended.etag != stored.etag
    with pytest.raises(ProblemError) as caught:
        submitter.amend(stored["id"], {"title": "lost update"}, if_match=stored.etag)
    assert caught.value.status == 412


def test_decide_reads_the_etag_and_a_stale_one_is_412(submitter, officer):
    stored = submitter.create(example("oulu-study-visit-train", title=unique("Decide me")))
    with pytest.raises(ProblemError) as caught:
        officer.decide(stored["id"], "approved", "Godkänns enligt rekommendationen.", if_match='"stale"')
    assert caught.value.status == 412
    decided = officer.decide(stored["id"], "approved", "Godkänns enligt rekommendationen.")
    assert decided["status"] == "approved" and decided["decision"]["decided_by"] == "Handläggare Cecilia"
    trail = officer.audit(stored["id"])
    assert [e["action"] for e in trail][-1] == "proposal.decided"
    with pytest.raises(ProblemError) as caught:  # a submitter may not decide
        submitter.decide(stored["id"], "rejected", "Not mine to decide on, and the key says so.")
    assert caught.value.status == 403


def test_withdraw_and_rescreen(submitter, officer):
    stored = submitter.create(example("kemi-school-exchange", title=unique("Withdraw me")))
    again = officer.rescreen(stored["id"])
    assert again["previous_screening"]["recommendation"] == stored["screening"]["recommendation"]
    withdrawn = submitter.withdraw(stored["id"], reason="Utbytet skjuts upp ett år.")
    assert withdrawn["status"] == "withdrawn"
    assert len(submitter.screenings(stored["id"])) == 2
    assert officer.audit(stored["id"])[-1]["details"] == {"reason": "Utbytet skjuts upp ett år.",
                                                          "status_before": "screened"}
    bare = submitter.create(example("kemi-school-exchange", title=unique("Withdraw me too")))
    assert submitter.withdraw(bare["id"])["status"] == "withdrawn"  # no reason: no body, as before
    assert officer.audit(bare["id"])[-1]["details"] == {"reason": None, "status_before": "screened"}


def test_stats_and_reports(live, submitter):
    submitter.create(example("arctic-mayors-forum-tromso", title=unique("Counted")))
    with Client(live.url, live.viewer) as viewer:
        summary = viewer.stats(department="kommunstaben")
        assert summary["proposals"] >= 1 and summary["filters"]["department"] == "kommunstaben"
        rows = viewer.stats("department")["rows"]
        assert "kommunstaben" in [r["key"] for r in rows]
        plan = viewer.report("activity-plan", year=2027)
        assert plan["year"] == 2027 and plan["focus_areas"]
        climate = viewer.report("climate", from_year=2026, to_year=2027)
        assert [y["year"] for y in climate["years"]] == [2026, 2027]
        buffer = io.BytesIO()
        viewer.report("activity-plan", format="xlsx", out=buffer, year=2027)
        book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
        assert book.sheetnames
        assert viewer.decisions(limit=5)["items"] is not None


def test_export_streams_every_match(tmp_path, submitter):
    tag = unique("Exported")
    for n in range(3):
        submitter.create(example("kemi-school-exchange", title=f"{tag} {n}"))
    out = tmp_path / "p.csv"
    submitter.export(out, q=tag)
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("id,") and len(lines) == 4
    submitter.export(tmp_path / "p.xlsx", format="xlsx", q=tag)
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx", read_only=True).worksheets[0]
    assert len(list(sheet.iter_rows(values_only=True))) == 4


def test_a_wrong_key_is_401_and_the_other_department_is_403(live):
    with Client(live.url, "vgv_not-a-key") as nobody, pytest.raises(ProblemError) as caught:
        nobody.proposals().__next__()
    assert caught.value.status == 401
    with Client(live.url, live.other_submitter) as other, pytest.raises(ProblemError) as caught:
        other.create(example("arctic-mayors-forum-tromso"))  # kommunstaben's, not this key's department's
    assert caught.value.status == 403 and caught.value.errors[0]["field"] == "department"


def test_an_unreachable_service_raises_unreachable_after_the_retries():
    waits = []
    with Client(f"http://127.0.0.1:{free_port()}", "k", retries=2, sleep=waits.append) as client:
        with pytest.raises(Unreachable) as caught:
            client.get("x")
    assert caught.value.status is None and len(waits) == 2
    assert isinstance(caught.value, ProblemError)
