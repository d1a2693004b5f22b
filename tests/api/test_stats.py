"""The aggregates of SPEC §8. Every expected figure is derived here, from the definitions in §8, over the proposals'
own stored screenings (GET /v1/proposals/{id}) — never from what the stats code printed — and one case by hand from
the factor table of §6a."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.api.conftest import example

EXAMPLES = ["arctic-mayors-forum-tromso", "austin-tech-conference", "brussels-conference-on-teams",
            "china-trade-delegation", "incomplete-draft", "interreg-aurora-project", "kemi-school-exchange",
            "oulu-study-visit-train", "sern-bologna", "ubc-gdansk", "zenica-dormant-twin-town"]
REASON = "Beslutat efter genomgång med förvaltningen och resenärerna."
FINAL = ("approved", "rejected")


class Seeded:
    """The examples stored through the API with their departments' keys, then a mix of decisions: approved,
    rejected (also one prefer_digital turned digital), returned, withdrawn, and some left screened."""

    def __init__(self, client, make_key):
        self.client = client
        self.officer = make_key("officer")
        self.keys: dict[str, dict] = {}
        self.ids: dict[str, str] = {}
        for name in EXAMPLES:
            body = example(name)
            dep = body["department"]
            if dep not in self.keys:
                self.keys[dep] = make_key("submitter", dep)
            r = client.post("/v1/proposals", json=body, headers=self.keys[dep])
            assert r.status_code == 201, r.text
            self.ids[name] = r.json()["id"]
        self.decide("arctic-mayors-forum-tromso", "approved")  # approve_with_conditions, a mode-shift leg
        self.decide("brussels-conference-on-teams", "rejected")  # prefer_digital: turned digital
        self.decide("china-trade-delegation", "rejected")  # reject
        self.decide("kemi-school-exchange", "approved")  # an activity, approve
        self.decide("zenica-dormant-twin-town", "approved")  # needs_information (57.7 < 60): a departure
        self.decide("austin-tech-conference", "returned")  # still open
        self.decide("sern-bologna", "approved")
        r = client.post(f"/v1/proposals/{self.ids['ubc-gdansk']}/withdraw",
                        headers=self.keys["kommunstyrelsens-forvaltning"])
        assert r.status_code == 200

    def decide(self, name: str, decision: str) -> None:
        pid = self.ids[name]
        etag = self.client.get(f"/v1/proposals/{pid}", headers=self.officer).headers["etag"]
        r = self.client.post(f"/v1/proposals/{pid}/decision", json={"decision": decision, "reason": REASON},
                             headers={**self.officer, "If-Match": etag})
        assert r.status_code == 200, r.text

    def stored(self) -> list[dict]:
        return [self.client.get(f"/v1/proposals/{pid}", headers=self.officer).json() for pid in self.ids.values()]


@pytest.fixture
def seeded(client, make_key) -> Seeded:
    return Seeded(client, make_key)


def _year(p: dict) -> int:
    return int((p.get("start_date") or p["created_at"])[:4])


def expected(stored: list[dict]) -> dict:
    """§8's measures, computed from the stored proposals and their screenings."""
    live = [p for p in stored if p["status"] != "withdrawn"]
    climate = lambda p: p["screening"]["climate"]  # noqa: E731
    decided = [p for p in stored if p["status"] in FINAL]
    trips = [p for p in decided if p["kind"] == "trip"]
    digital = [p for p in trips if p["status"] == "rejected" and p["screening"]["recommendation"] == "prefer_digital"]
    undecided = [p for p in stored if p["status"] in ("screened", "returned")]

    def mode_shift(p: dict) -> Decimal:
        c = climate(p)
        if not c:
            return Decimal(0)
        return sum((Decimal(str(leg["co2e_kg"])) - min(Decimal(str(a["co2e_kg"])) for a in leg["alternatives"])
                    for leg in c["legs"] if leg["mode_shift"]), Decimal(0))

    def digital_saving(p: dict) -> Decimal:
        c = climate(p)
        return Decimal(str(c["co2e_kg"])) - Decimal(str(c["digital_meeting"]["co2e_kg"]))

    pkm = defaultdict(Decimal)
    for p in live:
        for leg in (climate(p) or {"legs": []})["legs"]:
            pkm[leg["mode"]] += Decimal(str(leg["distance_km"])) * p["travel"]["travellers"] * (2 if leg["round_trip"] else 1)
    days = [(_t(p["decision"]["decided_at"]) - _t(p["created_at"])) / 86400 for p in decided]
    departs = {"approved": ("reject", "prefer_digital", "needs_information"), "rejected": ("approve",)}
    return {
        "proposals": len(stored),
        "by_status": {s: sum(p["status"] == s for p in stored)
                      for s in ("screened", "approved", "rejected", "returned", "withdrawn")},
        "by_recommendation": {r: sum(p["screening"]["recommendation"] == r for p in live)
                              for r in ("approve", "approve_with_conditions", "prefer_digital", "needs_information",
                                        "reject")},
        "travellers": sum(p["travel"]["travellers"] for p in live if p.get("travel")),
        "co2e_kg": kg(climate(p)["co2e_kg"] for p in live if climate(p)),
        "co2e_kg_without_rf": kg(climate(p)["co2e_kg_without_rf"] for p in live if climate(p)),
        "co2e_kg_approved": kg(climate(p)["co2e_kg"] for p in stored if p["status"] == "approved" and climate(p)),
        "avoided_digital_kg": kg(digital_saving(p) for p in stored if p["status"] == "rejected"
                                 and p["screening"]["recommendation"] == "prefer_digital"),
        "avoided_mode_shift_kg": kg(mode_shift(p) for p in stored if p["status"] == "approved"),
        "potential_avoided_kg": kg(
            digital_saving(p) if p["screening"]["recommendation"] == "prefer_digital" else mode_shift(p)
            for p in undecided),
        "trips_decided": len(trips),
        "trips_turned_digital": len(digital),
        "share_turned_digital": len(digital) / len(trips) if trips else None,
        "decided": len(decided),
        "share_approved": sum(p["status"] == "approved" for p in decided) / len(decided) if decided else None,
        "departures": sum(p["screening"]["recommendation"] in departs[p["status"]] for p in decided),
        "median_days_to_decision": grouped_median(days),
        "passenger_km": {m: float(pkm[m]) for m in ("flight", "train", "bus", "car", "taxi", "ferry")},
    }


