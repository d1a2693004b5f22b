"""`vagval screen` and `vagval examples`: readable or JSON output, exit codes of SPEC §11."""

from __future__ import annotations

import json
import re
import sys
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


LONG_NAMES = [  # 80 characters each, and short ones, over every role
    ("submitter", "kommunstaben", "Ärendesystemet för kommunstabens internationella resor och projekt, version två."),
    ("submitter", "lulea-business-region", "Luleå Business Regions projektportfölj för Interreg Aurora och Nordic Arctic, 27"),
    ("submitter", "stadsbyggnadsforvaltningen", "SBF"),
    ("officer", None, "Handläggare på kommunledningsförvaltningens enhet för internationella frågor, AB"),
    ("viewer", None, "Styrgruppen"),
    ("admin", None, "Driftansvarig på IT-avdelningen med ett mycket långt namn som inte får kapas ..."),
]


@pytest.fixture
def listed_keys(tmp_path, monkeypatch, capsys):
    """A database with keys of long and short names, every role, several departments; one key revoked."""
    monkeypatch.setenv("VAGVAL_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    from app.settings import get_settings

    get_settings.cache_clear()
    created = []
    for role, department, name in LONG_NAMES:
        assert main(["keys", "create", "--role", role, "--name", name, "--json",
                     *(["--department", department] if department else [])]) == 0
        created.append(json.loads(capsys.readouterr().out))
    assert main(["keys", "revoke", created[3]["id"], "--json"]) == 0
    capsys.readouterr()
    assert main(["keys", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [k["id"] for k in listed] == [c["id"] for c in created]
    yield listed
    get_settings.cache_clear()


def test_the_long_names_are_80_characters():
    assert [len(name) for _, _, name in LONG_NAMES] == [80, 80, 3, 80, 11, 80]


def test_keys_list_piped_is_one_tab_separated_line_per_key_with_every_name_whole(listed_keys, capsys):
    created = listed_keys
    assert main(["keys", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["id", "prefix", "role", "department", "client", "created", "last used", "revoked"]
    rows = [line.split("\t") for line in lines[1:]]
    assert [len(row) for row in rows] == [8] * len(LONG_NAMES)  # one line per key, the same columns
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (c["id"], c["prefix"], role, department or "", name) for c, (role, department, name) in zip(created, LONG_NAMES)]
    assert [r[7] for r in rows] == ["", "", "", created[3]["revoked_at"], "", ""]  # times whole, as --json has them
    assert [r[5] for r in rows] == [c["created_at"] for c in created]
    assert [r[6] for r in rows] == [""] * len(LONG_NAMES)  # not used yet


def _table_rows(out: str) -> tuple[list[str], list[list[list[str]]]]:
    """The table's lines, and per key the lines of each of its cells (between the │ borders)."""
    table = [line for line in out.splitlines() if line and line[0] in "┏┃┡│├└"]
    keys: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in table[3:]:  # after the header and its rule
        if line[0] in "├└":
            keys.append(current)
            current = []
            continue
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        current = current or [[] for _ in cells]
        for lines_of, cell in zip(current, cells):
            if cell:
                lines_of.append(cell)
    return table, keys


def test_keys_list_at_a_narrow_terminal_is_a_table_whose_borders_align_and_nothing_is_cut(listed_keys, capsys,
                                                                                        monkeypatch):
    created = listed_keys
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich as on a terminal: colours and all
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["keys", "list"]) == 0
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    assert "\t" not in out
    table, keys = _table_rows(out)
    assert table[0].startswith("┏") and table[-1].startswith("└")
    assert {len(line) for line in table} == {80}  # as wide as the terminal, no wider
    borders = {tuple(i for i, ch in enumerate(line) if ch in "┏┳┓┃┡╇┩│├┼┤└┴┘") for line in table}
    assert len(borders) == 1 and len(next(iter(borders))) == 4  # every line's borders at the same offsets
    assert len(keys) == len(LONG_NAMES)
    for cells, key, (role, department, name) in zip(keys, created, LONG_NAMES):
        ids, client, times = cells
        assert ids == [key["id"], key["prefix"]]  # the id on one line, to copy
        whole = f"{name} {role}" + (f", {department}" if department else "")
        if max(len(word) for word in whole.split()) < 16:  # wrapped between words, and nothing left out
            assert " ".join(client) == whole
        else:  # a word longer than the column is folded, not cut
            assert "".join(client).replace(" ", "") == whole.replace(" ", "")
        assert times[:3] == ["created", key["created_at"][:16].replace("T", " "), "not used yet"]
    assert keys[3][2][3:] == ["revoked", created[3]["revoked_at"][:16].replace("T", " ")]
