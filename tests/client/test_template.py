"""The activity-plan template is the contract (SPEC §11): Swedish headers (English accepted), every field of §7a
expressible, and every problem named by its line and the column the officer wrote."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import openpyxl
import pytest

from app.client.template import (
    PlanError,
    example_body,
    read_plan,
    template_headers,
    write_csv,
    write_xlsx,
)
from app.screening import Proposal

EN_HEADERS = [
    "Kind", "Title", "Description", "Department", "External reference", "Start date", "End date", "Focus area",
    "Partners", "Development", "Development motivation", "Environmental scanning", "Environmental scanning motivation",
    "Influence", "Influence motivation", "Gender equality", "EU programme", "EU share", "Budget (SEK)", "Travellers",
    "Presence required", "Presence reason", "Presence motivation", "Digital alternative", "Meeting hours",
    "Goal 1", "Goal 1 motivation", "Goal 9", "Goal 9 motivation",
    "Leg 1 from", "Leg 1 to", "Leg 1 mode", "Leg 1 round trip", "Leg 1 cabin",
    "Leg 2 from", "Leg 2 to", "Leg 2 mode", "Leg 2 fuel", "Leg 2 occupants",
    "Leg 5 from", "Leg 5 to", "Leg 5 mode",
]
EN_ROW = [
    "project", "Interreg Aurora: Arctic test beds", "Three partner cities", "kommunstaben", "PROJ-2027-7",
    "2027-04-01", "2027-04-03", "EU", "Interreg Aurora; Uleåborg", "yes", "New methods", "partly", "Nordic peers",
    "no", "", "Half of the team are women", "Interreg Aurora", "0.65", "1 250 000,50", "3",
    "yes", "site visit", "We see the test bed", "unknown", "6,5",
    "9", "Climate transition", "5", "Arctic role",
    "Luleå", "Oulu (65.0121, 25.4651, FI)", "train", "yes", "economy",
    "Oulu", "Kemi", "car", "electric", "2",
    "Kemi", "65.5848 22.1547", "bus",
]
EN_EXPECTED = {
    "kind": "project", "title": "Interreg Aurora: Arctic test beds", "description": "Three partner cities",
    "department": "kommunstaben", "external_ref": "PROJ-2027-7", "start_date": "2027-04-01", "end_date": "2027-04-03",
    "focus_area": "eu", "partners": ["Interreg Aurora", "Uleåborg"],
    "value_added": {"development": {"answer": "yes", "motivation": "New methods"},
                    "environmental_scanning": {"answer": "partly", "motivation": "Nordic peers"},
                    "influence": {"answer": "no"}},
    "gender_equality": "Half of the team are women", "eu_funding": {"programme": "Interreg Aurora", "share": 0.65},
    "budget_sek": 1250000.5,
    "goals": [{"goal": 9, "motivation": "Climate transition"}, {"goal": 5, "motivation": "Arctic role"}],
    "travel": {"travellers": 3, "presence": {"required": True, "reason": "site_visit", "motivation": "We see the test bed"},
               "digital_alternative": None, "meeting_hours": 6.5,
               "legs": [{"from": "Luleå", "to": {"lat": 65.0121, "lon": 25.4651, "name": "Oulu", "country": "FI"},
                         "mode": "train", "round_trip": True, "cabin": "economy"},
                        {"from": "Oulu", "to": "Kemi", "mode": "car", "car": {"fuel": "electric", "occupants": 2}},
                        {"from": "Kemi", "to": {"lat": 65.5848, "lon": 22.1547}, "mode": "bus"}]},
}


def write(path, rows, delimiter=";", encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out, delimiter=delimiter).writerows(rows)
    return path


def test_the_csv_template_has_swedish_headers_and_an_example_row_that_is_a_valid_proposal(tmp_path):
    write_csv(tmp_path / "t.csv")
    header, example = list(csv.reader((tmp_path / "t.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert header[:9] == ["Typ", "Titel", "Beskrivning", "Förvaltning", "Extern referens", "Startdatum", "Slutdatum",
                          "Fokusområde", "Partner"]
    assert "Delsträcka 4 personer i bilen" in header and "Mål 4 motivering" in header
    assert example[0] == "resa" and example[header.index("Delsträcka 1 färdsätt")] == "flyg"
    body = example_body()
    Proposal.model_validate(body)  # the service would accept it
    assert body["travel"]["legs"] == [{"from": "Luleå", "to": "Tromsø", "mode": "flight", "round_trip": True,
                                       "cabin": "economy"}]
    rows = read_plan(tmp_path / "t.csv")
    assert len(rows) == 1 and rows[0].example and rows[0].line == 2  # left in, it is recognised and not sent


def _leaves(schema, defs, prefix=""):
    """Every leaf field path of the proposal's JSON schema, list items as [{i}]; a place is one leaf."""
    if "$ref" in schema:
        return _leaves(defs[schema["$ref"].split("/")[-1]], defs, prefix)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        kinds = [o for o in options if o.get("type") != "null"]
        if len(kinds) > 1:  # a place: a name or coordinates, written in one cell
            return {prefix}
        return _leaves(kinds[0], defs, prefix)
    if schema.get("type") == "array" and "properties" in defs.get(schema.get("items", {}).get("$ref", "/x").split("/")[-1], {}):
        return _leaves(schema["items"], defs, prefix + "[{i}]")
    if "properties" in schema:
        out = set()
        for name, sub in schema["properties"].items():
            out |= _leaves(sub, defs, f"{prefix}.{name}" if prefix else name)
        return out
    return {prefix}