def kg(values) -> float:
    """A sum of kg given to 0.001, rounded to 0.1 (half away from zero), in exact decimal arithmetic."""
    return float(sum((Decimal(str(v)) for v in values), Decimal(0)).quantize(Decimal("0.1"), ROUND_HALF_UP))


# SPEC §8's median, as the README defines it: the grouped-data median of a histogram with these classes (days)
CLASSES = [0, 1 / 24, 2 / 24, 4 / 24, 8 / 24, 0.5, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 180, 365]


def grouped_median(days: list[float]) -> float | None:
    if not days:
        return None
    counts = [sum(1 for d in days if low <= d < high) for low, high in zip(CLASSES, CLASSES[1:] + [math.inf])]
    half, seen = len(days) / 2, 0
    for (low, high), n in zip(zip(CLASSES, CLASSES[1:] + [math.inf]), counts):
        if n and seen + n >= half:
            return round(low if high == math.inf else low + (half - seen) / n * (high - low), 1)
        seen += n
    return None


def pkm(legs) -> float:
    """Passenger-km of (proposal, leg) pairs: distance (to 0.1 km) x travellers x trips, exactly."""
    return float(sum((Decimal(str(leg["distance_km"])) * leg["travellers"] * leg["trips"] for _, leg in legs),
                     Decimal(0)))


