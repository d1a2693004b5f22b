"""The change feed (SPEC §12): every change once, in order, scoped like proposals, also while writers race; and the
list's exact lookups for systems with their own reference (updated_since, external_ref)."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from app.screening import default_policy
from app.services import events
from tests.api.conftest import proposal


@pytest.fixture
def pg_engine(database_url):
    """An engine of its own on the test's PostgreSQL database, for transactions held open by hand."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite's single writer holds the database's write lock until it commits")
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _feed(client, headers, **params):
    r = client.get("/v1/events", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _all(client, headers, limit=200, **params):
    """Follow the cursor to the end: every event the key may see, and the last cursor."""
    seen, cursor = [], None
    while True:
        page = _feed(client, headers, limit=limit, **({"after": cursor} if cursor else {}), **params)
        seen += page["items"]
        if not page["items"]:
            return seen, page["next_cursor"]
        cursor = page["next_cursor"]


def _create(client, headers, **changes):
    r = client.post("/v1/proposals", json=proposal(**changes), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"], r.headers["etag"]


def test_a_proposals_life_in_the_feed(client, submitter, officer):
    pid, etag = _create(client, submitter, external_ref="RESA-2027-0042")
    r = client.post(f"/v1/proposals/{pid}/decision", json={"decision": "returned", "reason": "Res med tåg i stället."},
                    headers={**officer, "If-Match": etag})
    assert r.status_code == 200
    r = client.patch(f"/v1/proposals/{pid}", json={"title": "Arctic Mayors' Forum, med tåg"}, headers=submitter)
    assert r.status_code == 200
    r = client.post(f"/v1/proposals/{pid}/decision", json={"decision": "approved", "reason": "Enligt rekommendationen."},
                    headers={**officer, "If-Match": r.headers["etag"]})
    assert r.status_code == 200
    items, _ = _all(client, officer)
    assert [e["type"] for e in items] == ["proposal.created", "proposal.screened", "proposal.decided",
                                          "proposal.amended", "proposal.screened", "proposal.decided"]
    assert {e["proposal_id"] for e in items} == {pid}
    assert {(e["department"], e["external_ref"]) for e in items} == {("kommunstaben", "RESA-2027-0042")}
    assert [int(e["id"]) for e in items] == sorted(int(e["id"]) for e in items)
    created, screened, returned, amended, rescreened, approved = items
    assert created["data"]["status"] == "screened" and created["data"]["revision"] == 1
    assert screened["data"]["recommendation"] == created["data"]["recommendation"]
    assert screened["data"]["policy_version"] and screened["data"]["screening_id"]
    assert (returned["data"]["status"], returned["data"]["decision"], returned["data"]["reason"]) == (
        "returned", "returned", "Res med tåg i stället.")
    assert returned["data"]["decided_by"].startswith("officer")
    assert amended["data"]["changed"] == ["title"] and amended["data"]["status"] == "screened"
    assert (approved["data"]["status"], approved["data"]["decision"]) == ("approved", "approved")
    assert approved["data"]["revision"] == 4
    assert all(e["created_at"].endswith("Z") for e in items)


def test_withdrawal_rescreen_and_policy_activation(client, submitter, officer, admin):
    pid, _ = _create(client, submitter)
    assert client.post(f"/v1/proposals/{pid}/rescreen", headers=officer).status_code == 200
    assert client.post(f"/v1/proposals/{pid}/withdraw", headers=submitter).status_code == 200
    data = copy.deepcopy(default_policy().model_dump(mode="json"))
    data["policy"]["version"] = "test-events-2"
    assert client.post("/v1/policies", json=data, headers=admin).status_code == 201
    assert client.post("/v1/policies/test-events-2/activate", headers=admin).status_code == 200
    items, _ = _all(client, officer)
    assert [e["type"] for e in items] == ["proposal.created", "proposal.screened", "proposal.rescreened",
                                          "proposal.withdrawn", "policy.activated"]
    rescreened, withdrawn, activated = items[2:]
    assert rescreened["data"]["recommendation_before"] == items[0]["data"]["recommendation"]
    assert withdrawn["data"]["status"] == "withdrawn"
    assert activated["proposal_id"] is None and activated["department"] is None
    assert activated["data"]["version"] == "test-events-2"


def test_scoped_like_proposals(client, make_key, officer):
    staben, kultur = make_key("submitter", "kommunstaben"), make_key("submitter", "kultur-och-fritidsforvaltningen")
    _create(client, staben)
    _create(client, kultur, department="kultur-och-fritidsforvaltningen")
    assert {e["department"] for e in _all(client, staben)[0]} == {"kommunstaben"}
    assert {e["department"] for e in _all(client, kultur)[0]} == {"kultur-och-fritidsforvaltningen"}
    assert len(_all(client, officer)[0]) == 4
    assert client.get("/v1/events", headers=make_key("viewer")).status_code == 403
    assert client.get("/v1/events").status_code == 401


def test_cursor_pages_filters_and_bad_input(client, submitter, officer):
    for _ in range(3):
        _create(client, submitter)
    everything, last = _all(client, officer)
    assert len(everything) == 6
    paged, cursor = _all(client, officer, limit=2)
    assert [e["id"] for e in paged] == [e["id"] for e in everything]
    # at the end the cursor stays; a new change appears after it, once
    assert _feed(client, officer, after=cursor)["items"] == []
    assert _feed(client, officer, after=cursor)["next_cursor"] == cursor
    _create(client, submitter)
    new = _feed(client, officer, after=cursor)["items"]
    assert [e["type"] for e in new] == ["proposal.created", "proposal.screened"]
    only = _all(client, officer, type="proposal.created")[0]
    assert len(only) == 4 and {e["type"] for e in only} == {"proposal.created"}
    both = client.get("/v1/events?type=proposal.created&type=proposal.decided&type=policy.activated", headers=officer)
    assert both.status_code == 200 and len(both.json()["items"]) == 4
    r = client.get("/v1/events", params={"after": "not-a-cursor"}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "after"
    r = client.get("/v1/events", params={"type": "proposal.approved"}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("type")
    assert client.get("/v1/events", params={"limit": 201}, headers=officer).status_code == 422


def test_a_refused_change_leaves_no_event(client, submitter, officer):
    pid, etag = _create(client, submitter)
    stale = client.post(f"/v1/proposals/{pid}/decision", json={"decision": "approved", "reason": "Godkänd."},
                        headers={**officer, "If-Match": '"stale"'})
    assert stale.status_code == 412
    assert [e["type"] for e in _all(client, officer)[0]] == ["proposal.created", "proposal.screened"]


def test_updated_since_and_external_ref(client, submitter, officer):
    first, _ = _create(client, submitter, external_ref="RESA-1")
    time.sleep(0.01)
    middle = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    second, _ = _create(client, submitter, external_ref="RESA-2")
    r = client.get("/v1/proposals", params={"updated_since": middle.isoformat()}, headers=officer)
    assert [p["id"] for p in r.json()["items"]] == [second]
    naive = middle.replace(tzinfo=None).isoformat()  # without an offset: UTC
    assert [p["id"] for p in client.get("/v1/proposals", params={"updated_since": naive},
                                        headers=officer).json()["items"]] == [second]
    assert client.patch(f"/v1/proposals/{first}", json={"title": "Ändrad titel"}, headers=submitter).status_code == 200
    r = client.get("/v1/proposals", params={"updated_since": middle.isoformat()}, headers=officer)
    assert {p["id"] for p in r.json()["items"]} == {first, second}
    r = client.get("/v1/proposals", params={"external_ref": "RESA-1"}, headers=officer)
    assert [p["id"] for p in r.json()["items"]] == [first]
    assert client.get("/v1/proposals", params={"external_ref": "RESA"}, headers=officer).json()["items"] == []
    r = client.get("/v1/proposals", params={"updated_since": "yesterday"}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "updated_since"


def test_racing_writers_and_a_reader_following_the_feed(client, make_key, officer):
    """Many writers commit at once while a reader follows the cursor: it gets every event exactly once."""
    keys = [make_key("submitter", "kommunstaben") for _ in range(6)]
    done = threading.Event()
    seen: list[dict] = []
    failures: list[str] = []

    def write(headers):
        for _ in range(5):
            r = client.post("/v1/proposals", json=proposal(), headers=headers)
            if r.status_code != 201:
                failures.append(r.text)

    def read():
        cursor = None
        while True:
            finished = done.is_set()
            page = _feed(client, officer, limit=7, **({"after": cursor} if cursor else {}))
            seen.extend(page["items"])
            cursor = page["next_cursor"]
            if finished and not page["items"]:
                return

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(k,)) for k in keys]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    reader.join(timeout=60)
    assert not failures
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids)) == 60
    with Session(client.app.state.engine) as session:
        stored = [str(i) for i in session.execute(text("SELECT id FROM event")).scalars()]
    assert sorted(ids) == sorted(stored)


@pytest.mark.postgres
def test_postgres_an_open_writer_holds_back_the_next_until_it_ends(pg_engine, client, officer):
    """A writes an event and stays open; B's event waits for A's end instead of taking an id and committing first,
    so a reader never sees B while A, with the lower id, could still commit."""
    with pg_engine.connect() as a:
        a.begin()
        events.emit(a, [events.row(events.EventType.policy_activated, version="A")])

        def write_b():
            with pg_engine.begin() as b:
                events.emit(b, [events.row(events.EventType.policy_activated, version="B")])

        b = threading.Thread(target=write_b)
        b.start()
        b.join(timeout=0.5)
        assert b.is_alive()  # B waits for A
        assert _feed(client, officer)["items"] == []
        a.commit()
    b.join(timeout=10)
    assert not b.is_alive()
    items = _feed(client, officer)["items"]
    assert [e["data"]["version"] for e in items] == ["A", "B"]
    assert int(items[0]["id"]) < int(items[1]["id"])


@pytest.mark.postgres
def test_postgres_a_rolled_back_writer_leaves_a_gap_the_reader_passes(pg_engine, client, officer):
    with pg_engine.connect() as a:
        a.begin()
        events.emit(a, [events.row(events.EventType.policy_activated, version="A")])
        a.rollback()
    with pg_engine.begin() as b:
        events.emit(b, [events.row(events.EventType.policy_activated, version="B")])
    assert [e["data"]["version"] for e in _feed(client, officer)["items"]] == ["B"]