def test_every_field_of_the_proposal_has_a_column():
    schema = Proposal.model_json_schema(by_alias=True)
    fields = _leaves(schema, schema.get("$defs", {}))
    columns = {h.column.path for h in template_headers()}
    assert len(fields) == 34, sorted(fields)
    assert sorted(fields - columns) == []


def test_english_headers_and_words_express_every_field(tmp_path):
    path = write(tmp_path / "en.csv", [EN_HEADERS, EN_ROW], delimiter=",")
    (row,) = read_plan(path)
    assert row.problems == [] and row.lang == "en"
    assert row.body == EN_EXPECTED
    Proposal.model_validate(row.body)
    assert row.column_for("travel.legs[2].to") == "Leg 5 to"  # the third leg is the one numbered 5
    assert row.column_for("goals[1].goal") == "Goal 9"
    assert row.column_for("travel.legs[1].car.occupants") == "Leg 2 occupants"
    assert row.column_for("travel.legs[2].cabin") == "Leg 5 cabin"  # not in the file: the template's name for it


def test_problems_name_the_line_and_the_column_as_written(tmp_path):
    headers = ["Typ", "Titel", "Förvaltning", "Startdatum", "Utveckling", "Resenärer", "EU-andel", "Närvaro krävs",
               "Delsträcka 1 från", "Delsträcka 1 till", "Delsträcka 1 färdsätt"]
    rows = [headers,
            ["resa", "Fine", "kommunstaben", "2027-03-10", "ja", "2", "", "ja", "Luleå", "Oulu", "tåg"],
            [],  # an empty row is skipped
            ["resa", "Multi\nline\ntitle", "kommunstaben", "2027-02-30", "kanske", "2,5", "65", "ibland", "Luleå",
             "Oulu", "raket"]]
    plan = read_plan(write(tmp_path / "p.csv", rows))
    assert [r.line for r in plan] == [2, 4]  # line 3 is empty; the quoted title spans lines 4-6
    assert plan[0].problems == []
    assert {p.column: p.message for p in plan[1].problems} == {
        "Startdatum": "'2027-02-30' is not a date of the calendar",
        "Utveckling": "'kanske' is not one of ja, delvis, nej (yes, partly, no)",
        "Resenärer": "'2,5': a whole number is required",
        "EU-andel": "'65': a share is from 0 to 1 (0,65), or a percentage with % (65 %)",
        "Närvaro krävs": "'ibland': write ja or nej (or vet ej)",
        "Delsträcka 1 färdsätt": "'raket' is not one of flyg, tåg, buss, bil, taxi, färja "
                                 "(flight, train, bus, car, taxi, ferry)",
    }
    assert plan[1].column_for("value_added.influence.answer") == "Påverkan"  # a column the file lacks
    assert plan[1].column_for("travel") == "Delsträcka 1 från"
    assert plan[1].column_for("(body)") == ""


def test_an_unknown_or_repeated_header_stops_the_file_with_a_suggestion(tmp_path):
    with pytest.raises(PlanError, match=r"line 1 \(the header\): column C: unknown column 'Förvaltnign'; did you mean "
                                        r"'Förvaltning'\?"):
        read_plan(write(tmp_path / "a.csv", [["Typ", "Titel", "Förvaltnign"], ["resa", "x", "y"]]))
    with pytest.raises(PlanError, match=r"column C \('Title'\) repeats column B \('Titel'\)"):
        read_plan(write(tmp_path / "b.csv", [["Typ", "Titel", "Title"], ["resa", "x", "y"]]))
    with pytest.raises(PlanError, match=r"h.csv: no proposals below the header"):
        read_plan(write(tmp_path / "h.csv", [["Typ", "Titel"], [], ["", ""]]))
    with pytest.raises(PlanError, match="numbered 1 to 50"):
        read_plan(write(tmp_path / "c.csv", [["Typ", "Delsträcka 51 från"], ["resa", "x"]]))