def _t(iso: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _measures(body: dict) -> dict:
    return {k: body[k] for k in expected([]).keys()}


def test_summary_has_every_measure_derived_from_the_screenings(client, seeded, viewer):
    stored = seeded.stored()
    r = client.get("/v1/stats/summary", headers=viewer)
    assert r.status_code == 200
    body = r.json()
    want = expected(stored)
    assert _measures(body) == want
    # the mix the seed was made to have, so that no measure is trivially zero
    assert want["by_status"] == {"screened": 3, "approved": 4, "rejected": 2, "returned": 1, "withdrawn": 1}
    assert want["trips_turned_digital"] == 1 and want["avoided_digital_kg"] > 0
    assert want["avoided_mode_shift_kg"] > 0 and want["departures"] == 1  # Zenica, approved below the threshold
    assert body["policy_versions"] == ["lulea-2019-2023-rev-2021-12-03.2"]
    assert body["as_of"] == max(p["updated_at"] for p in stored)
    assert body["filters"] == {"year": None, "from": None, "to": None, "department": None, "kind": None,
                               "focus_area": None, "status": None, "recommendation": None}


def test_withdrawn_proposals_count_in_by_status_only(client, seeded, viewer):
    stored = seeded.stored()
    gdansk = next(p for p in stored if p["status"] == "withdrawn")
    r = client.get("/v1/stats/summary", params={"status": "withdrawn"}, headers=viewer).json()
    assert r["proposals"] == 1 and r["by_status"]["withdrawn"] == 1
    assert r["co2e_kg"] == 0.0 and r["travellers"] == 0 and sum(r["by_recommendation"].values()) == 0
    assert r["passenger_km"] == {m: 0.0 for m in ("flight", "train", "bus", "car", "taxi", "ferry")}
    assert gdansk["screening"]["climate"]["co2e_kg"] > 0  # it did travel, and is not counted


def test_a_return_flight_lulea_brussels_by_hand_from_the_factor_table(client, make_key, viewer):
    """SPEC §6: 2 x 1,913 km x (0.12576 + 0.02249) ≈ 567 kg; without RF 2 x 1,913 x (0.07435 + 0.02249)."""
    body = example("arctic-mayors-forum-tromso", external_ref=None)
    body["travel"] = {"travellers": 1, "presence": {"required": True, "reason": "signing"}, "digital_alternative": False,
                      "legs": [{"from": "LLA", "to": "BRU", "mode": "flight", "round_trip": True}]}
    body.pop("external_ref")
    assert client.post("/v1/proposals", json=body, headers=make_key("submitter", "kommunstaben")).status_code == 201
    # the policy's pinned coordinates (OpenFlights): LLA 65.5438, 22.1220; BRU 50.9014, 4.4844
    lat1, lon1, lat2, lon2 = map(math.radians, (65.5438, 22.1220, 50.9014, 4.4844))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371.0088 * math.asin(math.sqrt(a))
    assert 1912 < km < 1914
    s = client.get("/v1/stats/summary", headers=viewer).json()
    assert s["co2e_kg"] == round(2 * km * (0.12576 + 0.02249), 1)
    assert s["co2e_kg_without_rf"] == round(2 * km * (0.07435 + 0.02249), 1)
    assert s["passenger_km"]["flight"] == round(2 * round(km, 1), 1)
    assert s["travellers"] == 1 and s["proposals"] == 1 and s["decided"] == 0
    assert s["share_approved"] is None and s["share_turned_digital"] is None and s["median_days_to_decision"] is None


def _rows(client, headers, dimension, **params) -> dict:
    r = client.get(f"/v1/stats/by/{dimension}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dimension"] == dimension
    keys = [row["key"] for row in body["rows"]]
    assert keys == sorted(keys, key=lambda k: (k is None, k if k is not None else 0))
    return {row["key"]: row for row in body["rows"]}


@pytest.mark.parametrize("dimension,key_of", [
    ("year", lambda p: [_year(p)]),
    ("month", lambda p: [(p.get("start_date") or p["created_at"])[:7]]),
    ("department", lambda p: [p["department"]]),
    ("kind", lambda p: [p["kind"]]),
    ("status", lambda p: [p["status"]]),
    ("recommendation", lambda p: [p["screening"]["recommendation"]]),
    ("focus_area", lambda p: [(p["screening"]["focus_area"]["effective"] or [None])[0]]),
    ("partner", lambda p: sorted({x["slug"] for x in p["screening"]["partners"] if x["matched"]})),
    ("goal", lambda p: [g["goal"] for g in p["screening"]["goals"] if g["motivated"]]),
    ("sdg", lambda p: sorted({s for g in p["screening"]["goals"] if g["motivated"] for s in g["sdgs"]})),
])
def test_each_row_of_a_dimension_has_the_measures_of_its_proposals(client, seeded, viewer, dimension, key_of):
    stored = seeded.stored()
    groups: dict = defaultdict(list)
    for p in stored:
        for key in key_of(p):
            groups[key].append(p)
    rows = _rows(client, viewer, dimension)
    assert set(rows) == set(groups)
    for key, members in groups.items():
        assert _measures(rows[key]) == expected(members), (dimension, key)
        assert rows[key]["label_sv"] and rows[key]["label_en"]


def test_labels_and_linked_sdgs(client, seeded, viewer):
    goals = _rows(client, viewer, "goal")
    assert goals[5]["label_sv"] == "5. Luleå har ingen påverkan på klimatet"
    assert goals[5]["sdgs"] == [7, 12, 13]
    assert _rows(client, viewer, "sdg")[13]["label_en"] == "Goal 13: Climate action"
    assert _rows(client, viewer, "status")["returned"]["label_en"] == "Returned for amendment"
    assert _rows(client, viewer, "partner")["arctic-mayors-forum"]["label_sv"] == "Arctic Mayors' Forum"
    months = _rows(client, viewer, "month")
    assert months["2027-03"]["label_sv"] == "mars 2027" and months["2027-03"]["label_en"] == "March 2027"
    assert _rows(client, viewer, "focus_area")["twin_town"]["label_sv"] == "Vänorter"


def test_mode_rows_are_per_leg(client, seeded, viewer):
    stored = [p for p in seeded.stored() if p["status"] != "withdrawn" and p["screening"]["climate"]]
    rows = _rows(client, viewer, "mode")
    for mode in {leg["mode"] for p in stored for leg in p["screening"]["climate"]["legs"]}:
        legs = [(p, leg) for p in stored for leg in p["screening"]["climate"]["legs"] if leg["mode"] == mode]
        row = rows[mode]
        assert row["legs"] == len(legs)
        assert row["proposals"] == len({p["id"] for p, _ in legs})
        assert row["co2e_kg"] == kg(leg["co2e_kg"] for _, leg in legs)
        assert row["co2e_kg_without_rf"] == kg(leg["co2e_kg_without_rf"] for _, leg in legs)
        assert row["co2e_kg_approved"] == kg(leg["co2e_kg"] for p, leg in legs if p["status"] == "approved")
        assert row["passenger_km"] == pkm(legs)
    assert rows["flight"]["label_sv"] == "Flyg"


@pytest.mark.parametrize("stats_params,list_params", [
    ({"department": "lulea-business-region"}, {"department": "lulea-business-region"}),
    ({"kind": "trip"}, {"kind": "trip"}),
    ({"status": "approved"}, {"status": "approved"}),
    ({"recommendation": "approve_with_conditions"}, {"recommendation": "approve_with_conditions"}),
    ({"focus_area": "eu"}, {"focus_area": "eu"}),
    ({"year": 2027}, {"year": 2027}),
    ({"from": "2027-03-01", "to": "2027-06-30"}, {"start_from": "2027-03-01", "start_to": "2027-06-30"}),
    ({"year": 2027, "kind": "trip", "status": "approved"}, {"year": 2027, "kind": "trip", "status": "approved"}),
])
def test_filters_select_what_the_list_selects(client, seeded, viewer, stats_params, list_params):
    listed = client.get("/v1/proposals", params={**list_params, "limit": 200}, headers=seeded.officer).json()["items"]
    ids = {i["id"] for i in listed}
    stored = [p for p in seeded.stored() if p["id"] in ids]
    assert stored  # each filter selects something
    body = client.get("/v1/stats/summary", params=stats_params, headers=viewer).json()
    assert _measures(body) == expected(stored)
    assert body["filters"]["department"] == stats_params.get("department")


def test_year_counts_a_proposal_without_dates_in_the_year_it_was_created(client, seeded, viewer):
    created = next(p for p in seeded.stored() if not p.get("start_date"))
    year = int(created["created_at"][:4])
    assert client.get("/v1/stats/summary", params={"year": year}, headers=viewer).json()["proposals"] >= 1
    dated = client.get("/v1/stats/summary", params={"from": "1900-01-01"}, headers=viewer).json()
    assert dated["proposals"] == len(EXAMPLES) - 1  # from/to are on start_date: the undated one is not in range


def test_a_submitter_sees_its_own_department_only(client, seeded):
    lbr = seeded.keys["lulea-business-region"]
    own = [p for p in seeded.stored() if p["department"] == "lulea-business-region"]
    assert _measures(client.get("/v1/stats/summary", headers=lbr).json()) == expected(own)
    assert set(_rows(client, lbr, "department")) == {"lulea-business-region"}
    # asking for another department is not an error: nothing of it counts
    other = client.get("/v1/stats/summary", params={"department": "kommunstaben"}, headers=lbr).json()
    assert other["proposals"] == 0 and other["co2e_kg"] == 0.0
    decisions = client.get("/v1/stats/decisions", headers=lbr).json()["items"]
    assert decisions and {d["department"] for d in decisions} == {"lulea-business-region"}


@pytest.mark.parametrize("params,field", [
    ({"kind": "boat"}, "kind"), ({"status": "pending"}, "status"), ({"recommendation": "maybe"}, "recommendation"),
    ({"focus_area": "mars"}, "focus_area"), ({"year": "last"}, "year"), ({"from": "2027-13-01"}, "from"),
    ({"from": "2027-05-01", "to": "2027-04-01"}, "to"), ({"start_from": "2027-01-01"}, "start_from"),
])
def test_unknown_filter_values_are_422_naming_the_field(client, viewer, params, field):
    for path in ("/v1/stats/summary", "/v1/stats/by/month", "/v1/reports/activity-plan", "/v1/reports/climate",
                 "/v1/stats/decisions"):
        r = client.get(path, params=params, headers=viewer)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in r.json()["errors"]]


