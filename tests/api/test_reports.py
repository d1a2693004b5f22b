"""The reports of SPEC §8 and the exports: the activity plan, the climate report, the list's CSV and XLSX. Expected
figures come from the proposals' own screenings and, for the climate path, from the policy's baseline and target."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from app.services.export import XLSX
from tests.api.conftest import example
from tests.api.test_stats import REASON, Seeded, expected, kg, pkm

POLICY_ORDER = ["regional_arctic", "eu", "twin_town", "other", None]
TOTAL_KEYS = ("proposals", "by_status", "travellers", "co2e_kg", "co2e_kg_without_rf", "co2e_kg_approved",
              "avoided_digital_kg", "avoided_mode_shift_kg", "potential_avoided_kg")


@pytest.fixture
def seeded(client, make_key) -> Seeded:
    return Seeded(client, make_key)


def _area(p: dict) -> str | None:
    return (p["screening"]["focus_area"]["effective"] or [None])[0]


def test_the_activity_plan_groups_the_years_proposals_by_focus_area(client, seeded, viewer):
    stored = [p for p in seeded.stored() if (p.get("start_date") or "")[:4] == "2027"]
    r = client.get("/v1/reports/activity-plan", params={"year": 2027}, headers=viewer)
    assert r.status_code == 200 and r.headers["etag"]
    plan = r.json()
    assert plan["year"] == 2027 and plan["department"] is None
    areas = [a["key"] for a in plan["focus_areas"]]
    assert areas == [k for k in POLICY_ORDER if any(_area(p) == k for p in stored)]
    for area in plan["focus_areas"]:
        members = [p for p in stored if _area(p) == area["key"]]
        assert [i["id"] for i in area["proposals"]] == [
            p["id"] for p in sorted(members, key=lambda p: (p["start_date"], p["title"], p["id"]))]
        want = expected(members)
        assert area["totals"] == {k: want[k] for k in TOTAL_KEYS}
        for item, p in zip(area["proposals"], sorted(members, key=lambda p: (p["start_date"], p["title"], p["id"]))):
            assert item["title"] == p["title"] and item["kind"] == p["kind"]
            assert (item["start_date"], item["end_date"]) == (p["start_date"], p.get("end_date"))
            assert item["partners"] == p.get("partners", [])
            assert item["goals"] == [g["goal"] for g in p["screening"]["goals"] if g["motivated"]]
            assert (item["status"], item["recommendation"]) == (p["status"], p["screening"]["recommendation"])
            assert item["co2e_kg"] == (p["screening"]["climate"] or {}).get("co2e_kg")
            assert item["decision"] == p.get("decision")
    assert plan["totals"] == {k: expected(stored)[k] for k in TOTAL_KEYS}
    for goal in plan["goals"]:
        members = [p for p in stored if any(g["goal"] == goal["goal"] and g["motivated"]
                                            for g in p["screening"]["goals"])]
        assert {k: goal[k] for k in TOTAL_KEYS} == {k: expected(members)[k] for k in TOTAL_KEYS}
    assert goal["label_sv"] and goal["sdgs"]


def test_an_activity_plan_of_one_department_and_of_the_current_year(client, seeded, viewer):
    lbr = client.get("/v1/reports/activity-plan", params={"year": 2027, "department": "lulea-business-region"},
                     headers=viewer).json()
    titles = {i["title"] for a in lbr["focus_areas"] for i in a["proposals"]}
    assert titles == {example(n)["title"] for n in ("austin-tech-conference", "brussels-conference-on-teams",
                                                    "china-trade-delegation")}
    current = client.get("/v1/reports/activity-plan", headers=viewer).json()
    assert current["year"] == dt.date.today().year  # the draft without dates counts when it was created
    assert [i["title"] for a in current["focus_areas"] for i in a["proposals"]] == [example("incomplete-draft")["title"]]


def test_the_activity_plan_as_csv_and_xlsx(client, seeded, viewer):
    plan = client.get("/v1/reports/activity-plan", params={"year": 2027}, headers=viewer).json()
    ids = [i["id"] for a in plan["focus_areas"] for i in a["proposals"]]
    r = client.get("/v1/reports/activity-plan", params={"year": 2027}, headers={**viewer, "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8" and r.headers["etag"]
    assert 'filename="aktivitetsplan-2027.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == ids
    arctic = next(row for row in rows if row["id"] == seeded.ids["arctic-mayors-forum-tromso"])
    assert (arctic["focus_area"], arctic["status"], arctic["decision"], arctic["goals"]) == (
        "regional_arctic", "approved", "approved", "5;8")
    r = client.get("/v1/reports/activity-plan", params={"year": 2027}, headers={**viewer, "Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Aktivitetsplan", "Fokusområden", "Mål"]
    sheet = list(book["Aktivitetsplan"].values)
    assert sheet[0][:3] == ("Fokusområde", "Titel", "Typ") and len(sheet) == len(ids) + 1
    assert sheet[1][0] == "Regionalt/arktiskt samarbete"
    areas = list(book["Fokusområden"].values)
    assert areas[0][:2] == ("Fokusområde / mål", "Antal förslag")
    by_area = {a["label_sv"]: a["totals"] for a in plan["focus_areas"]}
    for row in areas[1:]:
        assert row[1] == by_area[row[0]]["proposals"] and row[8] == by_area[row[0]]["co2e_kg"]
    english = client.get("/v1/reports/activity-plan", params={"year": 2027},
                         headers={**viewer, "Accept": XLSX, "Accept-Language": "en"})
    assert openpyxl.load_workbook(io.BytesIO(english.content)).sheetnames == ["Activity plan", "Focus areas", "Goals"]


def test_reports_have_etags_and_304(client, seeded, viewer):
    for accept in ("application/json", "text/csv", XLSX):
        for path in ("/v1/reports/activity-plan?year=2027", "/v1/reports/climate"):
            first = client.get(path, headers={**viewer, "Accept": accept})
            tag = first.headers["etag"]
            again = client.get(path, headers={**viewer, "Accept": accept, "If-None-Match": tag})
            assert again.status_code == 304, (path, accept)
    tag = client.get("/v1/reports/activity-plan?year=2027", headers={**viewer, "Accept": "text/csv"}).headers["etag"]
    seeded.decide("oulu-study-visit-train", "approved")
    changed = client.get("/v1/reports/activity-plan?year=2027", headers={**viewer, "Accept": "text/csv",
                                                                          "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def _store(client, key, officer, name, start, decision, **changes):
    body = example(name, start_date=start, end_date=start, **changes)
    body.pop("external_ref", None)
    r = client.post("/v1/proposals", json=body, headers=key)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    if decision:
        etag = client.get(f"/v1/proposals/{pid}", headers=officer).headers["etag"]
        d = client.post(f"/v1/proposals/{pid}/decision", json={"decision": decision, "reason": REASON},
                        headers={**officer, "If-Match": etag})
        assert d.status_code == 200, d.text
    return client.get(f"/v1/proposals/{pid}", headers=officer).json()


def test_the_climate_report_by_year_against_the_baseline_and_the_path_to_2040(client, make_key, viewer):
    key, officer = make_key("submitter", "kommunstaben"), make_key("officer")
    base = _store(client, key, officer, "arctic-mayors-forum-tromso", "2023-03-10", "approved")
    later = [_store(client, key, officer, "arctic-mayors-forum-tromso", "2027-03-10", "approved"),
             _store(client, key, officer, "sern-bologna", "2027-05-18", "approved", department="kommunstaben")]
    digital = _store(client, key, officer, "brussels-conference-on-teams", "2027-10-11", "rejected",
                     department="kommunstaben")
    _store(client, key, officer, "sern-bologna", "2027-06-01", None, department="kommunstaben")  # undecided
    r = client.get("/v1/reports/climate", headers=viewer)
    assert r.status_code == 200
    report = r.json()
    assert (report["baseline_year"], report["target_year"], report["flight_split_km"]) == (2023, 2040, 500)
    assert "2040" in report["sources"]["target_year"] and "50 mil" in report["sources"]["flight_split_km"]
    assert report["filters"]["from_year"] == 2023 and report["filters"]["to_year"] == 2027
    years = {y["year"]: y for y in report["years"]}
    assert list(years) == [2023, 2024, 2025, 2026, 2027]
    baseline = kg([base["screening"]["climate"]["co2e_kg"]])
    assert report["baseline_co2e_kg"] == baseline == years[2023]["co2e_kg"]
    kg_2027 = kg(p["screening"]["climate"]["co2e_kg"] for p in later)
    y = years[2027]
    assert y["co2e_kg"] == kg_2027
    assert y["co2e_kg_without_rf"] == kg(p["screening"]["climate"]["co2e_kg_without_rf"] for p in later)
    assert y["trips"] == 2 and y["trips_turned_digital"] == 1
    saved = kg([digital["screening"]["climate"]["co2e_kg"], -digital["screening"]["climate"]["digital_meeting"]["co2e_kg"]])
    shift = kg(x for p in later for leg in p["screening"]["climate"]["legs"] if leg["mode_shift"]
               for x in (leg["co2e_kg"], -min(a["co2e_kg"] for a in leg["alternatives"])))
    assert y["avoided_digital_kg"] == saved and y["avoided_mode_shift_kg"] == shift
    assert y["avoided_kg"] == kg([saved, shift])
    # the categories: flights split at 500 km of great-circle distance, car includes taxi
    legs = [leg for p in later for leg in p["screening"]["climate"]["legs"]]

    def category(leg):
        if leg["mode"] == "flight":
            return "flight_short" if leg["great_circle_km"] < 500 else "flight_long"
        return "car" if leg["mode"] in ("car", "taxi") else leg["mode"]

    for cat in ("flight_short", "flight_long", "train", "bus", "car", "ferry"):
        mine = [leg for leg in legs if category(leg) == cat]
        assert y["categories"][cat] == {"co2e_kg": kg(leg["co2e_kg"] for leg in mine),
                                        "co2e_kg_without_rf": kg(leg["co2e_kg_without_rf"] for leg in mine),
                                        "passenger_km": pkm((None, leg) for leg in mine)}
    assert y["categories"]["flight_short"]["co2e_kg"] > 0 and y["categories"]["flight_long"]["co2e_kg"] > 0
    assert y["categories"]["car"]["co2e_kg"] > 0  # SERN's taxi to the airport
    # the straight path from the baseline year's figure to zero in 2040
    path = baseline * (2040 - 2027) / (2040 - 2023)
    assert y["path_co2e_kg"] == round(path, 1) and y["above_path"] is (kg_2027 > path)
    assert y["change_from_baseline_kg"] == kg([kg_2027, -baseline])
    assert y["change_from_baseline"] == pytest.approx((kg_2027 - baseline) / baseline)
    assert years[2023]["path_co2e_kg"] == baseline and years[2023]["above_path"] is False
    assert years[2025] == {**years[2025], "co2e_kg": 0.0, "trips": 0, "above_path": False}
    # the factors used, with their sources
    assert report["policy_versions"] == ["lulea-2019-2023-rev-2021-12-03.2"]
    factors = {(f["mode"], f["variant"]): f for f in report["factor_sets"][0]["factors"]}
    assert factors[("flight", "short-haul-economy")]["value"] == round(0.12576 + 0.02249, 5)
    assert "DESNZ" in factors[("flight", "short-haul-economy")]["source"]


def test_the_climate_report_without_a_baseline_says_so(client, seeded, viewer):
    report = client.get("/v1/reports/climate", params={"from_year": 2026, "to_year": 2027}, headers=viewer).json()
    assert report["baseline_co2e_kg"] is None and report["note_en"].startswith("The baseline year 2023")
    assert [y["year"] for y in report["years"]] == [2026, 2027]
    assert all(y["path_co2e_kg"] is None and y["above_path"] is None for y in report["years"])


def test_the_climate_report_as_csv_and_xlsx(client, seeded, viewer):
    report = client.get("/v1/reports/climate", headers=viewer).json()
    r = client.get("/v1/reports/climate", headers={**viewer, "Accept": "text/csv"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(row["year"]) for row in rows] == [y["year"] for y in report["years"]]
    last = rows[-1]
    assert float(last["co2e_kg"]) == report["years"][-1]["co2e_kg"]
    assert float(last["flight_long.co2e_kg"]) == report["years"][-1]["categories"]["flight_long"]["co2e_kg"]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/v1/reports/climate",
                                                        headers={**viewer, "Accept": XLSX}).content))
    assert book.sheetnames == ["Klimat per år", "Emissionsfaktorer"]
    years = list(book["Klimat per år"].values)
    assert years[0][:2] == ("År", "CO2e (kg)") and years[-1][1] == report["years"][-1]["co2e_kg"]
    assert len(list(book["Emissionsfaktorer"].values)) == 1 + len(report["factor_sets"][0]["factors"])


@pytest.mark.parametrize("params", [{"from_year": 2027, "to_year": 2026}, {"from_year": 1800}, {"to_year": "x"}])
def test_a_bad_year_range_is_422(client, viewer, params):
    r = client.get("/v1/reports/climate", params=params, headers=viewer)
    assert r.status_code == 422 and r.json()["errors"]


def test_an_accept_the_reports_cannot_meet_is_406(client, viewer):
    for path in ("/v1/reports/climate", "/v1/reports/activity-plan", "/v1/stats/by/month"):
        assert client.get(path, headers={**viewer, "Accept": "application/pdf"}).status_code == 406


def test_the_list_carries_goals_co2e_and_the_decision(client, seeded):
    items = {i["id"]: i for i in client.get("/v1/proposals", params={"limit": 200},
                                            headers=seeded.officer).json()["items"]}
    for p in seeded.stored():
        item = items[p["id"]]
        assert item["goals"] == [g["goal"] for g in p["screening"]["goals"] if g["motivated"]]
        climate = p["screening"]["climate"] or {}
        assert (item["co2e_kg"], item["co2e_kg_without_rf"]) == (climate.get("co2e_kg"), climate.get("co2e_kg_without_rf"))
        decision = p.get("decision") or {}
        assert (item["decision"], item["decided_by"], item["decided_at"]) == (
            decision.get("decision"), decision.get("decided_by"), decision.get("decided_at"))


def test_the_list_exports_as_csv_and_xlsx_with_the_same_rows(client, seeded):
    items = client.get("/v1/proposals", params={"limit": 200}, headers=seeded.officer).json()["items"]
    r = client.get("/v1/proposals", headers={**seeded.officer, "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == [i["id"] for i in items]
    assert {"goals", "co2e_kg", "decision", "decided_by", "decided_at"} <= set(rows[0])
    arctic = next(row for row in rows if row["id"] == seeded.ids["arctic-mayors-forum-tromso"])
    assert arctic["goals"] == "5;8" and arctic["decision"] == "approved"
    r = client.get("/v1/proposals", params={"kind": "trip"}, headers={**seeded.officer, "Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    sheet = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.values)
    trips = [i for i in items if i["kind"] == "trip"]
    assert len(sheet) == 1 + len(trips)
    header = sheet[0]
    assert [dict(zip(header, row))["id"] for row in sheet[1:]] == [i["id"] for i in trips]
    first = dict(zip(header, sheet[1]))
    assert first["co2e_kg"] == trips[0]["co2e_kg"]  # numbers stay numbers


@pytest.mark.parametrize("title", ["=1+1", "+SUM(A1)", "-2+3", "@cmd"])
def test_exports_neutralise_formulas(client, submitter, officer, title):
    body = example("kemi-school-exchange", department="kommunstaben", title=title)
    body.pop("external_ref")
    assert client.post("/v1/proposals", json=body, headers=submitter).status_code == 201
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/proposals", headers={**officer, "Accept": "text/csv"}).text)))
    assert rows[0]["title"] == "'" + title
    sheet = list(openpyxl.load_workbook(io.BytesIO(
        client.get("/v1/proposals", headers={**officer, "Accept": XLSX}).content)).active.values)
    assert dict(zip(sheet[0], sheet[1]))["title"] == "'" + title
    plan = client.get("/v1/reports/activity-plan", params={"year": 2027}, headers={**officer, "Accept": XLSX})
    assert list(openpyxl.load_workbook(io.BytesIO(plan.content))["Aktivitetsplan"].values)[1][1] == "'" + title


def test_the_list_reads_the_columns_its_items_show():
    from app.services import proposals

    assert proposals.CSV_COLUMNS == [c.name for c in proposals._LIST_COLUMNS]
