"""`vagval screen` and `vagval examples`: readable or JSON output, exit codes of SPEC §11."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "arctic-mayors-forum-tromso.json": "approve_with_conditions",  # flight under 500 km with a surface link
    "austin-tech-conference.json": "needs_information",  # deprioritised cooperation: 55.8, below the threshold
    "brussels-conference-on-teams.json": "prefer_digital",
    "china-trade-delegation.json": "reject",  # ended cooperation
    "incomplete-draft.json": "needs_information",
    "interreg-aurora-project.json": "approve",
    "kemi-school-exchange.json": "approve",
    "oulu-study-visit-train.json": "approve",
    "sern-bologna.json": "approve",
    "ubc-gdansk.json": "approve",
    "zenica-dormant-twin-town.json": "needs_information",  # dormant twin town: 57.7, below the threshold
}


def test_there_are_at_least_eight_examples_and_each_is_expected():
    assert sorted(p.name for p in EXAMPLES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "recommendation"), sorted(EXPECTED.items()))
def test_screen_json_prints_exactly_one_object(name, recommendation, capsys):
    assert main(["screen", str(EXAMPLES / name), "--json"]) == 0
    out = capsys.readouterr().out
    result = json.loads(out)  # one object, nothing else on stdout
    assert result["recommendation"] == recommendation
    assert result["policy_version"] == "lulea-2019-2023-rev-2021-12-03.2"


@pytest.mark.parametrize(("lang", "words"), [("sv", ["Rekommendation", "Poängdelar", "Iakttagelser", "Klimat"]),
                                             ("en", ["Recommendation", "Score parts", "Findings", "Climate"])])
def test_screen_explains_in_the_chosen_language(lang, words, capsys):
    assert main(["screen", str(EXAMPLES / "arctic-mayors-forum-tromso.json"), "--lang", lang]) == 0
    out = capsys.readouterr().out
    for word in words:
        assert word in out
    assert "CLIMATE_MODE_SHIFT" in out
    assert "TOS" in out


def test_examples_command_screens_every_file(capsys):
    assert main(["examples", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert out.count("== ") == len(EXPECTED)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"kind": "trip"}', "title: Field required"),
        ('{"kind": "voyage", "title": "x", "department": "d", "value_added": {}}', "kind: Input should be"),
        ('{"kind": "trip", "title": "x", "department": "d", "value_added": {"development": {"answer": "no"},'
         ' "environmental_scanning": {"answer": "no"}, "influence": {"answer": "no"}}, "colour": "red"}',
         "colour: Extra inputs are not permitted"),
        ('{"kind": "trip", "title": "x", "department": "d", "value_added": {"development": {"answer": "no"},'
         ' "environmental_scanning": {"answer": "no"}, "influence": {"answer": "no"}},'
         ' "travel": {"legs": [{"from": "LLA", "to": "Tromsoo", "mode": "flight"}]}}',
         "travel.legs[0].to: unknown place 'Tromsoo'; did you mean Tromsø"),
        ('{"kind": "trip", "title": "x", "department": "d", "start_date": "2027-05-02", "end_date": "2027-05-01",'
         ' "value_added": {"development": {"answer": "no"}, "environmental_scanning": {"answer": "no"},'
         ' "influence": {"answer": "no"}}, "travel": {"legs": [{"from": "LLA", "to": "TOS", "mode": "flight"}]}}',
         "end_date: end_date must not be before start_date"),
    ],
)
def test_invalid_file_exits_2_naming_the_problem(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["screen", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_missing_file_exits_2(capsys):
    assert main(["screen", "/nonexistent/proposal.json"]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_keys_create_json_prints_the_key_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VAGVAL_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    from app.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["keys", "create", "--role", "submitter", "--department", "kommunstaben", "--name", "Ärende",
                     "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["role"] == "submitter" and out["department"] == "kommunstaben"
        assert out["key"].startswith("vgv_") and out["id"]
        assert main(["keys", "create", "--role", "submitter", "--name", "No department"]) == 2
        assert "bound to one department" in capsys.readouterr().err
        assert main(["keys", "create", "--role", "officer", "--name", "Ärende"]) == 2  # the name is taken
    finally:
        get_settings.cache_clear()


def test_keys_list_rotate_revoke_and_rescreen_all(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VAGVAL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    from app.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["keys", "create", "--role", "officer", "--name", "Handläggare", "--json"]) == 0
        created = json.loads(capsys.readouterr().out)
        assert main(["keys", "list", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(k["id"], k["role"], k["revoked_at"]) for k in listed] == [(created["id"], "officer", None)]
        assert "key" not in listed[0] and "key_hash" not in listed[0]
        assert main(["keys", "list"]) == 0  # the table: prefix, role, department, created and last-used time
        header, row = capsys.readouterr().out.splitlines()[:2]
        assert header.split()[:8] == ["id", "prefix", "role", "department", "client", "created", "last", "used"]
        assert listed[0]["prefix"] in row and listed[0]["created_at"][:19] in row
        assert main(["keys", "rotate", created["id"], "--json"]) == 0
        rotated = json.loads(capsys.readouterr().out)
        assert rotated["key"].startswith("vgv_") and rotated["client_id"] == created["client_id"]
        assert main(["keys", "revoke", created["id"], "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["revoked_at"]
        assert main(["keys", "revoke", "no-such-key"]) == 2
        capsys.readouterr()
        assert main(["rescreen", "--all"]) == 0
        captured = capsys.readouterr()
        assert "Re-screened 0 undecided proposals" in captured.out
        assert main(["rescreen"]) == 2
    finally:
        get_settings.cache_clear()


def test_an_unreachable_database_is_one_line_and_exit_1(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("VAGVAL_DATABASE_URL", f"sqlite:///{tmp_path}/no/such/folder/x.db")
    assert main(["keys", "create", "--role", "viewer", "--name", "dashboard"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("vagval: database sqlite:///") and "unable to open database file" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_demo_data_fills_a_living_database_through_the_service(tmp_path, monkeypatch, capsys):
    """Every department, several years and months, every mode, every recommendation and status; and the stats see
    exactly what was stored."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("VAGVAL_DATABASE_URL", url)
    from sqlmodel import Session

    from app.db import make_engine
    from app.models import Role
    from app.services import demo, stats
    from app.services.filters import Filters
    from app.services.keys import Principal
    from app.settings import Settings, get_settings

    get_settings.cache_clear()
    try:
        assert main(["demo-data", "--n", "400", "--json"]) == 0
        captured = capsys.readouterr()
        report = json.loads(captured.out)
        assert "storing demo proposals" in captured.err and "400/400" in captured.err  # the progress bar
        assert report["requested"] == report["stored"] == 400 and report["decided"] > 100 and report["withdrawn"] > 0
        assert report["departments"] == sorted(demo.DEPARTMENTS)
        engine = make_engine(Settings(database_url=url))
        with Session(engine) as session:
            viewer = Principal("v", "v", Role.viewer, None, "k")
            summary = stats.summary(session, viewer, Filters())
            assert summary["proposals"] == 400 and summary["decided"] == summary["by_status"]["approved"] + \
                summary["by_status"]["rejected"]
            assert all(summary["by_status"].values()) and all(summary["by_recommendation"].values())
            assert all(summary["passenger_km"].values())  # every mode
            years = [r["key"] for r in stats.by_dimension(session, viewer, "year", Filters())["rows"]]
            assert len(years) >= 3
            assert len(stats.by_dimension(session, viewer, "month", Filters())["rows"]) >= 24
            assert summary["departures"] >= 1 and summary["avoided_digital_kg"] > 0
        engine.dispose()
        assert main(["demo-data", "--n", "0"]) == 2
    finally:
        get_settings.cache_clear()