def test_an_unknown_dimension_is_422(client, viewer):
    r = client.get("/v1/stats/by/planet", headers=viewer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "dimension"


def test_no_key_is_401_and_every_role_reads_aggregates(client, make_key):
    assert client.get("/v1/stats/summary").status_code == 401
    for role in ("viewer", "officer", "admin", "submitter"):
        assert client.get("/v1/stats/summary", headers=make_key(role)).status_code == 200


def test_etag_and_304_and_a_change_gives_a_new_tag(client, seeded, viewer):
    for path in ("/v1/stats/summary", "/v1/stats/by/department", "/v1/stats/decisions"):
        first = client.get(path, headers=viewer)
        tag = first.headers["etag"]
        again = client.get(path, headers={**viewer, "If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
        assert client.get(path, headers={**viewer, "If-None-Match": '"other"'}).status_code == 200
    tag = client.get("/v1/stats/summary", headers=viewer).headers["etag"]
    seeded.decide("oulu-study-visit-train", "approved")
    assert client.get("/v1/stats/summary", headers={**viewer, "If-None-Match": tag}).status_code == 200


def test_by_dimension_as_csv_is_the_same_table(client, seeded, viewer):
    rows = _rows(client, viewer, "department")
    r = client.get("/v1/stats/by/department", headers={**viewer, "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [t["key"] for t in table] == list(rows)
    for t in table:
        row = rows[t["key"]]
        assert float(t["co2e_kg"]) == row["co2e_kg"]
        assert int(t["proposals"]) == row["proposals"]
        assert int(t["by_status.approved"]) == row["by_status"]["approved"]
        assert float(t["passenger_km.flight"]) == row["passenger_km"]["flight"]
        assert t["label_sv"] == row["label_sv"]


def test_by_dimension_as_an_svg_chart(client, seeded, viewer):
    r = client.get("/v1/stats/by/department", params={"measure": "co2e_kg"},
                   headers={**viewer, "Accept": "image/svg+xml", "Accept-Language": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith(("<svg", "<?xml")) and "lulea-business-region" in r.text
    assert "Estimated emissions by department" in r.text


def test_latest_decisions_newest_first(client, seeded, viewer):
    items = client.get("/v1/stats/decisions", params={"limit": 3}, headers=viewer).json()["items"]
    assert len(items) == 3
    assert [i["decided_at"] for i in items] == sorted((i["decided_at"] for i in items), reverse=True)
    assert items[0]["title"] == example("sern-bologna")["title"] and items[0]["decision"] == "approved"
    assert items[0]["decided_by"].startswith("officer") and items[0]["departs"] is False


def test_a_departure_is_counted(client, seeded, viewer):
    """Approving the China delegation (reject) departs from the recommendation; an approval of it needs a reason."""
    before = client.get("/v1/stats/summary", headers=viewer).json()["departures"]
    seeded.decide("incomplete-draft", "approved")  # needs_information, approved with a substantive reason
    assert client.get("/v1/stats/summary", headers=viewer).json()["departures"] == before + 1


def test_amending_and_rescreening_replace_the_figures(client, seeded, viewer):
    """The aggregates follow the current screening: an amendment's legs replace the old ones."""
    austin = seeded.ids["austin-tech-conference"]  # returned: can be amended
    key = seeded.keys["lulea-business-region"]
    train = {"travellers": 2, "presence": {"required": True, "reason": "trade_fair"}, "digital_alternative": False,
             "legs": [{"from": "Luleå", "to": "Stockholm", "mode": "train", "round_trip": True}]}
    assert client.patch(f"/v1/proposals/{austin}", json={"travel": train}, headers=key).status_code == 200
    stored = seeded.stored()
    assert _measures(client.get("/v1/stats/summary", headers=viewer).json()) == expected(stored)
    assert _measures(_rows(client, viewer, "partner")["austin"]) == expected(
        [p for p in stored if p["id"] == austin])
    r = client.post(f"/v1/proposals/{seeded.ids['oulu-study-visit-train']}/rescreen", headers=seeded.officer)
    assert r.status_code == 200
    assert _measures(client.get("/v1/stats/summary", headers=viewer).json()) == expected(seeded.stored())