def test_excel_in_swedish_windows_1252_is_read(tmp_path):
    path = write(tmp_path / "w.csv", [["Typ", "Titel", "Förvaltning"], ["resa", "Resa till Umeå", "kommunstaben"]],
                 encoding="cp1252")
    (row,) = read_plan(path)
    assert row.body == {"kind": "trip", "title": "Resa till Umeå", "department": "kommunstaben"}


def test_the_xlsx_template_round_trips_with_real_dates_and_numbers(tmp_path):
    write_xlsx(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["Aktivitetsplan", "Anvisningar"]
    sheet = book["Aktivitetsplan"]
    header = [c.value for c in sheet[1]]
    assert header == [h.title("sv") for h in template_headers()]
    assert sheet.data_validations.dataValidation  # drop-down lists for the fixed words
    (example,) = read_plan(tmp_path / "t.xlsx")
    assert example.example
    # the officer fills row 3 with cells Excel typed: a date, numbers, a boolean
    values = {"Typ": "Resa", "Titel": "Studiebesök i Oulu", "Förvaltning": "kommunstaben",
              "Startdatum": dt.datetime(2027, 5, 4), "Slutdatum": dt.date(2027, 5, 5), "Utveckling": "Ja",
              "Omvärldsbevakning": "delvis", "Påverkan": "nej", "Resenärer": 4, "Budget (kr)": 12000.0,
              "EU-andel": 0.5, "Digitalt alternativ": False, "Mål 1": 7,
              "Delsträcka 1 från": "Luleå", "Delsträcka 1 till": "Oulu", "Delsträcka 1 färdsätt": "Tåg",
              "Delsträcka 1 tur och retur": True, "Extern referens": 2027}
    for name, value in values.items():
        sheet.cell(row=3, column=header.index(name) + 1, value=value)
    sheet.cell(row=4, column=header.index("Startdatum") + 1, value="4 maj")
    sheet.cell(row=4, column=1, value="resa")
    book.save(tmp_path / "filled.xlsx")
    _, row, bad = read_plan(tmp_path / "filled.xlsx")
    assert (row.line, bad.line) == (3, 4)
    assert row.problems == [] and row.body == {
        "kind": "trip", "title": "Studiebesök i Oulu", "department": "kommunstaben", "external_ref": "2027",
        "start_date": "2027-05-04", "end_date": "2027-05-05", "eu_funding": {"share": 0.5}, "budget_sek": 12000,
        "value_added": {"development": {"answer": "yes"}, "environmental_scanning": {"answer": "partly"},
                        "influence": {"answer": "no"}},
        "goals": [{"goal": 7}],
        "travel": {"travellers": 4, "digital_alternative": False,
                   "legs": [{"from": "Luleå", "to": "Oulu", "mode": "train", "round_trip": True}]}}
    assert [(p.column, p.message) for p in bad.problems] == [
        ("Startdatum", "'4 maj' is not a date: write YYYY-MM-DD (2027-03-10)")]
    assert bad.file.endswith("(sheet Aktivitetsplan)")


def test_json_plans_keep_the_line_of_each_item_and_the_fields_as_written(tmp_path):
    items = [{"kind": "trip", "title": "A"}, {"kind": "activity", "title": "B"}]
    (tmp_path / "list.json").write_text(json.dumps(items, indent=2))
    first, second = read_plan(tmp_path / "list.json")
    assert (first.line, second.line) == (2, 6) and second.body == items[1]
    assert second.column_for("travel.legs[0].to") == "travel.legs[0].to"
    (tmp_path / "batch.json").write_text(json.dumps({"proposals": items}, indent=2))
    assert [r.line for r in read_plan(tmp_path / "batch.json")] == [3, 7]
    (tmp_path / "bad.json").write_text('[{"kind": "trip",\n  "title": }]')
    with pytest.raises(PlanError, match=re.escape("bad.json, line 2, column 12: not valid JSON")):
        read_plan(tmp_path / "bad.json")


def test_problems_name_the_column_exactly_as_the_file_writes_it(tmp_path):
    plan = read_plan(write(tmp_path / "p.csv", [["typ", "TITEL", "startdatum ", "budget_sek"],
                                                ["resa", "x", "31/12/2027", "mycket"]]))
    assert [(p.column, p.field) for p in plan[0].problems] == [("startdatum", "start_date"),
                                                               ("budget_sek", "budget_sek")]
    assert plan[0].column_for("title") == "TITEL"
